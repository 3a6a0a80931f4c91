import XCTest
@testable import Transport

/// RFC 7766 §7: an answer on a shared connection matches a query by ID and,
/// when it has one, by its question (QNAME case-insensitively, QTYPE, QCLASS).
final class QuestionMatchTests: XCTestCase {
    func same(_ query: [UInt8], _ response: [UInt8]) -> Bool {
        query.withUnsafeBytes { q in response.withUnsafeBytes { r in QuestionMatch.sameQuestion(query: q, response: r) } }
    }

    func testQuestionsMatchCaseInsensitively() {
        let q = Wire.query(id: 1, "www.Example")
        XCTAssertTrue(same(q, Wire.answer(to: Wire.query(id: 1, "WWW.example"), mark: 0)))
        XCTAssertFalse(same(q, Wire.answer(to: Wire.query(id: 1, "www.example.net"), mark: 0)))
        XCTAssertFalse(same(q, Wire.answer(to: Wire.query(id: 1, "ww.example"), mark: 0)))
        XCTAssertFalse(same(q, Wire.answer(to: Wire.query(id: 1, "www.Example", type: 28), mark: 0)))
    }

    func testAnAnswerWithoutAQuestionMatchesByIDAlone() {
        var formErr = Array(Wire.query(id: 1, "www.example")[0..<12])
        formErr[4] = 0; formErr[5] = 0
        XCTAssertTrue(same(Wire.query(id: 1, "www.example"), formErr))
    }

    func testCompressedOrCutQuestionsDoNotMatch() {
        let q = Wire.query(id: 1, "www.example")
        var pointer = Array(q[0..<12]) + [0xC0, 0x0C, 0, 1, 0, 1]
        pointer[2] = 0x81
        XCTAssertFalse(same(q, pointer))
        XCTAssertFalse(same(q, Array(q[0..<16])))
        XCTAssertFalse(same(q, Array(q[0..<(q.count - 1)])))
    }
}
