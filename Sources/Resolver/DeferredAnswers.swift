import DNSWire
import Fixed

/// How a client whose task ended is answered, once the action ring has
/// room for it.
enum PendingAnswer {
    /// The task succeeded: from the cache, else from the kept final
    /// response, else SERVFAIL.
    case resolved
    /// The task failed: stale data if allowed (RFC 8767), else SERVFAIL
    /// with the task's reason.
    case failed(EDECode?, FailureDetail?)
    /// Plain forwarding: built from the kept upstream response.
    case forwarded
}

/// Answers that wait for room in the action ring. One event can end a task
/// with many clients waiting on it (aggregation), and the ring holds one
/// largest answer and some small ones: the clients it cannot take now are
/// answered, in order, on the next `.drained` events. A task that ended
/// with its answer only in the final response (the cache refused it) keeps
/// a copy of that response while such clients wait; the server drains the
/// ring before it reads the next event, so only one task's answers are
/// ever deferred at a time.
///
/// Never: changes what a client is answered, only when.
struct DeferredAnswers: ~Copyable {
    /// Request slots in answer order (one entry per request at most).
    let slots: UnsafeMutableBufferPointer<Int32>
    var head = 0
    var count = 0
    /// The final response the deferred clients may need, and its meaning.
    let keptMessage: UnsafeMutableRawBufferPointer
    var keptByteCount = 0
    var kept: FinalResponse? = nil

    /// Keeps both carvings alive.
    let arena: Arena

    init(maxClients: Int, arena: Arena) {
        self.arena = arena
        slots = arena.reserve(Int32.self, count: max(maxClients, 1), label: DeferredAnswers.label, rowCount: maxClients)
        slots.initialize(repeating: -1)
        keptMessage = arena.reserveBytes(Limits.messageByteCountMax, label: DeferredAnswers.label, count: maxClients)
    }

    static let label = "deferred answers (max_clients, kept response)"

    /// The plan's row: what `init` carves.
    static func footprint(maxClients: Int) -> [Arena.Row] {
        [Arena.Row(label, count: maxClients,
                   byteCount: Arena.carvingByteCount(of: Int32.self, count: max(maxClients, 1))
                       + Arena.carvingByteCount(Limits.messageByteCountMax))]
    }

    var isEmpty: Bool { count == 0 }

    mutating func push(_ slot: Int) {
        precondition(count < slots.count, "more deferred answers than request slots")
        slots[(head + count) % slots.count] = Int32(slot)
        count += 1
    }

    func peek() -> Int? { count > 0 ? Int(slots[head]) : nil }

    mutating func pop() -> Int? {
        guard count > 0 else { return nil }
        let slot = Int(slots[head])
        head = (head + 1) % slots.count
        count -= 1
        if count == 0 { kept = nil }
        return slot
    }

    /// Keeps `final` (a copy of its message) for the deferred clients.
    mutating func keep(_ final: FinalResponse) {
        guard kept == nil else { return }
        let n = min(final.message.count, keptMessage.count)
        UnsafeMutableRawBufferPointer(rebasing: keptMessage[0..<n])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: final.message[0..<n]))
        keptByteCount = n
        kept = FinalResponse(message: UnsafeRawBufferPointer(rebasing: keptMessage[0..<n]),
                             name: final.name, security: final.security)
    }
}

extension ResolverCore {
    /// Answers waiting request `slot` of a task that ended, now if the ring
    /// has room (and nobody is waiting before it), else later. `final`:
    /// the response that ended the task, for clients the cache cannot answer.
    mutating func answerWaiter(_ slot: Int, _ how: PendingAnswer, final: FinalResponse?, nowMs: Int64) {
        timers.cancel(slot)
        let r = requests[slot]
        guard deferred.isEmpty, ring.hasRoom(forAnswerOf: r.answerByteCountMax) || ring.isEmpty else {
            requests.pointer(slot).pointee.pending = how
            requests.pointer(slot).pointee.outgoing = nil
            if let final { deferred.keep(final) }
            deferred.push(slot)
            stats.deferredAnswers += 1
            return
        }
        answer(r, how, final: final, nowMs: nowMs)
        requests.release(slot)
    }

    mutating func answer(_ r: Request, _ how: PendingAnswer, final: FinalResponse?, nowMs: Int64) {
        switch how {
        case .resolved:
            if !answerFromCache(r, allowStale: false, nowMs: nowMs) && !answerFromFinal(r, final, nowMs: nowMs) {
                answerFailure(r)
            }
        case .failed(let ede, let detail):
            if !(settings.serveStale && answerFromCache(r, allowStale: true, nowMs: nowMs)) {
                answerFailure(r, ede: ede, detail: detail)
            }
        case .forwarded:
            if let final, let n = buildAnswer(for: r, from: final.message) {
                emitAnswer(client: Int(r.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
            } else {
                answerFailure(r)
            }
        }
    }

    /// `.drained`: answers deferred clients while the ring has room.
    mutating func answerDeferred(nowMs: Int64) {
        while let slot = deferred.peek() {
            let r = requests[slot]
            guard ring.hasRoom(forAnswerOf: r.answerByteCountMax) || ring.isEmpty else { return }
            let final = deferred.kept
            _ = deferred.pop()
            answer(r, r.pending ?? .resolved, final: final, nowMs: nowMs)
            requests.release(slot)
        }
    }
}
