// Aggressive use of validated NSEC3 (RFC 8198 §5 with RFC 5155 §8), and
// the NSEC3 hashing it needs (SHA-1 through Crypto).
import Crypto
import DNSWire

/// Aggressive use of validated NSEC3 (RFC 8198 §5 with RFC 5155 §8): which
/// of a zone's kept NSEC3s a query's proof needs, and the proof itself,
/// which is always the Validator's `NSEC3Proof` (this file only chooses
/// what to show it, and refuses what it must not use).
///
/// Why choose at all: a zone may hold hundreds of entries, and a proof reads
/// at most `ValidatorLimits.denialRecordsMax`. So the closest-encloser walk
/// of RFC 5155 §8.3 is done once over the table — hash the query name, then
/// each ancestor, until an entry matches — and only the entries it lands
/// on go to the proof: the match at the name (NODATA), or the closest
/// encloser's match, the next closer name's cover and the wildcard's cover
/// (NXDOMAIN) or match (wildcard NODATA). For each, the freshest entry (the
/// one that expires last) with the parameters of the zone's freshest entry.
///
/// Never used: opt-out spans as the next closer's cover (they may hide an
/// unsigned delegation, RFC 5155 §9.2, so they prove nothing securely; the
/// query goes to the network), and records the Validator would call
/// insecure (not SHA-1, iterations above RFC 9276's cap: not even kept).
///
/// Example: `nx.example A` got NXDOMAIN proven by example.'s match, the span
/// covering H(nx.example) and the one covering H(*.example). `ny.example`
/// hashes into the same span: the walk finds H(ny.example) covered and
/// example. matched, H(*.example) covered, and NSEC3Proof agrees: NXDOMAIN.
extension ValidationEngine {
    /// Hashes one selection may compute: the proof repeats each of them,
    /// so together they stay within one online query's NSEC3 hash budget
    /// (CVE-2023-50868); a name deeper than this below its zone is asked.
    static let nsec3SelectionHashesMax = ValidatorLimits.nsec3HashesPerQueryMax / 2

    /// NXDOMAIN or NODATA, with the entries it rests on (in
    /// `denialRecords`), when the zone's NSEC3 entries prove it under a
    /// fresh budget with online validation's limits; nil otherwise.
    func proveWithNSEC3(_ qname: Name, _ qtype: RRType, zone: Name, nowMs: Int64,
                        clockTrusted: Bool) -> (NSECCandidates, AggressiveDenial.Proof)? {
        guard let (candidates, denial) = selectNSEC3(qname, zone: zone, nowMs: nowMs, clockTrusted: clockTrusted)
        else { return nil }
        let records = UnsafeBufferPointer(rebasing: denialRecords[0..<candidates.count])
        var budget = ValidationBudget()
        switch denial {
        case .nxDomain:
            // Only a secure result: `.optOutInsecure`, `.insecure` go to the network.
            guard NSEC3Proof.nxDomain(qname: qname, zone: zone, records: records, budget: &budget,
                                      scratch: scratch) == .nxDomain else { return nil }
            return (candidates, .nxDomain)
        case .noData:
            // A meta type (ANY, RFC 6895 §3.1) is never in a bitmap: no NODATA for it.
            guard !ValidationEngine.isMetaType(qtype),
                  NSEC3Proof.noData(qname: qname, qtype: qtype, zone: zone, records: records, budget: &budget,
                                    scratch: scratch) == .noData else { return nil }
            return (candidates, .noData)
        }
    }

    /// The closest-encloser walk over the table (see above): the entries a
    /// proof needs, in `denialRecords`, and which proof; nil when
    /// some are missing, when the next closer's cover is opt-out, or when
    /// the walk would take more than `nsec3SelectionHashesMax` hashes.
    func selectNSEC3(_ qname: Name, zone: Name, nowMs: Int64,
                     clockTrusted: Bool) -> (NSECCandidates, NSEC3Denial)? {
        guard qname.isSubdomain(of: zone),
              let reference = nsecTable.freshestNSEC3(zone: zone, nowMs: nowMs, clockTrusted: clockTrusted),
              let parameters = NSEC3Fields(nsecTable.nsecRData(reference)) else { return nil }
        let search = NSEC3Search(zone: zone, parameters: parameters, nowMs: nowMs, clockTrusted: clockTrusted)
        var candidates = NSECCandidates()
        var hashesLeft = ValidationEngine.nsec3SelectionHashesMax
        var name = qname
        var nextCloserCover: Int? = nil
        for step in 0...(qname.labelCount - zone.labelCount) {
            guard hashesLeft > 0, let digest = NSEC3Digest(hashing: name, parameters) else { return nil }
            hashesLeft -= 1
            if let match = nsecTable.findNSEC3(digest, matching: true, search) {
                guard addCandidate(match, to: &candidates) else { return nil }
                if step == 0 { return (candidates, .noData) }
                guard let cover = nextCloserCover, addCandidate(cover, to: &candidates),
                      let fields = NSEC3Fields(nsecTable.nsecRData(cover)), !fields.isOptOut,
                      hashesLeft > 0, let star = wildcard(under: name),
                      let starDigest = NSEC3Digest(hashing: star, parameters) else { return nil }
                if let starMatch = nsecTable.findNSEC3(starDigest, matching: true, search) {
                    return addCandidate(starMatch, to: &candidates) ? (candidates, .noData) : nil
                }
                guard let starCover = nsecTable.findNSEC3(starDigest, matching: false, search),
                      addCandidate(starCover, to: &candidates) else { return nil }
                return (candidates, .nxDomain)
            }
            nextCloserCover = nsecTable.findNSEC3(digest, matching: false, search)
            guard let parent = name.parent else { break }
            name = parent
        }
        return nil
    }

    /// Adds table entry `index` to the candidates and its record to
    /// `denialRecords`. False when it cannot (full, bad owner).
    func addCandidate(_ index: Int, to candidates: inout NSECCandidates) -> Bool {
        guard let owner = nsecTable.owner(index) else { return false }
        return candidates.add(index, DenialRecord(owner: owner, rdata: nsecTable.nsecRData(index)),
                              denialRecords)
    }
}

/// Which NSEC3 proof the selected entries are for.
enum NSEC3Denial {
    case nxDomain
    /// At the name itself, or at the wildcard of its closest encloser.
    case noData
}

/// What `findNSEC3` looks for besides the hash: the zone, the parameters
/// every chosen entry must share, and what "usable" means now.
struct NSEC3Search {
    let zone: Name
    let zoneHash: UInt32
    let parameters: NSEC3Fields
    let nowMs: Int64
    let clockTrusted: Bool

    init(zone: Name, parameters: NSEC3Fields, nowMs: Int64, clockTrusted: Bool) {
        self.zone = zone
        self.zoneHash = zone.hash32
        self.parameters = parameters
        self.nowMs = nowMs
        self.clockTrusted = clockTrusted
    }
}

extension NSECTable {
    /// The usable NSEC3 entry of `zone` that expires last: its parameters
    /// (salt, iterations) are the zone's current ones.
    func freshestNSEC3(zone: Name, nowMs: Int64, clockTrusted: Bool) -> Int? {
        let zoneHash = zone.hash32
        var best: Int? = nil
        for index in 0..<capacity
        where isUsable(index, kind: .nsec3, zone: zone, zoneHash: zoneHash, nowMs: nowMs, clockTrusted: clockTrusted) {
            guard NSEC3Fields(nsecRData(index)) != nil else { continue }
            if let chosen = best, entries[chosen].expiresMs >= entries[index].expiresMs { continue }
            best = index
        }
        return best
    }

    /// The usable NSEC3 entry of the search's zone and parameters that
    /// matches `digest` (owner hash equal) or covers it; the one that
    /// expires last when several do (a span seen again after a change).
    func findNSEC3(_ digest: NSEC3Digest, matching: Bool, _ search: NSEC3Search) -> Int? {
        var best: Int? = nil
        for index in 0..<capacity where entries[index].kind == .nsec3 && entries[index].zoneHash == search.zoneHash {
            if let chosen = best, entries[chosen].expiresMs >= entries[index].expiresMs { continue }
            guard isUsable(index, nowMs: search.nowMs, clockTrusted: search.clockTrusted),
                  let fields = NSEC3Fields(nsecRData(index)), fields.sameParameters(as: search.parameters)
            else { continue }
            let owner = ownerHash(index)
            let hit = matching ? digest.compare(owner) == 0
                               : NSEC3Digest.covers(owner: owner, next: fields.nextHash, digest)
            guard hit, self.zone(index) == search.zone else { continue }
            best = index
        }
        return best
    }
}

/// The fields of NSEC3 RDATA (RFC 5155 §3.2) a proof could use securely:
/// SHA-1 (the one algorithm, §11), flags 0 or opt-out only (§8.2), at
/// most `ValidatorLimits.nsec3IterationsMax` iterations (RFC 9276 §3.2:
/// above it the Validator calls the proof insecure). nil for anything else.
struct NSEC3Fields {
    let rdata: UnsafeRawBufferPointer
    let iterations: Int
    let salt: UnsafeRawBufferPointer
    let nextHash: UnsafeRawBufferPointer

    init?(_ rdata: UnsafeRawBufferPointer) {
        guard rdata.count >= 6, rdata[0] == NSEC3Codes.sha1HashAlgorithm,
              rdata[1] & ~NSEC3Codes.optOutFlag == 0 else { return nil }
        let iterations = Int(rdata[2]) << 8 | Int(rdata[3])
        let saltEnd = 5 + Int(rdata[4])
        guard iterations <= ValidatorLimits.nsec3IterationsMax, saltEnd < rdata.count,
              Int(rdata[saltEnd]) == NSEC3Digest.byteCount,
              saltEnd + 1 + NSEC3Digest.byteCount <= rdata.count else { return nil }
        self.rdata = rdata
        self.iterations = iterations
        salt = UnsafeRawBufferPointer(rebasing: rdata[5..<saltEnd])
        nextHash = UnsafeRawBufferPointer(rebasing: rdata[(saltEnd + 1)..<(saltEnd + 1 + NSEC3Digest.byteCount)])
    }

    var isOptOut: Bool { rdata[1] & NSEC3Codes.optOutFlag != 0 }

    /// Same hash algorithm, iterations and salt (flags may differ).
    func sameParameters(as other: NSEC3Fields) -> Bool {
        iterations == other.iterations && NSEC3Digest.compare(salt, other.salt) == 0
    }
}

/// One SHA-1 NSEC3 hash (RFC 5155 §5), raw: compared bytewise, which is
/// also the order of the base32hex owner labels (RFC 4648 §7).
struct NSEC3Digest {
    /// SHA-1: the only NSEC3 hash algorithm (RFC 5155 §11).
    static let byteCount = 20
    /// Base32hex characters of a 20-byte hash: 160 bits / 5.
    static let labelByteCount = 32

    var bytes = InlineArray<20, UInt8>(repeating: 0)

    init() {}

    /// H(name) with the parameters' salt and iterations; nil when the hash
    /// cannot be computed (inputs past the Crypto limits).
    init?(hashing name: Name, _ parameters: NSEC3Fields) {
        var out = InlineArray<20, UInt8>(repeating: 0)
        let ok = withUnsafeTemporaryAllocation(byteCount: NSEC3Digest.byteCount, alignment: 1) { buffer -> Bool in
            let computed = name.withUnsafeBytes { wire in
                NSEC3Hash.compute(name: wire, salt: parameters.salt, iterations: parameters.iterations, into: buffer)
            }
            for i in 0..<NSEC3Digest.byteCount { out[i] = buffer[i] }
            return computed
        }
        guard ok else { return nil }
        bytes = out
    }

    /// The hash an NSEC3 owner's first label spells in base32hex (RFC 4648
    /// §7, either case, no padding); nil unless it is exactly 20 bytes.
    init?(ownerLabelOf owner: Name) {
        guard owner.labelCount >= 1 else { return nil }
        let label = owner.label(0)
        guard label.byteCount == NSEC3Digest.labelByteCount else { return nil }
        var out = InlineArray<20, UInt8>(repeating: 0)
        let decoded = withUnsafeTemporaryAllocation(byteCount: NSEC3Digest.byteCount, alignment: 1) { raw -> Bool in
            let count = owner.withUnsafeBytes { name in
                NSEC3Codes.decodeBase32Hex(
                    UnsafeRawBufferPointer(rebasing: name[label.offset..<(label.offset + label.byteCount)]), into: raw)
            }
            guard count == NSEC3Digest.byteCount else { return false }
            for i in 0..<NSEC3Digest.byteCount { out[i] = raw[i] }
            return true
        }
        guard decoded else { return nil }
        bytes = out
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var copy = bytes
        return Swift.withUnsafeBytes(of: &copy) { body(UnsafeRawBufferPointer(rebasing: $0[0..<NSEC3Digest.byteCount])) }
    }

    /// Sign of self − `raw` (20 bytes) in byte order.
    func compare(_ raw: UnsafeRawBufferPointer) -> Int { withUnsafeBytes { NSEC3Digest.compare($0, raw) } }

    /// Bytewise order of two byte strings, a prefix first.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        for i in 0..<min(a.count, b.count) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// owner < hash < next; the zone's last NSEC3 (next ≤ owner) covers
    /// everything above its owner and below the first (RFC 5155 §8.3 "covers").
    static func covers(owner: UnsafeRawBufferPointer, next: UnsafeRawBufferPointer, _ hash: NSEC3Digest) -> Bool {
        let aboveOwner = hash.compare(owner) > 0
        let belowNext = hash.compare(next) < 0
        return compare(owner, next) < 0 ? aboveOwner && belowNext : aboveOwner || belowNext
    }
}
