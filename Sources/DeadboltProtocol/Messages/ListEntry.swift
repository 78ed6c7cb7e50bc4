import NIOCore

/// One resource in a LIST page.
///
/// Layout: `str16 resource`, `u8 mode`, `u32 holderCount`, `u32 waiterCount`.
public struct ListEntry: WirePayload {
    /// The lock's name.
    public var resource: String
    /// The mode it is held in; with no holder (waiters only), the mode of the first waiter.
    public var mode: LockMode
    /// How many owners hold it.
    public var holderCount: UInt32
    /// How many acquires wait for it.
    public var waiterCount: UInt32

    /// Creates a list entry.
    public init(resource: String, mode: LockMode, holderCount: UInt32, waiterCount: UInt32) {
        self.resource = resource
        self.mode = mode
        self.holderCount = holderCount
        self.waiterCount = waiterCount
    }

    /// Appends the fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.resource)
        buffer.writeLockMode(self.mode)
        buffer.writeWireInteger(self.holderCount)
        buffer.writeWireInteger(self.waiterCount)
    }

    /// Reads the fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ListEntry {
        ListEntry(
            resource: try buffer.readStr16(field: "entry.resource"),
            mode: try buffer.readLockMode(field: "entry.mode"),
            holderCount: try buffer.readWireInteger(field: "entry.holderCount"),
            waiterCount: try buffer.readWireInteger(field: "entry.waiterCount")
        )
    }
}
