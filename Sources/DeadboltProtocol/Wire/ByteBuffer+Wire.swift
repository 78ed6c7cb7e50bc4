import NIOCore

// The primitive field readers and writers every message codec is built from. Readers throw
// ``ProtocolDecodeError`` naming the field instead of returning nil, so a message decoder is
// a straight list of fields. All integers are big-endian.
extension ByteBuffer {
    /// Reads a big-endian integer; throws ``ProtocolDecodeError/truncated(field:)`` when too
    /// few bytes remain.
    mutating func readWireInteger<T: FixedWidthInteger>(
        as type: T.Type = T.self,
        field: String
    ) throws(ProtocolDecodeError) -> T {
        guard let value = self.readInteger(endianness: .big, as: T.self) else {
            throw .truncated(field: field)
        }
        return value
    }

    /// Writes a big-endian integer.
    mutating func writeWireInteger<T: FixedWidthInteger>(_ value: T) {
        self.writeInteger(value, endianness: .big)
    }

    /// Reads a `str16`: a `u16` byte length, then that many bytes of valid UTF-8.
    mutating func readStr16(field: String) throws(ProtocolDecodeError) -> String {
        let length = try self.readWireInteger(as: UInt16.self, field: field)
        guard let bytes = self.readSlice(length: Int(length)) else {
            throw .truncated(field: field)
        }
        let decoded = bytes.withUnsafeReadableBytes { raw -> String? in
            // ASCII, the usual case, is valid UTF-8 as it stands; the
            // standard library's validating initialiser is generic and looks
            // up type metadata at run time, a measurable cost per request.
            if raw.allSatisfy({ $0 < 0x80 }) { return String(decoding: raw, as: UTF8.self) }
            return String(validating: raw, as: UTF8.self)
        }
        guard let string = decoded else {
            throw .invalidUTF8(field: field)
        }
        return string
    }

    /// Writes a `str16`.
    ///
    /// - Precondition: `string` is at most 65,535 UTF-8 bytes. Names are far shorter (the
    ///   daemon's limit is 255 bytes), so a longer string is a bug in the caller.
    mutating func writeStr16(_ string: String) {
        let length = string.utf8.count
        precondition(length <= Int(UInt16.max), "a str16 field holds at most 65535 bytes, got \(length)")
        self.writeInteger(UInt16(length), endianness: .big)
        self.writeString(string)
    }

    /// Reads a `u8` boolean: 0 is false, any other value true.
    mutating func readWireBool(field: String) throws(ProtocolDecodeError) -> Bool {
        try self.readWireInteger(as: UInt8.self, field: field) != 0
    }

    /// Writes a `u8` boolean as 0 or 1.
    mutating func writeWireBool(_ value: Bool) {
        self.writeInteger(value ? 1 : 0 as UInt8)
    }

    /// Reads a list of `count` elements, each decoded by `Element.decode(from:)`.
    ///
    /// The count comes from the peer, so nothing is reserved up front: each element consumes
    /// at least one byte, and a count larger than the body ends in
    /// ``ProtocolDecodeError/truncated(field:)`` after at most `readableBytes` iterations.
    mutating func readWireList<Element: WirePayload>(
        count: Int,
        of type: Element.Type = Element.self
    ) throws(ProtocolDecodeError) -> [Element] {
        var elements: [Element] = []
        for _ in 0..<count {
            elements.append(try Element.decode(from: &self))
        }
        return elements
    }

    /// Writes a list's count as an integer of type `Count`, then each element.
    ///
    /// - Precondition: the list fits the count's width.
    mutating func writeWireList<Count: FixedWidthInteger, Element: WirePayload>(
        _ elements: [Element],
        countAs countType: Count.Type
    ) {
        guard let count = Count(exactly: elements.count) else {
            preconditionFailure("\(elements.count) elements do not fit a \(Count.bitWidth)-bit count")
        }
        self.writeInteger(count, endianness: .big)
        for element in elements {
            element.encode(into: &self)
        }
    }
}
