import XCTest
import DNSWire
import Fixed
@testable import LocalData

/// Block lists: both file formats, a domain blocks its subtree, the table
/// is bounded, garbage never crashes.
final class BlockListTests: XCTestCase {
    static func load(_ text: String, capacity: Int = 64) -> (BlockList, [Int]) {
        var table = BlockList(capacity: capacity, arena: Arena(rows: BlockList.footprint(capacity: capacity)))
        var problems: [Int] = []
        Array(text.utf8).withUnsafeBytes { raw in
            BlockListText.parse(raw, add: { name, _ in table.insert(name) }, problem: { line, _ in problems.append(line) })
        }
        return (table, problems)
    }

    static func name(_ s: String) -> Name { try! Name(parsing: s) }

    func testFormatsAndSubtrees() {
        let (t, problems) = BlockListTests.load("""
            # StevenBlack-style hosts
            0.0.0.0 ads.example.com
            127.0.0.1 localhost
            0.0.0.0 0.0.0.0
            tracker.example.net   # domain per line
            Mixed.CASE.example
            bad..name
            two words
            """)
        XCTAssertEqual(problems, [7, 8])
        XCTAssertEqual(t.count, 3)
        XCTAssertTrue(t.blocks(BlockListTests.name("ads.example.com.")))
        XCTAssertTrue(t.blocks(BlockListTests.name("x.y.ADS.example.com.")), "a listed domain blocks its subtree")
        XCTAssertTrue(t.blocks(BlockListTests.name("mixed.case.example.")))
        XCTAssertFalse(t.blocks(BlockListTests.name("example.com.")))
        XCTAssertFalse(t.blocks(BlockListTests.name("localhost.")), "system names in hosts lists are skipped")
        XCTAssertFalse(t.blocks(BlockListTests.name("notads.example.com.")))
    }

    func testBoundedAndDuplicates() {
        var text = ""
        for i in 0..<100 { text += "d\(i).example\nd\(i).example\n" }
        let (t, _) = BlockListTests.load(text, capacity: 40)
        XCTAssertEqual(t.count, 40)
        XCTAssertFalse(t.fits(names: 41, bytes: 0))
        XCTAssertTrue(t.blocks(BlockListTests.name("d0.example.")))
    }

    func testGarbageNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var t = BlockList(capacity: 16, arena: Arena(rows: BlockList.footprint(capacity: 16)))
            bytes.withUnsafeBytes { raw in BlockListText.parse(raw, add: { n, _ in t.insert(n) }, problem: { _, _ in }) }
            _ = t.blocks(BlockListTests.name("a.b.c."))
        }
    }
}
