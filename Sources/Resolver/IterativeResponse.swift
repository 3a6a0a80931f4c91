import Cache
import DNSWire
import Fixed
import Validator

/// The response that ended a resolution, the name it answers (the end of
/// the CNAME chain) and its DNSSEC verdict (for answers the cache could
/// not keep).
struct FinalResponse {
    var message: UnsafeRawBufferPointer
    var name: Name
    var security: Security
}

/// What an authoritative server's response means for the task that asked.
enum ResponseKind: Equatable {
    case answer            // RRset for the asked name and type
    case cname(Name)       // alias at the asked name (target)
    case referral(Name)    // delegation to a zone below the current cut
    case nxDomain
    case noData
    case lame              // upward/sideways referral, or not authoritative
}

extension ResolverCore {
    /// A response for iterative task `index`, already matched on ID and question.
    mutating func iterativeResponse(_ index: Int, _ message: UnsafeRawBufferPointer,
                                                    nowMs: Int64) {
        let it = outgoing[index].iteration
        let asked = outgoing[index].asked
        let rttMs = nowMs - asked.sentMs
        if let upstream = asked.upstream {
            upstreams.recordAnswer(upstream, rttMs: rttMs, nowMs: nowMs)
        } else {
            infra.recordAnswer(asked.server, rttMs: rttMs, nowMs: nowMs)
            if asked.tlsProfile == ResolverCore.authTLSProfile { authDoT.recordSuccess(asked.server, nowMs: nowMs) }
        }
        timers.cancel(settings.maxClients + index)
        guard let header = try? Header(from: message) else { return retryElsewhere(index, nowMs: nowMs) }
        noteReportChannel(index, message)   // ErrorReporting.swift (RFC 9567)
        if header.tc && !asked.overTCP {   // RFC 7766 §5: the same question again, over TCP
            stats.upstreamTCPRetries += 1
            let destination = Destination(server: asked.server, upstream: asked.upstream)
            if !sendIterative(index, to: destination, overTCP: true, nowMs: nowMs) { retryElsewhere(index, nowMs: nowMs) }
            return
        }
        let rcode = header.rcode
        if checkEDNS(index, message, rcode: rcode, nowMs: nowMs) { return }   // EDNSFallback.swift
        if rcode == .yxDomain, it.sentName == it.target, it.sentType == outgoing[index].question.type,
           let owner = dnameOwner(message, qname: it.target, zone: it.zone) {
            return finishDNAMETooLong(index, message, owner: owner, nowMs: nowMs)
        }
        if rcode != .noError && rcode != .nxDomain {
            stats.upstreamErrors += 1
            return retryElsewhere(index, nowMs: nowMs)
        }
        let full = it.sentName == it.target && it.sentType == outgoing[index].question.type
        act(on: classify(message, it, full: full), index, message, nowMs: nowMs)
    }

    /// What task `index` does with a response of `kind` to the question it sent.
    mutating func act(on kind: ResponseKind, _ index: Int, _ message: UnsafeRawBufferPointer,
                                      nowMs: Int64) {
        let it = outgoing[index].iteration
        let full = it.sentName == it.target && it.sentType == outgoing[index].question.type
        switch kind {
        case .answer:
            if full {
                guard let verdict = settle(index, message, kind: kind, nowMs: nowMs) else { return }
                storeAnswer(message, index: index, verdict: verdict, nowMs: nowMs)
                return finishIteration(index, success: true, nowMs: nowMs,
                                       final: FinalResponse(message: message, name: it.target, security: verdict.0))
            }
            minimiseFurther(index, nowMs: nowMs)   // the name exists, no cut here
        case .noData:
            if full, noteParentDenial(index) { return finishIteration(index, success: false, nowMs: nowMs) }
            if full {
                guard let verdict = settle(index, message, kind: kind, nowMs: nowMs) else { return }
                storeNegative(message, index: index, kind: .noData, verdict: verdict, nowMs: nowMs)
                return finishIteration(index, success: true, nowMs: nowMs,
                                       final: FinalResponse(message: message, name: it.target, security: verdict.0))
            }
            rememberNoCut(message, index: index, nowMs: nowMs)
            minimiseFurther(index, nowMs: nowMs)
        case .nxDomain:
            if full, noteParentDenial(index) { return finishIteration(index, success: false, nowMs: nowMs) }
            if full {
                guard let verdict = settle(index, message, kind: kind, nowMs: nowMs) else { return }
                storeNegative(message, index: index, kind: .nxDomain, verdict: verdict, nowMs: nowMs)
                return finishIteration(index, success: true, nowMs: nowMs,
                                       final: FinalResponse(message: message, name: it.target, security: verdict.0))
            }
            // RFC 9156 §2.3: some servers deny empty non-terminals; ask the
            // full name before believing NXDOMAIN (RFC 8020).
            outgoing.pointer(index).pointee.iteration.minimise = false
            resetTried(index)
            iterate(index, nowMs: nowMs)
        case .cname(let target):
            if !full {
                outgoing.pointer(index).pointee.iteration.minimise = false
                resetTried(index)
                return iterate(index, nowMs: nowMs)
            }
            guard let verdict = settle(index, message, kind: kind, nowMs: nowMs) else { return }
            storeAnswer(message, index: index, verdict: verdict, nowMs: nowMs)
            // An upstream resolver sends the whole chain: take it link by link.
            if !settings.recursive { return followCNAMEInResponse(index, to: target, message, nowMs: nowMs) }
            followCNAME(index, to: target, nowMs: nowMs)
        case .referral(let child) where settings.recursive:
            // DELEG on: Delegation Types checked against the parent's keys
            // first (DelegReferral.swift, delext-11 §6.2).
            if settings.deleg && !referralTypesHold(index, child: child, message, nowMs: nowMs) { return }
            followReferral(index, to: child, message, nowMs: nowMs)
        case .referral, .lame:   // (an upstream resolver never refers: useless)
            stats.lameResponses += 1
            retryElsewhere(index, nowMs: nowMs)
        }
    }

    /// What a response means for the question `it` sent; `full`: that was
    /// the task's own question, not a minimised one (RFC 9156).
    func classify(_ message: UnsafeRawBufferPointer, _ it: Iteration, full: Bool) -> ResponseKind {
        guard var reader = try? MessageReader(message) else { return .lame }
        let header = reader.header
        var sawAnswer = false
        var cnameTarget: Name?
        var referral: Name?
        var soa = false
        var count = 0
        while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
            count += 1
            guard let owner = try? record.owner(in: message) else { return .lame }
            switch record.section {
            case .answer:
                guard owner == it.sentName else { continue }
                if record.type == it.sentType { sawAnswer = true }
                if record.type == .cname && it.sentType != .cname {
                    cnameTarget = try? Name.read(from: message, at: record.rdataOffset).name
                }
            case .authority:
                if record.type == .soa { soa = true }
                // DELEG, an NS-Omitting Delegation Type, makes a referral
                // too (draft-ietf-dnsop-delext-11 §5.2).
                if (record.type == .ns || (settings.deleg && record.type == .deleg)) && referral == nil && !header.aa {
                    referral = owner
                }
            default:
                continue
            }
        }
        // A delegation must lead strictly down, towards the asked name; a
        // DS lives in the parent, so a referral to its owner is lame.
        let downward = referral.map { child in
            child.isSubdomain(of: it.zone) && child != it.zone && it.sentName.isSubdomain(of: child)
                && !((it.sentType == .ds || (settings.deleg && it.sentType == .deleg)) && child == it.sentName)
        } ?? false
        // Not authoritative, beside such a delegation: a referral whatever
        // the answer section holds (RFC 1034 §4.3.2; Unbound types it so).
        if sawAnswer && (header.aa || !downward) { return .answer }
        if let target = cnameTarget { return .cname(target) }
        if header.rcode == .nxDomain { return header.aa || soa ? .nxDomain : .lame }
        if let child = referral { return downward ? .referral(child) : .lame }
        // A minimised question's NOERROR that neither refers nor aliases
        // says "no cut here": ask one label more (RFC 9156 §3), whatever
        // else it holds (a missing SOA or AA bit, records of other types).
        // For the task's own question such a reply from a server that does
        // not claim authority proves nothing: another server is asked.
        return header.aa || soa || !full ? .noData : .lame
    }

    /// A minimised question's NODATA, cached at a rank that never answers a
    /// client (it is not validated): it only tells later tasks that the
    /// name exists without a cut (`skipNamesKnownWithoutCut`).
    mutating func rememberNoCut(_ message: UnsafeRawBufferPointer, index: Int, nowMs: Int64) {
        let it = outgoing[index].iteration
        guard it.sentType == .a else { return }
        cache.rank = .indeterminate
        defer { cache.endVerdict() }
        _ = cache.storeNegative(message, name: it.sentName.lowercased(), type: .a, kind: .noData,
                                nowSeconds: nowMs / 1000, zone: it.zone)
    }

    mutating func resetTried(_ index: Int) {
        outgoing.pointer(index).pointee.iteration.servers.triedMask = 0
    }

    /// The asked name exists but is not a cut: ask one more label, from the
    /// same servers.
    mutating func minimiseFurther(_ index: Int, nowMs: Int64) {
        let o = outgoing.pointer(index)
        o.pointee.iteration.askedLabelCount += 1
        resetTried(index)
        iterate(index, nowMs: nowMs)
    }

    /// Tries another server of the same zone (this one is lame or failed).
    mutating func retryElsewhere(_ index: Int, nowMs: Int64) {
        if case .asking(let asked) = outgoing[index].state {
            outgoing.pointer(index).pointee.iteration.servers.markTried(asked.server)
        }
        emitCancel(index)
        iterate(index, nowMs: nowMs)
    }

    mutating func followCNAME(_ index: Int, to target: Name, nowMs: Int64) {
        guard takeCNAMELink(index, to: target, nowMs: nowMs) else { return }
        let o = outgoing.pointer(index)
        o.pointee.iteration.minimise = settings.qnameMinimisation && settings.recursive
        o.pointee.iteration.minimisedQueries = 0
        findZoneCut(index, nowMs: nowMs)
        emitCancel(index)
        iterate(index, nowMs: nowMs)
    }

    /// Task `index` now resolves `target`, the next link of its chain.
    /// False when that ended it: too long a chain (failure), or the rest
    /// is cached (answered from the cache).
    mutating func takeCNAMELink(_ index: Int, to target: Name, nowMs: Int64) -> Bool {
        let o = outgoing.pointer(index)
        o.pointee.iteration.cnameCount += 1
        if o.pointee.iteration.cnameCount > settings.cnameMax {
            stats.cnameChainTooLong += 1
            finishIteration(index, success: false, nowMs: nowMs)
            return false
        }
        o.pointee.iteration.target = target.lowercased()
        if cacheAnswers(target, o.pointee.question.type, nowMs: nowMs) {
            finishIteration(index, success: true, nowMs: nowMs)
            return false
        }
        return true
    }

    mutating func cacheAnswers(_ name: Name, _ type: RRType, nowMs: Int64) -> Bool {
        if case .fresh(let hit, _) = cache.lookup(name, type, nowSeconds: nowMs / 1000), answersClients(hit.rank) {
            return true
        }
        return false
    }

    mutating func followReferral(_ index: Int, to child: Name, _ message: UnsafeRawBufferPointer,
                                                 nowMs: Int64) {
        let o = outgoing.pointer(index)
        o.pointee.iteration.referrals += 1
        guard o.pointee.iteration.referrals <= settings.referralsMax else {
            stats.budgetExhausted += 1
            return finishIteration(index, success: false, nowMs: nowMs)
        }
        if settings.deleg && ResolverCore.hasDeleg(message, of: child) {
            return followDelegReferral(index, to: child, message, nowMs: nowMs)   // DelegReferral.swift
        }
        let bailiwick = o.pointee.iteration.zone   // the zone of the server that referred
        storeReferral(message, child: child, bailiwick: bailiwick, nowMs: nowMs)
        // A referral into a hinted domain from above it is the parent's
        // view, which the hint overrides (draft-kolkman-dns-in-tree-hints
        // §2.1): the task goes on from the hint instead.
        if o.pointee.iteration.bypassesHints, child == o.pointee.iteration.target, let h = inTreeHints.index(of: child) {
            noteParentDelegation(h, message)   // the parent's view, compared with the hint
            return finishIteration(index, success: true, nowMs: nowMs)
        }
        if inTreeHints.count > 0, !o.pointee.iteration.bypassesHints, let h = inTreeHints.closest(enclosing: child),
           inTreeHints[h].domain != bailiwick, inTreeHints[h].domain.isSubdomain(of: bailiwick) {
            findZoneCut(index, nowMs: nowMs)
            emitCancel(index)
            return iterate(index, nowMs: nowMs)
        }
        o.pointee.iteration.zone = child
        o.pointee.iteration.servers.removeAll()
        o.pointee.iteration.nsLookupIndex = 0
        o.pointee.iteration.askedLabelCount = 0
        addCachedAddresses(index, zone: child, nowMs: nowMs)
        // The glue straight from the message too: a full cache may have
        // refused to store it, and the delegation must still be followed.
        addGlueAddresses(index, message, child: child, bailiwick: bailiwick)
        emitCancel(index)
        iterate(index, nowMs: nowMs)
    }

    /// The glue of the referral to `child` (see `forEachGlue`) as servers of
    /// the task's new zone cut.
    mutating func addGlueAddresses(_ index: Int, _ message: UnsafeRawBufferPointer, child: Name, bailiwick: Name) {
        ResolverCore.forEachGlue(message, of: child, bailiwick: bailiwick) { record, _ in
            guard record.type == .a || settings.useIPv6,
                  let address = ServerAddress(rdata: record.rdata(in: message), port: ResolverCore.authoritativePort)
            else { return }
            addServer(index, address)
        }
    }

    /// Calls `body` for each glue record of `zone`'s NS set in `message`: an
    /// A or AAAA of the additional section whose owner is one of the NS
    /// names of `zone` in the message and lies inside `bailiwick`, the zone
    /// the sending server is authoritative for. That takes in-domain glue
    /// (under `zone`) and sibling glue (elsewhere under the parent: the
    /// root's referral for `com.` carries the address of
    /// `a.gtld-servers.net.`, and the root is authoritative for that name
    /// too; RFC 9471 §2). An address outside the sender's zone is never
    /// believed (RFC 2181 §5.4.1), nor one for a name that is no NS target.
    static func forEachGlue(_ message: UnsafeRawBufferPointer, of zone: Name, bailiwick: Name,
                     _ body: (Record, Name) -> Void) {
        guard var reader = try? MessageReader(message) else { return }
        var count = 0
        while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
            count += 1
            guard record.section == .additional, record.type == .a || record.type == .aaaa,
                  let owner = try? record.owner(in: message), owner.isSubdomain(of: bailiwick),
                  isNSName(owner, of: zone, in: message) else { continue }
            body(record, owner)
        }
    }

    /// True when the answer or authority section lists `name` as an NS of
    /// `zone` (a referral's NS set, or the answer to an NS query).
    static func isNSName(_ name: Name, of zone: Name, in message: UnsafeRawBufferPointer) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var count = 0
        while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
            count += 1
            guard record.section == .authority || record.section == .answer, record.type == .ns,
                  (try? record.owner(in: message)) == zone,
                  let target = try? Name.read(from: message, at: record.rdataOffset).name else { continue }
            if target == name { return true }
        }
        return false
    }

    /// When the cache could not keep the final response (full, an RRset
    /// larger than it stores, a negative answer without SOA), the answer is
    /// built from the cache up to the final name and from the response
    /// itself after it (`buildFromCache`'s tail), with the same security
    /// rules and the same minimal sections as a cached one.
    mutating func answerFromFinal(_ r: Request, _ final: FinalResponse?, nowMs: Int64) -> Bool {
        guard let final else { return false }
        stats.answersFromResponse += 1
        if case .bogus(let ede) = final.security, !r.checkingDisabled {
            guard let n = buildError(for: r, rcode: .servFail, ede: ede) else { return false }
            emitAnswer(client: Int(r.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
            return true
        }
        guard let (n, _) = buildFromCache(r, allowStale: false, nowSeconds: nowMs / 1000, tail: final) else {
            return false
        }
        emitAnswer(client: Int(r.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        return true
    }

    // MARK: caching with bailiwick rules

    /// Answer-section RRsets for the asked name (and, for NS answers, the
    /// in-zone addresses in the additional section) — only data at or below
    /// the zone the server is authoritative for.
    mutating func storeAnswer(_ message: UnsafeRawBufferPointer, index: Int, verdict: (Security, UInt32),
                              nowMs: Int64) {
        let it = outgoing[index].iteration
        let name = it.sentName.lowercased()
        let seconds = nowMs / 1000
        guard name.isSubdomain(of: it.zone) else { return }
        cache.beginVerdict(verdict.0, ttlCapSeconds: verdict.1)
        let rank = verdict.0.rank
        if cache.storeRRset(message, owner: name, type: it.sentType, section: .answer, rank: rank,
                            nowSeconds: seconds) == nil, it.sentType != .cname {
            _ = cache.storeRRset(message, owner: name, type: .cname, section: .answer, rank: rank,
                                 nowSeconds: seconds)
            storeDNAME(message, above: name, zone: it.zone, rank: rank, nowSeconds: seconds)
        }
        cache.endVerdict()   // glue keeps its own rules
        if it.sentType == .ns { storeGlue(message, of: name, bailiwick: it.zone, nowSeconds: seconds) }
    }

    mutating func storeNegative(_ message: UnsafeRawBufferPointer, index: Int, kind: CacheEntryKind,
                                verdict: (Security, UInt32), nowMs: Int64) {
        let it = outgoing[index].iteration
        cache.rank = verdict.0.rank
        cache.beginVerdict(verdict.0, ttlCapSeconds: verdict.1)
        defer { cache.endVerdict() }
        _ = cache.storeNegative(message, name: it.target, type: outgoing[index].question.type, kind: kind,
                                nowSeconds: nowMs / 1000, zone: it.zone,
                                unsignedDelegation: it.provesUnsignedDelegation)
    }

    /// Validates a final response (answer, CNAME link, NODATA, NXDOMAIN).
    /// nil: the signing zone's keys are being fetched first (the task asks
    /// again when that sub-task ends), or they could not be fetched — a
    /// resolution failure, not a verdict: the task fails and nothing is
    /// cached, so the next query tries again.
    mutating func settle(_ index: Int, _ message: UnsafeRawBufferPointer, kind: ResponseKind,
                                         nowMs: Int64) -> (Security, UInt32)? {
        switch checkFinal(index, message, kind: kind, nowMs: nowMs) {
        case .done(let security, let ttlCap):
            if case .bogus(let ede) = security {
                stats.bogusResponses += 1
                if retryAfterBogus(index, nowMs: nowMs) { return nil }
                outgoing.pointer(index).pointee.iteration.bogusEDE = ede   // for RFC 9567 reporting
            }
            return (security, ttlCap)
        case .unsignedDelegation(let ttlCap):
            outgoing.pointer(index).pointee.iteration.provesUnsignedDelegation = true
            return (.secure, ttlCap)
        case .needKeys(let name, let type):
            emitCancel(index)   // before the sub-task: it may re-send on this slot at once
            if !startKeyFetch(index, name: name, type: type, nowMs: nowMs) {
                stats.keysUnavailable += 1
                noteFailure(index, type == .dnskey ? .dnskeyMissing : .noReachableAuthority)
                finishIteration(index, success: false, nowMs: nowMs)
            }
            return nil
        }
    }

    /// Bogus answers a task re-asks elsewhere before believing them.
    static let bogusRetriesMax = 2

    /// RFC 4035 §5.5: a bogus answer may be one server's fault (stale
    /// signatures on one secondary, an upstream or middlebox that strips or
    /// mangles records): ask another server of the zone, or another
    /// upstream, before caching the verdict. False when none is left untried
    /// or the retries are spent; the verdict then stands.
    mutating func retryAfterBogus(_ index: Int, nowMs: Int64) -> Bool {
        let o = outgoing.pointer(index)
        guard o.pointee.iteration.bogusRetries < ResolverCore.bogusRetriesMax else { return false }
        if settings.recursive {
            o.pointee.iteration.servers.markTried(o.pointee.asked.server)
            guard o.pointee.iteration.servers.hasUntried else { return false }
        } else {
            let allTried = o.pointee.triedMask == (UInt32(1) << UInt32(upstreams.count)) - 1
            guard upstreams.count > 1, !allTried, o.pointee.attempts < settings.attemptsMax else { return false }
        }
        o.pointee.iteration.bogusRetries += 1
        stats.bogusRetries += 1
        retryElsewhere(index, nowMs: nowMs)
        return true
    }

    /// NS set of the delegation and its glue, at a rank below authoritative
    /// data: the child's own NS set replaces it once learned. `bailiwick`:
    /// the zone of the server that sent the referral.
    mutating func storeReferral(_ message: UnsafeRawBufferPointer, child: Name, bailiwick: Name, nowMs: Int64) {
        let seconds = nowMs / 1000
        _ = cache.storeRRset(message, owner: child, type: .ns, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        _ = cache.storeRRset(message, owner: child, type: .ds, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        storeGlue(message, of: child, bailiwick: bailiwick, nowSeconds: seconds)
    }

    /// Caches the glue of `zone`'s NS set (see `forEachGlue`) below
    /// authoritative rank: the address's own zone replaces it once asked.
    mutating func storeGlue(_ message: UnsafeRawBufferPointer, of zone: Name, bailiwick: Name, nowSeconds: Int64) {
        ResolverCore.forEachGlue(message, of: zone, bailiwick: bailiwick) { record, owner in
            if case .fresh(let hit, _) = cache.lookup(owner, record.type, nowSeconds: nowSeconds),
               hit.rank >= .indeterminate { return }   // stored already (one RRset, many records)
            _ = cache.storeRRset(message, owner: owner.lowercased(), type: record.type, section: .additional,
                                 rank: .indeterminate, nowSeconds: nowSeconds)
        }
    }

    // MARK: ending

    /// Records why task `index` fails, unless a more precise reason (from
    /// a sub-task, or an earlier step) is known already.
    mutating func noteFailure(_ index: Int, _ code: EDECode, detail: FailureDetail? = nil) {
        guard outgoing[index].iteration.failureEDE == nil else { return }
        outgoing.pointer(index).pointee.iteration.failureEDE = code
        outgoing.pointer(index).pointee.iteration.failureDetail = detail
    }

    /// Ends task `index`: a sub-task hands its result to its parent; a top
    /// task answers its clients from the cache (or fails them).
    mutating func finishIteration(_ index: Int, success: Bool, nowMs: Int64,
                                                  final: FinalResponse? = nil) {
        let it = outgoing[index].iteration
        if case .awaitingSubTask(let child) = outgoing[index].state, outgoing.isInUse(Int(child)) {
            outgoing.pointer(Int(child)).pointee.iteration.parent = nil   // orphan: it finishes alone
        }
        let question = outgoing[index].question
        if let parentSlot = it.parent, outgoing.isInUse(Int(parentSlot)),
           case .awaitingSubTask(Int32(index)) = outgoing[Int(parentSlot)].state {
            let parent = Int(parentSlot)
            // A failure that names its server is the most precise reason;
            // else a key set that never came is, whatever stopped it.
            if !success, let code = it.failureEDE, let detail = it.failureDetail {
                noteFailure(parent, code, detail: detail)
            }
            if !success, it.purpose == .keys && question.type == .dnskey {
                noteFailure(parent, .dnskeyMissing)
                if validation.anchors.anchors(at: question.name) != nil { stats.anchorKeysUnusable += 1 }
            }
            if !success, let code = it.failureEDE { noteFailure(parent, code, detail: it.failureDetail) }
            if !success { noteReportAgent(parent, slot: it.reportAgentSlot, hash: it.reportAgentHash) }
            finishOutgoing(index)
            outgoing.pointer(parent).pointee.state = .ready
            if success && it.purpose == .address {
                // A bogus address is not used; the client learns why.
                if let ede = it.bogusEDE { noteFailure(parent, ede) }
                addAddresses(parent, of: question.name, nowMs: nowMs)
            }
            return iterate(parent, nowMs: nowMs)
        }
        if !success { return finishWithFailure(index, nowMs: nowMs) }
        refreshFailures.clear(question)
        var waiter = takeWaiters(index)
        while let slot = waiter {
            waiter = requests[Int(slot)].nextWaiter
            answerWaiter(Int(slot), .resolved, final: final, nowMs: nowMs)
        }
        finishOutgoing(index)
        if let ede = it.bogusEDE { reportFailure(question: question, it, ede: ede, nowMs: nowMs) }   // validation failed
    }
}
