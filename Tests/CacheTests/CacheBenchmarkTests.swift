import XCTest
@testable import Cache

/// Not a timed assertion: prints ns per lookup and insert for the record.
final class CacheBenchmarkTests: XCTestCase {
    func testBenchmarkLookupAndInsert() {
        var cache = makeCache(arenaByteCount: 4 << 20)
        let owners: [[UInt8]] = (0..<10_000).map { wire("www.host\($0).example.com") }
        let blob = [UInt8](repeating: 1, count: 100)
        let rounds = 200_000
        let insertStart = DispatchTime.now().uptimeNanoseconds
        blob.withUnsafeBytes { b in
            for i in 0..<rounds {
                owners[i % owners.count].withUnsafeBytes { o in
                    _ = cache.insert(owner: o, type: 1, rrClass: 1, kind: .rrset, rank: .secure,
                                     ttlSeconds: 300, blob: b, nowSeconds: 0)
                }
            }
        }
        let lookupStart = DispatchTime.now().uptimeNanoseconds
        var found = 0
        for i in 0..<rounds {
            owners[(i &* 7) % owners.count].withUnsafeBytes { o in
                if case .fresh = cache.lookup(owner: o, type: 1, rrClass: 1, nowSeconds: 1) { found += 1 }
            }
        }
        let end = DispatchTime.now().uptimeNanoseconds
        print("RRsetCache: insert \((lookupStart - insertStart) / UInt64(rounds)) ns, "
              + "lookup \((end - lookupStart) / UInt64(rounds)) ns (\(found) hits)")
        XCTAssertEqual(found, rounds)
    }
}
