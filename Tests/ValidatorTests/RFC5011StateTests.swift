// RFC 5011 state machine in virtual time: a full KSK rollover, hold-down
// resets, revocation (including of the only key), capacity, frozen timers.
import DNSWire
import XCTest
@testable import Validator

final class RFC5011StateTests: XCTestCase {
    typealias F = RFC5011Fixture
    let lists = KeyLists()
    let old = F.key(1)
    let new = F.key(2)
    let zsk = F.key(9, flags: 0x0100)

    func seeded() -> AnchorState {
        var state = AnchorState()
        XCTAssertNoThrow(try state.addTrustPoint(owner: .root))
        XCTAssertNil(state.seed(old))
        state.markPersisted()
        return state
    }

    /// Refreshes daily from `from` for `days` days with `keys` published.
    func refreshDaily(_ state: inout AnchorState, _ keys: [[UInt8]], revoked: [[UInt8]] = [],
                      from: Int64, days: Int) {
        for d in 0..<days { lists.observe(&state, keys, revokedSigners: revoked, now: from + Int64(d) * F.day) }
    }

    func testFullKSKRollover() {
        var state = seeded()
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
        // Day 0: the new KSK is published → AddPend, not trusted.
        lists.observe(&state, [old, new, zsk], now: F.start)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(new), owner: .root), .addPending)
        XCTAssertTrue(state.isDirty)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)], "never trusted before its hold-down")
        // Days 1…29: still pending.
        refreshDaily(&state, [old, new, zsk], from: F.start + F.day, days: 29)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(new), owner: .root), .addPending)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
        // Day 30: hold-down over → Valid.
        lists.observe(&state, [old, new, zsk], now: F.start + 30 * F.day)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(new), owner: .root), .valid)
        XCTAssertEqual(state.trustedTags(), [F.tag(old), F.tag(new)])
        // Day 60: the old key is published revoked and self-signs → Revoked.
        let oldRevoked = F.revoked(old)
        lists.observe(&state, [oldRevoked, new, zsk], revokedSigners: [oldRevoked], now: F.start + 60 * F.day)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(oldRevoked), owner: .root), .revoked)
        XCTAssertEqual(state.trustedTags(), [F.tag(new)])
        XCTAssertEqual(state.status(of: .root), .active(trustedKeyCount: 1))
        // Remains Revoked through the remove hold-down, even once unpublished.
        refreshDaily(&state, [new, zsk], from: F.start + 61 * F.day, days: 28)
        XCTAssertEqual(state.keyCount(of: .root), 2)
        // Day 90: remove hold-down over → Removed (deleted).
        lists.observe(&state, [new, zsk], now: F.start + 90 * F.day)
        XCTAssertEqual(state.keyCount(of: .root), 1)
        XCTAssertNil(state.state(ofKeyTag: F.tag(oldRevoked), owner: .root))
        XCTAssertEqual(state.trustedTags(), [F.tag(new)])
    }

    func testHoldDownIsTheLongerOfThirtyDaysAndTheOriginalTTL() {
        var state = seeded()
        let ttl: UInt32 = 40 * 86_400
        lists.observe(&state, [old, new], now: F.start, ttl: ttl)
        lists.observe(&state, [old, new], now: F.start + 30 * F.day, ttl: ttl)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(new), owner: .root), .addPending)
        lists.observe(&state, [old, new], now: F.start + 40 * F.day, ttl: ttl)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(new), owner: .root), .valid)
    }

    func testKeyThatDisappearsDuringHoldDownNeverBecomesTrusted() {
        var state = seeded()
        lists.observe(&state, [old, new], now: F.start)
        refreshDaily(&state, [old, new], from: F.start + F.day, days: 20)
        lists.observe(&state, [old], now: F.start + 21 * F.day)  // KeyRem: acceptance resets
        XCTAssertNil(state.state(ofKeyTag: F.tag(new), owner: .root))
        // It comes back on day 22: a fresh 30-day hold-down starts.
        refreshDaily(&state, [old, new], from: F.start + 22 * F.day, days: 29)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(new), owner: .root), .addPending)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
        lists.observe(&state, [old, new], now: F.start + 52 * F.day)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(new), owner: .root), .valid)
    }

    func testNonSEPKeysAreNeverCandidates() {
        var state = seeded()
        refreshDaily(&state, [old, zsk], from: F.start, days: 40)
        XCTAssertEqual(state.keyCount(of: .root), 1)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
    }

    func testValidKeyGoesMissingButStaysTrustedAndComesBack() {
        var state = seeded()
        lists.observe(&state, [new], now: F.start)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(old), owner: .root), .missing)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
        lists.observe(&state, [old], now: F.start + F.day)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(old), owner: .root), .valid)
    }

    func testTheLastTrustedKeyIsNeverForgottenForBeingMissing() {
        var state = seeded()
        refreshDaily(&state, [zsk], from: F.start, days: 400)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(old), owner: .root), .missing)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)], "missing for 400 days, still the anchor")
    }

    func testLongMissingKeyIsForgottenWhenAnotherIsValid() {
        var state = seeded()
        refreshDaily(&state, [old, new], from: F.start, days: 31)
        XCTAssertEqual(state.trustedTags(), [F.tag(old), F.tag(new)])
        // Last seen on day 30; still kept on day 395 (365 days missing)…
        refreshDaily(&state, [new], from: F.start + 31 * F.day, days: 365)
        XCTAssertEqual(state.trustedTags(), [F.tag(old), F.tag(new)])
        // …and forgotten on day 396, since `new` is Valid.
        lists.observe(&state, [new], now: F.start + 396 * F.day)
        XCTAssertEqual(state.trustedTags(), [F.tag(new)])
    }

    func testRevokingTheOnlyKeyLeavesNoTrustedKey() {
        var state = seeded()
        let oldRevoked = F.revoked(old)
        lists.observe(&state, [oldRevoked], revokedSigners: [oldRevoked], now: F.start)
        XCTAssertEqual(state.trustedTags(), [])
        XCTAssertEqual(state.status(of: .root), .allRevoked)
        // Re-publishing it without the bit does not resurrect it, nor does seeding.
        lists.observe(&state, [old], now: F.start + F.day)
        XCTAssertNil(state.seed(old), "a revoked key is known: seeding is a no-op")
        XCTAssertEqual(state.status(of: .root), .allRevoked)
    }

    func testRevokeBitWithoutSelfSignatureIsIgnored() {
        var state = seeded()
        let oldRevoked = F.revoked(old)
        lists.observe(&state, [oldRevoked, new], revokedSigners: [], now: F.start)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(old), owner: .root), .valid)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
    }

    func testRevokedPendingKeyIsNeverTrusted() {
        var state = seeded()
        lists.observe(&state, [old, new], now: F.start)
        let newRevoked = F.revoked(new)
        lists.observe(&state, [old, newRevoked], revokedSigners: [newRevoked], now: F.start + F.day)
        refreshDaily(&state, [old, new], from: F.start + 2 * F.day, days: 40)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
    }

    func testUntrustedClockFreezesEverything() {
        var state = seeded()
        let result = state.observe(owner: .root, dnskeys: lists.list([new]), revokedSelfSigners: lists.list([]),
                                   originalTTLSeconds: F.rootTTL, signatureExpiration: 0, clock: .untrusted)
        guard case .clockUntrusted(let delay) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(delay, RFC5011Limits.hourSeconds)
        XCTAssertFalse(state.isDirty)
        XCTAssertEqual(state.keyCount(of: .root), 1)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(old), owner: .root), .valid)
    }

    func testCapacityIsBoundedAndReported() {
        var state = seeded()
        let keys = (10..<30).map { F.key(UInt8($0)) }
        let result = lists.observe(&state, [old] + keys, now: F.start)
        XCTAssertEqual(state.keyCount(of: .root), RFC5011Limits.keysPerTrustPointMax)
        guard case .applied(_, true, let dropped) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(dropped, 20 + 1 - RFC5011Limits.keysPerTrustPointMax)
        XCTAssertEqual(state.trustedTags(), [F.tag(old)])
    }

    func testTrustPointLimitsAndUnknownOwners() throws {
        var state = AnchorState()
        for label in ["a", "b", "c", "d"] { try state.addTrustPoint(owner: try Name(parsing: label + ".")) }
        XCTAssertThrowsError(try state.addTrustPoint(owner: .root)) { XCTAssertEqual($0 as? AnchorStateError, .tooManyTrustPoints) }
        XCTAssertThrowsError(try state.addTrustPoint(owner: try Name(parsing: "A."))) {
            XCTAssertEqual($0 as? AnchorStateError, .duplicateTrustPoint)
        }
        XCTAssertEqual(lists.observe(&state, [old], now: F.start), .unknownTrustPoint)
        XCTAssertNil(state.refreshFailed(owner: .root))
        let tooLong = F.key(3, keyByteCount: RFC5011Limits.keyRDataByteCountMax)
        XCTAssertEqual(state.seed(tooLong, owner: try Name(parsing: "a.")), .badKey)
        XCTAssertEqual(state.seed(F.revoked(old), owner: try Name(parsing: "a.")), .badKey)
        XCTAssertEqual(state.seed(old, owner: try Name(parsing: "zz.")), .unknownTrustPoint)
    }

    func testTrustedKeysFeedChainStepFormat() {
        let state = seeded()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: RFC5011Limits.trustedKeysByteCountMax, alignment: 8)
        defer { buffer.deallocate() }
        guard let list = try? state.trustedKeys(for: .root, into: buffer) else { return XCTFail("no keys") }
        XCTAssertEqual(list.count, 1)
        for item in list { XCTAssertEqual(Array(item.rdata), old) }
        let small = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<10])
        XCTAssertThrowsError(try state.trustedKeys(for: .root, into: small))
    }

    func testInlineStorageMatchesTheNamedLimits() {
        XCTAssertEqual(KeyRDataStorage.count, RFC5011Limits.keyRDataByteCountMax)
        XCTAssertEqual(TrustPointKeys.count, RFC5011Limits.keysPerTrustPointMax)
        XCTAssertEqual(TrustPointTable.count, RFC5011Limits.trustPointCountMax)
        XCTAssertLessThanOrEqual(RFC5011Limits.keysPerTrustPointMax, 64, "the seen-set is a UInt64 bitmask")
        // The whole table lives inline (no heap): keep it within its stated budget.
        XCTAssertLessThanOrEqual(MemoryLayout<AnchorState>.size, 24 * 1024, "\(MemoryLayout<AnchorState>.size)")
    }
}
