import DeadboltProtocol
import XCTest

final class WireStatusTests: XCTestCase {
    func testCodesAndNamesMatchTheSpec() {
        let table: [(WireStatus, UInt16, String)] = [
            (.ok, 0, "OK"),
            (.notGranted, 1, "NOT_GRANTED"),
            (.waitTimeout, 2, "WAIT_TIMEOUT"),
            (.lockUnexist, 3, "LOCK_UNEXIST"),
            (.lockBelongToOthers, 4, "LOCK_BELONG_TO_OTHERS"),
            (.alreadyHeld, 5, "ALREADY_HELD"),
            (.cancelled, 6, "CANCELLED"),
            (.shuttingDown, 7, "SHUTTING_DOWN"),
            (.invalidArgument, 16, "INVALID_ARGUMENT"),
            (.nameTooLong, 17, "NAME_TOO_LONG"),
            (.quotaExceeded, 18, "QUOTA_EXCEEDED"),
            (.permissionDenied, 19, "PERMISSION_DENIED"),
            (.upstreamUnavailable, 20, "UPSTREAM_UNAVAILABLE"),
            (.protocolError, 32, "PROTOCOL_ERROR"),
            (.unsupportedVersion, 33, "UNSUPPORTED_VERSION"),
            (.internal, 34, "INTERNAL"),
        ]
        for (status, code, name) in table {
            XCTAssertEqual(status.rawValue, code)
            XCTAssertEqual(status.name, name)
            XCTAssertEqual(status.description, "\(name) (\(code))")
            XCTAssertTrue(status.isKnown)
        }
        XCTAssertEqual(WireStatus.allKnown, table.map(\.0))
    }

    func testUnknownCodes() {
        XCTAssertFalse(WireStatus(rawValue: 8).isKnown)
        XCTAssertEqual(WireStatus(rawValue: 65_535).name, "STATUS_65535")
    }

    func testDecodeErrorStatuses() {
        XCTAssertEqual(ProtocolDecodeError.truncated(field: "x").status, .protocolError)
        XCTAssertEqual(ProtocolDecodeError.bodyTooShort(1).status, .protocolError)
        XCTAssertEqual(ProtocolDecodeError.unknownMessageType(0x42).status, .protocolError)
        XCTAssertEqual(ProtocolDecodeError.invalidUTF8(field: "x").status, .invalidArgument)
        XCTAssertEqual(ProtocolDecodeError.invalidMode(2).status, .invalidArgument)
        XCTAssertEqual(ProtocolDecodeError.invalidFlags(4).status, .invalidArgument)
    }
}
