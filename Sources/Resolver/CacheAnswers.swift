import Cache
import DNSWire
import Fixed
import Validator

/// Answering from the cache: follows CNAMEs (up to `cnameMax`; a DNAME
/// goes in once however often the chain crosses it), ends in an RRset, a
/// NODATA or an NXDOMAIN — or in a final response the cache could not keep
/// (the tail). Minimal: the answer section, the SOA of a negative answer,
/// and for DO clients the denial or wildcard proofs; never NS or glue.
/// Stale parts (RFC 8767) are used only when allowed, then every TTL is
/// `staleAnswerTTLSeconds` and the answer carries EDE 3 (Stale Answer) or
/// 19 (Stale NXDOMAIN Answer). A Secure answer may end as SERVFAIL: the
/// root key sentinel (Validator: RootKeySentinel.swift).
extension ResolverCore {
    /// Hard cap on CNAME links when caching a response, whatever the config.
    static let cnameLimitForCaching = 16

    /// Answers `request` from the cache if it can; false on any miss.
    mutating func answerFromCache(_ request: Request, allowStale: Bool, nowMs: Int64) -> Bool {
        guard let (n, stale) = buildFromCache(request, allowStale: allowStale, nowSeconds: nowMs / 1000) else {
            return false
        }
        if stale { stats.staleAnswers += 1 }
        emitAnswer(client: Int(request.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        return true
    }

    /// One usable cache hit: its entry, the TTL to show, and staleness.
    struct UsableHit {
        var hit: CacheHit
        var ttlSeconds: UInt32
        var stale: Bool
    }

    /// Referral NS sets and glue (rank `indeterminate`) steer iteration but
    /// never answer a client: only data from the zone itself does. When
    /// validating, only data with a verdict answers (nameserver address
    /// look-ups store unvalidated data); bogus data answers while fresh —
    /// SERVFAIL, or the data itself for CD clients — and is never stale.
    func usable(_ lookup: CacheLookup, allowStale: Bool) -> UsableHit? {
        if let hit = lookup.hit, !answersClients(hit.rank) { return nil }
        switch lookup {
        case .miss: return nil
        case .fresh(let hit, let remaining):
            return UsableHit(hit: hit, ttlSeconds: remaining, stale: false)
        case .stale(let hit, _):
            guard allowStale, hit.rank != .bogus else { return nil }
            return UsableHit(hit: hit, ttlSeconds: settings.staleAnswerTTLSeconds, stale: true)
        }
    }

    /// Whether data of `rank` may answer a client (see `usable`).
    func answersClients(_ rank: TrustRank) -> Bool {
        if isValidating { return rank == .secure || rank == .insecure || rank == .bogus }
        return rank >= .insecure
    }

    /// The answer to `request` from the cache, following the CNAME chain;
    /// nil on any miss. `tail` is a final response the cache could not keep
    /// (a negative answer without SOA, an RRset too large): when the chain
    /// reaches its name (`tail.name`), the rest of the answer comes from it.
    mutating func buildFromCache(_ request: Request, allowStale: Bool, nowSeconds: Int64,
                                 tail: FinalResponse? = nil) -> (Int, Bool)? {
        let qtype = request.question.type
        guard var b = try? MessageBuilder(buffer: scratch, header: answerHeader(for: request, rcode: .noError))
        else { return nil }
        b.setMaxByteCount(request.answerByteCountMax - request.optReserveByteCount)
        do throws(BuildError) {
            try b.addQuestion(request.question.name, type: qtype, rrClass: request.question.rrClass)
        } catch { return nil }
        var chain = ChainState()
        var name = request.question.name
        for _ in 0...settings.cnameMax {
            var type = qtype
            var found = usable(cache.lookup(name, qtype, nowSeconds: nowSeconds), allowStale: allowStale)
            if found == nil && qtype != .cname {
                // Only a CNAME itself answers for another type. Its NODATA
                // (a client asked for the name's CNAME) is a negative entry
                // for <name, CNAME> alone (RFC 2308 §5), and says nothing of
                // the name's A or DS: taken as one, a single query hid every
                // type at the name for the negative TTL.
                type = .cname
                found = usable(cache.lookup(name, .cname, nowSeconds: nowSeconds), allowStale: allowStale)
                if let link = found, link.hit.kind != .rrset { found = nil }
            }
            guard let use = found else {
                guard let tail, tail.name == name else { return nil }
                return finishFromTail(&b, tail, request: request, chain: &chain)
            }
            if use.hit.rank == .bogus && !request.checkingDisabled {
                // RFC 4035 §5.5: bogus data gets SERVFAIL, with why (RFC 8914).
                let code = cache.withBlob(use.hit) { AnswerCache.bogusCode($0) } ?? .dnssecBogus
                stats.servfailAnswers += 1
                guard let n = buildError(for: request, rcode: .servFail, ede: code) else { return nil }
                return (n, false)
            }
            chain.anyStale = chain.anyStale || use.stale
            chain.allSecure = chain.allSecure && use.hit.rank == .secure
            switch use.hit.kind {
            case .rrset:
                guard writeLink(&b, name: name, type: type, use: use, request: request, chain: &chain,
                                allowStale: allowStale, nowSeconds: nowSeconds) else { return nil }
                if type == .cname && qtype != .cname && !chain.truncated {
                    guard let target = cache.withBlob(use.hit, { ResolverCore.firstCNAMETarget($0) }),
                          let next = target else { return nil }
                    name = next
                    continue
                }
                guard writeProofs(&b, chain: &chain) else { return nil }
            case .noData, .nxDomain:
                chain.rcode = use.hit.kind == .nxDomain ? .nxDomain : .noError
                guard writeProofs(&b, chain: &chain), let ok = cache.withBlob(use.hit, { blob in
                    writeNegative(&b, blob, ttl: use.ttlSeconds, dnssecOK: request.dnssecOK)
                }) else { return nil }
                if ok == .failed { return nil }
                if ok == .noSpace { chain.truncated = true }
            }
            return finishChain(&b, request: request, chain: chain)
        }
        return nil   // chain longer than cnameMax: let the upstream answer
    }

    /// What the answer built so far says.
    struct ChainState {
        var anyStale = false
        var allSecure = true
        var truncated = false
        var rcode = RCode.noError
        /// Cache entries of the DNAMEs written (a chain crossing one twice
        /// shows it once); past `dnames.count` of them, no more are noted.
        var dnames = InlineArray<8, CacheEntryHandle?>(repeating: nil)
        var dnameCount = 0
        /// Wildcard proofs of the links, for the authority section (DO only).
        var proofs = InlineArray<4, CacheHit?>(repeating: nil)
        var proofTTLs = InlineArray<4, UInt32>(repeating: 0)
        var proofCount = 0

        func wroteDNAME(_ handle: CacheEntryHandle) -> Bool {
            for i in 0..<dnameCount where dnames[i] == handle { return true }
            return false
        }
    }

    /// Writes one RRset link of the chain (its DNAME first when it is a
    /// synthesised CNAME) and notes its wildcard proof. False on failure.
    mutating func writeLink(_ b: inout MessageBuilder, name: Name, type: RRType, use: UsableHit, request: Request,
                            chain: inout ChainState, allowStale: Bool, nowSeconds: Int64) -> Bool {
        // A synthesised link follows its DNAME (RFC 6672 §3.1).
        if type == .cname, let (owner, dname) = synthesisingDNAME(of: name, link: use, allowStale: allowStale,
                                                                   nowSeconds: nowSeconds),
           !chain.wroteDNAME(dname.hit.handle) {
            let ok = cache.withBlob(dname.hit) { blob in
                writeRRset(&b, blob, owner: owner, type: .dname, ttl: dname.ttlSeconds, request: request)
            }
            if ok == .noSpace { chain.truncated = true } else if ok != .written { return false }
            if chain.dnameCount < chain.dnames.count {
                chain.dnames[chain.dnameCount] = dname.hit.handle
                chain.dnameCount += 1
            }
            chain.anyStale = chain.anyStale || dname.stale
        }
        guard let ok = cache.withBlob(use.hit, { blob in
            writeRRset(&b, blob, owner: name, type: type, ttl: use.ttlSeconds, request: request)
        }) else { return false }
        switch ok {
        case .failed: return false
        case .noSpace: chain.truncated = true
        case .written: break
        }
        if request.dnssecOK, use.hit.rank != .bogus, chain.proofCount < chain.proofs.count,
           (cache.withBlob(use.hit, { ResolverCore.proofOffset($0) }) ?? nil) != nil {
            chain.proofs[chain.proofCount] = use.hit
            chain.proofTTLs[chain.proofCount] = use.ttlSeconds
            chain.proofCount += 1
        }
        return true
    }

    /// The wildcard proofs noted so far, into the authority section.
    func writeProofs(_ b: inout MessageBuilder, chain: inout ChainState) -> Bool {
        for i in 0..<chain.proofCount {
            guard let hit = chain.proofs[i], let offset = cache.withBlob(hit, { ResolverCore.proofOffset($0) }) ?? nil,
                  let ok = cache.withBlob(hit, { writeDenialProof(&b, $0, from: offset, ttl: chain.proofTTLs[i]) })
            else { return false }
            if ok == .failed { return false }
            if ok == .noSpace { chain.truncated = true }
        }
        chain.proofCount = 0
        return true
    }

    /// Ends a chain at a final response the cache did not keep: its answer
    /// records and proofs, as minimal as a cached answer, and its rcode
    /// (RFC 6604 §3: the last link's). AD only if every part is secure.
    mutating func finishFromTail(_ b: inout MessageBuilder, _ tail: FinalResponse, request: Request,
                                 chain: inout ChainState) -> (Int, Bool)? {
        chain.allSecure = chain.allSecure && tail.security == .secure
        guard let header = try? Header(from: tail.message),
              copyMinimal(&b, from: tail.message, request: request, section: .answer, truncated: &chain.truncated),
              writeProofs(&b, chain: &chain),
              copyMinimal(&b, from: tail.message, request: request, section: .authority, truncated: &chain.truncated)
        else { return nil }
        chain.rcode = header.rcode
        return finishChain(&b, request: request, chain: chain)
    }

    /// Sets the rcode, AD (RFC 6840 §5.7: for DO or AD clients) and the
    /// stale EDE, and adds the OPT RR. A Secure answer the root key
    /// sentinel (RFC 8509 §3.2) refuses becomes SERVFAIL.
    mutating func finishChain(_ b: inout MessageBuilder, request: Request, chain: ChainState) -> (Int, Bool)? {
        if chain.allSecure && sentinelRefuses(request) {
            stats.servfailAnswers += 1
            return buildError(for: request, rcode: .servFail, ede: nil).map { ($0, false) }
        }
        if chain.rcode != .noError { b.setRCode(chain.rcode) }
        if chain.allSecure && (request.dnssecOK || request.authenticatedData) {
            var header = b.header
            header.ad = true
            b.setFlags(id: header.id, flags: header.flags)
        }
        let nxDomain = chain.rcode == .nxDomain
        let ede: EDECode? = chain.anyStale ? (nxDomain ? .staleNXDomainAnswer : .staleAnswer) : nil
        guard let n = finishAnswer(&b, request: request, truncated: chain.truncated, ede: ede) else { return nil }
        return (n, chain.anyStale)
    }

    enum WriteResult { case written, noSpace, failed }

    /// Writes the RDATAs of an RRset blob (and its RRSIGs for DO clients).
    func writeRRset(_ b: inout MessageBuilder, _ blob: UnsafeRawBufferPointer, owner: Name, type: RRType,
                    ttl: UInt32, request: Request) -> WriteResult {
        guard blob.count >= 2 else { return .failed }
        var offset = 0
        for part in 0..<2 {
            guard offset + 2 <= blob.count else { return .failed }
            let count = Int(AnswerCache.loadU16(blob, offset))
            offset += 2
            for _ in 0..<count {
                guard offset + 2 <= blob.count else { return .failed }
                let length = Int(AnswerCache.loadU16(blob, offset))
                guard offset + 2 + length <= blob.count else { return .failed }
                let rdata = UnsafeRawBufferPointer(rebasing: blob[(offset + 2)..<(offset + 2 + length)])
                offset += 2 + length
                if part == 1 && !request.dnssecOK { continue }
                do throws(BuildError) {
                    try b.addRecord(.answer, owner: owner, type: part == 0 ? type : .rrsig, rrClass: .in,
                                    ttlSeconds: ttl, rdata: rdata)
                } catch {
                    return error == .noSpace ? .noSpace : .failed
                }
            }
        }
        return .written
    }

    /// Writes the SOA of a negative blob into the authority section, and for
    /// DO clients the proof kept with it (see `appendDenialProof`).
    func writeNegative(_ b: inout MessageBuilder, _ blob: UnsafeRawBufferPointer, ttl: UInt32,
                       dnssecOK: Bool) -> WriteResult {
        guard blob.count >= 1 else { return .failed }
        let ownerLength = Int(blob[0])
        guard 1 + ownerLength + 2 <= blob.count,
              let owner = try? Name(wire: UnsafeRawBufferPointer(rebasing: blob[1..<(1 + ownerLength)])) else {
            return .failed
        }
        let length = Int(AnswerCache.loadU16(blob, 1 + ownerLength))
        let start = 3 + ownerLength
        guard start + length <= blob.count else { return .failed }
        do throws(BuildError) {
            try b.addRecord(.authority, owner: owner, type: .soa, rrClass: .in, ttlSeconds: ttl,
                            rdata: UnsafeRawBufferPointer(rebasing: blob[start..<(start + length)]))
        } catch {
            return error == .noSpace ? .noSpace : .failed
        }
        guard dnssecOK else { return .written }
        return writeDenialProof(&b, blob, from: start + length, ttl: ttl)
    }

    /// The proof records after a negative blob's SOA (an older blob without
    /// them, or a bogus trailer too short to be a count, writes nothing).
    func writeDenialProof(_ b: inout MessageBuilder, _ blob: UnsafeRawBufferPointer, from start: Int,
                          ttl: UInt32) -> WriteResult {
        guard start + 2 <= blob.count else { return .written }
        let count = Int(AnswerCache.loadU16(blob, start))
        var offset = start + 2
        for _ in 0..<min(count, AnswerCache.denialProofRecordsMax) {
            guard offset < blob.count else { return .failed }
            let ownerLength = Int(blob[offset])
            let ownerEnd = offset + 1 + ownerLength
            guard ownerEnd + 4 <= blob.count,
                  let owner = try? Name(wire: UnsafeRawBufferPointer(rebasing: blob[(offset + 1)..<ownerEnd])) else {
                return .failed
            }
            let type = RRType(AnswerCache.loadU16(blob, ownerEnd))
            let length = Int(AnswerCache.loadU16(blob, ownerEnd + 2))
            let rdataStart = ownerEnd + 4
            guard rdataStart + length <= blob.count else { return .failed }
            do throws(BuildError) {
                try b.addRecord(.authority, owner: owner, type: type, rrClass: .in, ttlSeconds: ttl,
                                rdata: UnsafeRawBufferPointer(rebasing: blob[rdataStart..<(rdataStart + length)]))
            } catch {
                return error == .noSpace ? .noSpace : .failed
            }
            offset = rdataStart + length
        }
        return .written
    }

    /// Where the wildcard proof of a non-bogus RRset blob starts (after
    /// its RRSIGs), when it has one with records; else nil.
    static func proofOffset(_ blob: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        for _ in 0..<2 {
            guard offset + 2 <= blob.count else { return nil }
            let count = Int(AnswerCache.loadU16(blob, offset))
            offset += 2
            for _ in 0..<count {
                guard offset + 2 <= blob.count else { return nil }
                offset += 2 + Int(AnswerCache.loadU16(blob, offset))
            }
        }
        guard offset + 2 <= blob.count, AnswerCache.loadU16(blob, offset) > 0 else { return nil }
        return offset
    }

    static func firstCNAMETarget(_ blob: UnsafeRawBufferPointer) -> Name? {
        guard blob.count >= 4, AnswerCache.loadU16(blob, 0) >= 1 else { return nil }
        let length = Int(AnswerCache.loadU16(blob, 2))
        guard 4 + length <= blob.count else { return nil }
        return try? Name(wire: UnsafeRawBufferPointer(rebasing: blob[4..<(4 + length)]))
    }
}
