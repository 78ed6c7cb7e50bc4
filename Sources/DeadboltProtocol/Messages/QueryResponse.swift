import NIOCore

/// QUERY's OK payload: the resource's holders in grant order and its waiters in queue order.
///
/// Layout: `u16 holderCount`, `holderCount × HolderInfo`, `u16 waiterCount`,
/// `waiterCount × WaiterInfo`. A resource nobody holds or waits for has two empty lists.
public struct QueryResponse: WirePayload {
    /// The current holders, oldest grant first.
    public var holders: [HolderInfo]
    /// The waiting acquires, in the order they will be served.
    public var waiters: [WaiterInfo]

    /// Creates a query response.
    public init(holders: [HolderInfo], waiters: [WaiterInfo]) {
        self.holders = holders
        self.waiters = waiters
    }

    /// Appends the payload fields.
    ///
    /// - Precondition: each list has at most 65,535 entries.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireList(self.holders, countAs: UInt16.self)
        buffer.writeWireList(self.waiters, countAs: UInt16.self)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> QueryResponse {
        let holderCount = try buffer.readWireInteger(as: UInt16.self, field: "holderCount")
        let holders = try buffer.readWireList(count: Int(holderCount), of: HolderInfo.self)
        let waiterCount = try buffer.readWireInteger(as: UInt16.self, field: "waiterCount")
        let waiters = try buffer.readWireList(count: Int(waiterCount), of: WaiterInfo.self)
        return QueryResponse(holders: holders, waiters: waiters)
    }
}
