import DNSWire
import Fixed
import LocalData

/// The core's one entry point and the one way it acts (Actions.swift): an
/// event in, actions appended to the ring, nothing returned into its retry
/// logic.
extension ResolverCore {
    /// Consumes one event at `nowMs` (monotonic). The server carries out
    /// `action(i)` for every i below `actionCount`, then calls
    /// `actionsCarriedOut()`, and while `hasDeferredWork` it sends
    /// `.drained`. For `.query` the outcome says whether the query was
    /// answered already, waits for the network, or was dropped (the server
    /// frees its client slot); other events give `.pending`.
    @discardableResult
    public mutating func consume(_ event: Event, nowMs: Int64) -> QueryOutcome {
        switch event {
        case .query(let client, let transport, let message, let cookie):
            return query(client: client, transport: transport, message, cookie: cookie, nowMs: nowMs)
        case .response(let ref, let message):
            guard isCurrent(ref) else {
                stats.staleResponses += 1   // a query given up on: its carrier is closed already
                return .pending
            }
            response(outgoing: Int(ref.slot), message, nowMs: nowMs)
        case .failed(let ref, let cause):
            guard isCurrent(ref) else { return .pending }
            failure(outgoing: Int(ref.slot), cause: cause, nowMs: nowMs)
        case .tlsProbe(let server, let succeeded):
            guard settings.opportunisticDoT else { break }
            authDoT.recordProbe(server, succeeded: succeeded, nowMs: nowMs)
            // One probe at a time (AuthDoT.swift): the next waiting server's.
            if let next = authDoT.nextProbe(nowMs: nowMs), !ring.appendProbe(next, tlsPort: AuthDoTTable.dotPort) {
                authDoT.forgetProbe(next, nowMs: nowMs)
            }
        case .tlsProbeNotStarted(let server):
            if settings.opportunisticDoT { authDoT.forgetProbe(server, nowMs: nowMs) }
        case .timers:
            expireTimers(nowMs: nowMs)
        case .drained:
            answerDeferred(nowMs: nowMs)
            if deferred.isEmpty && timersDeferred { expireTimers(nowMs: nowMs) }
        }
        return .pending
    }

    /// The actions of the last event(s), until `actionsCarriedOut`.
    public var actionCount: Int { ring.count }
    public func action(_ index: Int) -> Action { ring[index] }

    /// The server carried out every action: the ring is empty again.
    public mutating func actionsCarriedOut() { ring.removeAll() }

    /// Work that waits for room in the ring (a `.drained` event goes on).
    public var hasDeferredWork: Bool { !deferred.isEmpty || timersDeferred }

    func isCurrent(_ ref: QueryRef) -> Bool {
        ref.slot >= 0 && Int(ref.slot) < outgoing.capacity && outgoing.isInUse(Int(ref.slot))
            && outgoing[Int(ref.slot)].sendSerial == ref.serial
    }

    func currentRef(_ index: Int) -> QueryRef {
        QueryRef(slot: Int32(index), serial: outgoing[index].sendSerial)
    }

    // MARK: appending actions

    /// Asks the server to send `message` for task `index` (a new serial: an
    /// answer to the previous one is stale). False only when the ring is
    /// full, a sizing fault: the caller treats it as a failed send.
    mutating func emitSend(_ index: Int, to server: ServerAddress, overTCP: Bool, tlsProfile: Int32 = -1,
                           peerName: Name? = nil, dane: DANEAssociations? = nil,
                           _ message: UnsafeRawBufferPointer) -> Bool {
        outgoing.pointer(index).pointee.sendSerial &+= 1
        var kind: TransportKind = tlsProfile >= 0 ? .tls(profile: tlsProfile) : overTCP ? .tcp : .udp
        if tlsProfile >= 0, let peerName {
            kind = dane.map { .tlsDANE(profile: tlsProfile, name: peerName, dane: $0) } ?? .tlsNamed(profile: tlsProfile, name: peerName)
        }
        return ring.appendSend(currentRef(index), to: server, over: kind, message)
    }

    /// The task no longer waits for its query in flight.
    mutating func emitCancel(_ index: Int) {
        guard index >= 0, index < outgoing.capacity else { return }
        ring.appendCancel(currentRef(index))
        if outgoing.isInUse(index), case .asking = outgoing[index].state { outgoing.pointer(index).pointee.state = .ready }
    }

    /// Appends the answer for `client`. Answers not from local data pass
    /// the rebinding guard first (LocalData/RebindGuard.swift).
    mutating func emitAnswer(client: Int, _ message: UnsafeRawBufferPointer, fromLocalData: Bool = false) {
        var message = message
        if rebind.isEnabled && !fromLocalData {
            switch rebind.check(message, scratch: cache.rdataScratch) {
            case .unchanged:
                break
            case .filtered(let filtered, let removed):
                stats.rebindAnswers += 1
                stats.rebindRemoved += removed
                message = filtered
            case .refused(let failure):
                stats.rebindRefused += 1
                message = failure
            }
        }
        let fitted = ring.appendAnswer(client: client, message)
        precondition(fitted, "action ring: no room for an answer")
    }
}
