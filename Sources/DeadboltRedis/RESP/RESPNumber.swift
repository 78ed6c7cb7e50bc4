import NIOCore

/// Decimal numbers as RESP writes them, read straight from the buffer's bytes.
enum RESPNumber {
    /// The most digits an Int64 has.
    private static let maxDigits = 19

    /// An optional sign (`+` only if `allowsPlus`) then 1–19 digits, within Int64's range;
    /// `nil` otherwise.
    static func parseInteger(_ buffer: ByteBuffer, at index: Int, length: Int, allowsPlus: Bool) -> Int64? {
        guard length > 0, let bytes = buffer.getBytes(at: index, length: length) else { return nil }
        var digits = bytes[...]
        var negative = false
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        } else if allowsPlus, digits.first == UInt8(ascii: "+") {
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= Self.maxDigits else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            magnitude = magnitude * 10 + UInt64(byte - UInt8(ascii: "0"))  // 19 digits fit in UInt64
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// An optional `-` or `+`, then at least one digit.
    static func isBigNumber(_ buffer: ByteBuffer, at index: Int, length: Int) -> Bool {
        guard length > 0, let bytes = buffer.getBytes(at: index, length: length) else { return false }
        var digits = bytes[...]
        if digits.first == UInt8(ascii: "-") || digits.first == UInt8(ascii: "+") {
            digits = digits.dropFirst()
        }
        return !digits.isEmpty && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
