import DNSWire
import XCTest
@testable import Validator

final class TrustAnchorTests: XCTestCase {
    let fixture = Fixture()

    func testStoreFindsTheClosestAnchor() throws {
        var store = TrustAnchorStore()
        try store.add(owner: .root, kind: .ds, rdatas: fixture.rdatas([OtherAlgorithms.rootDS2017, OtherAlgorithms.rootDS2024]))
        try store.add(owner: fixture.name("Example."), kind: .dnskey, rdatas: fixture.rdatas([ExampleZone.ksk]))
        XCTAssertEqual(store.ownerCount, 2)
        XCTAssertEqual(store.closestAnchor(for: fixture.name("www.EXAMPLE.")), fixture.name("example."))
        XCTAssertEqual(store.closestAnchor(for: fixture.name("www.example.org.")), .root)
        let root = store.anchors(at: .root)
        XCTAssertEqual(root?.kind, .ds)
        XCTAssertEqual(root?.rdatas.count, 2)
        let example = store.anchors(at: fixture.name("example."))
        XCTAssertEqual(example?.kind, .dnskey)
        XCTAssertEqual(example.map { Array($0.rdatas.first(where: { _ in true })!.rdata) },
                       fixture.record(ExampleZone.ksk).rdata)
        XCTAssertNil(store.anchors(at: fixture.name("org.")))
    }

    func testStoreIsBounded() throws {
        var store = TrustAnchorStore()
        XCTAssertThrowsError(try store.add(owner: .root, kind: .ds, rdatas: fixture.list([[UInt8]](repeating: [UInt8](repeating: 1, count: 200), count: 100))))
        try store.add(owner: .root, kind: .ds, rdatas: fixture.rdatas([OtherAlgorithms.rootDS2017]))
        XCTAssertThrowsError(try store.add(owner: .root, kind: .ds, rdatas: fixture.rdatas([OtherAlgorithms.rootDS2017])))
        for i in 1..<TrustAnchorStore.ownerCountMax {
            try store.add(owner: fixture.name("z\(i)."), kind: .ds, rdatas: fixture.rdatas([OtherAlgorithms.rootDS2017]))
        }
        XCTAssertThrowsError(try store.add(owner: fixture.name("one-too-many."), kind: .ds,
                                           rdatas: fixture.rdatas([OtherAlgorithms.rootDS2017])))
    }

    func testNegativeTrustAnchors() throws {
        var ntas = NegativeTrustAnchors()
        try ntas.add(fixture.name("Corp.Example."))
        try ntas.add(fixture.name("corp.example."))
        XCTAssertEqual(ntas.count, 1)
        XCTAssertTrue(ntas.covers(fixture.name("corp.example.")))
        XCTAssertTrue(ntas.covers(fixture.name("a.b.CORP.example.")))
        XCTAssertFalse(ntas.covers(fixture.name("example.")))
        XCTAssertFalse(ntas.covers(fixture.name("xcorp.example.")))
        for i in 1..<NegativeTrustAnchors.countMax { try ntas.add(fixture.name("n\(i).")) }
        XCTAssertThrowsError(try ntas.add(fixture.name("full.")))
    }
}
