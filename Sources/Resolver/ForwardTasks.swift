import DNSWire
import Fixed
import Validator

/// Validating forward mode (`option mode 'forward'` with DNSSEC): the
/// iterative task machinery runs with the upstream resolvers in place of
/// authoritative servers. Every question goes to an upstream with RD set,
/// CD set (bogus data must come back to be judged here, with its reason)
/// and DO set; the answer is validated like an authoritative one, and the
/// DS and DNSKEY sets it needs are fetched through the upstreams in
/// sub-tasks. An upstream's AD bit is never believed.
///
/// An upstream tells us no zone cuts: a task's zone is the closest trust
/// anchor above its name, the RRSIG signer names the zone whose keys are
/// needed, and unsigned data is judged by walking DS sets down from the
/// anchor (`unsignedCut`).
extension ResolverCore {
    /// Sets up task `index` to ask the upstreams (the forward-mode zone cut).
    mutating func startForwarding(_ index: Int) {
        let o = outgoing.pointer(index)
        let target = o.pointee.iteration.target
        // A DS lives in the parent: its chain starts above the name.
        let isParentSide = o.pointee.question.type == .ds && target == o.pointee.question.name
        let chainName = isParentSide ? target.parent : target
        o.pointee.iteration.zone = chainName.flatMap { validation.anchors.closestAnchor(for: $0) } ?? .root
        o.pointee.iteration.servers.removeAll()
        o.pointee.iteration.askedLabelCount = 0
        o.pointee.triedMask = 0
        o.pointee.attempts = 0
    }

    /// The next upstream for task `index`: lowest smoothed RTT among those
    /// not tried yet, then any again (a lost datagram is retried), until
    /// `attemptsMax` sends. nil when they are spent.
    mutating func chooseUpstream(_ index: Int, nowMs: Int64) -> Destination? {
        let o = outgoing.pointer(index)
        guard upstreams.count > 0, o.pointee.attempts < settings.attemptsMax,
              nowMs < taskDeadlineMs(index) else { return nil }
        let upstream = upstreams.choose(triedMask: o.pointee.triedMask, nowMs: nowMs)
        o.pointee.triedMask |= 1 << UInt32(upstream)
        o.pointee.attempts += 1
        return Destination(server: upstreams.address(upstream), upstream: upstream)
    }

    /// An upstream answers with the whole CNAME chain: each next link (and
    /// the final data or denial) is validated and cached from the message
    /// at hand, as if it had been asked; only a chain the message does not
    /// finish is asked for again.
    mutating func followCNAMEInResponse(_ index: Int, to target: Name,
                                                        _ message: UnsafeRawBufferPointer, nowMs: Int64) {
        guard takeCNAMELink(index, to: target, nowMs: nowMs) else { return }
        let o = outgoing.pointer(index)
        startForwarding(index)
        o.pointee.iteration.sentName = o.pointee.iteration.target
        o.pointee.iteration.sentType = o.pointee.question.type
        let kind = classify(message, o.pointee.iteration, full: true)
        switch kind {
        case .answer, .cname, .noData, .nxDomain:
            act(on: kind, index, message, nowMs: nowMs)
        case .referral, .lame:   // the chain stops short in this message: ask for the rest
            emitCancel(index)
            iterate(index, nowMs: nowMs)
        }
    }
}
