// fuzz-modules: Fixed Cache
// libFuzzer target for the fixed cache (Sources/Cache): the input is a
// script of inserts, lookups, removals, clock steps and clears over the
// smallest arena (64 KiB, so eviction and compaction run early). What a
// lookup finds must be what was last stored under that key (never another
// key's record, never an evicted one resurrected with other bytes); the
// cache's counters must stay within the model after every step that can
// change the cache, and the cache's own audit must pass after every
// `changingStepsPerAudit` such steps and at the end of every input.
import Cache
import Fixed
import Glibc   // memcmp: the fuzz target is host only, never under Sources/

/// A byte source over the input: each read takes the next byte (0 at the end).
struct Script {
    let data: UnsafeBufferPointer<UInt8>
    var position = 0
    var isDone: Bool { position >= data.count }
    mutating func byte() -> UInt8 {
        guard position < data.count else { return 0 }
        defer { position += 1 }
        return data[position]
    }
    mutating func u16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }
}

/// Owners in wire form: a small pool, so keys collide, replace and evict.
let owners: [[UInt8]] = (0..<24).map { i in
    let label = Array("n\(i)".utf8)
    return [UInt8(label.count)] + label + [7] + Array("example".utf8) + [0]
}

/// The last blob stored per key (owner index << 16 | type; type 5 stands
/// for the name's NXDOMAIN entry); nil once removed. A lookup that hits
/// returns exactly the bytes of its typed key or of its name's NXDOMAIN.
nonisolated(unsafe) var expected: [Int: [UInt8]] = [:]

/// Steps one input may script. The cache of the smallest arena holds at
/// most 120 entries (24 owners × 4 types + 24 NXDOMAINs) in 64 KiB, so 256
/// steps of inserts up to 16 KiB wrap its ring many times; longer scripts
/// (the cap was 2,000) only made each execution slower, the audit after
/// every step being their whole cost (~600 executions a second on a grown
/// corpus).
let stepsPerInputMax = 256

/// Steps that can change the cache between two full audits. The audit
/// walks every record in the ring (up to 8,192 at 8 bytes each) and every
/// slot (1,366); under the comparison tracing, run after every such step,
/// it was four fifths of this target's time (600 executions a second on a
/// grown corpus, and falling). A broken invariant stays broken until a
/// clear or an eviction happens to repair it, and every input is audited
/// at its end, where libFuzzer's truncations and splices end scripts at
/// many points (not a proof that each step is audited right after it);
/// the lookup check and the O(1) bounds in `checkBounds` run after every
/// step. (CacheModelTests audits every 50 steps.)
let changingStepsPerAudit = 8

/// The block every input's arena carves.
nonisolated(unsafe) var arenaBlock = UnsafeMutableRawBufferPointer.allocate(byteCount: Arena.lineByteCount,
                                                                         alignment: Arena.lineByteCount)
/// Numbers the blobs one input inserts.
nonisolated(unsafe) var blobSequence: UInt64 = 0

/// Byte-equal, in one memcmp: an element-wise `==` over blobs of up to
/// 16 KiB, each byte's comparison traced, was a sixth of this target's time.
func same(_ a: [UInt8], _ b: [UInt8]?) -> Bool {
    guard let b, a.count == b.count else { return false }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in
        x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
    } }
}

/// What holds after every step that can change the cache, in O(1): the
/// cache keeps no entry the model does not (evictions make the model a
/// superset), and its byte counts nest inside the arena.
func checkBounds(_ cache: borrowing RRsetCache, arenaByteCount: Int) {
    let statistics = cache.statistics
    precondition(statistics.entryCount <= expected.count, "the cache holds an entry the model removed")
    precondition(statistics.liveByteCount <= statistics.occupiedByteCount
                 && statistics.occupiedByteCount <= arenaByteCount, "cache byte counts beyond the arena")
}

func auditOrFail(_ cache: borrowing RRsetCache) {
    if let failure = cache.audit() { preconditionFailure("cache audit failed: \(failure)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCache(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var script = Script(data: UnsafeBufferPointer(start: data, count: size))
    let configuration = CacheConfiguration(arenaByteCount: CacheLimits.arenaByteCountMin, staleMaxSeconds: 600)
    // One block, carved afresh (and zeroed) per input: a fresh system
    // block each time cost a tenth of this target's time in page faults.
    let byteCount = Arena.byteCount(of: RRsetCache.footprint(configuration))
    if arenaBlock.count < byteCount {
        arenaBlock.deallocate()
        arenaBlock = .allocate(byteCount: byteCount, alignment: Arena.lineByteCount)
    }
    let arena = Arena(carving: arenaBlock, lateReservations: .count)
    blobSequence = 0
    guard var cache = try? RRsetCache(configuration: configuration, hashSeed: 7, memory: arena) else { return 0 }
    expected.removeAll(keepingCapacity: true)
    // Free every blob before returning: an input that ends holding more
    // heap than it started with makes libFuzzer re-run it under its leak
    // checker, which cost a sixth of this target's time.
    defer { expected.removeAll(keepingCapacity: false) }
    var now: Int64 = 1_000
    var steps = 0
    var changesSinceAudit = 0
    while !script.isDone && steps < stepsPerInputMax {
        steps += 1
        let op = script.byte() % 6
        let ownerIndex = Int(script.byte()) % owners.count
        let type = UInt16(script.byte() % 4) + 1
        let key = ownerIndex << 16 | Int(type)
        switch op {
        case 0, 1:   // insert
            let kind: CacheEntryKind = [.rrset, .noData, .nxDomain][Int(script.byte()) % 3]
            let rank = TrustRank(rawValue: script.byte() % 5) ?? .insecure
            let ttl = UInt32(script.u16())
            let count = Int(script.byte()) * (script.byte() % 4 == 0 ? 64 : 1)
            // Every blob differs from every other (a sequence number at its
            // start, its fill byte), so a lookup can tell whose bytes it got;
            // filled without a per-byte loop, which the coverage
            // instrumentation made a third of this target's time.
            blobSequence &+= 1
            var blob = [UInt8](repeating: UInt8(truncatingIfNeeded: blobSequence), count: count)
            withUnsafeBytes(of: blobSequence.littleEndian) { sequence in
                for i in 0..<min(count, sequence.count) { blob[i] = sequence[i] }
            }
            let result = owners[ownerIndex].withUnsafeBytes { o in
                blob.withUnsafeBytes { b in
                    cache.insert(owner: o, type: type, rrClass: 1, kind: kind, rank: rank, ttlSeconds: ttl,
                                 blob: b, nowSeconds: now)
                }
            }
            if result == .stored || result == .replaced {
                // An NXDOMAIN is kept under its own key and answers every
                // type at its name; data stored at the name removes it
                // (RFC 2308; RRsetCache.insert).
                if kind != .nxDomain { expected[ownerIndex << 16 | 5] = nil }
                expected[kind == .nxDomain ? ownerIndex << 16 | 5 : key] = blob
            }
        case 2:      // lookup
            let found: [UInt8]? = owners[ownerIndex].withUnsafeBytes { o in
                cache.withEntry(owner: o, type: type, rrClass: 1, nowSeconds: now) { lookup, blob in
                    lookup.hit.map { _ in Array(blob) }
                }
            }
            // Typed entry and the name's NXDOMAIN may both exist; which one
            // answers follows ranks and freshness (RRsetCache.lookup). Either
            // way the bytes are the last ones stored under one of the two keys.
            if let found {
                precondition(same(found, expected[key]) || same(found, expected[ownerIndex << 16 | 5]),
                             "a lookup returned bytes that were never stored under its key")
            }
        case 3:      // remove
            _ = owners[ownerIndex].withUnsafeBytes { cache.remove(owner: $0, type: type, rrClass: 1) }
            expected[key] = nil
        case 4:      // time passes: the cache is not touched, so no audit
            now += Int64(script.u16())
            continue
        default:
            guard script.byte() == 0xFF else { continue }   // untouched: no audit
            cache.clear()
            expected.removeAll(keepingCapacity: true)
        }
        // Only the steps that can change the cache get here (a lookup can:
        // it marks and drops).
        checkBounds(cache, arenaByteCount: configuration.arenaByteCount)
        changesSinceAudit += 1
        if changesSinceAudit == changingStepsPerAudit {
            auditOrFail(cache)
            changesSinceAudit = 0
        }
    }
    if changesSinceAudit > 0 { auditOrFail(cache) }
    return 0
}
