import NIOCore

/// How a lock is held: by one holder, or by many readers at once.
public enum LockMode: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// One holder; conflicts with every other holder.
    case exclusive = 0
    /// Many holders at once; conflicts with an exclusive holder, and queues behind a waiting
    /// exclusive request (writer preference).
    case shared = 1

    /// The upper-case name from docs/PROTOCOL.md.
    public var name: String {
        switch self {
        case .exclusive: return "EXCLUSIVE"
        case .shared: return "SHARED"
        }
    }

    /// The lower-case name, e.g. `exclusive`.
    public var description: String {
        switch self {
        case .exclusive: return "exclusive"
        case .shared: return "shared"
        }
    }
}

extension ByteBuffer {
    /// Reads a `u8` lock mode; throws ``ProtocolDecodeError/invalidMode(_:)`` for an unknown value.
    mutating func readLockMode(field: String) throws(ProtocolDecodeError) -> LockMode {
        let raw = try self.readWireInteger(as: UInt8.self, field: field)
        guard let mode = LockMode(rawValue: raw) else {
            throw .invalidMode(raw)
        }
        return mode
    }

    /// Writes a `u8` lock mode.
    mutating func writeLockMode(_ mode: LockMode) {
        self.writeInteger(mode.rawValue)
    }
}
