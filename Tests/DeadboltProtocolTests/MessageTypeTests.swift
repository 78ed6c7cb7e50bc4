import DeadboltProtocol
import XCTest

final class MessageTypeTests: XCTestCase {
    func testResponseTypeSetsTheHighBit() {
        let requests = MessageType.allCases.filter(\.isRequest)
        XCTAssertEqual(requests.map(\.rawValue), Array(0x01...0x0A))
        for request in requests {
            let response = try? XCTUnwrap(request.responseType)
            XCTAssertEqual(response?.rawValue, request.rawValue | 0x80)
            XCTAssertEqual(response?.requestType, request)
            XCTAssertEqual(response?.name, request.name + "_RESPONSE")
            XCTAssertNil(request.requestType)
        }
    }

    func testEventAndErrorTypes() {
        XCTAssertEqual(MessageType.lost.rawValue, 0xC1)
        XCTAssertEqual(MessageType.error.rawValue, 0xFF)
        for type in [MessageType.lost, .error] {
            XCTAssertFalse(type.isRequest)
            XCTAssertNil(type.requestType)
            XCTAssertNil(type.responseType)
        }
        XCTAssertEqual(MessageType.forceRelease.description, "FORCE_RELEASE (0x09)")
        XCTAssertEqual(MessageType.error.description, "ERROR (0xff)")
    }

    func testRequestAndResponseCasesMatchTheirTypes() {
        XCTAssertEqual(Request.cancel(CancelRequest(targetRequestID: 1)).type, .cancel)
        XCTAssertEqual(Response.cancel(CancelResponse(removedWaiter: false)).type, .cancelResponse)
        XCTAssertEqual(Response.cancel(CancelResponse(removedWaiter: false)).requestType, .cancel)
    }
}
