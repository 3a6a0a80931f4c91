import Cache
import DNSWire
import Fixed

/// What an authoritative server's response means for the task that asked.
enum ResponseKind: Equatable {
    case answer            // RRset for the asked name and type
    case cname(Name)       // alias at the asked name (target)
    case referral(Name)    // delegation to a zone below the current cut
    case nxDomain
    case noData
    case lame              // upward/sideways referral, or not authoritative
}

extension QueryEngine {
    /// A response for iterative task `index`, already matched on ID and question.
    mutating func iterativeResponse<IO: ResolverIO>(_ index: Int, _ message: UnsafeRawBufferPointer,
                                                    nowMs: Int64, io: inout IO) {
        let it = outgoing[index].iteration
        let server = it.sentServer
        infra.recordAnswer(server, rttMs: nowMs - outgoing[index].sentMs, nowMs: nowMs)
        timers.cancel(settings.requestCount + index)
        guard let header = try? Header(from: message) else { return retryElsewhere(index, nowMs: nowMs, io: &io) }
        if header.tc && !outgoing[index].overTCP {
            stats.upstreamTCPRetries += 1
            outgoing.pointer(index).pointee.overTCP = true
            if !sendIterative(index, to: server, nowMs: nowMs, io: &io) { retryElsewhere(index, nowMs: nowMs, io: &io) }
            return
        }
        outgoing.pointer(index).pointee.overTCP = false
        let rcode = header.rcode
        if (rcode == .formErr || rcode == .notImp) && it.sentEDNS {
            infra.recordNoEDNS(server, nowMs: nowMs)   // RFC 6891 §7: retry without EDNS
            if !sendIterative(index, to: server, nowMs: nowMs, io: &io) { retryElsewhere(index, nowMs: nowMs, io: &io) }
            return
        }
        if rcode != .noError && rcode != .nxDomain {
            stats.upstreamErrors += 1
            return retryElsewhere(index, nowMs: nowMs, io: &io)
        }
        let full = it.sentName == it.target && it.sentType == outgoing[index].question.type
        switch classify(message, it) {
        case .answer:
            if full {
                storeAnswer(message, index: index, nowMs: nowMs)
                return finishIteration(index, success: true, nowMs: nowMs, io: &io)
            }
            minimiseFurther(index, nowMs: nowMs, io: &io)   // the name exists, no cut here
        case .noData:
            if full {
                storeNegative(message, index: index, kind: .noData, nowMs: nowMs)
                return finishIteration(index, success: true, nowMs: nowMs, io: &io)
            }
            minimiseFurther(index, nowMs: nowMs, io: &io)
        case .nxDomain:
            if full {
                storeNegative(message, index: index, kind: .nxDomain, nowMs: nowMs)
                return finishIteration(index, success: true, nowMs: nowMs, io: &io)
            }
            // RFC 9156 §2.3: some servers deny empty non-terminals; ask the
            // full name before believing NXDOMAIN (RFC 8020).
            outgoing.pointer(index).pointee.iteration.minimise = false
            resetTried(index)
            iterate(index, nowMs: nowMs, io: &io)
        case .cname(let target):
            if !full {
                outgoing.pointer(index).pointee.iteration.minimise = false
                resetTried(index)
                return iterate(index, nowMs: nowMs, io: &io)
            }
            storeAnswer(message, index: index, nowMs: nowMs)
            followCNAME(index, to: target, nowMs: nowMs, io: &io)
        case .referral(let child):
            followReferral(index, to: child, message, nowMs: nowMs, io: &io)
        case .lame:
            stats.lameResponses += 1
            retryElsewhere(index, nowMs: nowMs, io: &io)
        }
    }

    func classify(_ message: UnsafeRawBufferPointer, _ it: Iteration) -> ResponseKind {
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
                if record.type == .ns && referral == nil && !header.aa { referral = owner }
            default:
                continue
            }
        }
        if sawAnswer { return .answer }
        if let target = cnameTarget { return .cname(target) }
        if header.rcode == .nxDomain { return header.aa || soa ? .nxDomain : .lame }
        if let child = referral {
            // A delegation must lead strictly down, towards the asked name.
            guard child.isSubdomain(of: it.zone), child != it.zone, it.sentName.isSubdomain(of: child) else {
                return .lame
            }
            return .referral(child)
        }
        return header.aa || soa ? .noData : .lame
    }

    mutating func resetTried(_ index: Int) {
        outgoing.pointer(index).pointee.iteration.servers.triedMask = 0
    }

    /// The asked name exists but is not a cut: ask one more label, from the
    /// same servers.
    mutating func minimiseFurther<IO: ResolverIO>(_ index: Int, nowMs: Int64, io: inout IO) {
        let o = outgoing.pointer(index)
        o.pointee.iteration.askedLabelCount += 1
        resetTried(index)
        iterate(index, nowMs: nowMs, io: &io)
    }

    /// Tries another server of the same zone (this one is lame or failed).
    mutating func retryElsewhere<IO: ResolverIO>(_ index: Int, nowMs: Int64, io: inout IO) {
        let o = outgoing.pointer(index)
        o.pointee.iteration.servers.markTried(o.pointee.iteration.sentServer)
        o.pointee.overTCP = false
        io.release(outgoing: index)
        iterate(index, nowMs: nowMs, io: &io)
    }

    mutating func followCNAME<IO: ResolverIO>(_ index: Int, to target: Name, nowMs: Int64, io: inout IO) {
        let o = outgoing.pointer(index)
        o.pointee.iteration.cnameCount += 1
        if o.pointee.iteration.cnameCount > settings.cnameMax {
            stats.cnameChainTooLong += 1
            return finishIteration(index, success: false, nowMs: nowMs, io: &io)
        }
        // Cached already? Then the chain can be answered from the cache.
        o.pointee.iteration.target = target.lowercased()
        o.pointee.iteration.minimise = settings.qnameMinimisation
        o.pointee.iteration.minimisedQueries = 0
        if cacheAnswers(target, o.pointee.question.type, nowMs: nowMs) {
            return finishIteration(index, success: true, nowMs: nowMs, io: &io)
        }
        findZoneCut(index, nowMs: nowMs)
        io.release(outgoing: index)
        iterate(index, nowMs: nowMs, io: &io)
    }

    mutating func cacheAnswers(_ name: Name, _ type: RRType, nowMs: Int64) -> Bool {
        if case .fresh(let hit, _) = cache.lookup(name, type, nowSeconds: nowMs / 1000), hit.rank >= .insecure {
            return true
        }
        return false
    }

    mutating func followReferral<IO: ResolverIO>(_ index: Int, to child: Name, _ message: UnsafeRawBufferPointer,
                                                 nowMs: Int64, io: inout IO) {
        let o = outgoing.pointer(index)
        o.pointee.iteration.referrals += 1
        guard o.pointee.iteration.referrals <= settings.referralsMax else {
            stats.budgetExhausted += 1
            return finishIteration(index, success: false, nowMs: nowMs, io: &io)
        }
        storeReferral(message, child: child, nowMs: nowMs)
        o.pointee.iteration.zone = child
        o.pointee.iteration.servers.removeAll()
        o.pointee.iteration.nsLookupIndex = 0
        o.pointee.iteration.askedLabelCount = 0
        addCachedAddresses(index, zone: child, nowMs: nowMs)
        io.release(outgoing: index)
        iterate(index, nowMs: nowMs, io: &io)
    }

    // MARK: caching with bailiwick rules

    /// Answer-section RRsets for the asked name (and, for NS answers, the
    /// in-zone addresses in the additional section) — only data at or below
    /// the zone the server is authoritative for.
    mutating func storeAnswer(_ message: UnsafeRawBufferPointer, index: Int, nowMs: Int64) {
        let it = outgoing[index].iteration
        let name = it.sentName.lowercased()
        let seconds = nowMs / 1000
        guard name.isSubdomain(of: it.zone) else { return }
        if cache.storeRRset(message, owner: name, type: it.sentType, section: .answer, rank: .authoritativeUnvalidated,
                            nowSeconds: seconds) == nil, it.sentType != .cname {
            _ = cache.storeRRset(message, owner: name, type: .cname, section: .answer, rank: .authoritativeUnvalidated,
                                 nowSeconds: seconds)
        }
        if it.sentType == .ns { storeGlue(message, zone: it.zone, nowSeconds: seconds) }
    }

    mutating func storeNegative(_ message: UnsafeRawBufferPointer, index: Int, kind: CacheEntryKind, nowMs: Int64) {
        let it = outgoing[index].iteration
        cache.rank = .authoritativeUnvalidated
        _ = cache.storeNegative(message, name: it.target, type: outgoing[index].question.type, kind: kind,
                                nowSeconds: nowMs / 1000, zone: it.zone)
    }

    /// NS set of the delegation and its in-bailiwick glue, at a rank below
    /// authoritative data: the child's own NS set replaces it once learned.
    mutating func storeReferral(_ message: UnsafeRawBufferPointer, child: Name, nowMs: Int64) {
        let seconds = nowMs / 1000
        _ = cache.storeRRset(message, owner: child, type: .ns, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        _ = cache.storeRRset(message, owner: child, type: .ds, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        storeGlue(message, zone: child, nowSeconds: seconds)
    }

    /// A/AAAA records of the additional section whose owner is inside `zone`.
    mutating func storeGlue(_ message: UnsafeRawBufferPointer, zone: Name, nowSeconds: Int64) {
        guard var reader = try? MessageReader(message) else { return }
        var count = 0
        while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
            count += 1
            guard record.section == .additional, record.type == .a || record.type == .aaaa,
                  let owner = try? record.owner(in: message), owner.isSubdomain(of: zone) else { continue }
            if case .fresh(let hit, _) = cache.lookup(owner, record.type, nowSeconds: nowSeconds),
               hit.rank >= .indeterminate { continue }   // stored already (one RRset, many records)
            _ = cache.storeRRset(message, owner: owner.lowercased(), type: record.type, section: .additional,
                                 rank: .indeterminate, nowSeconds: nowSeconds)
        }
    }

    // MARK: ending

    /// Ends task `index`: a sub-task hands its result to its parent; a top
    /// task answers its clients from the cache (or fails them).
    mutating func finishIteration<IO: ResolverIO>(_ index: Int, success: Bool, nowMs: Int64, io: inout IO) {
        let it = outgoing[index].iteration
        let child = it.child
        if child >= 0 && outgoing.isInUse(Int(child)) {
            outgoing.pointer(Int(child)).pointee.iteration.parent = -1   // orphan: it finishes alone
        }
        let parent = Int(it.parent)
        let question = outgoing[index].question
        if parent >= 0 && outgoing.isInUse(parent) && outgoing[parent].iteration.child == Int32(index) {
            finishOutgoing(index, io: &io)
            outgoing.pointer(parent).pointee.iteration.child = -1
            if success { addAddresses(parent, of: question.name, nowMs: nowMs) }
            return iterate(parent, nowMs: nowMs, io: &io)
        }
        if !success { return finishWithFailure(index, nowMs: nowMs, io: &io) }
        refreshFailures.clear(question)
        var waiter = outgoing[index].firstWaiter
        while waiter >= 0 {
            let r = requests[Int(waiter)]
            let next = r.nextWaiter
            if !r.answeredStale && !answerFromCache(r, allowStale: false, nowMs: nowMs, io: &io) {
                answerFailure(r, io: &io)
            }
            timers.cancel(Int(waiter))
            requests.release(Int(waiter))
            waiter = next
        }
        outgoing.pointer(index).pointee.firstWaiter = -1
        finishOutgoing(index, io: &io)
    }
}
