import XCTest
@testable import Fixed

/// The arena (Sources/Fixed/Arena.swift): carving, alignment, one row per
/// pool, the seal, and what a reservation the block cannot serve does in
/// release builds (counted and served; debug builds trap instead).
final class ArenaTests: XCTestCase {
    func testCarvesInOrderOnWholeLines() {
        let arena = Arena(byteCount: 1_024, lateReservations: .count)
        let a = arena.reserveBytes(10, label: "a")
        let b = arena.reserveBytes(64, label: "b")
        let c = arena.reserve(UInt64.self, count: 9, label: "c")
        XCTAssertEqual(a.count, 10, "the caller gets what it asked for")
        XCTAssertEqual(b.count, 64)
        XCTAssertEqual(c.count, 9)
        XCTAssertEqual(b.baseAddress! - a.baseAddress!, 64, "a 10-byte carving takes one line")
        XCTAssertEqual(UnsafeMutableRawPointer(c.baseAddress!) - b.baseAddress!, 64)
        XCTAssertEqual(arena.usedByteCount, 64 + 64 + 128)
        XCTAssertEqual(arena.freeByteCount, 1_024 - 256)
        XCTAssertEqual(Arena.carvingByteCount(of: UInt64.self, count: 9), 128)
        XCTAssertEqual(Arena.carvingByteCount(0), 0)
        XCTAssertEqual(Arena.carvingByteCount(65), 128)
    }

    func testEveryCarvingIsLineAlignedAndZeroed() {
        let arena = Arena(byteCount: 4_096, lateReservations: .count)
        for n in [1, 3, 17, 63, 64, 100, 200] {
            let bytes = arena.reserveBytes(n, label: "n\(n)")
            XCTAssertEqual(Int(bitPattern: bytes.baseAddress!) % Arena.lineByteCount, 0, "\(n) bytes")
            XCTAssertTrue(bytes.allSatisfy { $0 == 0 }, "\(n) bytes")
        }
        struct Wide { var a: UInt64; var b: UInt64 }
        let wide = arena.reserve(Wide.self, count: 3, label: "wide")
        XCTAssertEqual(Int(bitPattern: wide.baseAddress!) % MemoryLayout<Wide>.alignment, 0)
    }

    func testACallersBlockIsZeroedCarvedAndKept() {
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_000, alignment: Arena.lineByteCount)
        defer { block.deallocate() }
        for round in 0..<2 {
            block.initializeMemory(as: UInt8.self, repeating: 0xA5)
            do {
                let arena = Arena(carving: block, lateReservations: .count)
                XCTAssertEqual(arena.byteCount, 960, "whole lines of the block")
                let a = arena.reserveBytes(100, label: "a")
                XCTAssertEqual(a.baseAddress, block.baseAddress, "round \(round): carved from the caller's block")
                XCTAssertTrue(a.allSatisfy { $0 == 0 }, "round \(round): zeroed whatever was there")
                _ = arena.reserveBytes(1_000, label: "too much")
                XCTAssertEqual(arena.lateReservationCount, 1, "beyond the block: counted, as with its own block")
            }
            XCTAssertEqual(block[0], 0, "the arena gone, the block is still the caller's (not freed)")
        }
    }

    func testPartsOfOnePoolShareARow() {
        let arena = Arena(byteCount: 4_096, lateReservations: .count)
        _ = arena.reserve(Int32.self, count: 20, label: "pool")
        _ = arena.reserveBytes(100, label: "other", count: 2)
        _ = arena.reserve(Bool.self, count: 20, label: "pool")
        _ = arena.reserveBytes(0, label: "empty")
        XCTAssertEqual(arena.rows, [Arena.Row("pool", count: 20, byteCount: 128 + 64),
                                    Arena.Row("other", count: 2, byteCount: 128)],
                       "parts add up at the first part's place; a pool of no bytes has no row")
        XCTAssertEqual(Arena.table([Arena.Row("pool", count: 20, byteCount: 128), Arena.Row("other", count: 2, byteCount: 128),
                                    Arena.Row("pool", count: 20, byteCount: 64), Arena.Row("empty", count: 0, byteCount: 0)]),
                       arena.rows, "a plan's rows fold the same way")
        XCTAssertEqual(Arena.byteCount(of: arena.rows), arena.usedByteCount)
    }

    func testSlotPoolAndTimerHeapCostWhatTheirByteCountSays() {
        let arena = Arena(byteCount: 1 << 16, lateReservations: .count)
        let pool = SlotPool<(Int64, Int8)>(capacity: 100, initial: (0, 0), arena: arena, label: "slots")
        let heap = TimerHeap(capacity: 77, arena: arena, label: "timers")
        XCTAssertEqual(arena.rows, [Arena.Row("slots", count: 100, byteCount: SlotPool<(Int64, Int8)>.byteCount(capacity: 100)),
                                    Arena.Row("timers", count: 77, byteCount: TimerHeap.byteCount(capacity: 77))])
        XCTAssertEqual(pool.capacity + heap.capacity, 177)
    }

    func testAnArenaOfRowsHoldsExactlyThem() {
        let rows = [Arena.Row("a", count: 1, byteCount: 640), Arena.Row("b", count: 1, byteCount: 64)]
        let arena = Arena(rows: rows, lateReservations: .count)
        XCTAssertEqual(arena.byteCount, 704)
        _ = arena.reserveBytes(600, label: "a")
        _ = arena.reserveBytes(64, label: "b")
        XCTAssertEqual(arena.freeByteCount, 0)
        XCTAssertEqual(arena.lateReservationCount, 0)
    }

    /// init → static: after the seal nothing comes from the block. Release
    /// semantics (`.count`): served by the system allocator, counted,
    /// zeroed, and kept out of the rows; debug builds trap there instead.
    func testLateReservationsAreCountedAndServed() {
        let arena = Arena(byteCount: 256, lateReservations: .count)
        XCTAssertEqual(arena.phase, .initializing)
        _ = arena.reserveBytes(64, label: "early")
        arena.seal()
        XCTAssertEqual(arena.phase, .sealed)
        let late = arena.reserveBytes(100, label: "late")
        XCTAssertEqual(late.count, 100)
        XCTAssertTrue(late.allSatisfy { $0 == 0 })
        late[99] = 7   // usable memory
        let typed = arena.reserve(UInt32.self, count: 5, label: "late typed")
        typed.initialize(repeating: 9)
        XCTAssertEqual(arena.lateReservationCount, 2)
        XCTAssertEqual(arena.lateByteCount, 100 + 20)
        XCTAssertEqual(arena.usedByteCount, 64, "the block is not touched after the seal")
        XCTAssertEqual(arena.rows, [Arena.Row("early", count: 1, byteCount: 64)])
    }

    /// A plan that is short is the same fault as a late reservation.
    func testReservationsBeyondTheBlockAreCountedAndServed() {
        let arena = Arena(byteCount: 128, lateReservations: .count)
        _ = arena.reserveBytes(128, label: "fits")
        let over = arena.reserveBytes(1, label: "beyond")
        XCTAssertEqual(over.count, 1)
        XCTAssertEqual(arena.lateReservationCount, 1)
        XCTAssertEqual(arena.usedByteCount, 128)
        XCTAssertEqual(arena.phase, .initializing)
    }

    func testDebugBuildsTrapAndReleaseBuildsCount() {
        #if DEBUG
        XCTAssertEqual(Arena.LateReservations.buildDefault, .trap)
        #else
        XCTAssertEqual(Arena.LateReservations.buildDefault, .count)
        #endif
    }
}
