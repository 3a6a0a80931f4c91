// Issue 12 item 8: configured anchors of several forms and sources next to
// the RFC 5011 state — the DS that designates a DNSKEY anchor (RFC 4034
// §5.1.4, SHA-256 per RFC 4509 §2), and whether the state ever held the
// key an anchor designates, revoked keys included (RFC 5011 §2.1, §3).
import Crypto
import DNSWire
import XCTest
@testable import Validator

final class ConfiguredAnchorTests: XCTestCase {
    typealias F = RFC5011Fixture
    let lists = KeyLists()
    let scratch = ValidatorScratch()

    func ds(_ key: [UInt8], owner: Name = .root) -> [UInt8] { AnchorDS.sha256(owner: owner, dnskey: key)! }

    /// The DS made from a DNSKEY anchor is the one DSMatch accepts for that
    /// key, and no other key's.
    func testDSOfADNSKEYAnchorMatchesThatKeyOnly() {
        let key = F.key(1), other = F.key(2)
        let made = ds(key)
        XCTAssertEqual(made.count, 4 + 32)
        XCTAssertEqual(UInt16(made[0]) << 8 | UInt16(made[1]), F.tag(key))
        XCTAssertEqual(made[2], 8, "the key's algorithm")
        XCTAssertEqual(made[3], 2, "SHA-256")
        made.withUnsafeBytes { d in
            let view = DSView(rdata: d)!
            key.withUnsafeBytes { XCTAssertEqual(DSMatch.matches(view, owner: .root, dnskey: $0, scratch: scratch), .match) }
            other.withUnsafeBytes { XCTAssertEqual(DSMatch.matches(view, owner: .root, dnskey: $0, scratch: scratch), .mismatch) }
        }
        XCTAssertNil(AnchorDS.sha256(owner: .root, dnskey: [1, 2]), "not a DNSKEY")
        // Owner case does not change the digest (canonical form, RFC 4034 §6.2).
        let upper = try! Name(parsing: "EXAMPLE."), lower = try! Name(parsing: "example.")
        XCTAssertEqual(AnchorDS.sha256(owner: upper, dnskey: key), AnchorDS.sha256(owner: lower, dnskey: key))
    }

    func testHoldsKeyInAnyStateRevokedIncluded() {
        var state = AnchorState()
        XCTAssertNoThrow(try state.addTrustPoint(owner: .root))
        let key = F.key(1), next = F.key(2), stranger = F.key(3)
        XCTAssertNil(state.seed(key))
        func holds(_ anchor: [UInt8], _ kind: TrustAnchorKind) -> Bool {
            anchor.withUnsafeBytes { state.holdsKey(owner: .root, designatedBy: kind, anchor: $0, scratch: scratch) }
        }
        XCTAssertTrue(holds(key, .dnskey))
        XCTAssertTrue(holds(ds(key), .ds))
        XCTAssertFalse(holds(stranger, .dnskey))
        XCTAssertFalse(holds(ds(stranger), .ds))
        XCTAssertFalse(key.withUnsafeBytes { state.holdsKey(owner: try! Name(parsing: "example."), designatedBy: .dnskey,
                                                            anchor: $0, scratch: scratch) }, "no such trust point")
        // The key is revoked (it self-signs with the REVOKE bit): the state
        // still holds it, under its revoked tag, and a DS for the unrevoked
        // key still finds it.
        let revoked = F.revoked(key)
        lists.observe(&state, [revoked, next], revokedSigners: [revoked], now: F.start)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(revoked), owner: .root), .revoked)
        XCTAssertTrue(holds(key, .dnskey))
        XCTAssertTrue(holds(ds(key), .ds), "a DS for a revoked key must never count as unknown")
        // A key seen only as AddPend is held too.
        XCTAssertEqual(state.state(ofKeyTag: F.tag(next), owner: .root), .addPending)
        XCTAssertTrue(holds(ds(next), .ds))
    }

    /// `operatorAddedAnchors` returns the leading anchors the operator listed.
    func testStoreKeepsWhichAnchorsTheOperatorAdded() {
        var store = TrustAnchorStore()
        let rdatas = [ds(F.key(1)), ds(F.key(2)), ds(F.key(3))]
        XCTAssertNoThrow(try store.add(owner: .root, kind: .ds, rdatas: lists.list(rdatas), operatorAddedCount: 1))
        XCTAssertEqual(store.anchors(at: .root)?.rdatas.count, 3)
        let added = store.operatorAddedAnchors(at: .root)
        XCTAssertEqual(added?.kind, .ds)
        XCTAssertEqual(added?.rdatas.count, 1)
        XCTAssertEqual(added.map { list in list.rdatas.map { Array($0.rdata) } }, [rdatas[0]])
        var plain = TrustAnchorStore()
        XCTAssertNoThrow(try plain.add(owner: .root, kind: .ds, rdatas: lists.list(rdatas)))
        XCTAssertNil(plain.operatorAddedAnchors(at: .root))
    }
}
