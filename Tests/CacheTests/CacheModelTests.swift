import XCTest
@testable import Cache

/// Compares the cache with a Dictionary model under random operations.
/// The cache may forget (eviction), but whatever it returns must be exactly
/// what the model last stored for that key, with the right freshness, and
/// nothing removed or past the stale window may come back.
final class CacheModelTests: XCTestCase {
    struct ModelKey: Hashable { let name: String; let type: UInt16 }
    struct ModelEntry {
        let blob: [UInt8]
        let kind: CacheEntryKind
        let rank: TrustRank
        let expiry: Int64
    }

    let staleMax: Int64 = 200
    let names = (0..<150).map { "h\($0).zone\($0 % 7).test" }
    let types: [UInt16] = [1, 28, 15]

    /// Under eviction pressure (64 KiB): hits must be exact, misses are allowed.
    func testMatchesModelUnderEvictionPressure() {
        let seeds: [UInt64] = [1, 2, 3, UInt64(Date().timeIntervalSince1970)] + extraSeeds()
        for seed in seeds where !runModel(seed: seed, operationCount: 30_000, exact: false) { break }
    }

    /// Without pressure (the working set fits): every outcome must match,
    /// including misses, the NXDOMAIN/typed choice and refusals.
    func testMatchesModelExactlyWhenEverythingFits() {
        let seeds: [UInt64] = [11, 12, UInt64(Date().timeIntervalSince1970)] + extraSeeds()
        for seed in seeds where !runModel(seed: seed, operationCount: 30_000, exact: true) { break }
    }

    /// CACHE_MODEL_SEEDS=n adds n random seeds (long soak runs).
    func extraSeeds() -> [UInt64] {
        let count = Int(ProcessInfo.processInfo.environment["CACHE_MODEL_SEEDS"] ?? "") ?? 0
        return (0..<max(0, count)).map { _ in UInt64.random(in: 0...UInt64.max) }
    }

    /// Returns false (after XCTFail naming the seed) on the first mismatch.
    func runModel(seed: UInt64, operationCount: Int, exact: Bool) -> Bool {
        var generator = SeededGenerator(seed: seed)
        var cache = makeCache(arenaByteCount: exact ? 4 << 20 : 64 << 10, minTTL: 0, maxTTL: 500,
                              staleMax: UInt32(staleMax), seed: seed)
        var model: [ModelKey: ModelEntry] = [:]
        var now: Int64 = 0
        func fail(_ message: String, _ step: Int) -> Bool {
            XCTFail("seed \(seed) step \(step): \(message)")
            return false
        }
        for step in 0..<operationCount {
            now += Int64(generator.next() % 3)
            let name = randomCase(names[Int(generator.next() % UInt64(names.count))], &generator)
            let type = types[Int(generator.next() % UInt64(types.count))]
            switch generator.next() % 10 {
            case 0...3:
                let kind: CacheEntryKind = [.rrset, .rrset, .noData, .nxDomain][Int(generator.next() % 4)]
                let rank = TrustRank(rawValue: UInt8(generator.next() % 5))!
                let ttl = UInt32(generator.next() % 400)
                let roll = generator.next() % 100
                let size = roll < 2 ? 8000 + Int(generator.next() % 8400)      // near recordByteCountMax
                    : roll < 7 ? 2000 + Int(generator.next() % 3000) : Int(generator.next() % 200)
                var blob = [UInt8](repeating: 0, count: size)
                for i in 0..<size { blob[i] = UInt8(truncatingIfNeeded: generator.next()) }
                let key = ModelKey(name: name.lowercased(), type: kind == .nxDomain ? 0 : type)
                let result = cache.put(name, type, blob, kind: kind, rank: rank, ttl: ttl, now: now)
                let blocked = [model[key], kind == .nxDomain ? nil : model[ModelKey(name: key.name, type: 0)]]
                    .contains { $0 != nil && $0!.rank > rank && $0!.expiry > now }
                if exact && blocked != (result == .refusedLowerRank) {
                    return fail("insert gave \(result), model blocked: \(blocked)", step)
                }
                switch result {
                case .stored, .replaced:
                    let capped = rank == .bogus ? min(ttl, 300) : ttl
                    model[key] = ModelEntry(blob: blob, kind: kind, rank: rank, expiry: now + Int64(capped))
                    if kind != .nxDomain { model[ModelKey(name: key.name, type: 0)] = nil }
                case .refusedLowerRank:
                    if !blocked { return fail("refusedLowerRank without a fresh higher-ranked entry", step) }
                case .refusedFull where !exact:
                    break
                case .refusedTooLarge:
                    let ownerByteCount = wire(name).count
                    if size <= cache.geometry.blobByteCountMax(ownerByteCount: ownerByteCount) {
                        return fail("refusedTooLarge for \(size) bytes", step)
                    }
                default:
                    return fail("unexpected insert result \(result)", step)
                }
            case 4:
                let key = ModelKey(name: name.lowercased(), type: generator.next() % 4 == 0 ? 0 : type)
                cache.drop(name, key.type)
                model[key] = nil
            default:
                if let message = checkLookup(&cache, model, name: name, type: type, now: now) {
                    return fail(message, step)
                }
                if exact, let message = checkExpectedChoice(&cache, model, name: name, type: type, now: now) {
                    return fail(message, step)
                }
            }
            if step % 50 == 0, let failure = cache.audit() { return fail("audit: \(failure)", step) }
        }
        if !exact && cache.statistics.evictionCount == 0 { return fail("pressure run never evicted", operationCount) }
        if exact && cache.statistics.evictionCount != 0 { return fail("exact run evicted", operationCount) }
        return true
    }

    func isGone(_ entry: ModelEntry, now: Int64) -> Bool {
        entry.expiry <= now && (entry.rank == .bogus || now - entry.expiry >= staleMax)
    }

    /// The model's answer: NXDOMAIN wins unless the typed entry outranks it
    /// and is fresh; gone entries do not count.
    func checkExpectedChoice(_ cache: inout RRsetCache, _ model: [ModelKey: ModelEntry],
                             name: String, type: UInt16, now: Int64) -> String? {
        let lower = name.lowercased()
        let typed = model[ModelKey(name: lower, type: type)].flatMap { isGone($0, now: now) ? nil : $0 }
        let nx = model[ModelKey(name: lower, type: 0)].flatMap { isGone($0, now: now) ? nil : $0 }
        var expected = nx ?? typed
        if let typed, let nx, typed.rank > nx.rank, typed.expiry > now { expected = typed }
        let result = cache.get(name, type, now: now)
        guard let hit = result.hit else {
            return expected == nil ? nil : "miss, but the model holds \(lower)/\(type)"
        }
        if expected?.kind != hit.kind { return "chose \(hit.kind), model expects \(String(describing: expected?.kind))" }
        return nil
    }

    func checkLookup(_ cache: inout RRsetCache, _ model: [ModelKey: ModelEntry],
                     name: String, type: UInt16, now: Int64) -> String? {
        let owner = wire(name)
        return owner.withUnsafeBytes { o in
            cache.withEntry(owner: o, type: type, rrClass: classIN, nowSeconds: now) { result, blob -> String? in
                guard let hit = result.hit else { return nil }
                let key = ModelKey(name: name.lowercased(), type: hit.kind == .nxDomain ? 0 : type)
                guard let entry = model[key] else { return "hit for \(key) which the model does not hold" }
                if [UInt8](blob) != entry.blob { return "hit for \(key) returned other bytes" }
                if entry.kind != hit.kind || entry.rank != hit.rank { return "kind/rank differ for \(key)" }
                switch result {
                case .fresh(_, let remaining):
                    if entry.expiry <= now || Int64(remaining) != entry.expiry - now {
                        return "fresh with \(remaining) s, model expiry \(entry.expiry) now \(now)"
                    }
                case .stale(_, let expiredFor):
                    if entry.rank == .bogus { return "bogus returned stale" }
                    if Int64(expiredFor) != now - entry.expiry || now - entry.expiry >= staleMax {
                        return "stale for \(expiredFor) s, model expiry \(entry.expiry) now \(now)"
                    }
                case .miss:
                    break
                }
                return nil
            }
        }
    }

    func randomCase(_ name: String, _ generator: inout SeededGenerator) -> String {
        String(name.map { generator.next() % 2 == 0 ? Character($0.uppercased()) : $0 })
    }
}
