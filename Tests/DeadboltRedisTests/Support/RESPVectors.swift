import DeadboltRedis
import NIOCore

/// One RESP value and its bytes on the wire.
struct RESPVector {
    var name: String
    var bytes: [UInt8]
    var value: RESPValue
    /// True when ``RESPValue/encode(into:)`` writes exactly ``bytes`` back.
    var isCanonical: Bool

    init(_ name: String, _ text: String, _ value: RESPValue, canonical: Bool = true) {
        self.init(name, Array(text.utf8), value, canonical: canonical)
    }

    init(_ name: String, _ bytes: [UInt8], _ value: RESPValue, canonical: Bool = true) {
        self.name = name
        self.bytes = bytes
        self.value = value
        self.isCanonical = canonical
    }

    var buffer: ByteBuffer { ByteBuffer(bytes: self.bytes) }
}

func bulk(_ text: String) -> RESPValue {
    .bulkString(ByteBuffer(string: text))
}

/// Every RESP2 and RESP3 type, the edge of each.
let respVectors: [RESPVector] = [
    RESPVector("simple string", "+OK\r\n", .simpleString("OK")),
    RESPVector("empty simple string", "+\r\n", .simpleString("")),
    RESPVector("error", "-NOSCRIPT No matching script. Please use EVAL.\r\n",
               .error(RedisErrorReply(message: "NOSCRIPT No matching script. Please use EVAL."))),
    RESPVector("integer", ":1000\r\n", .integer(1000)),
    RESPVector("negative integer", ":-42\r\n", .integer(-42)),
    RESPVector("integer with a plus sign", ":+7\r\n", .integer(7), canonical: false),
    RESPVector("smallest integer", ":-9223372036854775808\r\n", .integer(.min)),
    RESPVector("largest integer", ":9223372036854775807\r\n", .integer(.max)),
    RESPVector("bulk string", "$5\r\nhello\r\n", bulk("hello")),
    RESPVector("empty bulk string", "$0\r\n\r\n", bulk("")),
    RESPVector("binary bulk string with CRLF inside", Array("$5\r\n".utf8) + [0x0D, 0x0A, 0x00, 0xFF, 0x0D] + Array("\r\n".utf8),
               .bulkString(ByteBuffer(bytes: [0x0D, 0x0A, 0x00, 0xFF, 0x0D]))),
    RESPVector("RESP2 null bulk string", "$-1\r\n", .null, canonical: false),
    RESPVector("RESP2 null array", "*-1\r\n", .null, canonical: false),
    RESPVector("RESP3 null", "_\r\n", .null),
    RESPVector("array", "*3\r\n:1\r\n$3\r\nfoo\r\n+bar\r\n", .array([.integer(1), bulk("foo"), .simpleString("bar")])),
    RESPVector("empty array", "*0\r\n", .array([])),
    RESPVector("nested array with a null", "*2\r\n*1\r\n:1\r\n$-1\r\n", .array([.array([.integer(1)]), .null]), canonical: false),
    RESPVector("map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", .map([
        RESPValue.MapEntry(key: .simpleString("first"), value: .integer(1)),
        RESPValue.MapEntry(key: .simpleString("second"), value: .integer(2)),
    ])),
    RESPVector("empty map", "%0\r\n", .map([])),
    RESPVector("set", "~2\r\n+a\r\n+b\r\n", .set([.simpleString("a"), .simpleString("b")])),
    RESPVector("double", ",3.14\r\n", .double(3.14)),
    RESPVector("double with exponent", ",1.5e+20\r\n", .double(1.5e20)),
    RESPVector("negative double", ",-0.5\r\n", .double(-0.5)),
    RESPVector("infinity", ",inf\r\n", .double(.infinity)),
    RESPVector("negative infinity", ",-inf\r\n", .double(-.infinity)),
    RESPVector("true", "#t\r\n", .boolean(true)),
    RESPVector("false", "#f\r\n", .boolean(false)),
    RESPVector("big number", "(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
    RESPVector("negative big number", "(-3492890328409238509324850943850943825024385\r\n", .bigNumber("-3492890328409238509324850943850943825024385")),
    RESPVector("verbatim string", "=15\r\ntxt:Some string\r\n", .verbatimString(format: "txt", text: ByteBuffer(string: "Some string"))),
    RESPVector("empty verbatim string", "=4\r\nmkd:\r\n", .verbatimString(format: "mkd", text: ByteBuffer())),
    RESPVector("blob error", "!21\r\nSYNTAX invalid syntax\r\n", .error(RedisErrorReply(message: "SYNTAX invalid syntax")), canonical: false),
    RESPVector("push", ">3\r\n$7\r\nmessage\r\n$4\r\nlock\r\n$4\r\nfree\r\n", .push([bulk("message"), bulk("lock"), bulk("free")])),
    RESPVector("attribute before a reply, skipped",
               "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
               .array([.integer(2_039_123), .integer(9_543_892)]), canonical: false),
    RESPVector("attribute inside an array, skipped", "*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n", .array([.integer(1), .integer(2)]), canonical: false),
    RESPVector("empty attribute", "|0\r\n+OK\r\n", .simpleString("OK"), canonical: false),
]
