// The RFC 5011 state file: round trip, every truncation and every bit flip
// rejected, corrupt fields rejected; the write policy's flash budget.
import DNSWire
import XCTest
@testable import Validator

final class RFC5011PersistenceTests: XCTestCase {
    typealias F = RFC5011Fixture
    let lists = KeyLists()

    /// Two trust points with keys in every state.
    func richState() throws -> AnchorState {
        var state = AnchorState()
        let example = try Name(parsing: "Example.NET.")
        try state.addTrustPoint(owner: .root)
        try state.addTrustPoint(owner: example)
        let a = F.key(1), b = F.key(2), c = F.key(3), big = F.key(4, keyByteCount: 516)
        for key in [a, b, c] { XCTAssertNil(state.seed(key)) }
        let cRevoked = F.revoked(c)
        lists.observe(&state, [b, cRevoked, big], revokedSigners: [cRevoked], now: F.start + F.day)
        XCTAssertNil(state.seed(F.key(7), owner: example))
        XCTAssertEqual(state.state(ofKeyTag: F.tag(a), owner: .root), .missing)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(b), owner: .root), .valid)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(cRevoked), owner: .root), .revoked)
        XCTAssertEqual(state.state(ofKeyTag: F.tag(big), owner: .root), .addPending)
        return state
    }

    func assertSame(_ a: AnchorState, _ b: AnchorState, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.trustPointCount, b.trustPointCount, file: file, line: line)
        for p in 0..<a.trustPointCount {
            guard let owner = a.owner(at: p) else { return XCTFail("owner", file: file, line: line) }
            XCTAssertEqual(owner.wireBytes, b.owner(at: p)?.wireBytes, file: file, line: line)
            XCTAssertEqual(a.keyCount(of: owner), b.keyCount(of: owner), file: file, line: line)
            XCTAssertEqual(a.lastRefreshSeconds(of: owner), b.lastRefreshSeconds(of: owner), file: file, line: line)
            XCTAssertEqual(a.refreshFailed(owner: owner), b.refreshFailed(owner: owner), file: file, line: line)
            for k in 0..<a.keyCount(of: owner) {
                XCTAssertEqual(a.key(k, of: owner), b.key(k, of: owner), file: file, line: line)
            }
            XCTAssertEqual(a.trustedTags(owner), b.trustedTags(owner), file: file, line: line)
        }
    }

    func testRoundTrip() throws {
        let state = try richState()
        let bytes = state.encoded()
        XCTAssertLessThanOrEqual(bytes.count, AnchorStateFile.encodedByteCountMax)
        let decoded = try AnchorState.decoded(bytes).get()
        assertSame(state, decoded)
        XCTAssertFalse(decoded.isDirty)
        XCTAssertEqual(decoded.encoded(), bytes, "encoding is deterministic")
        // The decoded table keeps working: the pending key completes its hold-down.
        var next = decoded
        lists.observe(&next, [F.key(2), F.key(4, keyByteCount: 516)], now: F.start + 31 * F.day)
        XCTAssertEqual(next.state(ofKeyTag: F.tag(F.key(4, keyByteCount: 516)), owner: .root), .valid)
    }

    func testEmptyAndFullTablesRoundTrip() throws {
        let empty = AnchorState()
        assertSame(empty, try AnchorState.decoded(empty.encoded()).get())
        var full = AnchorState()
        for p in 0..<RFC5011Limits.trustPointCountMax {
            let owner = try Name(parsing: String(repeating: "x", count: 63) + ".z\(p).")
            try full.addTrustPoint(owner: owner)
            for k in 0..<RFC5011Limits.keysPerTrustPointMax {
                let key = F.key(UInt8(p * 16 + k), keyByteCount: RFC5011Limits.keyRDataByteCountMax - 4)
                XCTAssertNil(full.seed(key, owner: owner))
            }
        }
        let bytes = full.encoded()
        assertSame(full, try AnchorState.decoded(bytes).get())
        var small = [UInt8](repeating: 0, count: bytes.count - 1)
        let failure = small.withUnsafeMutableBytes { raw in
            Result { () throws(AnchorStateFileError) -> Int in try full.encode(into: raw) }
        }
        XCTAssertEqual(failure.failureValue, .bufferTooSmall)
    }

    func testEveryTruncationIsRejected() throws {
        let bytes = try richState().encoded()
        for length in 0..<bytes.count {
            if case .success = AnchorState.decoded(Array(bytes[0..<length])) {
                XCTFail("truncation to \(length) of \(bytes.count) bytes accepted")
            }
        }
        if case .success = AnchorState.decoded(bytes + [0]) { XCTFail("trailing byte accepted") }
    }

    func testEveryBitFlipIsRejected() throws {
        let bytes = try richState().encoded()
        for bit in 0..<(bytes.count * 8) {
            var corrupt = bytes
            corrupt[bit / 8] ^= 1 << UInt8(bit % 8)
            if case .success = AnchorState.decoded(corrupt) { XCTFail("flip of bit \(bit) accepted") }
        }
    }

    func testSeededRandomCorruptionIsRejected() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = AnchorSeededRandom(seed: seed)
        let bytes = try richState().encoded()
        for round in 0..<2_000 {
            var corrupt = bytes
            let flips = Int.random(in: 1...8, using: &random)
            for _ in 0..<flips { corrupt[Int.random(in: 0..<corrupt.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random) }
            if Bool.random(using: &random) { corrupt.removeLast(Int.random(in: 0..<corrupt.count, using: &random)) }
            if corrupt == bytes { continue }
            if case .success = AnchorState.decoded(corrupt) {
                XCTFail("seed \(seed) round \(round): corrupt input accepted")
                return
            }
        }
    }

    /// Rewrites a field and recomputes the CRC: the structural checks must bite.
    func resealed(_ bytes: [UInt8], _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var body = Array(bytes[0..<(bytes.count - 4)])
        edit(&body)
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        return body + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
    }

    func testStructuralErrorsBehindAValidChecksum() throws {
        let bytes = try richState().encoded()
        func expect(_ error: AnchorStateFileError, _ edit: (inout [UInt8]) -> Void, line: UInt = #line) {
            switch AnchorState.decoded(resealed(bytes, edit)) {
            case .success: XCTFail("accepted", line: line)
            case .failure(let e): XCTAssertEqual(e, error, line: line)
            }
        }
        expect(.badMagic) { $0[0] = 0x58 }
        expect(.unsupportedVersion(2)) { $0[4] = 2 }
        expect(.limitExceeded) { $0[5] = 5 }
        expect(.malformed) { $0[6] = 1 }
        expect(.truncated) { $0[5] = 3 }                       // one more trust point than present
        expect(.malformed) { $0[5] = 1 }                       // trailing trust point
        // Root owner is byte 9 (length 1 at 8); its key count is at 8+1+1+8+4+4 = 26.
        expect(.limitExceeded) { $0[26] = 9 }
        expect(.malformed) { $0[27] = 0 }                      // first key: state 0
        expect(.malformed) { $0[27] = 4 }                      // Revoked without the REVOKE bit
        expect(.malformed) { $0[8] = 2 }                      // owner length breaks the name
        XCTAssertEqual(CRC32.checksum(UnsafeRawBufferPointer(start: nil, count: 0)), 0)
        let check = Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }
        XCTAssertEqual(check, 0xCBF4_3926)
    }

    func testDuplicateOwnerIsRejected() throws {
        var state = AnchorState()
        try state.addTrustPoint(owner: .root)
        let one = state.encoded()
        // Header says two points; the body repeats the first.
        let twice = resealed(one) { body in
            let point = Array(body[8...])
            body[5] = 2
            body += point
        }
        XCTAssertEqual(AnchorState.decoded(twice).failureValue, .malformed)
    }

    func testWritePolicyWritesAtMostDailyOverAYearOfConstantChange() {
        var policy = AnchorStateWritePolicy(startSeconds: 0)
        var state = AnchorState()
        XCTAssertNoThrow(try state.addTrustPoint(owner: .root))
        var writeDays: [Int64] = []
        let stepSeconds: Int64 = 600
        var now: Int64 = 0
        var seq: UInt8 = 0
        while now < 365 * F.day {
            // Something changes every step (a fresh seed each time keeps it dirty).
            seq &+= 1
            state.seed(F.key(seq), now: now)
            if state.keyCount(of: .root) >= RFC5011Limits.keysPerTrustPointMax { state = AnchorState(); try? state.addTrustPoint(owner: .root) }
            if policy.shouldWrite(isDirty: state.isDirty, nowSeconds: now, isShutdown: false) {
                policy.didAttemptWrite(nowSeconds: now)
                state.markPersisted()
                writeDays.append(now)
            }
            now += stepSeconds
        }
        XCTAssertLessThanOrEqual(writeDays.count, 365)
        XCTAssertGreaterThanOrEqual(writeDays.count, 360, "still writes about daily")
        for (a, b) in zip(writeDays, writeDays.dropFirst()) { XCTAssertGreaterThanOrEqual(b - a, F.day) }
        XCTAssertGreaterThanOrEqual(writeDays.first ?? 0, F.day, "no write in the first day after boot")
    }

    func testWritePolicyNeedsDirtyAndAllowsShutdown() {
        let policy = AnchorStateWritePolicy(startSeconds: 100)
        XCTAssertFalse(policy.shouldWrite(isDirty: false, nowSeconds: 10 * F.day, isShutdown: false))
        XCTAssertFalse(policy.shouldWrite(isDirty: false, nowSeconds: 10 * F.day, isShutdown: true))
        XCTAssertFalse(policy.shouldWrite(isDirty: true, nowSeconds: 200, isShutdown: false))
        XCTAssertTrue(policy.shouldWrite(isDirty: true, nowSeconds: 200, isShutdown: true))
        XCTAssertTrue(policy.shouldWrite(isDirty: true, nowSeconds: 100 + F.day, isShutdown: false))
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
