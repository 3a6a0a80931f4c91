// Trust anchors (DS or DNSKEY form, RFC 4033 §2, RFC 7958) in a fixed-capacity
// store filled at start-up, and negative trust anchors (RFC 7646; Unbound's
// `domain-insecure`): names at or under which validation is skipped.
import DNSWire
import Fixed

public enum TrustAnchorKind: UInt8, Equatable, Sendable {
    case ds
    case dnskey
}

public struct TrustAnchorStore: ~Copyable {
    /// Anchor owners (zones) we hold: the root plus a few private zones and
    /// in-tree hint anchors (DESIGN.md §6); each costs ~270 bytes.
    public static let ownerCountMax = 32
    /// RDATA bytes for all anchors: a DS is ~36–52 bytes, an RSA-2048 DNSKEY
    /// ~260; 16 KiB holds dozens of keys.
    public static let rdataByteCountMax = 16_384

    struct Entry {
        var owner: Name
        var kind: TrustAnchorKind
        var start: Int
        var byteCount: Int
        var count: Int
        /// The first `operatorAddedCount` RDATAs were added by the operator
        /// (`list trust_anchor`); the rest are the RFC 5011 seeds (compiled
        /// in, or `trust_anchor_file`).
        var operatorAddedCount: Int
        /// No longer a trust point (an in-tree hint disabled by its
        /// `_in-tree` expiry): its anchors are not used; the slot stays.
        var suspended = false
    }

    let bytes: UnsafeMutableRawBufferPointer
    let entries: UnsafeMutableBufferPointer<Entry>
    public private(set) var ownerCount = 0
    var usedByteCount = 0
    /// Keeps both carvings alive.
    let arena: Arena

    public init(arena: Arena) {
        self.arena = arena
        bytes = arena.reserveBytes(TrustAnchorStore.rdataByteCountMax, label: TrustAnchorStore.label,
                                   count: TrustAnchorStore.ownerCountMax)
        entries = arena.reserve(Entry.self, count: TrustAnchorStore.ownerCountMax, label: TrustAnchorStore.label)
    }

    static let label = "trust anchors (owners, RDATA)"

    /// The plan's row: what `init` carves.
    public static var footprint: [Arena.Row] {
        [Arena.Row(label, count: ownerCountMax, byteCount: Arena.carvingByteCount(rdataByteCountMax)
                       + Arena.carvingByteCount(of: Entry.self, count: ownerCountMax))]
    }

    /// Adds every anchor RDATA of one owner and kind at once (config load).
    /// The RDATAs are kept contiguous so `anchors(at:)` can return them as a
    /// list; the first `operatorAddedCount` of them came from the operator's
    /// `list trust_anchor` (see `operatorAddedAnchors(at:)`).
    public mutating func add(owner: Name, kind: TrustAnchorKind, rdatas: RDataList,
                             operatorAddedCount: Int = 0) throws(ValidatorError) {
        guard ownerCount < TrustAnchorStore.ownerCountMax, index(of: owner) == nil,
              usedByteCount + rdatas.bytes.count <= bytes.count else { throw .noSpace }
        for i in 0..<rdatas.bytes.count { bytes[usedByteCount + i] = rdatas.bytes[i] }
        (entries.baseAddress! + ownerCount).initialize(to: Entry(
            owner: owner.lowercased(), kind: kind, start: usedByteCount,
            byteCount: rdatas.bytes.count, count: rdatas.count,
            operatorAddedCount: min(max(operatorAddedCount, 0), rdatas.count)))
        usedByteCount += rdatas.bytes.count
        ownerCount += 1
    }

    /// Stops using the anchors at `owner` (run time; never undone before
    /// restart). False when there are none.
    public mutating func suspend(owner: Name) -> Bool {
        guard let i = index(of: owner) else { return false }
        entries[i].suspended = true
        return true
    }

    /// The anchors configured exactly at `owner`.
    public func anchors(at owner: Name) -> (kind: TrustAnchorKind, rdatas: RDataList)? {
        guard let i = index(of: owner), !entries[i].suspended else { return nil }
        let entry = entries[i]
        let slice = UnsafeRawBufferPointer(rebasing: bytes[entry.start..<(entry.start + entry.byteCount)])
        return (entry.kind, RDataList(checked: slice, count: entry.count))
    }

    /// The anchors at `owner` the operator added (`list trust_anchor`), as
    /// opposed to the compiled-in or file anchors that seeded RFC 5011; nil
    /// when there are none.
    public func operatorAddedAnchors(at owner: Name) -> (kind: TrustAnchorKind, rdatas: RDataList)? {
        guard let i = index(of: owner), entries[i].operatorAddedCount > 0, let all = anchors(at: owner) else { return nil }
        var end = 0
        for _ in 0..<entries[i].operatorAddedCount { end += 2 + Int(readU16(all.rdatas.bytes, end)) }
        return (all.kind, RDataList(checked: UnsafeRawBufferPointer(rebasing: all.rdatas.bytes[0..<end]),
                                    count: entries[i].operatorAddedCount))
    }

    /// The deepest anchor owner at or above `name`: where its chain starts.
    public func closestAnchor(for name: Name) -> Name? {
        var best: Name? = nil
        for i in 0..<ownerCount where !entries[i].suspended && name.isSubdomain(of: entries[i].owner) {
            if let current = best, current.labelCount >= entries[i].owner.labelCount { continue }
            best = entries[i].owner
        }
        return best
    }

    func index(of owner: Name) -> Int? {
        for i in 0..<ownerCount where entries[i].owner == owner { return i }
        return nil
    }
}

/// Names below which answers are not validated (treated as insecure).
public struct NegativeTrustAnchors: ~Copyable {
    /// Configured `domain-insecure` names: a household needs a handful
    /// (a broken corporate or ISP zone); each costs 256 bytes.
    public static let countMax = 64

    let names: UnsafeMutableBufferPointer<Name>
    public private(set) var count = 0
    /// Keeps the carving alive.
    let arena: Arena

    public init(arena: Arena) {
        self.arena = arena
        names = arena.reserve(Name.self, count: NegativeTrustAnchors.countMax, label: NegativeTrustAnchors.label)
    }

    static let label = "negative trust anchors (insecure_domain)"

    /// The plan's row: what `init` carves.
    public static var footprint: [Arena.Row] {
        [Arena.Row(label, count: countMax, byteCount: Arena.carvingByteCount(of: Name.self, count: countMax))]
    }

    /// Adds a name (config load); duplicates are ignored.
    public mutating func add(_ name: Name) throws(ValidatorError) {
        if contains(name) { return }
        guard count < NegativeTrustAnchors.countMax else { throw .noSpace }
        (names.baseAddress! + count).initialize(to: name.lowercased())
        count += 1
    }

    /// Forgets every name (a reload replaces the list).
    public mutating func removeAll() {
        if count > 0 { (names.baseAddress!).deinitialize(count: count) }
        count = 0
    }

    /// True if `name` is at or under a negative trust anchor.
    public func covers(_ name: Name) -> Bool {
        for i in 0..<count where name.isSubdomain(of: names[i]) { return true }
        return false
    }

    func contains(_ name: Name) -> Bool {
        for i in 0..<count where names[i] == name { return true }
        return false
    }
}
