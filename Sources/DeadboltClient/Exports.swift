// The protocol's value types that appear in DeadboltClient's API, so that
// `import DeadboltClient` is enough to use it. Only these are re-exported, not the codecs.
@_exported import enum DeadboltProtocol.LockMode
@_exported import struct DeadboltProtocol.QueryResponse
@_exported import struct DeadboltProtocol.HolderInfo
@_exported import struct DeadboltProtocol.WaiterInfo
@_exported import struct DeadboltProtocol.ListResponse
@_exported import struct DeadboltProtocol.ListEntry
