import Cache
import DNSWire
import Fixed
import Validator

/// Asking the `ValidationEngine` for the verdict on the response that ends
/// a task (Validator: ResponseCheck.swift), while the message is at hand:
/// the task's question and zone, the root task's KeyTrap budget and the
/// cache go in; the verdict — or the key set to fetch first — comes out.
/// What happens next (fetching, caching the verdict as a rank, SERVFAIL
/// with EDE) is the caller's (`settle`).
extension ResolverCore {
    mutating func checkFinal(_ index: Int, _ message: UnsafeRawBufferPointer, kind: ResponseKind,
                             nowMs: Int64) -> FinalCheck {
        guard validates(index) else {
            // Forwarding without validation (dnssec '0' or no anchor) trusts
            // the upstream's AD bit: it validated (as dnsmasq's proxy-dnssec).
            let vouched = !settings.recursive && ((try? Header(from: message))?.ad ?? false)
            return .done(vouched ? .secure : .unvalidated, ttlCapSeconds: .max)
        }
        let it = outgoing[index].iteration
        let question = FinalQuestion(name: it.target, type: it.sentType, zone: it.zone,
                                     isForwarded: validatesForwarding)
        let root = Int(it.root)
        var budget = outgoing[root].iteration.budget
        var events = TrustPointEvents()
        let check = validation.checkFinal(message, ResponseShape(kind), question, cache: &cache,
                                          clock: validationClock(nowMs: nowMs), budget: &budget, events: &events,
                                          nowMs: nowMs)
        outgoing.pointer(root).pointee.iteration.budget = budget
        if events.observed { stats.anchorObservations += 1 }
        if events.keysUnusable { stats.anchorKeysUnusable += 1 }
        return check
    }
}

extension ResponseShape {
    /// A classified response, as the engine needs to know it.
    init(_ kind: ResponseKind) {
        switch kind {
        case .answer: self = .answer
        case .cname: self = .cname
        case .noData: self = .noData
        case .nxDomain: self = .nxDomain
        case .referral, .lame: self = .other
        }
    }
}
