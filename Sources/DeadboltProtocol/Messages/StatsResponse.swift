import NIOCore

/// STATS's OK payload: named counters and gauges.
///
/// Layout: `u16 count`, `count × StatsCounter`. docs/PROTOCOL.md lists the initial names;
/// later daemons may add names, so clients look counters up by name and skip unknown ones.
public struct StatsResponse: WirePayload {
    /// The counters, in the daemon's order.
    public var counters: [StatsCounter]

    /// Creates a stats response.
    public init(counters: [StatsCounter]) {
        self.counters = counters
    }

    /// The value of the counter named `name`, if present.
    public subscript(name: String) -> UInt64? {
        self.counters.first { $0.name == name }?.value
    }

    /// Appends the payload fields.
    ///
    /// - Precondition: at most 65,535 counters.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireList(self.counters, countAs: UInt16.self)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> StatsResponse {
        let count = try buffer.readWireInteger(as: UInt16.self, field: "count")
        return StatsResponse(counters: try buffer.readWireList(count: Int(count), of: StatsCounter.self))
    }
}
