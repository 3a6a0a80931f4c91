/// Deadlines for a fixed set of timer owners (request slots, outgoing
/// queries, TCP connections), as an indexed binary min-heap in arrays
/// carved from the arena at start-up.
///
/// Every owner has a fixed timer number `0..<capacity`, so arming,
/// re-arming and cancelling never allocate and never leave stale entries:
/// the heap holds each timer at most once, and `position` finds it.
public struct TimerHeap: ~Copyable {
    public let capacity: Int
    private let heap: UnsafeMutablePointer<Int32>       // heap order → timer
    private let position: UnsafeMutablePointer<Int32>   // timer → heap index, -1 when idle
    private let deadline: UnsafeMutablePointer<Int64>   // timer → deadline (ms)
    public private(set) var count = 0
    /// Keeps the memory alive as long as the heap.
    private let arena: Arena

    /// Carves the heap's arrays from `arena`, as one row `label` of `capacity`.
    public init(capacity: Int, arena: Arena, label: String) {
        precondition(capacity > 0 && capacity < Int(Int32.max))
        self.capacity = capacity
        self.arena = arena
        deadline = arena.reserve(Int64.self, count: capacity, label: label).baseAddress!
        heap = arena.reserve(Int32.self, count: capacity, label: label).baseAddress!
        position = arena.reserve(Int32.self, count: capacity, label: label).baseAddress!
        position.initialize(repeating: -1, count: capacity)
        deadline.initialize(repeating: 0, count: capacity)
        heap.initialize(repeating: 0, count: capacity)
    }

    /// Bytes `init` carves: its row in the plan.
    public static func byteCount(capacity: Int) -> Int {
        Arena.carvingByteCount(of: Int64.self, count: capacity) + 2 * Arena.carvingByteCount(of: Int32.self, count: capacity)
    }

    public func isArmed(_ timer: Int) -> Bool { position[timer] >= 0 }

    /// Arms `timer` (or moves it) to fire at `atMs`.
    public mutating func arm(_ timer: Int, atMs: Int64) {
        precondition(timer >= 0 && timer < capacity)
        if position[timer] >= 0 {
            let old = deadline[timer]
            deadline[timer] = atMs
            let index = Int(position[timer])
            if atMs < old { siftUp(index) } else { siftDown(index) }
            return
        }
        deadline[timer] = atMs
        heap[count] = Int32(timer)
        position[timer] = Int32(count)
        count += 1
        siftUp(count - 1)
    }

    public mutating func cancel(_ timer: Int) {
        precondition(timer >= 0 && timer < capacity)
        let index = Int(position[timer])
        if index < 0 { return }
        count -= 1
        position[timer] = -1
        if index == count { return }
        let last = Int(heap[count])
        heap[index] = Int32(last)
        position[last] = Int32(index)
        siftDown(index)
        siftUp(Int(position[last]))
    }

    /// The earliest deadline, if any timer is armed.
    public var nextDeadlineMs: Int64? { count > 0 ? deadline[Int(heap[0])] : nil }

    /// Removes and returns a timer whose deadline is at or before `nowMs`.
    public mutating func popExpired(nowMs: Int64) -> Int? {
        guard count > 0, deadline[Int(heap[0])] <= nowMs else { return nil }
        let timer = Int(heap[0])
        cancel(timer)
        return timer
    }

    /// Milliseconds until the next deadline, for epoll_wait (-1: none, capped).
    public func waitMs(nowMs: Int64, capMs: Int64) -> Int32 {
        guard let next = nextDeadlineMs else { return Int32(capMs) }
        return Int32(max(0, min(next - nowMs, capMs)))
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            if deadline[Int(heap[parent])] <= deadline[Int(heap[i])] { break }
            swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let left = 2 * i + 1
            if left >= count { break }
            var smallest = left
            let right = left + 1
            if right < count && deadline[Int(heap[right])] < deadline[Int(heap[left])] { smallest = right }
            if deadline[Int(heap[i])] <= deadline[Int(heap[smallest])] { break }
            swapAt(i, smallest)
            i = smallest
        }
    }

    private func swapAt(_ a: Int, _ b: Int) {
        let ta = heap[a], tb = heap[b]
        heap[a] = tb
        heap[b] = ta
        position[Int(tb)] = Int32(a)
        position[Int(ta)] = Int32(b)
    }
}
