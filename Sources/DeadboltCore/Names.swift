/// Why a resource or owner name was refused.
public enum NameError: Error, Hashable, Sendable {
    /// A resource name must have at least one byte.
    case empty
    /// The name is longer than ``ResourceName/maxBytes`` UTF-8 bytes.
    case tooLong(bytes: Int)
    /// The name contains a NUL byte, which no C string can carry.
    case containsNUL
}

/// The name of a lock: 1 to 255 bytes of UTF-8 without NUL, compared byte for byte.
///
/// Swift's `String` equality is Unicode canonical equivalence, under which two
/// different byte sequences can be equal. Lock names must not be, so equality,
/// hashing and ordering here look only at the UTF-8 bytes. Names of up to 15
/// bytes are stored inline, with no allocation.
public struct ResourceName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxBytes = 255

    /// The name. Its UTF-8 form is what identifies the lock.
    public let string: String

    /// Checks the length rules; the string is UTF-8 by construction.
    public init(_ string: String) throws(NameError) {
        let byteCount = string.utf8.count
        if byteCount == 0 { throw .empty }
        if byteCount > Self.maxBytes { throw .tooLong(bytes: byteCount) }
        if string.utf8.contains(0) { throw .containsNUL }
        self.string = string
    }

    public static func == (lhs: ResourceName, rhs: ResourceName) -> Bool {
        utf8Equal(lhs.string, rhs.string)
    }

    public func hash(into hasher: inout Hasher) {
        hashUTF8(string, into: &hasher)
    }

    /// Byte-wise lexicographic order, the order of `list`.
    public static func < (lhs: ResourceName, rhs: ResourceName) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }

    /// True if the name's bytes start with `prefix`'s bytes.
    public func hasBytePrefix(_ prefix: String) -> Bool {
        string.utf8.starts(with: prefix.utf8)
    }

    public var description: String { string }
}

extension ResourceName {
    /// `name` in the namespace of `uid` (`--isolate-uids`): a NUL, the uid in
    /// decimal, a NUL, then the name. A client's name never holds a NUL, so a
    /// namespaced name never equals a client's name or another uid's. (It may
    /// be longer than ``maxBytes``: the limit is on what clients send.)
    public init(isolating name: ResourceName, uid: UInt32) {
        self.string = Self.namespacePrefix(uid: uid) + name.string
    }

    /// A namespaced name read back from elsewhere (the Redis upstream's
    /// channels), or nil if `string` is not one.
    public init?(namespaced string: String) {
        guard string.utf8.first == 0, string.utf8.dropFirst().contains(0) else { return nil }
        self.string = string
    }

    /// What starts every name of `uid`'s namespace.
    public static func namespacePrefix(uid: UInt32) -> String {
        "\u{0}\(uid)\u{0}"
    }

    /// The name as its client knows it: without the namespace, if it has one.
    public var clientName: String {
        guard string.utf8.first == 0, let end = string.utf8.dropFirst().firstIndex(of: 0) else { return string }
        return String(string[string.utf8.index(after: end)...])
    }
}

/// The owner string a client chose for a hold: 0 to 255 bytes of UTF-8 without NUL.
/// Empty means "the session itself". Compared byte for byte.
public struct OwnerName: Hashable, Sendable, CustomStringConvertible {
    public static let maxBytes = 255

    public let string: String

    /// The session-owned name (empty).
    public static let session = OwnerName(unchecked: "")

    public init(_ string: String) throws(NameError) {
        let byteCount = string.utf8.count
        if byteCount > Self.maxBytes { throw .tooLong(bytes: byteCount) }
        if string.utf8.contains(0) { throw .containsNUL }
        self.string = string
    }

    private init(unchecked string: String) {
        self.string = string
    }

    /// True when the hold belongs to the session rather than a named owner.
    public var isSession: Bool { string.isEmpty }

    public static func == (lhs: OwnerName, rhs: OwnerName) -> Bool {
        utf8Equal(lhs.string, rhs.string)
    }

    public func hash(into hasher: inout Hasher) {
        hashUTF8(string, into: &hasher)
    }

    public var description: String { string }
}

@inline(__always)
private func utf8Equal(_ lhs: String, _ rhs: String) -> Bool {
    let left = lhs.utf8
    let right = rhs.utf8
    guard left.count == right.count else { return false }
    // Native strings are contiguous UTF-8: compare the bytes in place.
    // (`elementsEqual` on the views walks them through the index machinery,
    // a third of an acquire's cost.)
    let compared: Bool?? = left.withContiguousStorageIfAvailable { leftBytes in
        right.withContiguousStorageIfAvailable { rightBytes in
            var offset = 0
            while offset < leftBytes.count {
                if leftBytes[offset] != rightBytes[offset] { return false }
                offset += 1
            }
            return true
        }
    }
    if let compared, let equal = compared { return equal }
    return left.elementsEqual(right)
}

@inline(__always)
private func hashUTF8(_ string: String, into hasher: inout Hasher) {
    let done: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
    }
    if done == nil {
        for byte in string.utf8 { hasher.combine(byte) }
    }
    hasher.combine(string.utf8.count)
}
