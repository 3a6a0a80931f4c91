import Cache
import DNSWire
import Fixed

/// Iterative resolution (option mode 'recursive'): each outgoing slot is a
/// task that walks down from the closest known zone cut, one query in
/// flight at a time, following referrals and CNAMEs, looking up
/// nameserver addresses in sub-tasks, and filling the cache as it goes.
/// When it ends, waiting clients are answered from the cache.
extension ResolverCore {
    /// Authoritative servers listen here: referrals and hints carry no port.
    public static let authoritativePort: UInt16 = 53
    /// Steps taken in one `iterate` call (choose, look up, fall back): a
    /// bound on work per event, not on the resolution.
    static let iterateStepsMax = 8

    // MARK: starting

    /// Sets up task `index` to resolve its question from the closest cut.
    mutating func beginIteration(_ index: Int, parent: Int32?, nowMs: Int64, bypassingHints: Bool = false) {
        let o = outgoing.pointer(index)
        var it = Iteration()
        it.bypassesHints = bypassingHints   // (an in-tree hint's parent check)
        it.target = o.pointee.question.name
        it.minimise = settings.qnameMinimisation && settings.recursive
        it.parent = parent
        if let parent {
            it.root = outgoing[Int(parent)].iteration.root
        } else {
            it.root = Int32(index)
            it.startMs = nowMs
            it.queriesLeft = settings.queriesPerRequestMax + (isValidating ? settings.chainQueriesPerRequestMax : 0)
            it.lookupsLeft = settings.nsLookupsPerRequestMax
            it.keyFetchesLeft = settings.keyFetchesPerRequestMax
        }
        o.pointee.iteration = it
        findZoneCut(index, nowMs: nowMs)
    }

    /// The deepest cached NS set at or above the target (the parent side
    /// for DS, RFC 4035 §4.2), or the root hints.
    mutating func findZoneCut(_ index: Int, nowMs: Int64, startingAt start: Name? = nil) {
        if !settings.recursive { return startForwarding(index) }
        let o = outgoing.pointer(index)
        var candidate = start ?? o.pointee.iteration.target
        // DELEG lives in the parent too (draft-ietf-dnsop-delext-11 §5.3 step 2.1.2).
        let parentSide = o.pointee.question.type == .ds || (settings.deleg && o.pointee.question.type == .deleg)
        if start == nil, parentSide, let up = candidate.parent,
           o.pointee.iteration.target == o.pointee.question.name {
            candidate = up
        }
        // An in-tree hint's parent check asks the parent, whatever the
        // cache knows of the domain's own NS set (InTreeParentView.swift).
        if start == nil, o.pointee.iteration.bypassesHints, let up = candidate.parent { candidate = up }
        o.pointee.iteration.servers.removeAll()
        o.pointee.iteration.nsLookupIndex = 0
        o.pointee.iteration.askedLabelCount = 0
        for _ in 0...Limits.labelCountMax {
            // An in-tree hint wins over a cached NS set at its name, which
            // may be the parent's (draft-kolkman-dns-in-tree-hints §2.1);
            // climbing from the name, the most specific hint comes first.
            if inTreeHints.count > 0, !o.pointee.iteration.bypassesHints, let hint = inTreeHints.index(of: candidate) {
                return useHint(index, hint)
            }
            if hasCut(candidate, nowMs: nowMs) {
                o.pointee.iteration.zone = candidate
                addCachedAddresses(index, zone: candidate, nowMs: nowMs)
                // The root's addresses are known without asking: a cached
                // root NS set whose addresses expired (or never came with
                // the priming answer) must not leave the root unreachable.
                if candidate.isRoot { addRootServers(index) }
                return
            }
            guard let up = candidate.parent else { break }
            candidate = up
        }
        o.pointee.iteration.zone = .root
        addCachedAddresses(index, zone: .root, nowMs: nowMs)
        addRootServers(index)
    }

    /// The configured (or compiled-in) root server addresses.
    mutating func addRootServers(_ index: Int) {
        for server in rootServers where settings.useIPv6 || !server.isIPv6 {
            addServer(index, server)
        }
    }

    mutating func hasNS(_ zone: Name, nowMs: Int64) -> Bool {
        if case .fresh(let hit, _) = cache.lookup(zone, .ns, nowSeconds: nowMs / 1000), hit.kind == .rrset {
            return true
        }
        return false
    }

    /// Adds the cached A/AAAA addresses of `zone`'s NS names to the task.
    mutating func addCachedAddresses(_ index: Int, zone: Name, nowMs: Int64) {
        if addCachedDelegServers(index, zone: zone, nowMs: nowMs) { return }   // DELEG: NS not used
        let names = nsNames(zone, nowMs: nowMs)
        for i in 0..<names.count {
            addAddresses(index, of: names[i], nowMs: nowMs)
        }
    }

    mutating func addAddresses(_ index: Int, of name: Name, nowMs: Int64) {
        let allowsLoopback = settings.queryLoopback
        var refused = 0
        for pass in 0..<(settings.useIPv6 ? 2 : 1) {
            let type: RRType = pass == 0 ? .a : .aaaa
            // A bogus address set (a validating look-up, DELEG on) is no server.
            guard case .fresh(let hit, _) = cache.lookup(name, type, nowSeconds: nowMs / 1000),
                  hit.kind == .rrset, hit.rank != .bogus else { continue }
            _ = cache.withBlob(hit) { blob in
                AnswerCache.forEachRData(blob) { rdata in
                    if let a = ServerAddress(rdata: rdata, port: ResolverCore.authoritativePort),
                       !outgoing.pointer(index).pointee.iteration.servers.add(a, allowingLoopback: allowsLoopback) {
                        refused += 1
                    }
                }
            }
        }
        stats.loopbackRefused += refused   // (the loopback rule: ServerAddressPolicy.swift)
    }

    /// The NS names of `zone` from the cache (at most `ServerSet.capacity`).
    mutating func nsNames(_ zone: Name, nowMs: Int64) -> NameList {
        if let names = delegServerNames(zone, nowMs: nowMs) { return names }   // DELEG: its server-names
        var list = NameList()
        guard case .fresh(let hit, _) = cache.lookup(zone, .ns, nowSeconds: nowMs / 1000), hit.kind == .rrset else {
            return list
        }
        _ = cache.withBlob(hit) { blob in
            AnswerCache.forEachRData(blob) { rdata in
                if let name = try? Name(wire: rdata) { list.append(name) }
            }
        }
        return list
    }

    // MARK: stepping

    /// Sends the next query of task `index`, or starts a nameserver
    /// look-up, or gives up.
    mutating func iterate(_ index: Int, nowMs: Int64) {
        for _ in 0..<ResolverCore.iterateStepsMax {
            if case .awaitingSubTask = outgoing[index].state { return }
            let it = outgoing[index].iteration
            let root = Int(it.root)
            guard outgoing[root].iteration.queriesLeft > 0 else {
                stats.budgetExhausted += 1
                return finishIteration(index, success: false, nowMs: nowMs)
            }
            // Keys first, so the answer can be validated when it arrives.
            if let (name, type) = missingKeys(index, nowMs: nowMs),
               startKeyFetch(index, name: name, type: type, nowMs: nowMs) { return }
            if let next = settings.recursive ? chooseServer(index, nowMs: nowMs) : chooseUpstream(index, nowMs: nowMs) {
                outgoing.pointer(root).pointee.iteration.queriesLeft -= 1
                if sendIterative(index, to: next, nowMs: nowMs) { return }
                outgoing.pointer(index).pointee.iteration.servers.markTried(next.server)
                continue
            }
            if learnCachedAddresses(index, nowMs: nowMs) { continue }
            if outgoing.pointer(index).pointee.iteration.servers.retryTimedOut() { continue }
            if startAddressLookup(index, nowMs: nowMs) { return }
            if startDelegparamLookup(index, nowMs: nowMs) { return }   // DelegReferral.swift
            if climbToParentCut(index, nowMs: nowMs) { continue }
            noteFailure(index, .noReachableAuthority)   // every server tried, none answered usefully
            return finishIteration(index, success: false, nowMs: nowMs)
        }
        finishIteration(index, success: false, nowMs: nowMs)
    }

    /// Adds the zone's server addresses the cache learned since the task
    /// found its cut (a sub-task's referral refreshed expired glue, or an
    /// address look-up of another task ended). True when one is new.
    mutating func learnCachedAddresses(_ index: Int, nowMs: Int64) -> Bool {
        if isHinted(outgoing[index].iteration.zone) { return false }   // the hint's servers only
        let before = outgoing[index].iteration.servers.count
        addCachedAddresses(index, zone: outgoing[index].iteration.zone, nowMs: nowMs)
        return outgoing[index].iteration.servers.count > before
    }

    /// Parent cuts a task may go back to: one for an expired glue, one more
    /// when the parent's own servers are known by expired glue too.
    static let parentClimbsMax = 2

    /// A zone with an in-zone nameserver that has no address left (the NS
    /// set outlived its glue, which only the parent gives) is asked for
    /// again from the closest cut above it: the referral brings fresh glue.
    /// That holds whether or not the zone's other servers were tried and
    /// failed: one lame server must not hide a live one whose glue expired.
    /// False when every in-zone NS name has an address (they failed: a dead
    /// zone is not asked twice; out-of-zone names are looked up in their
    /// own zones, not at the parent) or the climbs are spent.
    mutating func climbToParentCut(_ index: Int, nowMs: Int64) -> Bool {
        let it = outgoing[index].iteration
        guard settings.recursive, it.parentClimbs < ResolverCore.parentClimbsMax, let up = it.zone.parent,
              !isHinted(it.zone),   // a hinted domain never falls back to its parent (§2.1)
              hasInZoneNameserverWithoutAddress(it.zone, nowMs: nowMs) else { return false }
        findZoneCut(index, nowMs: nowMs, startingAt: up)
        outgoing.pointer(index).pointee.iteration.parentClimbs = it.parentClimbs + 1
        return true
    }

    /// True when an NS name of `zone` lies inside it and has no fresh
    /// address in the cache: only the parent's glue can give one.
    mutating func hasInZoneNameserverWithoutAddress(_ zone: Name, nowMs: Int64) -> Bool {
        let names = nsNames(zone, nowMs: nowMs)
        for i in 0..<names.count where names[i].isSubdomain(of: zone) {
            if !hasAddress(names[i], nowMs: nowMs) { return true }
        }
        return false
    }

    /// Whether the cache has a fresh RRset of one of `types` (default: A,
    /// and AAAA with IPv6) for `name`.
    mutating func hasAddress(_ name: Name, types: [RRType]? = nil, nowMs: Int64) -> Bool {
        for type in types ?? (settings.useIPv6 ? [RRType.a, .aaaa] : [.a]) {
            if case .fresh(let hit, _) = cache.lookup(name, type, nowSeconds: nowMs / 1000), hit.kind == .rrset {
                return true
            }
        }
        return false
    }

    /// The untried server with the lowest smoothed RTT.
    func chooseServer(_ index: Int, nowMs: Int64) -> Destination? {
        let set = outgoing[index].iteration.servers
        var best = -1
        for i in 0..<set.count where !set.isTried(i) {
            if !settings.useIPv6 && set.addresses[i].isIPv6 { continue }
            let srttMs = infra.srttMs(set.addresses[i], nowMs: nowMs)
            if best < 0 || srttMs < infra.srttMs(set.addresses[best], nowMs: nowMs) { best = i }
        }
        return best >= 0 ? Destination(server: set.addresses[best], upstream: nil) : nil
    }

    /// Starts a sub-task resolving an address of the zone's next NS name
    /// that has none: its A, then (with IPv6) its AAAA, name after name.
    /// False when there is nothing (left) to look up. A name whose look-up
    /// a task above this one is already doing is skipped: names that can
    /// only be resolved through each other (a.example NS ns.b.example, and
    /// b.example NS ns.a.example) would otherwise chase each other until the
    /// budget runs out, before the zone's other names were even tried.
    mutating func startAddressLookup(_ index: Int, nowMs: Int64) -> Bool {
        guard settings.recursive else { return false }   // upstreams need no address look-ups
        let it = outgoing[index].iteration
        if isHinted(it.zone) { return false }   // the hint carries every address it uses
        let root = Int(it.root)
        let names = nsNames(it.zone, nowMs: nowMs)
        let typesPerName = settings.useIPv6 ? 2 : 1
        var position = it.nsLookupIndex
        while position < names.count * typesPerName {
            let name = names[position / typesPerName]
            let type: RRType = position % typesPerName == 0 ? .a : .aaaa
            position += 1
            outgoing.pointer(index).pointee.iteration.nsLookupIndex = position
            // An in-zone name without glue cannot be reached through this zone.
            if name.isSubdomain(of: it.zone) { continue }
            // A cached AAAA set joined the servers with the zone (and failed).
            if type == .aaaa && hasAddress(name, types: [.aaaa], nowMs: nowMs) { continue }
            if ancestorAsks(index, name: name, type: type) {
                stats.nsLookupCycles += 1
                continue
            }
            guard outgoing[root].iteration.lookupsLeft > 0 else {
                stats.budgetExhausted += 1
                return false
            }
            return startSubTask(index, name: name, type: type, purpose: .address, nowMs: nowMs)
        }
        return false
    }

    /// The name and type to ask next: with QNAME minimisation one label
    /// below the zone cut, type A (RFC 9156 §3), until the full name. The
    /// full name is asked with the question's type, also at the end of a
    /// CNAME chain (the target is the name resolved now).
    func nextQuestion(_ it: Iteration, full: Question) -> (Name, RRType) {
        let targetLabels = it.target.labelCount
        let type = full.type
        guard it.minimise, it.minimisedQueries < settings.minimisedQueriesMax else { return (it.target, type) }
        let asked = max(it.askedLabelCount, it.zone.labelCount + 1)
        if asked >= targetLabels { return (it.target, type) }
        return (it.target.suffix(labelCount: asked), .a)
    }

    /// RFC 9156 §3 with the cache: a minimised name already known to exist
    /// without a cut (an answer or NODATA for its A, and no NS) needs no
    /// query; ask one label more. Every name under a wildcard or an empty
    /// non-terminal would otherwise cost one more query each.
    mutating func skipNamesKnownWithoutCut(_ index: Int, nowMs: Int64) {
        for _ in 0..<Limits.labelCountMax {
            let o = outgoing[index]
            let (name, _) = nextQuestion(o.iteration, full: o.question)
            guard name.labelCount < o.iteration.target.labelCount, knownWithoutCut(name, nowMs: nowMs) else { return }
            outgoing.pointer(index).pointee.iteration.askedLabelCount = name.labelCount + 1
        }
    }

    mutating func knownWithoutCut(_ name: Name, nowMs: Int64) -> Bool {
        guard case .fresh(let hit, _) = cache.lookup(name, .a, nowSeconds: nowMs / 1000),
              hit.kind == .rrset || hit.kind == .noData else { return false }
        return !hasNS(name, nowMs: nowMs)
    }

    /// Asks the task's next question (minimised while walking down) of
    /// `destination`, over TCP when `overTCP` (or the upstream wants it):
    /// the task waits for the answer (`.asking`) until its timer fires.
    /// False only when the query cannot be built or the ring is full.
    mutating func sendIterative(_ index: Int, to destination: Destination, overTCP: Bool = false,
                                nowMs: Int64) -> Bool {
        // Seed 004: the transport this zone's policy gives this server
        // (AuthPolicy.swift), decided before anything of the task changes:
        // a strict server may first need its TLSA (a sub-task) or be unusable.
        let choice = authTransportChoice(index, destination, nowMs: nowMs)
        if case .strict(.refused(let why)) = choice {
            noteStrictFailure(index, server: destination.server, why, nowMs: nowMs)
            return false
        }
        if case .strict(.waiting) = choice { return true }
        skipNamesKnownWithoutCut(index, nowMs: nowMs)
        let o = outgoing.pointer(index)
        let (name, type) = nextQuestion(o.pointee.iteration, full: o.pointee.question)
        if name.labelCount < o.pointee.iteration.target.labelCount {
            o.pointee.iteration.minimisedQueries += 1
            o.pointee.iteration.askedLabelCount = name.labelCount
        }
        o.pointee.iteration.sentName = settings.use0x20 && settings.recursive ? randomiseCase(name) : name
        o.pointee.iteration.sentType = type
        var asked = Asked(server: destination.server, upstream: destination.upstream,
                          queryID: UInt16(truncatingIfNeeded: entropy.next()),
                          withEDNS: asksWithEDNS(index, destination.server, nowMs: nowMs),
                          overTCP: overTCP || destination.upstream.map { upstreams.prefersTCP($0) } ?? false,
                          tlsProfile: destination.upstream.flatMap { upstreams.tlsProfile($0) } ?? -1,
                          sentMs: nowMs)
        // RFC 9539: a server that answered over DoT recently is asked over
        // DoT; any other gets Do53, and a probe next to it when due.
        var sendTo = destination.server
        var probe = false
        var peerName: Name? = nil
        var dane: DANEAssociations? = nil
        switch choice {
        case .plain:
            break
        case .probe:
            probe = true
        case .opportunisticTLS:
            asked.tlsProfile = ResolverCore.authTLSProfile
            asked.overTCP = true
            sendTo.port = AuthDoTTable.dotPort
        case .strict(let send):
            // Strict: DoT, authenticated, or nothing (no probe, no Do53).
            switch send {
            case .pinned(let profile):
                asked.tlsProfile = profile
            case .named(let profile, let name):
                asked.tlsProfile = profile
                peerName = name
            case .dane(let profile, let name, let associations):
                asked.tlsProfile = profile
                peerName = name
                dane = associations
            case .refused, .waiting:
                preconditionFailure("handled above")
            }
            asked.overTCP = true
            sendTo.port = AuthDoTTable.dotPort
        }
        let cookie = asked.withEDNS ? cookieOption(for: destination.server) : nil
        guard let n = buildIterativeQuery(o.pointee, asked, cookie: cookie) else { return false }
        stats.upstreamQueries += 1
        if cookie != nil { stats.upstreamCookiesSent += 1 }
        if probe && !ring.appendProbe(destination.server, tlsPort: AuthDoTTable.dotPort) {
            authDoT.forgetProbe(destination.server, nowMs: nowMs)
        }
        guard emitSend(index, to: sendTo, overTCP: asked.overTCP, tlsProfile: asked.tlsProfile, peerName: peerName, dane: dane,
                       UnsafeRawBufferPointer(rebasing: scratch[0..<n])) else { return false }
        o.pointee.state = .asking(asked)
        var dueMs: Int64
        if let upstream = destination.upstream {
            // An upstream is retried with back-off until the client's
            // deadline, never past it (a slow name keeps it busy for seconds).
            let retry = upstreams.timeoutMs(upstream, attempt: o.pointee.attempts, nowMs: nowMs)
            dueMs = min(nowMs + retry * (asked.overTCP ? 2 : 1), taskDeadlineMs(index))
        } else {
            dueMs = nowMs + infra.timeoutMs(destination.server, nowMs: nowMs) * (asked.overTCP ? 2 : 1)
        }
        timers.arm(settings.maxClients + index, atMs: max(dueMs, nowMs + 1))
        return true
    }

    /// When the client question behind task `index` is given up on.
    func taskDeadlineMs(_ index: Int) -> Int64 {
        outgoing[Int(outgoing[index].iteration.root)].iteration.startMs + settings.requestDeadlineMs
    }

    func buildIterativeQuery(_ o: OutgoingQuery, _ asked: Asked, cookie: Cookie? = nil) -> Int? {
        var header = Header(id: asked.queryID)
        header.rd = !settings.recursive   // an upstream resolves; an authority must not
        // Validating, we judge bogus data ourselves (CD, DO). A forwarder
        // that does not validate passes its clients' CD and DO on.
        let passesOn = !settings.recursive && !isValidating
        header.cd = passesOn ? o.checkingDisabled : true
        do throws(BuildError) {
            var b = try MessageBuilder(buffer: scratch, header: header)
            try b.addQuestion(o.iteration.sentName, type: o.iteration.sentType, rrClass: .in)
            if asked.withEDNS {
                let dnssecOK = passesOn ? o.dnssecOK : settings.requestDNSSEC
                // DE (draft-ietf-dnsop-delext-11 §5.1, EDNS flag bit 2):
                // only to authoritative servers, only when DELEG is followed.
                let de = settings.deleg && settings.recursive
                try b.addOPT(udpPayloadSize: settings.upstreamPayloadSize, version: 0,
                             flags: (dnssecOK ? EDNSFlags.dnssecOK : 0) | (de ? EDNSFlags.delegationExtensions : 0))
                if let cookie { try b.addCookie(cookie) }   // RFC 7873 §5.1
                // RFC 8467 §4.1: queries over an encrypted transport are
                // padded to a multiple of 128 bytes (RFC 7830).
                if asked.tlsProfile >= 0 { try b.addPadding(blockByteCount: Limits.queryPaddingBlockByteCount) }
            }
            return b.byteCount
        } catch {
            return nil
        }
    }

    /// 0x20: each letter's case from a random bit; the answer must echo it.
    mutating func randomiseCase(_ name: Name) -> Name {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Limits.nameByteCountMax) { bytes in
            for i in 0..<name.byteCount { bytes[i] = name[byte: i] }
            var bits = entropy.next()
            var used = 0
            var i = 0
            while i < name.byteCount {
                let length = Int(bytes[i])
                if length == 0 { break }
                for j in (i + 1)...(i + length) {
                    let lower = bytes[j] | 0x20
                    guard lower >= 0x61 && lower <= 0x7A else { continue }
                    if used == 64 { bits = entropy.next(); used = 0 }
                    bytes[j] = bits & 1 == 1 ? lower & ~0x20 : lower
                    bits >>= 1
                    used += 1
                }
                i += length + 1
            }
            let wire = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[0..<name.byteCount]))
            return (try? Name(wire: wire)) ?? name
        }
    }
}

/// A small fixed list of names (NS names of one zone).
struct NameList {
    var names = InlineArray<16, Name>(repeating: Name.root)
    var count = 0
    mutating func append(_ n: Name) {
        guard count < 16 else { return }
        names[count] = n
        count += 1
    }
    subscript(i: Int) -> Name { names[i] }
    func contains(_ n: Name) -> Bool {
        for i in 0..<count where names[i] == n { return true }
        return false
    }
    mutating func appendOnce(_ n: Name) { if !contains(n) { append(n) } }
}

/// Byte-exact name comparison (0x20 checks the echoed spelling).
func sameSpelling(_ a: Name, _ b: Name) -> Bool {
    guard a.byteCount == b.byteCount else { return false }
    for i in 0..<a.byteCount where a[byte: i] != b[byte: i] { return false }
    return true
}
