import NIOCore

/// One named value in a STATS response.
///
/// Layout: `str16 name`, `u64 value`.
public struct StatsCounter: WirePayload {
    /// A snake_case name, e.g. `locks_held`; names ending in `_total` only ever grow.
    public var name: String
    /// The current value.
    public var value: UInt64

    /// Creates a counter.
    public init(name: String, value: UInt64) {
        self.name = name
        self.value = value
    }

    /// Appends the fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.name)
        buffer.writeWireInteger(self.value)
    }

    /// Reads the fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> StatsCounter {
        StatsCounter(
            name: try buffer.readStr16(field: "counter.name"),
            value: try buffer.readWireInteger(field: "counter.value")
        )
    }
}
