import DNSWire
import Fixed

/// An address as two 64-bit halves, big-endian within each (IPv4 in the
/// high half's top four bytes): compared and hashed without allocation.
public struct LocalAddress: Equatable, Sendable {
    public var isIPv6: Bool
    public var high: UInt64
    public var low: UInt64

    public init(isIPv6: Bool, high: UInt64, low: UInt64) {
        self.isIPv6 = isIPv6
        self.high = high
        self.low = low
    }

    public init(_ a: IPAddress) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<a.byteCount {
            if i < 8 { high |= UInt64(a[byte: i]) << UInt64(56 - 8 * i) } else { low |= UInt64(a[byte: i]) << UInt64(56 - 8 * (i - 8)) }
        }
        self.init(isIPv6: a.family == .ipv6, high: high, low: low)
    }

    /// The address's bytes (4 or 16) into `out`; the count.
    public func write(into out: UnsafeMutableRawBufferPointer) -> Int {
        let count = isIPv6 ? 16 : 4
        for i in 0..<count {
            out[i] = i < 8 ? UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i)) : UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * (i - 8)))
        }
        return count
    }
}

/// The household's names: (name, address) pairs from hosts files and DHCP
/// lease files, in a table of fixed size carved at start-up
/// (`local_names_max`), found by name (A/AAAA) and by address (PTR).
///
/// Owns: the entries, their names' bytes and two chained hash indexes.
/// Rebuilt whole on every reload (`removeAll`, then `add` per pair), so a
/// file's removed lines never linger as stale answers.
/// Never: reads files (LocalFiles in Server does, LocalNameText parses).
public struct LocalNames {
    /// One pair. `next*` chain entries of one hash bucket (-1 ends).
    struct Entry {
        var nameOffset: UInt32 = 0
        var nameByteCount: UInt16 = 0
        var address = LocalAddress(isIPv6: false, high: 0, low: 0)
        var nextByName: Int32 = -1
        var nextByAddress: Int32 = -1
    }

    public let capacity: Int
    let entries: UnsafeMutableBufferPointer<Entry>
    let nameBytes: UnsafeMutableRawBufferPointer
    let byName: UnsafeMutableBufferPointer<Int32>
    let byAddress: UnsafeMutableBufferPointer<Int32>
    public private(set) var count = 0
    var nameBytesUsed = 0
    /// Keeps the carving alive.
    let arena: Arena

    /// Average bytes per name in wire form ("laptop.lan." is 12; FQDNs in
    /// a hosts file are longer): the name pool holds `capacity` of these.
    static let nameByteCountAverage = 48

    public init(capacity: Int, arena: Arena) {
        self.capacity = capacity
        self.arena = arena
        let buckets = LocalNames.bucketCount(capacity)
        entries = arena.reserve(Entry.self, count: max(capacity, 1), label: LocalNames.entriesLabel, rowCount: capacity)
        nameBytes = arena.reserveBytes(max(capacity, 1) * LocalNames.nameByteCountAverage, label: LocalNames.namesLabel,
                                       count: capacity)
        byName = arena.reserve(Int32.self, count: buckets, label: LocalNames.byNameLabel, rowCount: buckets)
        byAddress = arena.reserve(Int32.self, count: buckets, label: LocalNames.byAddressLabel, rowCount: buckets)
        entries.initialize(repeating: Entry())
        removeAll()
    }

    static let entriesLabel = "local names (local_names_max)"
    static let namesLabel = "local name bytes (local_names_max x 48)"
    static let byNameLabel = "local names by name (index)"
    static let byAddressLabel = "local names by address (index)"

    static func bucketCount(_ capacity: Int) -> Int { HashBuckets.count(forCapacity: capacity) }

    /// The plan's rows: what `init` carves.
    public static func footprint(capacity: Int) -> [Arena.Row] {
        let buckets = bucketCount(capacity)
        return [Arena.Row(entriesLabel, count: capacity, byteCount: Arena.carvingByteCount(of: Entry.self, count: max(capacity, 1))),
                Arena.Row(namesLabel, count: capacity, byteCount: Arena.carvingByteCount(max(capacity, 1) * nameByteCountAverage)),
                Arena.Row(byNameLabel, count: buckets, byteCount: Arena.carvingByteCount(of: Int32.self, count: buckets)),
                Arena.Row(byAddressLabel, count: buckets, byteCount: Arena.carvingByteCount(of: Int32.self, count: buckets))]
    }

    /// Empties the table (the start of every reload).
    public mutating func removeAll() {
        count = 0
        nameBytesUsed = 0
        for i in 0..<byName.count { byName[i] = -1 }
        for i in 0..<byAddress.count { byAddress[i] = -1 }
    }

    public enum AddResult: Equatable {
        case added
        /// The same name and address is in already (a name in two files).
        case duplicate
        /// No entry or name bytes left: `local_names_max` is too small.
        case full
    }

    /// Adds `name` (fully qualified) with `address`.
    public mutating func add(_ name: Name, _ address: IPAddress) -> AddResult {
        let address = LocalAddress(address)
        var i = byName[bucket(name)]
        for _ in 0..<count where i >= 0 {
            let e = entries[Int(i)]
            if e.address == address && nameEquals(e, name) { return .duplicate }
            i = e.nextByName
        }
        guard count < capacity, nameBytesUsed + name.byteCount <= nameBytes.count else { return .full }
        var e = Entry()
        e.nameOffset = UInt32(nameBytesUsed)
        e.nameByteCount = UInt16(name.byteCount)
        for k in 0..<name.byteCount { nameBytes[nameBytesUsed + k] = LocalNames.lower(name[byte: k]) }
        nameBytesUsed += name.byteCount
        e.address = address
        let nb = bucket(name)
        let ab = addressBucket(address)
        e.nextByName = byName[nb]
        e.nextByAddress = byAddress[ab]
        entries[count] = e
        byName[nb] = Int32(count)
        byAddress[ab] = Int32(count)
        count += 1
        return .added
    }

    /// Whether `name` has any entry, and its addresses of `family` through `body`.
    @discardableResult
    public func forEachAddress(of name: Name, _ body: (LocalAddress) -> Void) -> Bool {
        var found = false
        var i = byName[bucket(name)]
        for _ in 0..<count where i >= 0 {
            let e = entries[Int(i)]
            if nameEquals(e, name) {
                found = true
                body(e.address)
            }
            i = e.nextByName
        }
        return found
    }

    /// The first name recorded for `address` (the hosts file's canonical
    /// name comes first on its line), as wire bytes in the table.
    /// Every pair, in the order added (`sprig leases`): the name's
    /// lowercased wire form and the address.
    public func forEachEntry(_ body: (UnsafeRawBufferPointer, LocalAddress) -> Void) {
        for i in 0..<count {
            let e = entries[i]
            body(UnsafeRawBufferPointer(rebasing: nameBytes[Int(e.nameOffset)..<(Int(e.nameOffset) + Int(e.nameByteCount))]),
                 e.address)
        }
    }

    public func name(for address: LocalAddress) -> UnsafeRawBufferPointer? {
        var i = byAddress[addressBucket(address)]
        var best: Int32 = -1
        for _ in 0..<count where i >= 0 {
            let e = entries[Int(i)]
            if e.address == address { best = i }   // chains run newest first
            i = e.nextByAddress
        }
        guard best >= 0 else { return nil }
        let e = entries[Int(best)]
        return UnsafeRawBufferPointer(rebasing: nameBytes[Int(e.nameOffset)..<(Int(e.nameOffset) + Int(e.nameByteCount))])
    }

    // MARK: internals

    func nameEquals(_ e: Entry, _ name: Name) -> Bool {
        guard Int(e.nameByteCount) == name.byteCount else { return false }
        for k in 0..<name.byteCount where nameBytes[Int(e.nameOffset) + k] != LocalNames.lower(name[byte: k]) { return false }
        return true
    }

    func bucket(_ name: Name) -> Int { Int(name.hash32) & (byName.count - 1) }

    func addressBucket(_ a: LocalAddress) -> Int {
        var h = (a.high &* 0x9E37_79B9_7F4A_7C15) ^ (a.low &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & (byAddress.count - 1)
    }

    static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }
}
