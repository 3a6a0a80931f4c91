import Fixed
import Platform
import Resolver

/// Feeding the resolver core and carrying out what it asks (the core's
/// produce/consume boundary, Sources/Resolver/Actions.swift): every event
/// goes through `feed`, which puts kernel randomness in, consumes the
/// event, carries the ring's actions out in order and clears it, goes on
/// with deferred work, and turns sends that could not be made into
/// `.failed` events. Never: decides anything about DNS.
extension EventLoop {
    /// Rounds of follow-up events (failed sends, deferred work) one event
    /// may cause: each failed send is a retry of one task, whose attempts
    /// are bounded, so this is generous.
    static let followUpRoundsMax = 4096

    @discardableResult
    func feed(_ event: Event, nowMs: Int64) -> QueryOutcome {
        refillEntropy()
        let outcome = resolver.consume(event, nowMs: nowMs)
        carryOutActions()
        return outcome
    }

    /// Carries out and clears the ring, then lets the core go on: each send
    /// that could not be made comes back as a `.failed` event (one at a
    /// time, on an empty ring), then deferred work, until neither is left.
    func carryOutActions() {
        for _ in 0..<EventLoop.followUpRoundsMax {
            for i in 0..<resolver.actionCount {
                switch resolver.action(i) {
                case .send(let ref, let server, let transport, let message):
                    if !sockets.sendOutgoing(ref, to: server, over: transport, message) {
                        failedSends.push(ref)
                    }
                case .cancel(let ref):
                    // Actions run in order: a cancel always names the
                    // slot's latest send, so its handle is that query's.
                    sockets.releaseOutgoing(Int(ref.slot))
                case .answer(let client, let message):
                    sockets.deliver(client: client, message)
                case .probeTLS(let server, let tlsPort):
                    if !sockets.probeTLS(server, tlsPort: tlsPort) { probeNotStarted = server }
                }
            }
            resolver.actionsCarriedOut()
            refillEntropy()
            if let server = probeNotStarted {
                // One probe at a time (AuthDoT.swift), so one slot holds it.
                probeNotStarted = nil
                resolver.consume(.tlsProbeNotStarted(server: server), nowMs: Clock.monotonicMs())
            } else if let ref = failedSends.pop() {
                resolver.consume(.failed(ref), nowMs: Clock.monotonicMs())
            } else if resolver.hasDeferredWork {
                resolver.consume(.drained, nowMs: Clock.monotonicMs())
            } else {
                return
            }
        }
        Log.error("resolver: follow-up events did not settle after \(EventLoop.followUpRoundsMax) rounds")
    }

    /// Tops the core's entropy pool up from the kernel.
    func refillEntropy() {
        for _ in 0..<resolver.entropy.room { resolver.entropy.add(sockets.nextRandom()) }
    }
}

/// Sends the server could not make, waiting to be reported to the core. A
/// task has at most one query in flight, so the outgoing slot count bounds it.
struct FailedSendQueue: ~Copyable {
    let refs: UnsafeMutableBufferPointer<QueryRef>
    var head = 0
    var count = 0
    /// Keeps the carving alive.
    let arena: Arena

    init(capacity: Int, arena: Arena) {
        self.arena = arena
        refs = arena.reserve(QueryRef.self, count: max(capacity, 1), label: FailedSendQueue.label, rowCount: capacity)
        refs.initialize(repeating: QueryRef(slot: -1, serial: 0))
    }

    static let label = "failed sends (max_outgoing)"

    /// The plan's row: what `init` carves.
    static func footprint(capacity: Int) -> Arena.Row {
        Arena.Row(label, count: capacity, byteCount: Arena.carvingByteCount(of: QueryRef.self, count: max(capacity, 1)))
    }

    mutating func push(_ ref: QueryRef) {
        precondition(count < refs.count, "more failed sends than outgoing slots")
        refs[(head + count) % refs.count] = ref
        count += 1
    }

    mutating func pop() -> QueryRef? {
        guard count > 0 else { return nil }
        let ref = refs[head]
        head = (head + 1) % refs.count
        count -= 1
        return ref
    }
}
