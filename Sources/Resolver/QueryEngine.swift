import DNSWire
import Fixed
import Validator

/// The forwarding resolver (`option mode 'forward'`): answers from the
/// cache, sends misses to the configured upstreams (RTT choice, retries,
/// failover, TCP on truncation), fills the cache from their answers and
/// serves stale data when they fail (RFC 8767).
///
/// Timers: request `r` owns timer `r` (client response timer, then the
/// request deadline); outgoing query `o` owns timer `requestCount + o`
/// (retransmission).
public struct QueryEngine: ~Copyable {
    let settings: EngineSettings
    var upstreams: UpstreamTable
    var cache: AnswerCache
    var requests: SlotPool<Request>
    var outgoing: SlotPool<OutgoingQuery>
    var timers: TimerHeap
    var refreshFailures: RefreshFailures
    /// Iterative mode: authoritative server state and the root servers.
    var infra: InfraCache
    var rootServers: [ServerAddress]
    /// The outgoing slot of the last priming query, and when it was sent.
    var primingTask: Int32 = -1
    var lastPrimingMs: Int64 = .min / 2
    /// Wait before the next priming attempt while the root is unreachable:
    /// doubles per failed attempt up to `primingIntervalMsMax`, back to
    /// `primingRetryMsMin` once the root NS set is in the cache.
    var primingRetryMs: Int64 = QueryEngine.primingRetryMsMin
    /// Iterative mode: trust anchors, Validator scratch and packing buffers.
    var validation: ValidationEngine
    /// Whether a DNAME was ever cached: until then a CNAME answered from the
    /// cache needs no search for the DNAME it may come from.
    var hasCachedDNAME = false
    /// Wall-clock seconds minus monotonic seconds (`setWallClock`).
    public internal(set) var wallClockOffsetSeconds: Int64 = 0
    /// Where answers and queries are built (one at a time: single thread).
    let scratch: UnsafeMutableRawBufferPointer
    public internal(set) var stats = EngineStats()
    /// What the last event asked of the server (Actions.swift).
    var ring = ActionRing()
    /// Answers waiting for room in the ring, and request timers that came
    /// due while it was full (DeferredAnswers.swift).
    var deferred: DeferredAnswers
    var timersDeferred = false
    /// Kernel randomness the server puts in before each event.
    public var entropy = EntropyPool()

    public init(settings: EngineSettings, upstreams: [Upstream], rootServers: [ServerAddress] = [],
                cache: consuming AnswerCache) {
        self.settings = settings
        self.rootServers = rootServers
        infra = InfraCache()
        validation = ValidationEngine(reserving: settings.validate, clockVouchedFor: settings.clockTrusted, nsecTableEntryCount: settings.nsecTableEntryCount)
        self.upstreams = UpstreamTable(upstreams)
        self.cache = cache
        requests = SlotPool(capacity: settings.requestCount, initial: Request())
        outgoing = SlotPool(capacity: settings.outgoingCount, initial: OutgoingQuery())
        timers = TimerHeap(capacity: settings.requestCount + settings.outgoingCount)
        deferred = DeferredAnswers(requestCount: settings.requestCount)
        refreshFailures = RefreshFailures()
        scratch = .allocate(byteCount: Limits.messageByteCountMax, alignment: 8)
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { scratch.deallocate() }

    /// Bytes reserved by the resolver outside the cache, for the footprint.
    public static func byteCount(settings: EngineSettings) -> Int {
        SlotPool<Request>.byteCount(capacity: settings.requestCount)
            + SlotPool<OutgoingQuery>.byteCount(capacity: settings.outgoingCount)
            + TimerHeap.byteCount(capacity: settings.requestCount + settings.outgoingCount)
            + RefreshFailures.byteCount + Limits.messageByteCountMax + ActionRing.footprintByteCount
            + DeferredAnswers.byteCount(requestCount: settings.requestCount)
            + (settings.recursive ? InfraCache.byteCount : 0)
            + ValidationEngine.byteCount(reserving: settings.validate, nsecTableEntryCount: settings.nsecTableEntryCount)
    }

    public var nextDeadlineMs: Int64? { timers.nextDeadlineMs }

    /// Replaces the upstream list (SIGHUP reload); in-flight queries finish
    /// against whatever indices remain valid.
    public mutating func setUpstreams(_ list: [Upstream]) { upstreams = UpstreamTable(list) }

    // MARK: client queries

    mutating func query(client: Int, transport: ClientTransport,
                                               _ message: UnsafeRawBufferPointer,
                                               nowMs: Int64) -> QueryOutcome {
        stats.queries += 1
        var request = Request()
        switch parseQuery(message, transport: transport, into: &request) {
        case .ok: break
        case .drop:
            stats.droppedNotQuery += 1
            return .dropped
        case .answer(let rcode, let ede):
            if rcode == .formErr { stats.formerrAnswers += 1 }
            if ede == LocalQueryType.invalidTypeEDE { stats.localQueryTypeAnswers += 1 }
            guard let n = QueryEngine.shortAnswer(to: message, rcode: rcode, ede: ede, into: scratch) else {
                return .dropped
            }
            emitAnswer(client: client, UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
            return .answered
        }
        request.client = Int32(client)
        request.startMs = nowMs
        // Fresh data; else stale data while refreshes of it are backing off.
        if answerFromCache(request, allowStale: false, nowMs: nowMs)
            || (settings.serveStale
                && refreshFailures.recentlyFailed(request.question, nowMs: nowMs, backoffMs: settings.staleRefreshBackoffMs)
                && answerFromCache(request, allowStale: true, nowMs: nowMs)) {
            stats.cacheHits += 1
            return .answered
        }
        if answerFromNSECTable(request, nowMs: nowMs) { return .answered }   // RFC 8198
        stats.cacheMisses += 1
        guard let slot = requests.acquire() else {
            stats.noRequestSlot += 1
            answerFailure(request)
            return .answered
        }
        requests[slot] = request
        if let existing = findOutgoing(request) {
            stats.aggregated += 1
            attach(slot, to: existing)
        } else if let fresh = outgoing.acquire() {
            startOutgoing(fresh, for: request, nowMs: nowMs)
            if runsTasks { beginIteration(fresh, parent: -1, nowMs: nowMs) }
            attach(slot, to: fresh)
            transmit(fresh, nowMs: nowMs)
        } else {
            stats.noOutgoingSlot += 1
            requests.release(slot)
            answerFailure(request)
            return .answered
        }
        if requests.isInUse(slot) {
            let firstTimerMs = settings.serveStale ? settings.clientTimeoutMs : settings.requestDeadlineMs
            timers.arm(slot, atMs: nowMs + firstTimerMs)
        }
        return .pending
    }

    enum ParseResult {
        case ok
        case drop
        case answer(RCode, EDECode?)
    }

    /// Checks a client query and fills `request`. Malformed queries whose
    /// header is readable get FORMERR; responses and runts are dropped;
    /// QTYPEs no server is asked for are answered here (`LocalQueryType`).
    func parseQuery(_ message: UnsafeRawBufferPointer, transport: ClientTransport,
                    into request: inout Request) -> ParseResult {
        guard let reader0 = try? MessageReader(message) else { return .drop }
        var reader = reader0
        let header = reader.header
        if header.qr { return .drop }                         // never answer a response
        if header.opcode != .query { return .answer(.notImp, nil) }
        if header.questionCount != 1 { return .answer(.formErr, nil) }
        guard let question = try? reader.nextQuestion() else { return .answer(.formErr, nil) }
        do throws(WireError) { try reader.skipToEnd() } catch { return .answer(.formErr, nil) }
        request.id = header.id
        request.recursionDesired = header.rd
        request.checkingDisabled = header.cd
        request.authenticatedData = header.ad
        request.question = question
        request.answerByteCountMax = transport == .tcp ? Limits.messageByteCountMax : 512
        if let opt = reader.opt {
            guard let edns = try? EDNS(opt, in: message) else { return .answer(.formErr, nil) }
            request.hasEDNS = true
            if edns.version != 0 { return .answer(.badVers, nil) }   // RFC 6891 §6.1.3
            request.dnssecOK = edns.dnssecOK
            if transport == .udp {
                let size = min(max(Int(edns.udpPayloadSize), 512), Int(settings.clientPayloadSizeMax))
                request.answerByteCountMax = size
            }
        }
        if question.rrClass != .in { return .answer(.refused, nil) }
        if let (rcode, ede) = LocalQueryType.answer(for: question.type) { return .answer(rcode, ede) }
        return .ok
    }

    /// Root priming (RFC 8109): asks a root server for `. NS` so the root
    /// NS set and addresses come from the root itself, not only the hints.
    /// No client waits on it; its answer just fills the cache.
    public mutating func prime(nowMs: Int64) {
        guard settings.recursive, let index = outgoing.acquire() else { return }
        var o = OutgoingQuery()
        o.question = Question(name: .root, type: .ns, rrClass: .in)
        outgoing[index] = o
        lastPrimingMs = nowMs
        primingTask = Int32(index)
        beginIteration(index, parent: -1, nowMs: nowMs)
        iterate(index, nowMs: nowMs)
    }

    /// First wait before priming again after a failed attempt: a router
    /// starts its DNS before the WAN is up, and the first answer should
    /// come within a second or two of the link (RFC 8109 §3: a priming
    /// query without a response is retried).
    static let primingRetryMsMin: Int64 = 1_000
    /// Longest wait between attempts while the root stays unreachable: a
    /// root that does not answer `. NS` is not asked more than once a minute.
    static let primingIntervalMsMax: Int64 = 60_000

    /// Primes again once the root NS set is no longer fresh in the cache
    /// (RFC 8109 §3: re-prime when it expires), or after a failed attempt,
    /// with exponential back-off: attempts start 1, 2, 4 … 60 s apart, never
    /// while one is in flight, and the back-off starts over once the root NS
    /// set is cached. Client queries meanwhile iterate from the root hints.
    /// The server calls this from its once-a-second housekeeping.
    public mutating func primeIfExpired(nowMs: Int64) {
        guard settings.recursive else { return }
        let index = Int(primingTask)
        if index >= 0 && outgoing.isInUse(index) && outgoing[index].question.name.isRoot
            && outgoing[index].question.type == .ns { return }   // still in flight
        if hasNS(.root, nowMs: nowMs) {
            primingRetryMs = QueryEngine.primingRetryMsMin
            return
        }
        guard nowMs - lastPrimingMs >= primingRetryMs else { return }
        let waited = primingRetryMs
        prime(nowMs: nowMs)
        primingRetryMs = min(waited * 2, QueryEngine.primingIntervalMsMax)
    }

    // MARK: outgoing queries

    func findOutgoing(_ request: Request) -> Int? {
        let wanted = request.question
        for index in 0..<outgoing.capacity where outgoing.isInUse(index) {
            let o = outgoing.pointer(index)
            if o.pointee.iteration.parent >= 0 { continue }   // a nameserver look-up, not a client's
            if o.pointee.question.type == wanted.type && o.pointee.question.rrClass == wanted.rrClass
                && o.pointee.dnssecOK == request.dnssecOK && o.pointee.checkingDisabled == request.checkingDisabled
                && o.pointee.question.name == wanted.name {
                return index
            }
        }
        return nil
    }

    mutating func startOutgoing(_ index: Int, for request: Request, nowMs: Int64) {
        var o = OutgoingQuery()
        o.question = Question(name: request.question.name.lowercased(), type: request.question.type,
                              rrClass: request.question.rrClass)
        o.dnssecOK = request.dnssecOK
        o.checkingDisabled = request.checkingDisabled
        outgoing[index] = o
    }

    /// Adds request `slot` at the end of task `index`'s waiters: they are
    /// answered in the order they asked (DeferredAnswers: first come, first
    /// answered when the ring is full).
    mutating func attach(_ slot: Int, to index: Int) {
        let o = outgoing.pointer(index)
        requests.pointer(slot).pointee.outgoing = Int32(index)
        requests.pointer(slot).pointee.nextWaiter = -1
        if o.pointee.firstWaiter < 0 {
            o.pointee.firstWaiter = Int32(slot)
        } else {
            requests.pointer(Int(o.pointee.lastWaiter)).pointee.nextWaiter = Int32(slot)
        }
        o.pointee.lastWaiter = Int32(slot)
    }

    /// Sends (or re-sends) outgoing query `index` to the best untried upstream.
    mutating func transmit(_ index: Int, nowMs: Int64) {
        if runsTasks { return iterate(index, nowMs: nowMs) }
        let o = outgoing.pointer(index)
        while o.pointee.attempts < settings.attemptsMax {
            let upstream = upstreams.choose(triedMask: o.pointee.triedMask, nowMs: nowMs)
            o.pointee.upstream = upstream
            o.pointee.triedMask |= 1 << UInt32(upstream)
            o.pointee.attempts += 1
            o.pointee.overTCP = upstreams.prefersTCP(upstream)
            if send(index, nowMs: nowMs) { return }
        }
        noteFailure(index, .noReachableAuthority)
        finishWithFailure(index, nowMs: nowMs)
    }

    /// Builds the query for outgoing `index` with a fresh random ID and sends it.
    mutating func send(_ index: Int, nowMs: Int64) -> Bool {
        let o = outgoing.pointer(index)
        o.pointee.queryID = UInt16(truncatingIfNeeded: entropy.next())
        o.pointee.sentMs = nowMs
        guard let n = buildUpstreamQuery(o.pointee) else { return false }
        stats.upstreamQueries += 1
        let ok = emitSend(index, to: upstreams.address(o.pointee.upstream), overTCP: o.pointee.overTCP,
                         UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        if ok {
            let timeoutMs = upstreams.timeoutMs(o.pointee.upstream, nowMs: nowMs)
            timers.arm(settings.requestCount + index, atMs: nowMs + timeoutMs * (o.pointee.overTCP ? 2 : 1))
        }
        return ok
    }

    func buildUpstreamQuery(_ o: OutgoingQuery) -> Int? {
        var flags = Header()
        flags.rd = true
        flags.cd = o.checkingDisabled
        flags.id = o.queryID
        do throws(BuildError) {
            var b = try MessageBuilder(buffer: scratch, header: flags)
            try b.addQuestion(o.question.name, type: o.question.type, rrClass: o.question.rrClass)
            try b.addOPT(udpPayloadSize: settings.upstreamPayloadSize, dnssecOK: o.dnssecOK)
            return b.byteCount
        } catch {
            return nil
        }
    }

    // MARK: responses

    mutating func response(outgoing index: Int, _ message: UnsafeRawBufferPointer,
                                                  nowMs: Int64) {
        guard outgoing.isInUse(index) else { emitCancel(index); return }
        let o = outgoing[index]
        guard matches(message, o) else {
            stats.mismatchedResponses += 1   // keep waiting for the real answer
            return
        }
        if runsTasks { return iterativeResponse(index, message, nowMs: nowMs) }
        upstreams.recordAnswer(o.upstream, rttMs: nowMs - o.sentMs, nowMs: nowMs)
        let header = (try? Header(from: message)) ?? Header()
        if header.tc && !o.overTCP {
            stats.upstreamTCPRetries += 1
            outgoing.pointer(index).pointee.overTCP = true
            if !send(index, nowMs: nowMs) { transmit(index, nowMs: nowMs) }
            return
        }
        let rcode = header.rcode
        // (YXDOMAIN: a DNAME's synthesis too long, RFC 6672 §2.2 — an answer.)
        if rcode != .noError && rcode != .nxDomain && rcode != .yxDomain {
            stats.upstreamErrors += 1
            timers.cancel(settings.requestCount + index)
            transmit(index, nowMs: nowMs)   // next upstream, or failure
            return
        }
        // An upstream resolver never refers: a referral (an authoritative
        // server, or one that would not recurse) is no answer to pass on.
        if QueryEngine.isReferral(message) {
            stats.lameResponses += 1
            timers.cancel(settings.requestCount + index)
            transmit(index, nowMs: nowMs)
            return
        }
        let stored = cache.store(response: message, question: o.question, nowMs: nowMs)
        if stored { stats.cacheStored += 1 } else { stats.cacheRefused += 1 }
        refreshFailures.clear(o.question)
        answerWaiters(index, from: message, nowMs: nowMs)
        finishOutgoing(index)
    }

    /// NOERROR, not authoritative, nothing in the answer section, no SOA,
    /// and an NS set in the authority section: a delegation.
    static func isReferral(_ message: UnsafeRawBufferPointer) -> Bool {
        guard var reader = try? MessageReader(message), reader.header.rcode == .noError, !reader.header.aa,
              reader.header.answerCount == 0 else { return false }
        var sawNS = false
        var seen = 0
        while let record = try? reader.nextRecord(), record.section == .authority,
              seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            if record.type == .soa { return false }
            if record.type == .ns { sawNS = true }
        }
        return sawNS
    }

    /// The response must carry our ID, be a response, and ask our question
    /// (RFC 5452 §9.1); the server already matched source address and port.
    func matches(_ message: UnsafeRawBufferPointer, _ o: OutgoingQuery) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        let h = reader.header
        guard h.id == o.queryID, h.qr, h.opcode == .query, h.questionCount == 1 else { return false }
        guard let question = try? reader.nextQuestion() else { return false }
        if runsTasks {
            // With 0x20 the spelling must come back exactly as sent.
            let sameName = settings.use0x20 && settings.recursive ? sameSpelling(question.name, o.iteration.sentName)
                                            : question.name == o.iteration.sentName
            return sameName && question.type == o.iteration.sentType && question.rrClass == .in
        }
        return question.type == o.question.type && question.rrClass == o.question.rrClass
            && question.name == o.question.name
    }

    /// A socket error or refused connection for outgoing `index`.
    mutating func failure(outgoing index: Int, nowMs: Int64) {
        guard outgoing.isInUse(index) else { return }
        stats.upstreamErrors += 1
        timers.cancel(settings.requestCount + index)
        if runsTasks { return retryElsewhere(index, nowMs: nowMs) }
        transmit(index, nowMs: nowMs)
    }

    // MARK: timers

    mutating func expireTimers(nowMs: Int64) {
        timersDeferred = false
        while let timer = timers.popExpired(nowMs: nowMs) {
            if timer < settings.requestCount {
                // A request timer may answer (stale data, SERVFAIL): it
                // waits for room like any answer (DeferredAnswers.swift).
                if requests.isInUse(timer),
                   !(ring.hasRoom(forAnswerOf: requests[timer].answerByteCountMax) || ring.isEmpty) {
                    timers.arm(timer, atMs: nowMs)
                    timersDeferred = true
                    return
                }
                requestTimer(timer, nowMs: nowMs)
            } else {
                let index = timer - settings.requestCount
                guard outgoing.isInUse(index) else { continue }
                stats.upstreamTimeouts += 1
                if runsTasks {
                    if settings.recursive {
                        infra.recordTimeout(outgoing[index].iteration.sentServer, nowMs: nowMs)
                    } else {
                        upstreams.recordTimeout(outgoing[index].upstream, nowMs: nowMs)
                    }
                    retryElsewhere(index, nowMs: nowMs)
                    continue
                }
                upstreams.recordTimeout(outgoing[index].upstream, nowMs: nowMs)
                emitCancel(index)
                transmit(index, nowMs: nowMs)
            }
        }
    }

    /// RFC 8767 §5: when the client response timer fires, answer from stale
    /// data if there is any, and let the refresh go on.
    mutating func requestTimer(_ slot: Int, nowMs: Int64) {
        guard requests.isInUse(slot) else { return }
        let r = requests[slot]
        if r.answeredStale { return }
        let deadline = r.startMs + settings.requestDeadlineMs
        if settings.serveStale && answerFromCache(r, allowStale: true, nowMs: nowMs) {
            requests.pointer(slot).pointee.answeredStale = true
            return
        }
        if nowMs >= deadline {
            detach(slot)
            answerFailure(r)
            requests.release(slot)
        } else {
            timers.arm(slot, atMs: deadline)
        }
    }

    // MARK: finishing

    /// Every attempt failed: stale data if allowed, else SERVFAIL.
    mutating func finishWithFailure(_ index: Int, nowMs: Int64) {
        let o = outgoing[index]
        refreshFailures.note(o.question, nowMs: nowMs)
        var waiter = o.firstWaiter
        while waiter >= 0 {
            let next = requests[Int(waiter)].nextWaiter
            answerWaiter(Int(waiter), .failed(o.iteration.failureEDE, o.iteration.failureDetail), final: nil, nowMs: nowMs)
            waiter = next
        }
        outgoing.pointer(index).pointee.firstWaiter = -1
        outgoing.pointer(index).pointee.lastWaiter = -1
        finishOutgoing(index)
    }

    mutating func answerWaiters(_ index: Int, from message: UnsafeRawBufferPointer,
                                                nowMs: Int64) {
        let final = FinalResponse(message: message, name: outgoing[index].question.name, security: .unvalidated)
        var waiter = outgoing[index].firstWaiter
        while waiter >= 0 {
            let next = requests[Int(waiter)].nextWaiter
            answerWaiter(Int(waiter), .forwarded, final: final, nowMs: nowMs)
            waiter = next
        }
        outgoing.pointer(index).pointee.firstWaiter = -1
        outgoing.pointer(index).pointee.lastWaiter = -1
    }

    mutating func finishOutgoing(_ index: Int) {
        timers.cancel(settings.requestCount + index)
        emitCancel(index)
        outgoing.release(index)
    }

    /// Removes request `slot` from its outgoing query's waiter list.
    mutating func detach(_ slot: Int) {
        let index = Int(requests[slot].outgoing)
        guard index >= 0, outgoing.isInUse(index) else { return }
        let o = outgoing.pointer(index)
        if o.pointee.firstWaiter == Int32(slot) {
            o.pointee.firstWaiter = requests[slot].nextWaiter
            if o.pointee.lastWaiter == Int32(slot) { o.pointee.lastWaiter = -1 }
            return
        }
        var w = o.pointee.firstWaiter
        while w >= 0 {
            let next = requests[Int(w)].nextWaiter
            if next == Int32(slot) {
                requests.pointer(Int(w)).pointee.nextWaiter = requests[slot].nextWaiter
                if o.pointee.lastWaiter == Int32(slot) { o.pointee.lastWaiter = w }
                return
            }
            w = next
        }
    }

    mutating func answerFailure(_ request: Request, ede: EDECode? = nil, detail: FailureDetail? = nil) {
        stats.servfailAnswers += 1
        if let n = buildError(for: request, rcode: .servFail, ede: ede, detail: detail) {
            emitAnswer(client: Int(request.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        }
    }

    public func statsLines() -> [(String, Int)] {
        [("resolver.queries", stats.queries), ("cache.hits", stats.cacheHits),
         ("cache.misses", stats.cacheMisses), ("cache.stale_answers", stats.staleAnswers),
         ("cache.stored", stats.cacheStored), ("cache.refused", stats.cacheRefused),
         ("resolver.aggregated", stats.aggregated), ("upstream.queries", stats.upstreamQueries),
         ("upstream.timeouts", stats.upstreamTimeouts), ("upstream.tcp_retries", stats.upstreamTCPRetries),
         ("upstream.errors", stats.upstreamErrors), ("upstream.mismatched", stats.mismatchedResponses),
         ("upstream.stale", stats.staleResponses), ("answers.deferred", stats.deferredAnswers),
         ("answers.servfail", stats.servfailAnswers), ("answers.formerr", stats.formerrAnswers),
         ("answers.truncated", stats.answersTruncated), ("drop.not_query", stats.droppedNotQuery),
         ("drop.no_request_slot", stats.noRequestSlot), ("drop.no_outgoing_slot", stats.noOutgoingSlot),
         ("pool.requests.high_water", requests.highWater), ("pool.outgoing.high_water", outgoing.highWater)]
            + [("resolver.ns_lookups", stats.nsLookups), ("resolver.ns_lookup_cycles", stats.nsLookupCycles), ("resolver.answers_from_response", stats.answersFromResponse),
               ("dnssec.anchor_observations", stats.anchorObservations), ("dnssec.anchor_trusted_keys", anchorTrustedKeyCount), ("resolver.lame", stats.lameResponses),
               ("resolver.budget_exhausted", stats.budgetExhausted), ("resolver.cname_too_long", stats.cnameChainTooLong),
               ("dnssec.key_fetches", stats.keyFetches), ("dnssec.bogus", stats.bogusResponses),
               ("dnssec.keys_unavailable", stats.keysUnavailable),
               ("dnssec.aggressive_answers", stats.aggressiveAnswers),
               ("dnssec.anchor_keys_unusable", stats.anchorKeysUnusable),
               ("dnssec.bogus_retries", stats.bogusRetries),
               ("upstream.edns_fallbacks", stats.ednsFallbacks),
               ("upstream.edns_refused_signed", stats.ednsRefusedInSignedZones),
               ("answers.local_qtype", stats.localQueryTypeAnswers),
               ("resolver.loopback_refused", stats.loopbackRefused)]
            + upstreamStatsLines() + cache.statsLines()
    }

    func upstreamStatsLines() -> [(String, Int)] {
        var lines: [(String, Int)] = []
        for i in 0..<upstreams.count {
            lines.append(("upstream.\(i).srtt_ms", Int(upstreams.srttMs(i))))
            lines.append(("upstream.\(i).answers", upstreams.entries[i].answers))
            lines.append(("upstream.\(i).timeouts", upstreams.entries[i].timeouts))
        }
        return lines
    }
}
