// Arena: the one block of memory the daemon reserves at start-up, and every
// pool carved out of it (DESIGN.md §2.1; TigerBeetle's static allocator).
//
// Owns: the block, the carving cursor, one row (label, count, bytes) per
// pool carved, and the phase: `initializing` while start-up carves, then
// `sealed` (`seal()`) for the rest of the process. A reservation after the
// seal, or one the block has no room for (the plan was short), is a
// programmer error: it traps in debug builds; release builds serve it from
// the system allocator and count it (`lateReservationCount`, shown by
// `sprig stats` as arena.late_reservations), so a router keeps answering.
//
// Never: frees a pool (the block lives as long as the arena, which everyone
// who carved from it keeps a reference to: for the daemon, the process),
// grows, or moves memory.
//
// Worked example (sprigd's start-up, Sources/sprigd/Serve.swift):
//   let plan = MemoryPlan(config: config)            // every row, from the config
//   let arena = Arena(byteCount: plan.byteCount)     // one block
//   let pool = SlotPool(capacity: 256, initial: Slot(), arena: arena, label: "clients")
//   ...                                              // every other pool
//   arena.seal()                                     // init → static
//   arena.rows == plan.rows                          // what --print-footprint prints

/// One block of memory, carved into labelled pools at start-up and sealed.
public final class Arena {
    /// Where the arena is in its life (TigerBeetle: init → static).
    public enum Phase: Equatable, Sendable {
        /// Start-up: pools are carved.
        case initializing
        /// Running: nothing more is carved.
        case sealed
    }

    /// What a reservation the block cannot serve (after the seal, or with
    /// the block full) does.
    public enum LateReservations: Equatable, Sendable {
        /// Stop the program: a debug build, where a test must see it.
        case trap
        /// Serve it from the system allocator and count it: a release
        /// build, where a router must keep answering.
        case count

        /// `trap` in debug builds, `count` in release builds.
        public static var buildDefault: LateReservations {
            #if DEBUG
            return .trap
            #else
            return .count
            #endif
        }
    }

    /// One pool: what it is, how many of its elements, bytes carved.
    public struct Row: Equatable, Sendable {
        public let label: String
        public var count: Int
        public var byteCount: Int

        public init(_ label: String, count: Int, byteCount: Int) {
            self.label = label
            self.count = count
            self.byteCount = byteCount
        }

        /// Labels compare as bytes: String's == normalises Unicode, whose
        /// tables the MIPS build lacks (Board/README.md).
        public static func == (a: Row, b: Row) -> Bool {
            a.label.utf8.elementsEqual(b.label.utf8) && a.count == b.count && a.byteCount == b.byteCount
        }
    }

    /// Every carving starts on a 64-byte line and takes whole lines, so a
    /// pool costs the same wherever it lies (the plan is order-free) and no
    /// two pools share a cache line. What a pool's element needs is at most
    /// 16 (SIMD) or 64 (the cache's records).
    public static let lineByteCount = 64

    /// Bytes of the block.
    public let byteCount: Int
    /// Bytes carved so far.
    public private(set) var usedByteCount = 0
    /// One row per label, in the order first carved.
    public private(set) var rows: [Row] = []
    public private(set) var phase = Phase.initializing
    public let lateReservations: LateReservations
    /// Reservations served by the system allocator: after the seal, or
    /// beyond the block.
    public private(set) var lateReservationCount = 0
    public private(set) var lateByteCount = 0

    let base: UnsafeMutableRawPointer
    /// System memory of late reservations, returned with the block.
    var lateBlocks: [UnsafeMutableRawPointer] = []
    /// Memory handed to C code that keeps it for the process (the crypto
    /// arena, Signature.startUp(memory:)), or a block the caller owns
    /// (`init(carving:)`): the block is then never returned.
    var isPinned = false

    /// Reserves and zeroes a block of `byteCount` bytes (every page touched
    /// now, so the resident size shows the whole budget from the start).
    public init(byteCount: Int, lateReservations: LateReservations = .buildDefault) {
        precondition(byteCount >= 0, "negative arena size")
        self.byteCount = Arena.carvingByteCount(byteCount)
        self.lateReservations = lateReservations
        base = .allocate(byteCount: max(self.byteCount, Arena.lineByteCount), alignment: Arena.lineByteCount)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: max(self.byteCount, Arena.lineByteCount))
    }

    /// Carves `block`, which the caller owns, keeps and frees: zeroed here
    /// and never returned by the arena. For code that builds many
    /// short-lived arenas of one size, such as the resolver's fuzz target
    /// (one per input): a fresh system block each time costs more in page
    /// faults than the input itself.
    public init(carving block: UnsafeMutableRawBufferPointer, lateReservations: LateReservations = .buildDefault) {
        precondition(block.count >= Arena.lineByteCount, "a block smaller than a line")
        precondition(Int(bitPattern: block.baseAddress!) % Arena.lineByteCount == 0, "a block not on a line")
        byteCount = block.count / Arena.lineByteCount * Arena.lineByteCount
        self.lateReservations = lateReservations
        base = block.baseAddress!
        base.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        isPinned = true
    }

    /// An arena the size of `rows` (a plan's table).
    public convenience init(rows: [Row], lateReservations: LateReservations = .buildDefault) {
        self.init(byteCount: Arena.byteCount(of: rows), lateReservations: lateReservations)
    }

    deinit {
        for block in lateBlocks { block.deallocate() }
        if !isPinned { base.deallocate() }
    }

    /// Ends start-up: every later reservation is late.
    public func seal() { phase = .sealed }

    /// Keeps the block for the life of the process, even when this arena
    /// goes (C code was handed part of it for good).
    public func pin() { isPinned = true }

    /// Bytes left in the block.
    public var freeByteCount: Int { byteCount - usedByteCount }

    // MARK: sizes

    /// What carving `byteCount` bytes costs: whole lines.
    public static func carvingByteCount(_ byteCount: Int) -> Int {
        (byteCount + lineByteCount - 1) / lineByteCount * lineByteCount
    }

    /// What carving `count` elements of `T` costs.
    public static func carvingByteCount<T>(of type: T.Type, count: Int) -> Int {
        carvingByteCount(MemoryLayout<T>.stride * count)
    }

    /// The bytes of a table of rows.
    public static func byteCount(of rows: [Row]) -> Int { rows.reduce(0) { $0 + $1.byteCount } }

    // MARK: carving

    /// Carves `byteCount` zeroed bytes for the pool `label` (`count` of its
    /// elements), adding to that pool's row if it has one.
    public func reserveBytes(_ byteCount: Int, label: String, count: Int = 1) -> UnsafeMutableRawBufferPointer {
        precondition(byteCount >= 0, "negative reservation")
        let cost = Arena.carvingByteCount(byteCount)
        guard phase == .initializing, cost <= freeByteCount else {
            return reserveLate(byteCount, label: label)
        }
        let start = base + usedByteCount
        usedByteCount += cost
        if cost > 0 { note(label, count: count, byteCount: cost) }
        return UnsafeMutableRawBufferPointer(start: start, count: byteCount)
    }

    /// Carves room for `count` values of `T` (bound, not initialised: the
    /// pool fills it) for the pool `label`; `rowCount`: the row's count,
    /// when it is not `count`. `T` must be plain data: the arena never
    /// deinitialises what it holds.
    public func reserve<T>(_ type: T.Type, count: Int, label: String, rowCount: Int? = nil) -> UnsafeMutableBufferPointer<T> {
        precondition(count >= 0, "negative reservation")
        precondition(_isPOD(T.self), "the arena holds plain data only: it never deinitialises it")
        precondition(MemoryLayout<T>.alignment <= Arena.lineByteCount, "alignment beyond a line")
        let bytes = reserveBytes(MemoryLayout<T>.stride * count, label: label, count: rowCount ?? count)
        let start = bytes.baseAddress!.bindMemory(to: T.self, capacity: count)
        return UnsafeMutableBufferPointer(start: start, count: count)
    }

    /// A reservation the block does not serve: trapped, or served by the
    /// system allocator and counted (`LateReservations`).
    func reserveLate(_ byteCount: Int, label: String) -> UnsafeMutableRawBufferPointer {
        let why = phase == .sealed ? "after start-up" : "beyond the planned \(self.byteCount) bytes"
        if lateReservations == .trap {
            print("arena: '\(label)' (\(byteCount) bytes) reserved \(why)")
            preconditionFailure("arena: a reservation after start-up, or beyond the plan")
        }
        lateReservationCount += 1
        lateByteCount += byteCount
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: Arena.lineByteCount)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        lateBlocks.append(block)
        return UnsafeMutableRawBufferPointer(start: block, count: byteCount)
    }

    func note(_ label: String, count: Int, byteCount: Int) {
        Arena.add(Row(label, count: count, byteCount: byteCount), to: &rows)
    }

    /// Rows as the arena records them: parts of one pool (one label) in
    /// one row — bytes added, the largest count kept — at the place of its
    /// first part; nothing for a pool of no bytes.
    public static func table(_ rows: [Row]) -> [Row] {
        var table: [Row] = []
        for row in rows { add(row, to: &table) }
        return table
    }

    static func add(_ row: Row, to table: inout [Row]) {
        guard row.byteCount > 0 else { return }
        let labelByteCount = row.label.utf8.count
        for i in table.indices where table[i].label.utf8.count == labelByteCount
            && table[i].label.utf8.elementsEqual(row.label.utf8) {
            table[i].count = max(table[i].count, row.count)
            table[i].byteCount += row.byteCount
            return
        }
        table.append(row)
    }
}
