import NIOCore

/// The `u8 flags` of an acquire request.
public struct AcquireFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The bits on the wire.
    public let rawValue: UInt8

    /// Wraps raw bits. Only ``all`` bits are valid on the wire.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Bit 0: the lock survives the connection that took it, until release or lease end.
    /// Requires a TTL greater than 0.
    public static let detached = AcquireFlags(rawValue: 1 << 0)
    /// Bit 1: an owner that already holds the lock exclusively may take it again, and then
    /// needs as many releases. It has effect only on an exclusive re-acquire of an exclusive
    /// hold; without it, a re-acquire answers ALREADY_HELD.
    public static let reentrant = AcquireFlags(rawValue: 1 << 1)

    /// Every flag defined in this protocol version.
    public static let all: AcquireFlags = [.detached, .reentrant]

    /// The set flags' upper-case names joined by `|`, or `none`.
    public var description: String {
        let names = self.names
        return names.isEmpty ? "none" : names.joined(separator: "|")
    }

    /// The upper-case names of the set flags, as in docs/protocol-vectors.json.
    public var names: [String] {
        var names: [String] = []
        if self.contains(.detached) { names.append("DETACHED") }
        if self.contains(.reentrant) { names.append("REENTRANT") }
        let unknown = self.subtracting(.all).rawValue
        if unknown != 0 { names.append(hexByte(unknown)) }
        return names
    }
}

extension ByteBuffer {
    /// Reads acquire flags; throws ``ProtocolDecodeError/invalidFlags(_:)`` when an undefined
    /// bit is set.
    mutating func readAcquireFlags(field: String) throws(ProtocolDecodeError) -> AcquireFlags {
        let flags = AcquireFlags(rawValue: try self.readWireInteger(as: UInt8.self, field: field))
        guard AcquireFlags.all.isSuperset(of: flags) else {
            throw .invalidFlags(flags.rawValue)
        }
        return flags
    }
}
