/// A fixed pool of `capacity` slots of `Slot`, reserved at start-up, with
/// an index free list. Acquire/release are O(1) and never allocate; when the
/// pool is empty `acquire` returns nil and the caller answers with a defined
/// outcome (SERVFAIL, REFUSED, drop) and counts it.
public struct SlotPool<Slot>: ~Copyable {
    public let capacity: Int
    private let slots: UnsafeMutablePointer<Slot>
    private let nextFree: UnsafeMutablePointer<Int32>
    private let inUse: UnsafeMutablePointer<Bool>
    private var freeHead: Int32
    public private(set) var usedCount = 0
    /// Most slots ever in use at once (for stats and sizing advice).
    public private(set) var highWater = 0

    public init(capacity: Int, initial: Slot) {
        precondition(capacity > 0 && capacity < Int(Int32.max))
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: initial, count: capacity)
        nextFree = .allocate(capacity: capacity)
        inUse = .allocate(capacity: capacity)
        inUse.initialize(repeating: false, count: capacity)
        for i in 0..<capacity { nextFree[i] = i + 1 < capacity ? Int32(i + 1) : -1 }
        freeHead = 0
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
        nextFree.deallocate()
        inUse.deallocate()
    }

    public static func byteCount(capacity: Int) -> Int {
        capacity * (MemoryLayout<Slot>.stride + 4 + 1)
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
