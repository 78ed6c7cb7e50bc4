@testable import DeadboltCore
import XCTest

/// The open-addressing index against a dictionary, with hashes chosen to
/// collide and runs that wrap around the end of the table.
final class ResourceIndexTests: XCTestCase {
    func testRandomInsertsAndRemovesAgreeWithADictionary() {
        var generator = SystemRandomNumberGenerator()
        for hashRange in [UInt32(4), 64, .max] {
            var index = ResourceIndex()
            var expected: [Int32: UInt32] = [:]  // index → hash
            var nextIndex: Int32 = 0
            for step in 0..<20_000 {
                if expected.isEmpty || Bool.random(using: &generator) {
                    let hash = UInt32.random(in: 0...hashRange - 1, using: &generator) &* (hashRange == .max ? 1 : 0x1000_0001)
                    expected[nextIndex] = hash
                    index.insert(hash: hash, index: nextIndex) { expected[$0]! }
                    nextIndex += 1
                } else {
                    let (victim, hash) = expected.randomElement(using: &generator)!
                    index.remove(hash: hash, index: victim) { expected[$0]! }
                    expected[victim] = nil
                }
                XCTAssertEqual(index.count, expected.count)
                if step % 500 == 0 || expected.count < 8 {
                    for (stored, hash) in expected {
                        XCTAssertEqual(index.find(hash: hash) { $0 == stored }, stored, "step \(step)")
                    }
                    XCTAssertEqual(Set(index.indices), Set(expected.keys))
                }
            }
            XCTAssertNil(index.find(hash: 7) { _ in false })
        }
    }

    func testEntriesSurviveGrowth() {
        var index = ResourceIndex()
        for i in 0..<10_000 { index.insert(hash: UInt32(i % 97), index: Int32(i)) { UInt32($0 % 97) } }
        for i in 0..<10_000 {
            XCTAssertEqual(index.find(hash: UInt32(i % 97)) { $0 == Int32(i) }, Int32(i))
        }
    }
}
