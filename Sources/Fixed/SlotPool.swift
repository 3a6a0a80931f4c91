/// A fixed pool of `capacity` slots of `Slot`, carved from the arena at
/// start-up, with an index free list. Acquire/release are O(1) and never
/// allocate; when the pool is empty `acquire` returns nil and the caller
/// answers with a defined outcome (SERVFAIL, REFUSED, drop) and counts it.
/// Slots are plain data (checked at init): the arena owns the memory, and
/// nothing in a slot needs a deinit.
public struct SlotPool<Slot>: ~Copyable {
    public let capacity: Int
    private let slots: UnsafeMutablePointer<Slot>
    private let nextFree: UnsafeMutablePointer<Int32>
    private let inUse: UnsafeMutablePointer<Bool>
    /// Keeps the memory alive as long as the pool.
    private let arena: Arena
    private var freeHead: Int32
    public private(set) var usedCount = 0
    /// Most slots ever in use at once (for stats and sizing advice).
    public private(set) var highWater = 0

    /// Carves the slots, the free list and the in-use marks from `arena`,
    /// as one row `label` of `capacity`.
    public init(capacity: Int, initial: Slot, arena: Arena, label: String) {
        precondition(capacity > 0 && capacity < Int(Int32.max))
        self.capacity = capacity
        self.arena = arena
        slots = arena.reserve(Slot.self, count: capacity, label: label).baseAddress!
        slots.initialize(repeating: initial, count: capacity)
        nextFree = arena.reserve(Int32.self, count: capacity, label: label).baseAddress!
        inUse = arena.reserve(Bool.self, count: capacity, label: label).baseAddress!
        inUse.initialize(repeating: false, count: capacity)
        for i in 0..<capacity { nextFree[i] = i + 1 < capacity ? Int32(i + 1) : -1 }
        freeHead = 0
    }

    /// Bytes `init` carves: its row in the plan.
    public static func byteCount(capacity: Int) -> Int {
        Arena.carvingByteCount(of: Slot.self, count: capacity) + Arena.carvingByteCount(of: Int32.self, count: capacity)
            + Arena.carvingByteCount(of: Bool.self, count: capacity)
    }

    public mutating func acquire() -> Int? {
        if freeHead < 0 { return nil }
        let index = Int(freeHead)
        freeHead = nextFree[index]
        inUse[index] = true
        usedCount += 1
        if usedCount > highWater { highWater = usedCount }
        return index
    }

    public mutating func release(_ index: Int) {
        precondition(index >= 0 && index < capacity && inUse[index], "slot released twice")
        inUse[index] = false
        nextFree[index] = freeHead
        freeHead = Int32(index)
        usedCount -= 1
    }

    public func isInUse(_ index: Int) -> Bool { index >= 0 && index < capacity && inUse[index] }

    public subscript(index: Int) -> Slot {
        get {
            precondition(index >= 0 && index < capacity)
            return slots[index]
        }
        nonmutating set {
            precondition(index >= 0 && index < capacity)
            slots[index] = newValue
        }
    }

    /// Direct access for in-place updates of large slots.
    public func pointer(_ index: Int) -> UnsafeMutablePointer<Slot> {
        precondition(index >= 0 && index < capacity)
        return slots + index
    }
}
