import Cache
import DNSWire
import Fixed
import Validator

/// The resolver's side of the cache: what an RRset or negative answer looks
/// like as a cache blob, filling the cache from a response, and answering
/// from it. The `Cache` module stores opaque blobs; only this file knows
/// their layout.
///
/// Blob layouts (big-endian counts and lengths):
///   RRset:    u16 rrCount, rrCount × (u16 rdlength, RDATA),
///             u16 sigCount, sigCount × (u16 rdlength, RRSIG RDATA),
///             [proof]  — an answer RRset expanded from a wildcard
///   negative: u8 soaOwnerLength, SOA owner (wire), u16 rdlength, SOA RDATA,
///             proof
///   proof:    u16 count, count × (u8 ownerLength, owner, u16 type,
///             u16 rdlength, RDATA): NSEC/NSEC3 and RRSIGs (`appendDenialProof`)
/// Entries of rank bogus end with a u16 EDE code (why validation failed),
/// and an RRset of rank bogus keeps no proof. A secure DS NODATA that
/// proves an unsigned delegation ends with `unsignedDelegationMark`. RDATA is stored with names
/// decompressed, case as received; a record repeated in a response is kept
/// once (an RRset is a set, RFC 2181 §5).
public struct AnswerCache: ~Copyable {
    var store: RRsetCache
    /// Rank given to what the response being stored carries.
    var rank = TrustRank.authoritativeUnvalidated
    /// Set while storing data with a validation verdict (`beginVerdict`):
    /// bogus blobs get the EDE as a trailer, TTLs are capped by the RRSIG
    /// validity, and the verdict replaces fresh lower-ranked entries.
    var verdictEDE: EDECode? = nil
    var verdictTTLCapSeconds = UInt32.max
    var verdictReplaces = false
    /// Response records considered per answer section when filling the
    /// cache: a household answer has a handful; more is junk or an attack.
    /// The validator reads as many, so nothing is cached unseen.
    static let recordsPerResponseMax = ValidatorLimits.responseRecordsMax
    /// Room to assemble one blob, and to copy one RDATA out of a message.
    let blobScratch: UnsafeMutableRawBufferPointer
    let rdataScratch: UnsafeMutableRawBufferPointer

    /// Carves the cache and its scratch from `arena`, in the order of
    /// `footprint(configuration)`.
    public init(configuration: CacheConfiguration, hashSeed: UInt64, arena: Arena) throws(CacheConfigurationError) {
        store = try RRsetCache(configuration: configuration, hashSeed: hashSeed, memory: arena)
        blobScratch = arena.reserveBytes(Limits.messageByteCountMax, label: AnswerCache.scratchLabel, count: 2)
        rdataScratch = arena.reserveBytes(Limits.messageByteCountMax, label: AnswerCache.scratchLabel, count: 2)
    }

    static let scratchLabel = "cache scratch (blob, RDATA)"

    /// The plan's rows: the store's, then the scratch.
    public static func footprint(_ configuration: CacheConfiguration) -> [Arena.Row] {
        RRsetCache.footprint(configuration)
            + [Arena.Row(scratchLabel, count: 2, byteCount: 2 * Arena.carvingByteCount(Limits.messageByteCountMax))]
    }

    public var footprintByteCount: Int {
        store.footprintByteCount + 2 * Arena.carvingByteCount(Limits.messageByteCountMax)
    }

    // MARK: filling

    /// Stores the RRsets of a NOERROR/NXDOMAIN response to `question` that
    /// lie on its CNAME chain, and the negative answer at the chain's end
    /// (RFC 2308). Returns false when nothing could be stored.
    mutating func store(response message: UnsafeRawBufferPointer, question: Question, nowMs: Int64) -> Bool {
        guard let reader = try? MessageReader(message), !reader.header.tc else { return false }
        let nowSeconds = nowMs / 1000
        let rcode = reader.header.rcode
        // Forward mode trusts the upstream's AD bit (it validated); the
        // validator replaces this with its own verdict.
        rank = reader.header.ad ? .secure : .authoritativeUnvalidated
        var storedAny = false
        var chainEnd = question.name
        var answeredEnd = false
        for _ in 0...ResolverCore.cnameLimitForCaching {
            var progressed = false
            if let found = storeRRset(message, owner: chainEnd, type: question.type, nowSeconds: nowSeconds) {
                storedAny = storedAny || found
                answeredEnd = true
                break
            }
            if question.type != .cname, let target = cnameTarget(message, owner: chainEnd) {
                if let ok = storeRRset(message, owner: chainEnd, type: .cname, nowSeconds: nowSeconds) {
                    storedAny = storedAny || ok
                }
                chainEnd = target
                progressed = true
            }
            if !progressed { break }
        }
        if !answeredEnd && (rcode == .nxDomain || rcode == .noError) {
            let kind: CacheEntryKind = rcode == .nxDomain ? .nxDomain : .noData
            storedAny = storeNegative(message, name: chainEnd, type: question.type, kind: kind,
                                      nowSeconds: nowSeconds) || storedAny
        }
        return storedAny
    }

    /// Collects the RRset (owner, type) of `section` with its RRSIGs into a
    /// blob and stores it at `rank`. nil when the response has no such RRset.
    mutating func storeRRset(_ message: UnsafeRawBufferPointer, owner: Name, type: RRType,
                             section: Section = .answer, rank: TrustRank? = nil, nowSeconds: Int64) -> Bool? {
        // A response with more records than we look at could hold more of
        // this RRset than we would see: never cache a partial RRset.
        guard let header = try? Header(from: message),
              Int(header.answerCount) + Int(header.authorityCount) + Int(header.additionalCount)
                <= AnswerCache.recordsPerResponseMax else { return false }
        var count = 0, sigCount = 0
        var ttl = UInt32.max
        var offset = 2
        var rrClass = RRClass.in
        var wildcardSigner: Name? = nil
        // Pass 0: the RRset's RDATAs. Pass 1: the RRSIGs covering it.
        for pass in 0..<2 {
            guard var reader = try? MessageReader(message) else { return nil }
            if pass == 1 {
                if count == 0 { return nil }
                storeU16(blobScratch, 0, UInt16(count))
            }
            let countOffset = offset
            if pass == 1 { offset += 2 }
            var seen = 0
            while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
                seen += 1
                guard record.section == section else { continue }
                let wanted = pass == 0 ? record.type == type
                    : record.type == .rrsig && record.rdataLength >= 2
                        && AnswerCache.loadU16(message, record.rdataOffset) == type.rawValue
                guard wanted, (try? record.owner(in: message)) == owner else { continue }
                let start = offset
                guard append(record, message, at: &offset) else { return false }
                if repeatsEntry(from: countOffset + 2 * pass, before: start, end: offset) {
                    offset = start   // the same record again (RFC 2181 §5)
                    continue
                }
                if pass == 0 {
                    ttl = min(ttl, record.ttlSeconds)
                    rrClass = record.rrClass
                    count += 1
                } else {
                    sigCount += 1
                    if section == .answer, wildcardSigner == nil {
                        wildcardSigner = AnswerCache.wildcardSigner(record, message, owner: owner)
                    }
                }
            }
            if pass == 1 { storeU16(blobScratch, countOffset, UInt16(sigCount)) }
        }
        // RFC 4035 §3.1.3.3: a wildcard answer travels with the proof that
        // the name itself does not exist; DO clients get it from the cache too.
        if let zone = wildcardSigner, verdictEDE == nil {
            appendDenialProof(message, zone: zone, coveredTypes: .wildcardProof, at: &offset)
        }
        let key = owner.lowercased()
        let useRank = rank ?? self.rank
        guard appendVerdict(at: &offset), makeRoom(key, type: type, rank: useRank, nowSeconds: nowSeconds) else {
            return false
        }
        ttl = min(ttl, verdictTTLCapSeconds)
        let result = key.withUnsafeBytes { ownerBytes in
            store.insert(owner: ownerBytes, type: type.rawValue, rrClass: rrClass.rawValue, kind: .rrset,
                         rank: useRank, ttlSeconds: ttl,
                         blob: UnsafeRawBufferPointer(rebasing: blobScratch[0..<offset]), nowSeconds: nowSeconds)
        }
        return result == .stored || result == .replaced
    }

    /// True when the entry `u16 rdlength, RDATA` at `start..<end` of the blob
    /// being built equals one of those from `first` up to `start`.
    func repeatsEntry(from first: Int, before start: Int, end: Int) -> Bool {
        let length = end - start
        var offset = first
        while offset + 2 <= start {
            let entryLength = 2 + Int(AnswerCache.loadU16(blobScratch, offset))
            if entryLength == length {
                var same = true
                for i in 0..<length where blobScratch[offset + i] != blobScratch[start + i] {
                    same = false
                    break
                }
                if same { return true }
            }
            offset += entryLength
        }
        return false
    }

    /// The signer of an RRSIG whose labels field shows a wildcard expansion
    /// of `owner` (RFC 4034 §3.1.3: fewer labels than the owner); else nil.
    static func wildcardSigner(_ record: Record, _ message: UnsafeRawBufferPointer, owner: Name) -> Name? {
        // RRSIG RDATA: type covered(2) algorithm(1) labels(1) … signer name at 18.
        guard record.rdataLength > 18, Int(message[record.rdataOffset + 3]) < owner.labelCount,
              let signer = try? Name.read(from: message, at: record.rdataOffset + 18).name,
              owner.isSubdomain(of: signer) else { return nil }
        return signer
    }

    /// Calls `body` with each RDATA of an RRset blob (not its RRSIGs).
    static func forEachRData(_ blob: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard blob.count >= 2 else { return }
        let count = Int(loadU16(blob, 0))
        var offset = 2
        for _ in 0..<count {
            guard offset + 2 <= blob.count else { return }
            let length = Int(loadU16(blob, offset))
            guard offset + 2 + length <= blob.count else { return }
            body(UnsafeRawBufferPointer(rebasing: blob[(offset + 2)..<(offset + 2 + length)]))
            offset += 2 + length
        }
    }

    /// Appends `u16 rdlength, RDATA` (names decompressed) to the blob.
    func append(_ record: Record, _ message: UnsafeRawBufferPointer, at offset: inout Int) -> Bool {
        guard offset + 2 < blobScratch.count else { return false }
        let room = UnsafeMutableRawBufferPointer(rebasing: blobScratch[(offset + 2)...])
        guard let n = try? RData.copyCanonical(record, from: message, into: room, lowercaseNames: false) else {
            return false
        }
        storeU16(blobScratch, offset, UInt16(n))
        offset += 2 + n
        return true
    }

    func cnameTarget(_ message: UnsafeRawBufferPointer, owner: Name) -> Name? {
        guard var reader = try? MessageReader(message) else { return nil }
        var seen = 0
        while let record = try? reader.nextRecord(), record.section == .answer,
              seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.type == .cname, (try? record.owner(in: message)) == owner else { continue }
            return try? Name.read(from: message, at: record.rdataOffset).name
        }
        return nil
    }

    /// RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA
    /// MINIMUM), and only when the authority section carries the SOA.
    mutating func storeNegative(_ message: UnsafeRawBufferPointer, name: Name, type: RRType,
                                kind: CacheEntryKind, nowSeconds: Int64, zone: Name = .root,
                                unsignedDelegation: Bool = false) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == .authority, record.type == .soa,
                  let soaOwner = try? record.owner(in: message), name.isSubdomain(of: soaOwner),
                  soaOwner.isSubdomain(of: zone) else { continue }
            var offset = 0
            blobScratch[0] = UInt8(soaOwner.byteCount)
            soaOwner.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: blobScratch[1..<(1 + bytes.count)]).copyMemory(from: bytes)
            }
            offset = 1 + soaOwner.byteCount
            guard append(record, message, at: &offset), offset >= 6 else { return false }
            let minimum = AnswerCache.loadU32(blobScratch, offset - 4)   // SOA MINIMUM is the last field
            appendDenialProof(message, zone: soaOwner, coveredTypes: .denial, at: &offset)
            if unsignedDelegation && verdictEDE == nil {
                guard offset + 2 <= blobScratch.count else { return false }
                storeU16(blobScratch, offset, AnswerCache.unsignedDelegationMark)
                offset += 2
            }
            let ttl = min(record.ttlSeconds, minimum, verdictTTLCapSeconds)
            let key = name.lowercased()
            guard appendVerdict(at: &offset), makeRoom(key, type: type, rank: rank, nowSeconds: nowSeconds) else {
                return false
            }
            let result = key.withUnsafeBytes { ownerBytes in
                store.insert(owner: ownerBytes, type: type.rawValue, rrClass: RRClass.in.rawValue, kind: kind,
                             rank: rank, ttlSeconds: ttl,
                             blob: UnsafeRawBufferPointer(rebasing: blobScratch[0..<offset]), nowSeconds: nowSeconds)
            }
            return result == .stored || result == .replaced
        }
        return false
    }

    /// Records of a negative answer's proof kept for DO clients: the SOA's
    /// RRSIG, and NSEC/NSEC3 with theirs (RFC 4035 §3.1.3). A denial uses at
    /// most a few; 16 covers NSEC3 NXDOMAIN (3 records + 3 RRSIGs) twice.
    static let denialProofRecordsMax = 16

    /// Which RRSIGs of the authority section belong to a proof.
    enum ProofSignatures {
        /// A negative answer: over the SOA and the NSEC/NSEC3 records.
        case denial
        /// A wildcard expansion (RFC 4035 §3.1.3.3): over NSEC/NSEC3 only.
        case wildcardProof

        func covers(_ type: RRType) -> Bool {
            type == .nsec || type == .nsec3 || (self == .denial && type == .soa)
        }
    }

    /// Appends `u16 count` then, per record, `u8 owner length, owner, u16
    /// type, u16 rdlength, RDATA`: the authority section's NSEC/NSEC3
    /// records at or under `zone` and the RRSIGs over them (and over the SOA
    /// for a denial; never a dangling RRSIG over an NS set). All or none: a
    /// partial proof would not verify.
    func appendDenialProof(_ message: UnsafeRawBufferPointer, zone: Name, coveredTypes: ProofSignatures,
                           at offset: inout Int) {
        let countOffset = offset
        guard offset + 2 <= blobScratch.count else { return }
        storeU16(blobScratch, countOffset, 0)
        offset += 2
        guard var reader = try? MessageReader(message) else { return }
        var count = 0
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            let signed = record.type == .rrsig && record.rdataLength >= 2
                && coveredTypes.covers(RRType(AnswerCache.loadU16(message, record.rdataOffset)))
            guard record.section == .authority, signed || record.type == .nsec || record.type == .nsec3,
                  let owner = try? record.owner(in: message), owner.isSubdomain(of: zone) else { continue }
            guard count < AnswerCache.denialProofRecordsMax,
                  offset + 1 + owner.byteCount + 2 <= blobScratch.count else {
                offset = countOffset + 2   // does not fit: keep none
                return
            }
            blobScratch[offset] = UInt8(owner.byteCount)
            owner.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: blobScratch[(offset + 1)..<(offset + 1 + bytes.count)])
                    .copyMemory(from: bytes)
            }
            var end = offset + 1 + owner.byteCount
            storeU16(blobScratch, end, record.type.rawValue)
            end += 2
            guard append(record, message, at: &end) else {
                offset = countOffset + 2
                storeU16(blobScratch, countOffset, 0)
                return
            }
            offset = end
            count += 1
            storeU16(blobScratch, countOffset, UInt16(count))
        }
    }

    /// Trailer of a secure DS NODATA proving an unsigned delegation: the
    /// answer is secure, the child insecure (RFC 4035 §5.2). Readers find
    /// it by parsing the negative layout, never by value alone.
    static let unsignedDelegationMark: UInt16 = 0x5344   // "SD"

    /// True when a (non-bogus) negative blob ends with `unsignedDelegationMark`.
    static func provesUnsignedDelegation(_ blob: UnsafeRawBufferPointer) -> Bool {
        guard blob.count >= 1 else { return false }
        var offset = 1 + Int(blob[0])                     // SOA owner
        guard offset + 2 <= blob.count else { return false }
        offset += 2 + Int(loadU16(blob, offset))           // SOA RDATA
        guard offset + 2 <= blob.count else { return false }
        let count = Int(loadU16(blob, offset))             // proof records
        offset += 2
        for _ in 0..<count {
            guard offset < blob.count else { return false }
            offset += 1 + Int(blob[offset]) + 2            // owner, type
            guard offset + 2 <= blob.count else { return false }
            offset += 2 + Int(loadU16(blob, offset))       // RDATA
        }
        return offset + 2 == blob.count && loadU16(blob, offset) == unsignedDelegationMark
    }

    // MARK: validation verdicts

    /// Stores that follow carry `security` (until `endVerdict`).
    mutating func beginVerdict(_ security: Security, ttlCapSeconds: UInt32) {
        verdictReplaces = security != .unvalidated
        verdictTTLCapSeconds = ttlCapSeconds
        if case .bogus(let code) = security {
            verdictEDE = code
            verdictTTLCapSeconds = min(ttlCapSeconds, AnswerCache.bogusTTLMaxSeconds)
        } else {
            verdictEDE = nil
        }
    }

    /// A bogus verdict is remembered this long at most (RFC 9520 §3.2: a
    /// failure is cached briefly; Unbound's val-bogus-ttl is 60 s too): a
    /// zone fixed upstream, or a negative trust anchor added, takes effect
    /// within a minute, while a flood of queries for it still costs nothing.
    static let bogusTTLMaxSeconds: UInt32 = 60

    mutating func endVerdict() {
        rank = .authoritativeUnvalidated
        verdictReplaces = false
        verdictTTLCapSeconds = .max
        verdictEDE = nil
    }

    /// Appends the bogus trailer (the EDE code) when storing a bogus verdict.
    func appendVerdict(at offset: inout Int) -> Bool {
        guard let code = verdictEDE else { return true }
        guard offset + 2 <= blobScratch.count else { return false }
        storeU16(blobScratch, offset, code.rawValue)
        offset += 2
        return true
    }

    /// The EDE code at the end of a bogus entry's blob.
    static func bogusCode(_ blob: UnsafeRawBufferPointer) -> EDECode {
        guard blob.count >= 2 else { return .dnssecBogus }
        return EDECode(loadU16(blob, blob.count - 2))
    }

    /// A verdict supersedes unvalidated, referral and older verdict data
    /// for its key, but a fresh secure entry is never replaced by a weaker
    /// verdict (a forged response must not undo a validated one). False:
    /// keep the cached entry.
    mutating func makeRoom(_ owner: Name, type: RRType, rank newRank: TrustRank, nowSeconds: Int64) -> Bool {
        guard verdictReplaces else { return true }
        if case .fresh(let hit, _) = lookup(owner, type, nowSeconds: nowSeconds), hit.rank == .secure,
           newRank < .secure {
            return false
        }
        owner.withUnsafeBytes { bytes in
            _ = store.remove(owner: bytes, type: type.rawValue, rrClass: RRClass.in.rawValue)
            _ = store.remove(owner: bytes, type: CacheLimits.nxDomainKeyType, rrClass: RRClass.in.rawValue)
        }
        return true
    }

    // MARK: reading

    /// Looks up (name, type); the cache itself lets an NXDOMAIN entry answer
    /// every type at its name.
    mutating func lookup(_ name: Name, _ type: RRType, nowSeconds: Int64) -> CacheLookup {
        // The cache folds ASCII case itself when hashing and comparing.
        name.withUnsafeBytes { owner in
            store.lookup(owner: owner, type: type.rawValue, rrClass: RRClass.in.rawValue, nowSeconds: nowSeconds)
        }
    }

    func withBlob<R>(_ hit: CacheHit, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        store.withBlob(of: hit, body)
    }

    func statsLines() -> [(String, Int)] {
        let s = store.statistics
        return [("cache.entries", s.entryCount), ("cache.bytes_live", s.liveByteCount),
                ("cache.bytes_high_water", s.liveByteCountHighWater), ("cache.evictions", s.evictionCount),
                ("cache.refused_full", s.refusedFullCount), ("cache.refused_too_large", s.refusedTooLargeCount),
                ("cache.footprint_bytes", footprintByteCount)]
    }

    static func loadU16(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }
    static func loadU16(_ b: UnsafeMutableRawBufferPointer, _ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }
    static func loadU32(_ b: UnsafeMutableRawBufferPointer, _ o: Int) -> UInt32 {
        UInt32(loadU16(b, o)) << 16 | UInt32(loadU16(b, o + 2))
    }
}

func storeU16(_ b: UnsafeMutableRawBufferPointer, _ o: Int, _ v: UInt16) {
    b[o] = UInt8(truncatingIfNeeded: v >> 8)
    b[o + 1] = UInt8(truncatingIfNeeded: v)
}
