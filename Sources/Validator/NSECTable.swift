// NSECTable: validated NSEC and NSEC3 records kept for aggressive negative
// answers (RFC 8198), in fixed memory. The ValidationEngine owns one.
import DNSWire
import Fixed

/// Validated NSEC and NSEC3 records kept for aggressive negative answers
/// (RFC 8198): a fixed table of `entryCount` entries reserved once at
/// start-up (zero when aggressive NSEC or validation is off), never grown.
/// Each entry is one NSEC or NSEC3 (`Entry.kind`) whose RRSIG verified with
/// its zone's secure keys, with what an answer built from it needs: the
/// zone's SOA and, for DO clients, the RRSIGs over both.
///
/// Entry bytes (a slot of `entryByteCount`), offsets in `Entry`:
///   zone name | owner name | NSEC/NSEC3 RDATA | its RRSIGs | SOA RDATA | SOA RRSIGs
///   [| owner hash: NSEC3 only, the owner's first label decoded, 20 bytes]
/// where names are uncompressed lowercase wire names, RDATAs are
/// decompressed, and an RRSIG list is (2-byte length, RDATA) pairs: an
/// `RDataList`.
///
/// Replacement when full: an entry for the same (zone, owner) is
/// overwritten; else a free or expired entry is used; else the entry that
/// expires soonest is evicted (it is the least useful one left). The table
/// is lossy by design: a lost entry costs one query to the authorities.
///
/// It never validates anything itself: only NSECs whose RRSIGs verified
/// are inserted (`ValidationEngine.rememberNSEC`), and it never answers
/// clients: proofs read it (AggressiveDenial.swift), the Resolver builds
/// the answer.
///
/// Example: after `a.example. NSEC c.example.` verified in an NXDOMAIN for
/// `b.example.`, one entry holds zone example., owner a.example., that
/// RDATA, its RRSIG, example.'s SOA and its RRSIG, for min(NSEC TTL, SOA
/// TTL, SOA MINIMUM) seconds; `collectCandidates(bb.example., zone: example.)`
/// finds it.
public struct NSECTable: ~Copyable {
    /// 256 entries: a household sees NXDOMAIN traffic in a few dozen signed
    /// zones; 256 NSEC spans cover the hot ranges of each, and a flood of
    /// distinct NSECs only cycles the table (replacement above). 256 KiB.
    public static let entryCountDefault = 256
    /// Bytes per entry: two names, NSEC and SOA RDATA and two RRSIGs each
    /// fit in 1 KiB for ECDSA/EdDSA and RSA-2048 signers (~800 bytes with
    /// one RSA-2048 RRSIG each); bigger entries (RSA-4096) are not kept.
    static let entryByteCount = 1_024
    /// RRSIGs kept per RRset for DO clients: two cover a key rollover.
    static let signaturesPerRRsetMax = 2

    /// Which denial record an entry holds. A proof uses one kind only,
    /// even for a zone that served both (while moving from NSEC to NSEC3).
    enum Kind: UInt8 {
        case nsec
        case nsec3

        var type: RRType { self == .nsec ? .nsec : .nsec3 }
    }

    /// Where the parts of one entry lie in its slot, and when it expires.
    struct Entry {
        /// Monotonic ms after which the entry is unusable; `.min`: free.
        var expiresMs: Int64 = .min
        var zoneHash: UInt32 = 0
        var zoneLabelCount: UInt8 = 0
        var kind = Kind.nsec
        /// Validated while the wall clock was untrusted (dates not checked):
        /// dropped once the clock becomes trusted, so it is validated again.
        var untrustedClock = false
        var ownerOffset: UInt16 = 0
        var nsecOffset: UInt16 = 0
        var nsecSignaturesOffset: UInt16 = 0
        var soaOffset: UInt16 = 0
        var soaSignaturesOffset: UInt16 = 0
        var endOffset: UInt16 = 0
    }

    let entries: UnsafeMutableBufferPointer<Entry>
    let bytes: UnsafeMutableRawBufferPointer
    /// Keeps both carvings alive.
    let arena: Arena

    init(entryCount: Int, arena: Arena) {
        self.arena = arena
        entries = arena.reserve(Entry.self, count: entryCount, label: NSECTable.label)
        entries.initialize(repeating: Entry())
        bytes = arena.reserveBytes(entryCount * NSECTable.entryByteCount, label: NSECTable.label, count: entryCount)
    }

    var capacity: Int { entries.count }

    static let label = "aggressive NSEC table (RFC 8198)"

    /// The plan's row: what `init` carves (nothing for 0 entries).
    public static func footprint(entryCount: Int) -> [Arena.Row] {
        [Arena.Row(label, count: entryCount, byteCount: Arena.carvingByteCount(of: Entry.self, count: entryCount)
                       + Arena.carvingByteCount(entryCount * entryByteCount))]
    }

    // MARK: reading an entry

    func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let start = index * NSECTable.entryByteCount
        return UnsafeMutableRawBufferPointer(rebasing: bytes[start..<(start + NSECTable.entryByteCount)])
    }

    func part(_ index: Int, from start: UInt16, to end: UInt16) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: slot(index)[Int(start)..<Int(end)])
    }

    func isUsable(_ index: Int, nowMs: Int64, clockTrusted: Bool) -> Bool {
        let entry = entries[index]
        return entry.expiresMs > nowMs && !(entry.untrustedClock && clockTrusted)
    }

    /// A usable entry of `kind` whose zone is `zone` (hash first: cheap).
    func isUsable(_ index: Int, kind: Kind, zone: Name, zoneHash: UInt32, nowMs: Int64, clockTrusted: Bool) -> Bool {
        entries[index].kind == kind && entries[index].zoneHash == zoneHash
            && isUsable(index, nowMs: nowMs, clockTrusted: clockTrusted) && self.zone(index) == zone
    }

    func zone(_ index: Int) -> Name? { try? Name(wire: part(index, from: 0, to: entries[index].ownerOffset)) }

    func owner(_ index: Int) -> Name? {
        try? Name(wire: part(index, from: entries[index].ownerOffset, to: entries[index].nsecOffset))
    }

    /// The NSEC or NSEC3 RDATA (whichever `entries[index].kind` says).
    func nsecRData(_ index: Int) -> UnsafeRawBufferPointer {
        part(index, from: entries[index].nsecOffset, to: entries[index].nsecSignaturesOffset)
    }

    /// An NSEC's next owner name.
    func next(_ index: Int) -> Name? {
        try? Name.read(from: nsecRData(index), at: 0, allowCompression: false).name
    }

    /// The RRSIGs over the NSEC or NSEC3 (an RDataList: the writer framed them so).
    func nsecSignatures(_ index: Int) -> RDataList {
        (try? RDataList(bytes: part(index, from: entries[index].nsecSignaturesOffset, to: entries[index].soaOffset)))
            ?? RDataList()
    }

    func soaRData(_ index: Int) -> UnsafeRawBufferPointer {
        part(index, from: entries[index].soaOffset, to: entries[index].soaSignaturesOffset)
    }

    func soaSignatures(_ index: Int) -> RDataList {
        (try? RDataList(bytes: part(index, from: entries[index].soaSignaturesOffset, to: entries[index].endOffset)))
            ?? RDataList()
    }

    /// An NSEC3 entry's owner hash (raw, `NSEC3Digest.byteCount` bytes).
    func ownerHash(_ index: Int) -> UnsafeRawBufferPointer {
        let start = Int(entries[index].endOffset)
        return UnsafeRawBufferPointer(rebasing: slot(index)[start..<(start + NSEC3Digest.byteCount)])
    }

    /// Whole seconds of life left (0 when expired).
    func remainingSeconds(_ index: Int, nowMs: Int64) -> UInt32 {
        UInt32(clamping: max(0, entries[index].expiresMs - nowMs) / 1000)
    }

    // MARK: looking up

    /// The deepest zone enclosing `qname` that has a usable entry.
    func deepestZone(of qname: Name, nowMs: Int64, clockTrusted: Bool) -> Name? {
        var best: Name? = nil
        var bestLabelCount = -1
        for index in 0..<capacity where isUsable(index, nowMs: nowMs, clockTrusted: clockTrusted) {
            let labelCount = Int(entries[index].zoneLabelCount)
            guard labelCount > bestLabelCount, labelCount <= qname.labelCount,
                  qname.suffix(labelCount: labelCount).hash32 == entries[index].zoneHash,
                  let zone = self.zone(index), qname.isSubdomain(of: zone) else { continue }
            best = zone
            bestLabelCount = labelCount
        }
        return best
    }

    /// Puts the usable NSEC entries of `zone` that match or cover `qname` or a
    /// wildcard `*.<ancestor>` between it and the zone into
    /// `records` (the proofs read only those).
    func collectCandidates(_ qname: Name, zone: Name, nowMs: Int64, clockTrusted: Bool,
                           into records: UnsafeMutableBufferPointer<DenialRecord>) -> NSECCandidates {
        let zoneHash = zone.hash32
        var candidates = NSECCandidates()
        let countMax = min(NSECCandidates.countMax, records.count)
        for index in 0..<capacity {
            guard candidates.count < countMax else { break }
            guard isUsable(index, kind: .nsec, zone: zone, zoneHash: zoneHash, nowMs: nowMs, clockTrusted: clockTrusted),
                  let owner = self.owner(index), let next = self.next(index),
                  NSECTable.isRelevant(owner: owner, next: next, to: qname, zone: zone) else { continue }
            records[candidates.count] = DenialRecord(owner: owner, rdata: nsecRData(index))
            candidates.indices[candidates.count] = Int32(index)
            candidates.count += 1
        }
        return candidates
    }

    /// Does the NSEC (owner → next) match or span `qname`, or a wildcard
    /// at one of its ancestors within `zone`?
    static func isRelevant(owner: Name, next: Name, to qname: Name, zone: Name) -> Bool {
        if spans(owner: owner, next: next, qname) { return true }
        var labelCount = qname.labelCount - 1
        while labelCount >= zone.labelCount {
            let asterisk: UInt8 = 0x2A
            let star = withUnsafeBytes(of: asterisk) { try? qname.suffix(labelCount: labelCount).prepending(label: $0) }
            if let star, spans(owner: owner, next: next, star) { return true }
            labelCount -= 1
        }
        return false
    }

    /// owner == name, or owner < name < next in canonical order (the last
    /// NSEC of a zone wraps to the apex). The proofs apply the finer rules.
    static func spans(owner: Name, next: Name, _ name: Name) -> Bool {
        if owner == name { return true }
        guard owner.canonicalCompare(name) < 0 else { return false }
        return name.canonicalCompare(next) < 0 || next.canonicalCompare(owner) <= 0
    }

    // MARK: choosing where to write

    /// The entry to (over)write for (kind, zone, owner): see the
    /// replacement policy above. nil only for an empty table.
    func slotFor(kind: Kind, zone: Name, owner: Name, nowMs: Int64) -> Int? {
        guard capacity > 0 else { return nil }
        let zoneHash = zone.hash32
        var victim = 0
        for index in 0..<capacity {
            let entry = entries[index]
            if entry.expiresMs > nowMs, entry.kind == kind, entry.zoneHash == zoneHash, self.owner(index) == owner,
               self.zone(index) == zone {
                return index
            }
            if entry.expiresMs < entries[victim].expiresMs { victim = index }
        }
        return victim
    }

    mutating func free(_ index: Int) { entries[index] = Entry() }
}

/// Appends the parts of one entry to its slot, refusing what does not fit.
struct NSECEntryWriter {
    let slot: UnsafeMutableRawBufferPointer
    var offset = 0

    init(slot: UnsafeMutableRawBufferPointer) { self.slot = slot }

    var offset16: UInt16 { UInt16(truncatingIfNeeded: offset) }

    mutating func append(_ data: UnsafeRawBufferPointer) -> Bool {
        guard data.count <= slot.count - offset else { return false }
        UnsafeMutableRawBufferPointer(rebasing: slot[offset..<(offset + data.count)]).copyMemory(from: data)
        offset += data.count
        return true
    }

    mutating func append(_ name: Name) -> Bool { name.withUnsafeBytes { append($0) } }

    /// The RDATA of `record` decompressed (names in their original case).
    mutating func append(_ record: Record, from message: UnsafeRawBufferPointer) -> Bool {
        let room = UnsafeMutableRawBufferPointer(rebasing: slot[offset...])
        guard let n = try? RData.copyCanonical(record, from: message, into: room, lowercaseNames: false)
        else { return false }
        offset += n
        return true
    }

    /// One (2-byte length, RDATA) item of an RRSIG list.
    mutating func appendListItem(_ record: Record, from message: UnsafeRawBufferPointer) -> Bool {
        guard slot.count - offset >= 2 else { return false }
        let lengthOffset = offset
        offset += 2
        guard append(record, from: message) else { return false }
        let length = offset - lengthOffset - 2
        slot[lengthOffset] = UInt8(truncatingIfNeeded: length >> 8)
        slot[lengthOffset + 1] = UInt8(truncatingIfNeeded: length)
        return true
    }
}
