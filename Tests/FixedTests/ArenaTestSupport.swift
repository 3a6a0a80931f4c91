// Pools the tests build on their own get an arena of their own, sized by
// the pool's byte count (sprigd carves them all from one: MemoryPlan).
@testable import Fixed

extension TimerHeap {
    init(capacity: Int) {
        self.init(capacity: capacity, arena: Arena(byteCount: TimerHeap.byteCount(capacity: capacity)), label: "timers")
    }
}

extension SlotPool {
    init(capacity: Int, initial: Slot) {
        self.init(capacity: capacity, initial: initial,
                  arena: Arena(byteCount: SlotPool.byteCount(capacity: capacity)), label: "slots")
    }
}
