// Helpers for the RFC 5011 and clock tests: synthetic DNSKEY RDATAs (no real
// signatures are needed: the caller of AnchorState reports which revoked keys
// self-signed) and a simulated refresh loop in virtual time.
import DNSWire
import XCTest
@testable import Validator

enum RFC5011Fixture {
    static let day: Int64 = 86_400
    static let start: Int64 = 1_767_225_600  // 2026-01-01
    static let rootTTL: UInt32 = 172_800     // the root DNSKEY RRset's TTL, 2 days
    static let zoneSEPFlags: UInt16 = 0x0101

    /// A DNSKEY RDATA (algorithm 8) whose public key is derived from `id`.
    static func key(_ id: UInt8, flags: UInt16 = zoneSEPFlags, keyByteCount: Int = 64) -> [UInt8] {
        var rdata: [UInt8] = [UInt8(flags >> 8), UInt8(flags & 0xFF), 3, 8]
        for i in 0..<keyByteCount { rdata.append(UInt8(truncatingIfNeeded: Int(id) &* 31 &+ i &* 7)) }
        return rdata
    }

    static func revoked(_ rdata: [UInt8]) -> [UInt8] {
        var r = rdata
        r[1] |= 0x80
        return r
    }

    static func tag(_ rdata: [UInt8]) -> UInt16 {
        rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }
    }

    /// Signature expiration field for signatures valid `days` from `now`.
    static func expiration(_ now: Int64, days: Int64 = 14) -> UInt32 {
        UInt32(truncatingIfNeeded: now + days * day)
    }
}

/// Owns the packed lists it hands out.
final class KeyLists {
    let fixture = Fixture()

    func list(_ rdatas: [[UInt8]]) -> RDataList { fixture.list(rdatas) }

    /// Observes `keys` at `now`, with `revokedSigners` self-signing.
    @discardableResult
    func observe(_ state: inout AnchorState, _ keys: [[UInt8]], revokedSigners: [[UInt8]] = [],
                 now: Int64, ttl: UInt32 = RFC5011Fixture.rootTTL, owner: Name = .root) -> AnchorObservation {
        state.observe(owner: owner, dnskeys: list(keys), revokedSelfSigners: list(revokedSigners),
                      originalTTLSeconds: ttl, signatureExpiration: RFC5011Fixture.expiration(now),
                      clock: .trusted(nowSeconds: now))
    }
}

extension AnchorState {
    func trustedTags(_ owner: Name = .root) -> Set<UInt16> {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: RFC5011Limits.trustedKeysByteCountMax,
                                                            alignment: 8)
        defer { buffer.deallocate() }
        guard let list = try? trustedKeys(for: owner, into: buffer) else { return [] }
        var tags = Set<UInt16>()
        for item in list { tags.insert(KeyTag.compute(rdata: item.rdata)) }
        return tags
    }

    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: AnchorStateFile.encodedByteCountMax)
        let count = bytes.withUnsafeMutableBytes { raw in (try? encode(into: raw)) ?? -1 }
        precondition(count > 0, "encode failed")
        return Array(bytes[0..<count])
    }

    static func decoded(_ bytes: [UInt8]) -> Result<AnchorState, AnchorStateFileError> {
        bytes.withUnsafeBytes { raw in
            Result { () throws(AnchorStateFileError) -> AnchorState in try AnchorState.decode(bytes: raw) }
        }
    }
}

/// Seeded generator (SplitMix64) for reproducible randomized tests.
struct AnchorSeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension AnchorState {
    /// Seeds `key` as a configured anchor; returns the error, if any.
    @discardableResult
    mutating func seed(_ key: [UInt8], owner: Name = .root, now: Int64 = RFC5011Fixture.start) -> AnchorStateError? {
        var failure: AnchorStateError? = nil
        key.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Void in
            do { try self.seedTrustedKey(owner: owner, rdata: raw, nowSeconds: now) } catch { failure = error as? AnchorStateError }
        }
        return failure
    }
}
