import Cache
import DNSWire
import Fixed
import Validator

/// DELEG referrals (draft-ietf-deleg-12 §5.1, draft-ietf-dnsop-delext-11
/// §5.2–5.3), behind `settings.deleg`: a referral whose authority section
/// holds a DELEG RRset for the child is followed by that RRset alone.
///
/// Owns: reading a referral's or the cache's DELEG RRset into the task's
/// servers (SLIST): server-ipv4/ipv6 addresses at once, server-name names
/// looked up like NS targets (`nsNames`), each record judged by
/// `DelegInfo.use` (§5.1.2 steps 1–4). SLIST is a set (ServerSet drops
/// duplicates, delext §5.3). A DELEG that exists but gives no usable server
/// ends the task in SERVFAIL, EDE 22 "No Reachable Authority": delext §5.3
/// step 2.2.1 says to treat it as unreachable servers, and never to use the
/// NS RRset beside it.
/// include-delegparam names are resolved for their DELEGPARAM RRsets
/// (sub-tasks, like NS address look-ups) and read from the cache with the
/// `DelegLimits` on depth and count (§7.1).
/// Validating tasks check every referral first (`referralTypesHold`,
/// ValidationEngine.checkReferral): a signed DELEG, and with a DNSKEY-ADT
/// parent the NSEC/NSEC3 type bitmap, so a stripped DELEG cannot pass as
/// "no DELEG" (delext §6.2). With DELEG on, nameserver address look-ups
/// validate too (`validates`): the referrals on their way get the same
/// check, and a bogus address of a server name is not used.
/// Never: caches or validates the NS records of such a referral (delext
/// §5.2).
extension ResolverCore {
    /// The Delegation Types check of a referral (ValidationEngine.checkReferral,
    /// delext-11 §6.2 and §8.5) for a validating task. False when the task
    /// must not follow it: tampered (the response is ignored, delext §6.2:
    /// another server is asked), or the parent's keys are being fetched
    /// (the task asks again when they come).
    mutating func referralTypesHold(_ index: Int, child: Name, _ message: UnsafeRawBufferPointer,
                                    nowMs: Int64) -> Bool {
        guard validates(index) else { return true }
        let it = outgoing[index].iteration
        let root = Int(it.root)
        var budget = outgoing[root].iteration.budget
        let check = validation.checkReferral(message, zone: it.zone, child: child, cache: &cache,
                                             clock: validationClock(nowMs: nowMs), budget: &budget, nowMs: nowMs)
        outgoing.pointer(root).pointee.iteration.budget = budget
        switch check {
        case .accepted:
            return true
        case .tampered(let code):
            stats.delegReferralsTampered += 1
            noteFailure(index, code)
            retryElsewhere(index, nowMs: nowMs)
            return false
        case .needKeys(let name, let type):
            emitCancel(index)
            if !startKeyFetch(index, name: name, type: type, nowMs: nowMs) {
                stats.keysUnavailable += 1
                noteFailure(index, .dnskeyMissing)
                finishIteration(index, success: false, nowMs: nowMs)
            }
            return false
        }
    }

    /// True when `message`'s authority section holds a DELEG record owned by `child`.
    static func hasDeleg(_ message: UnsafeRawBufferPointer, of child: Name) -> Bool {
        var found = false
        forEachDeleg(message, of: child) { _ in found = true }
        return found
    }

    /// Calls `body` with the RDATA of each authority-section DELEG record
    /// owned by `child` (bounded like every message walk here).
    static func forEachDeleg(_ message: UnsafeRawBufferPointer, of child: Name,
                             _ body: (UnsafeRawBufferPointer) -> Void) {
        guard var reader = try? MessageReader(message) else { return }
        var count = 0
        while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
            count += 1
            guard record.section == .authority, record.type == .deleg,
                  (try? record.owner(in: message)) == child else { continue }
            body(record.rdata(in: message))
        }
    }

    /// True when an authority-section RRSIG covering `child`'s DELEG has a
    /// Labels field below the owner's label count (RFC 4034 §3.1.3).
    static func delegIsWildcardExpanded(_ message: UnsafeRawBufferPointer, of child: Name) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var count = 0
        while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
            count += 1
            guard record.section == .authority, record.type == .rrsig, record.rdataLength >= 4,
                  AnswerCache.loadU16(message, record.rdataOffset) == RRType.deleg.rawValue,
                  (try? record.owner(in: message)) == child else { continue }
            if Int(message[record.rdataOffset + 3]) < child.labelCount { return true }
        }
        return false
    }

    /// Follows the referral to `child` by its DELEG RRset: the NS RRset
    /// beside it is ignored, neither validated nor cached; the parent's DS
    /// is kept for the chain of trust. The DELEG RRset is cached below
    /// authoritative rank so later tasks find the cut (`hasCut`).
    mutating func followDelegReferral(_ index: Int, to child: Name, _ message: UnsafeRawBufferPointer,
                                      nowMs: Int64) {
        let seconds = nowMs / 1000
        _ = cache.storeRRset(message, owner: child, type: .deleg, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        _ = cache.storeRRset(message, owner: child, type: .ds, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        stats.delegReferrals += 1
        let o = outgoing.pointer(index)
        o.pointee.iteration.zone = child
        o.pointee.iteration.servers.removeAll()
        o.pointee.iteration.nsLookupIndex = 0
        o.pointee.iteration.askedLabelCount = 0
        // delext-11 §5.2: a DELEG RRset from wildcard expansion (its RRSIG
        // has fewer labels than the owner) must not be used: unreachable.
        if ResolverCore.delegIsWildcardExpanded(message, of: child) {
            emitCancel(index)
            return failUnusableDeleg(index, nowMs: nowMs)
        }
        var usable = 0
        ResolverCore.forEachDeleg(message, of: child) { rdata in
            if addDelegRecord(index, rdata, delegatedName: child, nowMs: nowMs) { usable += 1 }
        }
        emitCancel(index)
        guard usable > 0 else { return failUnusableDeleg(index, nowMs: nowMs) }
        iterate(index, nowMs: nowMs)
    }

    /// Adds what one DELEG record gives the task: its addresses, or the
    /// cached addresses of its server names (the others are looked up by
    /// `startAddressLookup` through `nsNames`). True when the record is
    /// usable (addresses or server names).
    mutating func addDelegRecord(_ index: Int, _ rdata: UnsafeRawBufferPointer, delegatedName: Name,
                                 nowMs: Int64) -> Bool {
        switch DelegInfo.use(of: rdata, delegatedName: delegatedName) {
        case .addresses:
            addDelegAddresses(index, rdata, nowMs: nowMs)
            return true
        case .serverNames:
            DelegInfo.forEachName(in: rdata, key: SVCParamKey.serverName.rawValue) { name in
                addAddresses(index, of: name, nowMs: nowMs)
            }
            return true
        case .includes:
            return true   // its DELEGPARAM RRsets are read by `walkDeleg`, looked up by `startDelegparamLookup`
        case .nothing:
            return false
        case .unusable:
            stats.delegRecordsUnusable += 1
            return false
        }
    }

    /// A record's server-ipv4/server-ipv6 addresses join the task's servers
    /// (IPv6 only when used), each marked for DoT when the record carries
    /// the parent's transport signal (DelegInfo.signalsDoT).
    mutating func addDelegAddresses(_ index: Int, _ rdata: UnsafeRawBufferPointer, nowMs: Int64) {
        let dot = DelegInfo.signalsDoT(rdata)
        DelegInfo.forEachAddress(in: rdata) { raw in
            guard let address = ServerAddress(rdata: raw, port: ResolverCore.authoritativePort),
                  settings.useIPv6 || !address.isIPv6 else { return }
            addServer(index, address)
            if dot { noteParentDoTSignal(address, nowMs: nowMs) }
        }
    }

    /// SERVFAIL with EDE 22 for a DELEG that exists but is unusable: no
    /// fallback to NS (delext §5.3 step 2.2.1).
    mutating func failUnusableDeleg(_ index: Int, nowMs: Int64) {
        stats.delegUnusable += 1
        noteFailure(index, .noReachableAuthority, detail: .delegUnusable)
        finishIteration(index, success: false, nowMs: nowMs)
    }

    /// The zone has a cut here: a cached NS set, or (DELEG on) a cached DELEG RRset.
    mutating func hasCut(_ zone: Name, nowMs: Int64) -> Bool {
        hasNS(zone, nowMs: nowMs) || (settings.deleg && cachedDelegBlob(zone, nowMs: nowMs))
    }

    /// True when a fresh DELEG RRset is cached for `zone`.
    mutating func cachedDelegBlob(_ zone: Name, nowMs: Int64) -> Bool {
        if case .fresh(let hit, _) = cache.lookup(zone, .deleg, nowSeconds: nowMs / 1000), hit.kind == .rrset {
            return true
        }
        return false
    }

    /// Calls `body` with each cached DELEG RDATA of `zone`; false when none is cached.
    mutating func forEachCachedDeleg(_ zone: Name, nowMs: Int64, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard settings.deleg, case .fresh(let hit, _) = cache.lookup(zone, .deleg, nowSeconds: nowMs / 1000),
              hit.kind == .rrset else { return false }
        _ = cache.withBlob(hit) { blob in AnswerCache.forEachRData(blob, body) }
        return true
    }

    /// The task's servers from `zone`'s cached DELEG RRset and the
    /// DELEGPARAM RRsets it includes. False when none is cached (the NS
    /// path applies); when one is, NS is never used.
    mutating func addCachedDelegServers(_ index: Int, zone: Name, nowMs: Int64) -> Bool {
        var walk = DelegWalk()
        return walkDeleg(zone, into: index, &walk, nowMs: nowMs)
    }

    /// The server-name names of `zone`'s cached DELEG RRset and of the
    /// DELEGPARAM RRsets it includes (usable records only), or nil when no
    /// DELEG RRset is cached: they are looked up like NS targets.
    mutating func delegServerNames(_ zone: Name, nowMs: Int64) -> NameList? {
        var walk = DelegWalk()
        return walkDeleg(zone, into: nil, &walk, nowMs: nowMs) ? walk.names : nil
    }

    /// Reads `zone`'s cached DELEG RRset, then breadth-first the cached
    /// DELEGPARAM RRsets its include-delegparam names lead to (through
    /// cached CNAMEs), into `walk`: server names, includes not cached yet,
    /// and (when `index` is given) addresses added to that task. Each
    /// include name is read once (loops and repeats: A.5), CNAME steps count
    /// like include steps (§7.1), and the walk stops at `DelegLimits`.
    /// False when no DELEG RRset is cached.
    mutating func walkDeleg(_ zone: Name, into index: Int?, _ walk: inout DelegWalk, nowMs: Int64) -> Bool {
        var records = DelegRDataList()
        guard forEachCachedDeleg(zone, nowMs: nowMs, { records.append($0) }) else { return false }
        collect(records, zone: zone, depth: 0, into: index, &walk, nowMs: nowMs)
        var next = 0
        while next < walk.queue.count {
            let (name, depth) = (walk.queue[next], walk.queueDepths[next])
            next += 1
            var current = name
            var steps = depth
            var included = DelegRDataList()
            while steps <= DelegLimits.includeStepsMax {
                let seconds = nowMs / 1000
                if case .fresh(let hit, _) = cache.lookup(current, .delegparam, nowSeconds: seconds) {
                    if hit.kind == .rrset && hit.rank != .bogus {   // a bogus set gives nothing
                        _ = cache.withBlob(hit) { blob in AnswerCache.forEachRData(blob) { included.append($0) } }
                        collect(included, zone: zone, depth: steps + 1, into: index, &walk, nowMs: nowMs)
                    }
                    break   // a negative answer: this include gives nothing
                }
                if case .fresh(let alias, _) = cache.lookup(current, .cname, nowSeconds: seconds), alias.rank == .bogus {
                    break   // a bogus alias leads nowhere
                }
                guard case .fresh(let alias, _) = cache.lookup(current, .cname, nowSeconds: seconds), alias.kind == .rrset,
                      let target = cachedCNAMETarget(alias) else {
                    walk.pending.append(current)   // to look up (startDelegparamLookup)
                    break
                }
                steps += 1
                stats.delegIncludeSteps += 1
                current = target
            }
        }
        return true
    }

    /// Adds what `records` give: addresses to task `index`, server names
    /// and include names (at `depth`, within the limits) to `walk`.
    mutating func collect(_ records: DelegRDataList, zone: Name, depth: Int, into index: Int?,
                          _ walk: inout DelegWalk, nowMs: Int64) {
        for i in 0..<records.count {
            records.withRData(i) { rdata in
                switch DelegInfo.use(of: rdata, delegatedName: zone) {
                case .addresses:
                    guard let index else { return }
                    addDelegAddresses(index, rdata, nowMs: nowMs)
                case .serverNames:
                    DelegInfo.forEachName(in: rdata, key: SVCParamKey.serverName.rawValue) { name in
                        walk.names.appendOnce(name)
                        if let index { addAddresses(index, of: name, nowMs: nowMs) }
                    }
                case .includes:
                    DelegInfo.forEachName(in: rdata, key: SVCParamKey.includeDelegparam.rawValue) { name in
                        guard depth < DelegLimits.includeStepsMax, !walk.seen.contains(name) else { return }
                        guard walk.seen.count < DelegLimits.includeNamesMax else {
                            stats.delegIncludeLimit += 1
                            return
                        }
                        walk.seen.append(name)
                        walk.queue.append(name)
                        walk.queueDepths[walk.queue.count - 1] = depth
                    }
                case .nothing, .unusable:
                    return
                }
            }
        }
    }

    func cachedCNAMETarget(_ hit: CacheHit) -> Name? {
        var target: Name?
        _ = cache.withBlob(hit) { blob in AnswerCache.forEachRData(blob) { rdata in target = try? Name(wire: rdata) } }
        return target
    }

    /// Starts a sub-task resolving the DELEGPARAM RRset of the task's next
    /// include name not cached yet (a DELEG zone only). False when none is
    /// left, an ancestor asks it already (a loop), or the budgets are spent.
    mutating func startDelegparamLookup(_ index: Int, nowMs: Int64) -> Bool {
        let it = outgoing[index].iteration
        guard settings.deleg, it.delegparamLookups < DelegLimits.includeLookupsPerTaskMax else { return false }
        var walk = DelegWalk()
        guard walkDeleg(it.zone, into: nil, &walk, nowMs: nowMs) else { return false }
        let root = Int(it.root)
        for i in 0..<walk.pending.count {
            let name = walk.pending[i]
            if ancestorAsks(index, name: name, type: .delegparam) {
                stats.nsLookupCycles += 1
                continue
            }
            guard outgoing[root].iteration.lookupsLeft > 0 else {
                stats.budgetExhausted += 1
                return false
            }
            outgoing.pointer(index).pointee.iteration.delegparamLookups += 1
            return startSubTask(index, name: name, type: .delegparam, purpose: .delegParams, nowMs: nowMs)
        }
        return false
    }
}

/// Limits on following include-delegparam (draft-ietf-deleg-12 §7.1: bound
/// it like CNAME chains; a CNAME step counts as an include step).
enum DelegLimits {
    /// Include (and CNAME) steps from the DELEG record: deleg-08 suggested
    /// 3 chains; 4 leaves room for one CNAME in a real chain.
    static let includeStepsMax = 4
    /// Distinct include names read for one delegation: also the loop and
    /// repeat guard (each read once). NameList holds 16.
    static let includeNamesMax = 16
    /// DELEGPARAM look-ups one task starts (a failing one is not retried
    /// forever); the request's `nsLookupsPerRequestMax` bounds them too.
    static let includeLookupsPerTaskMax = 8
}

/// What a walk of a DELEG RRset found (`walkDeleg`).
struct DelegWalk {
    var names = NameList()        // server-name names
    var pending = NameList()      // include names without a cached DELEGPARAM
    var seen = NameList()         // include names met (read once)
    var queue = NameList()        // include names to read, breadth first
    var queueDepths = InlineArray<16, Int>(repeating: 0)
}

/// DELEG RDATAs copied out of the cache, so the cache can be used again
/// (address look-ups) while they are read. Fixed size: a DELEG RRset with
/// more records or bytes than this is read up to the limit.
struct DelegRDataList {
    /// Records kept: ServerSet holds 16 servers, so more records add none.
    static let recordsMax = 16
    /// Bytes kept: 16 records of a few addresses or names each.
    static let bytesMax = 2_048
    var bytes = InlineArray<2_048, UInt8>(repeating: 0)
    var ends = InlineArray<16, UInt16>(repeating: 0)
    var count = 0

    mutating func append(_ rdata: UnsafeRawBufferPointer) {
        let start = count == 0 ? 0 : Int(ends[count - 1])
        guard count < DelegRDataList.recordsMax, start + rdata.count <= DelegRDataList.bytesMax else { return }
        for i in 0..<rdata.count { bytes[start + i] = rdata[i] }
        ends[count] = UInt16(start + rdata.count)
        count += 1
    }

    func withRData(_ i: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        let start = i == 0 ? 0 : Int(ends[i - 1])
        let end = Int(ends[i])
        bytes.span.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
    }
}
