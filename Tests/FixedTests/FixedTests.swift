import XCTest
@testable import Fixed

final class TimerHeapTests: XCTestCase {
    func testFiresInDeadlineOrderAndRearmMoves() {
        var heap = TimerHeap(capacity: 8)
        heap.arm(3, atMs: 300)
        heap.arm(1, atMs: 100)
        heap.arm(5, atMs: 500)
        heap.arm(3, atMs: 50)      // re-arm earlier
        heap.arm(1, atMs: 700)     // re-arm later
        XCTAssertEqual(heap.count, 3, "re-arming never duplicates")
        XCTAssertEqual(heap.nextDeadlineMs, 50)
        XCTAssertNil(heap.popExpired(nowMs: 49))
        XCTAssertEqual(heap.popExpired(nowMs: 1000), 3)
        XCTAssertEqual(heap.popExpired(nowMs: 1000), 5)
        XCTAssertEqual(heap.popExpired(nowMs: 1000), 1)
        XCTAssertNil(heap.popExpired(nowMs: 1000))
    }

    func testCancelAndWaitTime() {
        var heap = TimerHeap(capacity: 4)
        XCTAssertEqual(heap.waitMs(nowMs: 0, capMs: 1000), 1000)
        heap.arm(0, atMs: 250)
        heap.arm(2, atMs: 20)
        heap.cancel(2)
        heap.cancel(2)
        XCTAssertFalse(heap.isArmed(2))
        XCTAssertEqual(heap.waitMs(nowMs: 100, capMs: 1000), 150)
        XCTAssertEqual(heap.waitMs(nowMs: 400, capMs: 1000), 0)
    }

    /// Seeded comparison with a sorted reference under random arm/cancel.
    func testMatchesReferenceModel() {
        var rng = SplitMix(seed: UInt64(ProcessInfo.processInfo.environment["SPRIG_SEED"] ?? "") ?? 7)
        let capacity = 64
        var heap = TimerHeap(capacity: capacity)
        var model: [Int: Int64] = [:]
        var now: Int64 = 0
        for step in 0..<20_000 {
            let t = Int(rng.next() % UInt64(capacity))
            switch rng.next() % 4 {
            case 0, 1:
                let at = now + Int64(rng.next() % 1000)
                heap.arm(t, atMs: at); model[t] = at
            case 2:
                heap.cancel(t); model[t] = nil
            default:
                now += Int64(rng.next() % 300)
                while let fired = heap.popExpired(nowMs: now) {
                    guard let at = model[fired] else { return XCTFail("fired unarmed timer \(fired) at step \(step), seed \(rng.seed)") }
                    XCTAssertLessThanOrEqual(at, now)
                    XCTAssertEqual(at, model.values.min(), "fired out of order, seed \(rng.seed)")
                    model[fired] = nil
                }
                XCTAssertTrue(model.values.allSatisfy { $0 > now }, "seed \(rng.seed)")
            }
            XCTAssertEqual(heap.count, model.count, "seed \(rng.seed)")
        }
    }
}

final class SlotPoolTests: XCTestCase {
    func testAcquireUntilEmptyThenReuse() {
        var pool = SlotPool<Int>(capacity: 3, initial: 0)
        let a = pool.acquire(), b = pool.acquire(), c = pool.acquire()
        XCTAssertNotNil(a); XCTAssertNotNil(b); XCTAssertNotNil(c)
        XCTAssertNil(pool.acquire(), "a full pool refuses")
        XCTAssertEqual(pool.highWater, 3)
        pool.release(b!)
        XCTAssertEqual(pool.acquire(), b)
        pool[a!] = 42
        XCTAssertEqual(pool[a!], 42)
        XCTAssertEqual(pool.usedCount, 3)
    }
}


/// Small seeded generator for reproducible randomized tests.
struct SplitMix {
    let seed: UInt64
    private var state: UInt64
    init(seed: UInt64) { self.seed = seed; state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
