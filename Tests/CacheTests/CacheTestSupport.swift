import XCTest
import Fixed
@testable import Cache

/// Wire form of a dotted name ("www.Example.com" → 3www7Example3com0).
func wire(_ name: String) -> [UInt8] {
    var bytes: [UInt8] = []
    for label in name.split(separator: ".") {
        bytes.append(UInt8(label.utf8.count))
        bytes.append(contentsOf: label.utf8)
    }
    bytes.append(0)
    return bytes
}

let typeA: UInt16 = 1
let typeAAAA: UInt16 = 28
let typeMX: UInt16 = 15
let classIN: UInt16 = 1

func makeCache(arenaByteCount: Int = 64 << 10, minTTL: UInt32 = 0, maxTTL: UInt32 = 86_400,
               staleMax: UInt32 = 86_400, steps: Int = CacheLimits.evictionStepsPerInsertDefault,
               seed: UInt64 = 0x5EED) -> RRsetCache {
    let configuration = CacheConfiguration(
        arenaByteCount: arenaByteCount, minTTLSeconds: minTTL, maxTTLSeconds: maxTTL,
        staleMaxSeconds: staleMax, evictionStepsPerInsertMax: steps)
    do {
        return try RRsetCache(configuration: configuration, hashSeed: seed,
                              memory: Arena(rows: RRsetCache.footprint(configuration)))
    } catch {
        fatalError("test configuration rejected: \(error)")
    }
}

extension RRsetCache {
    @discardableResult
    mutating func put(_ name: String, _ type: UInt16, _ blob: [UInt8], kind: CacheEntryKind = .rrset,
                      rank: TrustRank = .secure, ttl: UInt32 = 300, now: Int64 = 0,
                      awaitingClock: Bool = false) -> CacheInsertResult {
        let owner = wire(name)
        return owner.withUnsafeBytes { o in
            blob.withUnsafeBytes { b in
                insert(owner: o, type: type, rrClass: classIN, kind: kind, rank: rank, ttlSeconds: ttl,
                       isAwaitingClockSync: awaitingClock, blob: b, nowSeconds: now)
            }
        }
    }

    mutating func get(_ name: String, _ type: UInt16, now: Int64 = 0) -> CacheLookup {
        let owner = wire(name)
        return owner.withUnsafeBytes { lookup(owner: $0, type: type, rrClass: classIN, nowSeconds: now) }
    }

    /// The blob bytes of a hit, copied out for comparison (test only).
    mutating func bytes(_ name: String, _ type: UInt16, now: Int64 = 0) -> [UInt8]? {
        let owner = wire(name)
        return owner.withUnsafeBytes { o in
            withEntry(owner: o, type: type, rrClass: classIN, nowSeconds: now) { result, blob in
                result.hit == nil ? nil : [UInt8](blob)
            }
        }
    }

    @discardableResult
    mutating func drop(_ name: String, _ type: UInt16) -> Bool {
        wire(name).withUnsafeBytes { remove(owner: $0, type: type, rrClass: classIN) }
    }
}

extension CacheLookup {
    var isFresh: Bool { if case .fresh = self { return true }; return false }
    var isStale: Bool { if case .stale = self { return true }; return false }
    var isMiss: Bool { if case .miss = self { return true }; return false }
    var remainingTTL: UInt32? { if case .fresh(_, let ttl) = self { return ttl }; return nil }
    var expiredFor: UInt32? { if case .stale(_, let e) = self { return e }; return nil }
}

/// Deterministic generator for seeded tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
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
