import Cache
import DNSWire
import Fixed

/// Iterative resolution (option mode 'recursive'): each outgoing slot is a
/// task that walks down from the closest known zone cut, one query in
/// flight at a time, following referrals and CNAMEs, looking up
/// nameserver addresses in sub-tasks, and filling the cache as it goes.
/// When it ends, waiting clients are answered from the cache.
extension QueryEngine {
    /// Authoritative servers listen here: referrals and hints carry no port.
    public static let authoritativePort: UInt16 = 53
    /// Steps taken in one `iterate` call (choose, look up, fall back): a
    /// bound on work per event, not on the resolution.
    static let iterateStepsMax = 8

    // MARK: starting

    /// Sets up task `index` to resolve its question from the closest cut.
    mutating func beginIteration(_ index: Int, parent: Int32, nowMs: Int64) {
        let o = outgoing.pointer(index)
        var it = Iteration()
        it.target = o.pointee.question.name
        it.minimise = settings.qnameMinimisation && settings.recursive
        it.parent = parent
        if parent >= 0 {
            let root = outgoing[Int(parent)].iteration.root
            it.root = root
        } else {
            it.root = Int32(index)
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
        if start == nil, o.pointee.question.type == .ds, let up = candidate.parent,
           o.pointee.iteration.target == o.pointee.question.name {
            candidate = up
        }
        o.pointee.iteration.servers.removeAll()
        o.pointee.iteration.nsLookupIndex = 0
        o.pointee.iteration.askedLabelCount = 0
        for _ in 0...Limits.labelCountMax {
            if hasNS(candidate, nowMs: nowMs) {
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
            guard case .fresh(let hit, _) = cache.lookup(name, type, nowSeconds: nowMs / 1000),
                  hit.kind == .rrset else { continue }
            _ = cache.withBlob(hit) { blob in
                AnswerCache.forEachRData(blob) { rdata in
                    if let a = ServerAddress(rdata: rdata, port: QueryEngine.authoritativePort),
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
    mutating func iterate<IO: ResolverIO>(_ index: Int, nowMs: Int64, io: inout IO) {
        for _ in 0..<QueryEngine.iterateStepsMax {
            let it = outgoing[index].iteration
            if it.child >= 0 { return }   // waiting for a nameserver address
            let root = Int(it.root)
            guard outgoing[root].iteration.queriesLeft > 0 else {
                stats.budgetExhausted += 1
                return finishIteration(index, success: false, nowMs: nowMs, io: &io)
            }
            // Keys first, so the answer can be validated when it arrives.
            if let (name, type) = missingKeys(index, nowMs: nowMs),
               startKeyFetch(index, name: name, type: type, nowMs: nowMs, io: &io) { return }
            if let server = settings.recursive ? chooseServer(index) : chooseUpstream(index, nowMs: nowMs) {
                outgoing.pointer(root).pointee.iteration.queriesLeft -= 1
                if sendIterative(index, to: server, nowMs: nowMs, io: &io) { return }
                outgoing.pointer(index).pointee.iteration.servers.markTried(server)
                continue
            }
            if startAddressLookup(index, nowMs: nowMs, io: &io) { return }
            if climbToParentCut(index, nowMs: nowMs) { continue }
            noteFailure(index, .noReachableAuthority)   // every server tried, none answered usefully
            return finishIteration(index, success: false, nowMs: nowMs, io: &io)
        }
        finishIteration(index, success: false, nowMs: nowMs, io: &io)
    }

    /// Parent cuts a task may go back to: one for an expired glue, one more
    /// when the parent's own servers are known by expired glue too.
    static let parentClimbsMax = 2

    /// A zone whose servers have no address left (its NS set outlived the
    /// glue of its in-zone names, which only the parent gives) is asked for
    /// again from the closest cut above it: the referral brings fresh glue.
    /// False when the zone had addresses (they failed: a dead zone is not
    /// asked twice) or the climbs are spent.
    mutating func climbToParentCut(_ index: Int, nowMs: Int64) -> Bool {
        let it = outgoing[index].iteration
        guard settings.recursive, it.servers.count == 0, it.parentClimbs < QueryEngine.parentClimbsMax,
              let up = it.zone.parent else { return false }
        findZoneCut(index, nowMs: nowMs, startingAt: up)
        outgoing.pointer(index).pointee.iteration.parentClimbs = it.parentClimbs + 1
        return true
    }

    /// The untried server with the lowest smoothed RTT.
    func chooseServer(_ index: Int) -> ServerAddress? {
        let set = outgoing[index].iteration.servers
        var best = -1
        for i in 0..<set.count where !set.isTried(i) {
            if !settings.useIPv6 && set.addresses[i].isIPv6 { continue }
            if best < 0 || infra.srttMs(set.addresses[i]) < infra.srttMs(set.addresses[best]) { best = i }
        }
        return best >= 0 ? set.addresses[best] : nil
    }

    /// Starts a sub-task resolving the address of the zone's next NS name
    /// that has none. False when there is nothing (left) to look up.
    mutating func startAddressLookup<IO: ResolverIO>(_ index: Int, nowMs: Int64, io: inout IO) -> Bool {
        guard settings.recursive else { return false }   // upstreams need no address look-ups
        let it = outgoing[index].iteration
        let root = Int(it.root)
        let names = nsNames(it.zone, nowMs: nowMs)
        var position = it.nsLookupIndex
        while position < names.count {
            let name = names[position]
            position += 1
            outgoing.pointer(index).pointee.iteration.nsLookupIndex = position
            // An in-zone name without glue cannot be reached through this zone.
            if name.isSubdomain(of: it.zone) { continue }
            guard outgoing[root].iteration.lookupsLeft > 0 else {
                stats.budgetExhausted += 1
                return false
            }
            return startSubTask(index, name: name, type: .a, purpose: .address, nowMs: nowMs, io: &io)
        }
        return false
    }

    /// The name and type to ask next: with QNAME minimisation one label
    /// below the zone cut, type A (RFC 9156 §3), until the full name.
    func nextQuestion(_ it: Iteration, full: Question) -> (Name, RRType) {
        let targetLabels = it.target.labelCount
        let type = it.target == full.name ? full.type : RRType.a
        guard it.minimise, it.minimisedQueries < settings.minimisedQueriesMax else { return (it.target, type) }
        let asked = max(it.askedLabelCount, it.zone.labelCount + 1)
        if asked >= targetLabels { return (it.target, type) }
        return (it.target.suffix(labelCount: asked), .a)
    }

    mutating func sendIterative<IO: ResolverIO>(_ index: Int, to server: ServerAddress, nowMs: Int64,
                                                io: inout IO) -> Bool {
        let o = outgoing.pointer(index)
        let (name, type) = nextQuestion(o.pointee.iteration, full: o.pointee.question)
        if name.labelCount < o.pointee.iteration.target.labelCount {
            o.pointee.iteration.minimisedQueries += 1
            o.pointee.iteration.askedLabelCount = name.labelCount
        }
        o.pointee.iteration.sentName = settings.use0x20 && settings.recursive ? randomiseCase(name, io: &io) : name
        o.pointee.iteration.sentType = type
        o.pointee.iteration.sentServer = server
        o.pointee.iteration.sentEDNS = !settings.recursive || infra.usesEDNS(server)
        o.pointee.queryID = UInt16(truncatingIfNeeded: io.random())
        o.pointee.sentMs = nowMs
        guard let n = buildIterativeQuery(o.pointee) else { return false }
        stats.upstreamQueries += 1
        let ok = io.send(outgoing: index, to: server, overTCP: o.pointee.overTCP,
                         UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        if ok {
            let timeoutMs = settings.recursive ? infra.timeoutMs(server) : upstreams.timeoutMs(o.pointee.upstream)
            timers.arm(settings.requestCount + index, atMs: nowMs + timeoutMs * (o.pointee.overTCP ? 2 : 1))
        }
        return ok
    }

    func buildIterativeQuery(_ o: OutgoingQuery) -> Int? {
        var header = Header(id: o.queryID)
        header.rd = !settings.recursive   // an upstream resolves; an authority must not
        header.cd = true    // we validate ourselves
        do throws(BuildError) {
            var b = try MessageBuilder(buffer: scratch, header: header)
            try b.addQuestion(o.iteration.sentName, type: o.iteration.sentType, rrClass: .in)
            if o.iteration.sentEDNS {
                try b.addOPT(udpPayloadSize: settings.upstreamPayloadSize, dnssecOK: settings.requestDNSSEC)
            }
            return b.byteCount
        } catch {
            return nil
        }
    }

    /// 0x20: each letter's case from a random bit; the answer must echo it.
    func randomiseCase<IO: ResolverIO>(_ name: Name, io: inout IO) -> Name {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Limits.nameByteCountMax) { bytes in
            for i in 0..<name.byteCount { bytes[i] = name[byte: i] }
            var bits = io.random()
            var used = 0
            var i = 0
            while i < name.byteCount {
                let length = Int(bytes[i])
                if length == 0 { break }
                for j in (i + 1)...(i + length) {
                    let lower = bytes[j] | 0x20
                    guard lower >= 0x61 && lower <= 0x7A else { continue }
                    if used == 64 { bits = io.random(); used = 0 }
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
}

/// Byte-exact name comparison (0x20 checks the echoed spelling).
func sameSpelling(_ a: Name, _ b: Name) -> Bool {
    guard a.byteCount == b.byteCount else { return false }
    for i in 0..<a.byteCount where a[byte: i] != b[byte: i] { return false }
    return true
}
