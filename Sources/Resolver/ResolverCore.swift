import Crypto
import DNSWire
import Fixed
import LocalData
import Validator

/// The resolver core: one engine for every mode. A client question is
/// answered from the cache, or from the aggressive NSEC/NSEC3 table, or
/// becomes a task (Requests.swift: `OutgoingQuery` with its `TaskState`)
/// shared by every client asking it. A task walks one state machine: it
/// asks (`sendIterative`) whom its mode names — the upstreams when
/// forwarding, the servers of the closest zone cut when recursing — waits,
/// takes the response (IterativeResponse.swift: referral, CNAME, answer,
/// denial, lame), may start sub-tasks for a nameserver address or a
/// DNSKEY/DS set, has the Validator judge what it got (`ValidationEngine`),
/// stores the verdict in the cache and answers its clients. Serve-stale
/// (RFC 8767) answers them from expired data when the world fails.
///
/// The core does no I/O (Consume.swift, Actions.swift): events in, actions
/// out through its ring, time as an argument, randomness from the pool the
/// server fills.
///
/// Timers: request `r` owns timer `r` (client response timer, then the
/// request deadline); task `t` owns timer `maxClients + t` (its query's
/// retransmission).
public struct ResolverCore: ~Copyable {
    let settings: EngineSettings
    var upstreams: UpstreamTable
    var cache: AnswerCache
    var requests: SlotPool<Request>
    var outgoing: SlotPool<OutgoingQuery>
    var timers: TimerHeap
    var refreshFailures: RefreshFailures
    var errorReports: ErrorReports
    /// Iterative mode: authoritative server state and the root servers.
    var infra: InfraCache
    /// RFC 9539 state per authoritative server (AuthDoT.swift).
    var authDoT: AuthDoTTable
    /// The `auth_transport` sections, most specific first (AuthPolicy.swift).
    let authPolicies: AuthPolicyTable
    /// NS names of strict DoT failures, for their EDE text.
    var strictFailureNames: StrictFailureNames
    var rootServers: [ServerAddress]
    /// The root hints' NS name of each of `rootServers` (same index;
    /// shorter or empty: unknown), for strict DoT to the root
    /// (ConfiguredNSNames.swift).
    let rootServerNames: [Name]
    /// In-tree hints (draft-kolkman-dns-in-tree-hints): InTreeHints.swift.
    var inTreeHints: InTreeHintSet
    /// Learned hints changed since flash was written, and when it was
    /// (InTreeLearning.swift).
    var learnedHintsDirty = false
    var learnedHintsWrittenMs: Int64? = nil
    var learnedHintsPendingWriteMs: Int64 = 0
    /// The outgoing slot of the last priming query, and when it was sent.
    var primingTask: Int32? = nil
    var lastPrimingMs: Int64 = .min / 2
    /// Wait before the next priming attempt while the root is unreachable:
    /// doubles per failed attempt up to `primingIntervalMsMax`, back to
    /// `primingRetryMsMin` once the root NS set is in the cache.
    var primingRetryMs: Int64 = ResolverCore.primingRetryMsMin
    /// DNSSEC: anchors, RFC 5011 state, the aggressive NSEC tables, the
    /// Validator's scratch (Sources/Validator/ValidationEngine.swift).
    var validation: ValidationEngine
    /// Names answered without asking anyone (RFC 6761, RFC 6303, the local
    /// domain; LocalAnswering.swift).
    var local: LocalData
    /// DNS rebinding protection on answers from the internet (`emitAnswer`).
    let rebind: RebindGuard
    /// `list block_file` (BlockAnswering.swift).
    var blocked: BlockList
    /// Whether a DNAME was ever cached: until then a CNAME answered from the
    /// cache needs no search for the DNAME it may come from.
    var hasCachedDNAME = false
    /// Wall-clock seconds minus monotonic seconds (`setWallClock`).
    public internal(set) var wallClockOffsetSeconds: Int64 = 0
    /// Where answers and queries are built (one at a time: single thread).
    let scratch: UnsafeMutableRawBufferPointer
    /// Keeps every pool above alive as long as the core.
    let arena: Arena
    public internal(set) var stats = EngineStats()
    /// What the last event asked of the server (Actions.swift).
    var ring: ActionRing
    /// Answers waiting for room in the ring, and request timers that came
    /// due while it was full (DeferredAnswers.swift).
    var deferred: DeferredAnswers
    var timersDeferred = false
    /// Kernel randomness the server puts in before each event.
    public var entropy = EntropyPool()
    /// The secret our client cookies are made with (Cookies.swift); nil
    /// until the server gives one: no cookies are sent before.
    var cookieClientSecret: CookieSecret? = nil

    /// Carves every pool of the core from `arena`, in the order of
    /// `footprint(settings)`; the cache was carved before.
    public init(settings: EngineSettings, upstreams: [Upstream], rootServers: [ServerAddress] = [],
                rootServerNames: [Name] = [], cache: consuming AnswerCache, arena: Arena) {
        self.settings = settings
        self.rootServers = rootServers
        self.rootServerNames = rootServerNames.map { $0.lowercased() }
        self.upstreams = UpstreamTable(upstreams)
        self.cache = cache
        self.arena = arena
        requests = SlotPool(capacity: settings.maxClients, initial: Request(), arena: arena,
                            label: ResolverCore.requestsLabel)
        outgoing = SlotPool(capacity: settings.maxOutgoing, initial: OutgoingQuery(), arena: arena,
                            label: ResolverCore.outgoingLabel)
        timers = TimerHeap(capacity: settings.maxClients + settings.maxOutgoing, arena: arena,
                           label: ResolverCore.timersLabel)
        deferred = DeferredAnswers(maxClients: settings.maxClients, arena: arena)
        refreshFailures = RefreshFailures(arena: arena)
        errorReports = ErrorReports(arena: arena)
        scratch = arena.reserveBytes(Limits.messageByteCountMax, label: ResolverCore.scratchLabel)
        ring = ActionRing(arena: arena)
        infra = InfraCache(arena: arena)
        inTreeHints = InTreeHintSet(capacity: settings.inTreeHintCount, arena: arena)
        local = LocalData(localDomain: settings.localDomain, nameCapacity: settings.localNameCount, arena: arena)
        rebind = RebindGuard(enabled: settings.rebindProtection, allowed: settings.rebindAllow, arena: arena)
        blocked = BlockList(capacity: settings.blockNameCount, arena: arena)
        authDoT = AuthDoTTable(isOn: settings.opportunisticDoT, arena: arena)
        authPolicies = AuthPolicyTable(settings.authPolicies, arena: arena)
        strictFailureNames = StrictFailureNames(isOn: settings.hasStrictPolicy, arena: arena)
        validation = ValidationEngine(reserving: settings.validate, clockVouchedFor: settings.clockTrusted,
                                      nsecTableEntryCount: settings.nsecTableEntryCount, arena: arena)
    }

    static let requestsLabel = "resolver requests (max_clients)"
    static let outgoingLabel = "resolver outgoing queries (max_outgoing)"
    static let timersLabel = "resolver timers (requests + outgoing)"
    static let scratchLabel = "resolver scratch (answers, queries)"

    /// The plan's rows for the core's pools, in the order `init` carves
    /// them (the validator's last).
    public static func footprint(_ settings: EngineSettings) -> [Arena.Row] {
        [Arena.Row(requestsLabel, count: settings.maxClients,
                   byteCount: SlotPool<Request>.byteCount(capacity: settings.maxClients)),
         Arena.Row(outgoingLabel, count: settings.maxOutgoing,
                   byteCount: SlotPool<OutgoingQuery>.byteCount(capacity: settings.maxOutgoing)),
         Arena.Row(timersLabel, count: settings.maxClients + settings.maxOutgoing,
                   byteCount: TimerHeap.byteCount(capacity: settings.maxClients + settings.maxOutgoing))]
            + DeferredAnswers.footprint(maxClients: settings.maxClients)
            + [RefreshFailures.footprint, ErrorReports.footprint,
               Arena.Row(scratchLabel, count: 1, byteCount: Arena.carvingByteCount(Limits.messageByteCountMax)),
               ActionRing.footprint, InfraCache.footprint]
            + InTreeHintSet.footprint(capacity: settings.inTreeHintCount)
            + LocalData.footprint(nameCapacity: settings.localNameCount)
            + RebindGuard.footprint(enabled: settings.rebindProtection)
            + BlockList.footprint(capacity: settings.blockNameCount)
            + [AuthDoTTable.footprint(isOn: settings.opportunisticDoT), AuthPolicyTable.footprint(settings.authPolicies),
               StrictFailureNames.footprint(isOn: settings.hasStrictPolicy)]
            + ValidationEngine.footprint(reserving: settings.validate, nsecTableEntryCount: settings.nsecTableEntryCount)
    }

    public var nextDeadlineMs: Int64? { timers.nextDeadlineMs }

    /// Replaces the upstream list (SIGHUP reload); in-flight queries finish
    /// against whatever indices remain valid.
    public mutating func setUpstreams(_ list: [Upstream]) { upstreams = UpstreamTable(list) }

    // MARK: client queries

    mutating func query(client: Int, transport: ClientTransport,
                                               _ message: UnsafeRawBufferPointer, cookie: ResponseCookie? = nil,
                                               nowMs: Int64) -> QueryOutcome {
        var request = Request()
        if let outcome = answerWithoutResolution(client: client, transport: transport, message, cookie: cookie,
                                                 nowMs: nowMs, request: &request) {
            return outcome
        }
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
            beginIteration(fresh, parent: nil, nowMs: nowMs)
            attach(slot, to: fresh)
            iterate(fresh, nowMs: nowMs)
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

    /// A query the server holds no client slot for (every one is waiting
    /// on the network): answered only when that needs no resolution — a
    /// local answer (FORMERR, a meta-type), the cache (fresh, or stale
    /// while refreshes back off) or the NSEC tables. `nil`: it would need
    /// resolution; nothing was done and the server refuses it (SERVFAIL,
    /// counted). So a flood of new names never costs the household its
    /// cached answers (issue 20 item 3).
    public mutating func queryWithoutResolution(client: Int, transport: ClientTransport,
                                                _ message: UnsafeRawBufferPointer, cookie: ResponseCookie? = nil,
                                                nowMs: Int64) -> QueryOutcome? {
        var request = Request()
        return answerWithoutResolution(client: client, transport: transport, message, cookie: cookie, nowMs: nowMs,
                                       request: &request)
    }

    /// Everything `query` answers before it needs a request slot; nil with
    /// `request` filled when resolution is needed.
    mutating func answerWithoutResolution(client: Int, transport: ClientTransport, _ message: UnsafeRawBufferPointer,
                                          cookie: ResponseCookie?, nowMs: Int64,
                                          request: inout Request) -> QueryOutcome? {
        stats.queries += 1
        switch parseQuery(message, transport: transport, into: &request) {
        case .ok: break
        case .drop:
            stats.droppedNotQuery += 1
            return .dropped
        case .answer(let rcode, let ede):
            if rcode == .formErr { stats.formerrAnswers += 1 }
            if ede == LocalQueryType.invalidTypeEDE { stats.localQueryTypeAnswers += 1 }
            if rcode == .formErr && request.cookieMalformed { stats.cookieMalformed += 1 }
            let echoed = request.cookieMalformed ? nil : cookie
            guard let n = ResolverCore.shortAnswer(to: message, rcode: rcode, ede: ede, cookie: echoed, into: scratch) else {
                return .dropped
            }
            emitAnswer(client: client, UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
            return .answered
        }
        request.client = Int32(client)
        request.startMs = nowMs
        if request.hasEDNS && settings.cookies { request.cookie = cookie }   // RFC 7873 §5.2.3, §5.2.4
        if answerLocally(request) { return .answered }   // before the cache: never asked of anyone
        if answerBlocked(request) { return .answered }   // list block_file
        // Fresh data; else stale data while refreshes of it are backing off.
        if answerFromCache(request, allowStale: false, nowMs: nowMs)
            || (settings.serveStale
                && refreshFailures.recentlyFailed(request.question, nowMs: nowMs, backoffMs: settings.staleRefreshBackoffMs)
                && answerFromCache(request, allowStale: true, nowMs: nowMs)) {
            stats.cacheHits += 1
            return .answered
        }
        if answerFromNSECTable(request, nowMs: nowMs) { return .answered }   // RFC 8198
        return nil
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
            request.delegationExtensions = edns.delegationExtensions
            // RFC 7873 §5.2.2: a COOKIE option of a length no cookie has.
            if settings.cookies, Cookie.first(in: message) == .malformed {
                request.cookieMalformed = true
                return .answer(.formErr, nil)
            }
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
        beginIteration(index, parent: nil, nowMs: nowMs)
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
        if let index = primingTask.map({ Int($0) }), outgoing.isInUse(index), outgoing[index].question.name.isRoot,
           outgoing[index].question.type == .ns { return }   // still in flight
        if hasNS(.root, nowMs: nowMs) {
            primingRetryMs = ResolverCore.primingRetryMsMin
            return
        }
        guard nowMs - lastPrimingMs >= primingRetryMs else { return }
        let waited = primingRetryMs
        prime(nowMs: nowMs)
        primingRetryMs = min(waited * 2, ResolverCore.primingIntervalMsMax)
    }

    // MARK: outgoing queries

    func findOutgoing(_ request: Request) -> Int? {
        let wanted = request.question
        for index in 0..<outgoing.capacity where outgoing.isInUse(index) {
            let o = outgoing.pointer(index)
            if o.pointee.iteration.parent != nil { continue }   // a nameserver look-up, not a client's
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
        requests.pointer(slot).pointee.nextWaiter = nil
        if let last = o.pointee.waiters.last {
            requests.pointer(Int(last)).pointee.nextWaiter = Int32(slot)
        } else {
            o.pointee.waiters.first = Int32(slot)
        }
        o.pointee.waiters.last = Int32(slot)
    }

    /// Task `index`'s waiters, taken off it: the first, then follow
    /// `nextWaiter`.
    mutating func takeWaiters(_ index: Int) -> Int32? {
        let first = outgoing[index].waiters.first
        outgoing.pointer(index).pointee.waiters = WaiterList()
        return first
    }

    // MARK: responses

    /// The server outgoing query `ref` was sent to, while it waits for the
    /// answer (the server names it in a log line).
    public func serverAsked(_ ref: QueryRef) -> ServerAddress? {
        let index = Int(ref.slot)
        guard index >= 0, index < outgoing.capacity, outgoing.isInUse(index),
              case .asking(let asked) = outgoing[index].state else { return nil }
        return asked.server
    }

    mutating func response(outgoing index: Int, _ message: UnsafeRawBufferPointer,
                                                  nowMs: Int64) {
        guard outgoing.isInUse(index) else { emitCancel(index); return }
        let o = outgoing[index]
        guard matches(message, o) else {
            stats.mismatchedResponses += 1   // keep waiting for the real answer
            return
        }
        switch checkCookie(message, o.asked, nowMs: nowMs) {   // Cookies.swift
        case .spoofed: return                                   // keep waiting
        case .badCookie: return retryAfterBadCookie(index, o.asked, nowMs: nowMs)
        case .accepted: break
        }
        iterativeResponse(index, message, nowMs: nowMs)
    }

    /// The response must carry our ID, be a response, and ask our question
    /// (RFC 5452 §9.1); the server already matched source address and port.
    func matches(_ message: UnsafeRawBufferPointer, _ o: OutgoingQuery) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        let h = reader.header
        guard case .asking(let asked) = o.state, h.id == asked.queryID, h.qr, h.opcode == .query,
              h.questionCount == 1 else { return false }
        guard let question = try? reader.nextQuestion() else { return false }
        // With 0x20 the spelling must come back exactly as sent.
        let sameName = settings.use0x20 && settings.recursive ? sameSpelling(question.name, o.iteration.sentName)
                                        : question.name == o.iteration.sentName
        return sameName && question.type == o.iteration.sentType && question.rrClass == .in
    }

    /// A socket error or refused connection for outgoing `index`.
    mutating func failure(outgoing index: Int, cause: SendFailureCause = .unspecified, nowMs: Int64) {
        guard outgoing.isInUse(index) else { return }
        stats.upstreamErrors += 1
        timers.cancel(settings.maxClients + index)
        if fallBackFromAuthDoT(index, nowMs: nowMs) { return }
        let why: StrictDoTFailure
        switch cause {
        case .unspecified: why = .other
        case .tlsCertificate: why = .certificate
        case .tlsPin: why = .pin
        case .tlsDANE: why = .dane
        case .tlsHandshake: why = .handshake
        case .tlsVersion: why = .tlsVersion
        case .connection: why = .connection
        }
        noteStrictFailure(index, why, nowMs: nowMs)
        noteUpstreamDoTFailure(index, why)
        retryElsewhere(index, nowMs: nowMs)
    }

    // MARK: timers

    mutating func expireTimers(nowMs: Int64) {
        timersDeferred = false
        while let timer = timers.popExpired(nowMs: nowMs) {
            if timer < settings.maxClients {
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
                let index = timer - settings.maxClients
                guard outgoing.isInUse(index) else { continue }
                stats.upstreamTimeouts += 1
                guard case .asking(let asked) = outgoing[index].state else { continue }
                if let upstream = asked.upstream {
                    noteUpstreamDoTFailure(index, .timedOut)
                    upstreams.recordTimeout(upstream, nowMs: nowMs)
                } else {
                    if fallBackFromAuthDoT(index, nowMs: nowMs) { continue }
                    noteStrictFailure(index, .timedOut, nowMs: nowMs)
                    infra.recordTimeout(asked.server, nowMs: nowMs)
                    outgoing.pointer(index).pointee.iteration.servers.markTimedOut(asked.server)
                }
                retryElsewhere(index, nowMs: nowMs)
            }
        }
    }

    /// RFC 8767 §5: when the client response timer fires, answer from stale
    /// data if there is any, and let the refresh go on.
    mutating func requestTimer(_ slot: Int, nowMs: Int64) {
        guard requests.isInUse(slot) else { return }
        let r = requests[slot]
        let deadline = r.startMs + settings.requestDeadlineMs
        if settings.serveStale && answerFromCache(r, allowStale: true, nowMs: nowMs) {
            // The client has its answer: its slot is free now. The refresh
            // goes on without it (a task with no waiters runs to its end and
            // fills the cache), and an iterative one is bounded by its query
            // budget, not by time: kept attached, the slot stayed held for
            // as long as the refresh ran (found by FuzzResolver).
            detach(slot)
            requests.release(slot)
            return
        }
        if nowMs >= deadline {
            // RFC 8914 §4.23: the deadline passed with the authorities not
            // having answered; a reason the task already noted comes first.
            var ede = EDECode.noReachableAuthority
            var detail: FailureDetail? = nil
            if let task = r.outgoing, outgoing.isInUse(Int(task)), let noted = outgoing[Int(task)].iteration.failureEDE {
                ede = noted
                detail = outgoing[Int(task)].iteration.failureDetail
            }
            detach(slot)
            answerFailure(r, ede: ede, detail: detail)
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
        var waiter = takeWaiters(index)
        while let slot = waiter {
            waiter = requests[Int(slot)].nextWaiter
            answerWaiter(Int(slot), .failed(o.iteration.failureEDE, o.iteration.failureDetail), final: nil, nowMs: nowMs)
        }
        finishOutgoing(index)
        reportFailure(question: o.question, o.iteration, nowMs: nowMs)   // ErrorReporting.swift
    }

    mutating func finishOutgoing(_ index: Int) {
        timers.cancel(settings.maxClients + index)
        emitCancel(index)
        outgoing.release(index)
    }

    /// Removes request `slot` from its outgoing query's waiter list.
    mutating func detach(_ slot: Int) {
        guard let task = requests[slot].outgoing, outgoing.isInUse(Int(task)) else { return }
        requests.pointer(slot).pointee.outgoing = nil
        let o = outgoing.pointer(Int(task))
        var previous: Int32? = nil
        var current = o.pointee.waiters.first
        for _ in 0..<requests.capacity {   // the list is at most the pool
            guard let w = current else { return }
            let next = requests[Int(w)].nextWaiter
            if w == Int32(slot) {
                if let previous { requests.pointer(Int(previous)).pointee.nextWaiter = next } else { o.pointee.waiters.first = next }
                if o.pointee.waiters.last == w { o.pointee.waiters.last = previous }
                return
            }
            previous = w
            current = next
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
         ("upstream.errors", stats.upstreamErrors), ("auth_dot.fallbacks", stats.authDoTFallbacks),
         ("auth_dot.strict_failures", stats.strictDoTFailures), ("upstream.dot_failures", stats.upstreamDoTFailures),
         ("deleg.dot_signals", stats.delegDoTSignals),
         ("auth_dot.tlsa_lookups", stats.tlsaLookups), ("upstream.mismatched", stats.mismatchedResponses),
         ("upstream.stale", stats.staleResponses), ("answers.deferred", stats.deferredAnswers),
         ("answers.servfail", stats.servfailAnswers), ("answers.formerr", stats.formerrAnswers),
         ("answers.truncated", stats.answersTruncated), ("drop.not_query", stats.droppedNotQuery),
         ("drop.no_request_slot", stats.noRequestSlot), ("drop.no_outgoing_slot", stats.noOutgoingSlot),
         ("pool.requests.high_water", requests.highWater), ("pool.outgoing.high_water", outgoing.highWater)]
            + [("resolver.ns_lookups", stats.nsLookups), ("resolver.ns_lookup_cycles", stats.nsLookupCycles),
               ("resolver.deleg_referrals", stats.delegReferrals), ("resolver.deleg_unusable", stats.delegUnusable),
               ("resolver.deleg_records_unusable", stats.delegRecordsUnusable),
               ("resolver.deleg_include_limit", stats.delegIncludeLimit),
               ("dnssec.deleg_referrals_tampered", stats.delegReferralsTampered), ("resolver.answers_from_response", stats.answersFromResponse),
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
               ("resolver.loopback_refused", stats.loopbackRefused),
               ("cookies.client_malformed", stats.cookieMalformed),
               ("cookies.upstream_sent", stats.upstreamCookiesSent),
               ("cookies.upstream_learned", stats.upstreamCookiesLearned),
               ("cookies.upstream_mismatch", stats.upstreamCookieMismatch),
               ("cookies.upstream_malformed", stats.upstreamCookieMalformed),
               ("cookies.upstream_badcookie", stats.upstreamBadCookies),
               ("hints.in_tree.domains", inTreeHints.count), ("hints.in_tree.cuts", stats.inTreeHintCuts),
               ("hints.in_tree.denials_skipped", stats.inTreeHintDenialsSkipped),
               ("hints.in_tree.disabled", inTreeHintsDisabledCount),
               ("hints.in_tree.signal_fetches", stats.inTreeSignalFetches),
               ("hints.in_tree.redelegations", stats.inTreeRedelegations),
               ("hints.in_tree.withdrawals", stats.inTreeWithdrawals),
               ("hints.in_tree.conflicts", stats.inTreeConflicts),
               ("hints.in_tree.learned_changes", stats.inTreeLearnedChanges),
               ("hints.in_tree.learned_writes", stats.inTreeLearnedWrites),
               ("answers.local_data", stats.localAnswers),
               ("rebind.answers", stats.rebindAnswers), ("rebind.removed", stats.rebindRemoved),
               ("rebind.refused", stats.rebindRefused),
               ("block.answers", stats.blockedAnswers), ("block.names", blocked.count),
               ("error_reports.sent", stats.errorReports), ("error_reports.limited", stats.errorReportsLimited),
               ("error_reports.refused", stats.errorReportsRefused)]
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
