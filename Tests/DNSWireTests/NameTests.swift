import DNSWire
import XCTest

final class NameTests: XCTestCase {
    func testPresentationToWire() throws {
        let n = try Name(parsing: "www.Example.com.")
        XCTAssertEqual(n.wireBytes, [3] + Array("www".utf8) + [7] + Array("Example".utf8) + [3] + Array("com".utf8) + [0])
        XCTAssertEqual(n.text, "www.Example.com.")
        XCTAssertEqual(n.labelCount, 3)
        XCTAssertEqual(n.byteCount, 17)
        XCTAssertEqual(Name.root.text, ".")
        XCTAssertEqual(try Name(parsing: ".").byteCount, 1)
    }

    func testEscapes() throws {
        let dotted = try Name(parsing: "a\\.b.example.")
        XCTAssertEqual(dotted.labelCount, 2)
        XCTAssertEqual(dotted.wireBytes[0], 3)
        XCTAssertEqual(dotted.text, "a\\.b.example.")
        let decimal = try Name(parsing: "\\065bc.\\000.")
        XCTAssertEqual(decimal.wireBytes, [3, 65, 98, 99, 1, 0, 0])
        XCTAssertEqual(decimal.text, "Abc.\\000.")
        XCTAssertThrowsError(try Name(parsing: "a\\25")) { XCTAssertEqual($0 as? PresentationError, .badEscape) }
        XCTAssertThrowsError(try Name(parsing: "a..b.")) { XCTAssertEqual($0 as? PresentationError, .badName) }
    }

    /// `writeText(into:)` (EDE texts, no allocation): `text` without the
    /// final dot, the same escapes, nil when the buffer is too small.
    func testWriteTextWithoutTheFinalDot() throws {
        func written(_ name: Name, room: Int = 300) -> String? {
            var bytes = [UInt8](repeating: 0, count: room)
            let n = bytes.withUnsafeMutableBytes { name.writeText(into: $0) }
            return n.map { String(decoding: bytes[0..<$0], as: UTF8.self) }
        }
        for text in ["ns1.Example.com.", "a\\.b.example.", "Abc.\\000.", "x."] {
            let name = try Name(parsing: text)
            XCTAssertEqual(written(name), String(name.text.dropLast()))
        }
        XCTAssertEqual(written(.root), ".")
        let name = try Name(parsing: "ns1.example.")
        XCTAssertEqual(written(name, room: 11), "ns1.example")
        XCTAssertNil(written(name, room: 10), "does not fit")
        XCTAssertNil(written(.root, room: 0))
    }

    func testRelativeNamesAndOrigin() throws {
        let origin = dn("example.com.")
        XCTAssertEqual(try Name(parsing: "www", origin: origin), dn("www.example.com."))
        XCTAssertEqual(try Name(parsing: "@", origin: origin), origin)
        XCTAssertEqual(try Name(parsing: "www.other.", origin: origin), dn("www.other."))
    }

    func testLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        XCTAssertNoThrow(try Name(parsing: label63 + "."))
        XCTAssertThrowsError(try Name(parsing: label63 + "a.")) { XCTAssertEqual($0 as? PresentationError, .labelTooLong) }
        // 4 labels of 63 = 256 bytes with length bytes + root: too long; 3×63+61 fits 255.
        let fits = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".") + "."
        XCTAssertEqual(try Name(parsing: fits).byteCount, 255)
        let tooLong = [label63, label63, label63, String(repeating: "b", count: 62)].joined(separator: ".") + "."
        XCTAssertThrowsError(try Name(parsing: tooLong)) { XCTAssertEqual($0 as? PresentationError, .nameTooLong) }
    }

    func testCaseInsensitiveEqualityAndHash() {
        let a = dn("WWW.example.COM.")
        let b = dn("www.EXAMPLE.com.")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertEqual(a.hash32, b.hash32)
        XCTAssertNotEqual(a, dn("www.example.org."))
        XCTAssertEqual(a.lowercased().text, "www.example.com.")
        XCTAssertEqual(a.text, "WWW.example.COM.", "case is preserved")
    }

    /// RFC 4034 §6.1's example, in canonical order.
    func testCanonicalOrderingRFC4034() {
        let ordered = ["example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
                       "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
                       "\\200.z.example."].map(dn)
        var rng = SeededRandom(seed: 7)
        for _ in 0..<20 {
            XCTAssertEqual(ordered.shuffled(using: &rng).sorted(), ordered)
        }
        XCTAssertEqual(dn("a.example.").canonicalCompare(dn("A.EXAMPLE.")), 0)
        XCTAssertLessThan(Name.root, dn("example."))
    }

    func testLabelsParentSuffixSubdomain() {
        let n = dn("a.b.example.com.")
        XCTAssertEqual(n.parent, dn("b.example.com."))
        XCTAssertNil(Name.root.parent)
        XCTAssertEqual(n.suffix(labelCount: 2), dn("example.com."))
        XCTAssertEqual(n.droppingFirstLabels(4), .root)
        XCTAssertTrue(n.isSubdomain(of: dn("EXAMPLE.com.")))
        XCTAssertTrue(n.isSubdomain(of: n))
        XCTAssertTrue(n.isSubdomain(of: .root))
        XCTAssertFalse(n.isSubdomain(of: dn("ample.com.")))
        XCTAssertFalse(dn("example.com.").isSubdomain(of: n))
        let (offset, count) = n.label(2)
        XCTAssertEqual(count, 7)
        XCTAssertEqual(n[byte: offset], UInt8(ascii: "e"))
        let www = Array("www".utf8).withUnsafeBytes { try? n.prepending(label: $0) }
        XCTAssertEqual(www?.text, "www.a.b.example.com.")
    }

    func testWireDecompression() throws {
        // 12 bytes of header padding, then "example.com." at 12, then "www" + pointer to 12.
        var bytes = [UInt8](repeating: 0, count: 12)
        bytes += [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
        let wwwAt = bytes.count
        bytes += [3] + Array("www".utf8) + [0xC0, 12]
        try bytes.withUnsafeBytes { raw in
            let (n, end) = try Name.read(from: raw, at: wwwAt)
            XCTAssertEqual(n, dn("www.example.com."))
            XCTAssertEqual(end, raw.count)
            XCTAssertEqual(try Name.skip(in: raw, at: wwwAt), raw.count)
            XCTAssertThrowsError(try Name.read(from: raw, at: wwwAt, allowCompression: false)) {
                XCTAssertEqual($0 as? WireError, .compressionNotAllowed)
            }
        }
    }

    func testPointerErrors() {
        func read(_ bytes: [UInt8], at offset: Int) throws(WireError) {
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(WireError) in _ = try Name.read(from: raw, at: offset) }
            }
            try result.get()
        }
        assertWireError(.forwardPointer) { () throws(WireError) in try read([0xC0, 0x00], at: 0) }   // self loop
        assertWireError(.forwardPointer) { () throws(WireError) in try read([0xC0, 0x02, 0x00], at: 0) }
        assertWireError(.pointerBeyondEnd) { () throws(WireError) in try read([0xC0, 0x09], at: 0) }
        assertWireError(.truncatedName) { () throws(WireError) in try read([0xC0], at: 0) }
        assertWireError(.truncatedName) { () throws(WireError) in try read([3, 0x61, 0x62], at: 0) }
        assertWireError(.labelTooLong) { () throws(WireError) in try read([0x40, 0x00], at: 0) }
        // A chain of backward pointers longer than Limits.pointerHopsMax.
        var chain: [UInt8] = [0]
        for i in 0..<(Limits.pointerHopsMax + 1) {
            let target = i == 0 ? 0 : 1 + (i - 1) * 2
            chain += [0xC0, UInt8(target)]
        }
        assertWireError(.tooManyPointers) { () throws(WireError) in try read(chain, at: chain.count - 2) }
        // Exactly the limit is fine.
        XCTAssertNoThrow(try read(chain, at: chain.count - 4))
    }
}
