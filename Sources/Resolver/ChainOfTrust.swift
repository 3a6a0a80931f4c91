import Cache
import DNSWire
import Fixed
import Validator

/// What the resolver knows about a zone's DNSKEY set or DS set.
enum KeyStatus {
    /// Not cached (or only unvalidated): fetch it in a sub-task.
    case unknown
    /// The zone is unsigned as far as we can tell: no anchor covers it, a
    /// negative anchor does, a DS is proven absent, or an ancestor is insecure.
    case insecure
    case bogus(EDECode)
    /// Provably absent, and not because of an unsigned delegation: for a DS,
    /// the name is no zone cut (a plain NODATA or NXDOMAIN in the parent).
    case absent
    /// Validated; the RDATAs were copied into a ValidationContext buffer.
    case secure(RDataList)
    /// DS only: the zone is a trust anchor's owner, the anchor stands in.
    case anchor(TrustAnchorKind, RDataList)
}

/// The chain of trust (RFC 4035 §5): a zone's DNSKEY set is secure when a
/// secure DS set of its parent (or a trust anchor) vouches for it; a DS set
/// is secure when the parent's secure DNSKEY set signs it. Both are fetched
/// in sub-tasks — like nameserver addresses — cached with their verdict as
/// rank, and reused by later queries. A DS NODATA whose NSEC/NSEC3 at the
/// name proves an unsigned delegation (NS without DS) is a secure answer
/// cached with a mark (AnswerCache.unsignedDelegationMark): "the child is
/// insecure"; one resting on an opt-out span is cached with rank
/// `.insecure`; a plain secure DS NODATA means "no zone cut here".
extension QueryEngine {
    /// The status of `zone`'s DNSKEY RRset (the keys its data is signed
    /// with). Not cached: an insecure or bogus DS set (or anchor) answers
    /// for the keys, which then need no fetching.
    mutating func keyStatus(_ zone: Name, nowMs: Int64) -> KeyStatus {
        guard validation.isCovered(zone) else { return .insecure }
        let cached = cachedStatus(zone, .dnskey, into: validation.keysBuffer, nowMs: nowMs)
        guard case .unknown = cached else { return cached }
        switch dsStatus(zone, nowMs: nowMs) {
        case .insecure: return .insecure
        case .bogus(let code): return .bogus(code)
        default: return .unknown
        }
    }

    /// The status of `zone`'s DS RRset (in its parent), or its anchor. A
    /// secure DS set (or anchor) of which we can use nothing — unknown
    /// algorithms, unknown digest types — is no authentication path: the
    /// child is insecure (RFC 4035 §5.2, RFC 6840 §5.2; RFC 8624 §3 lists
    /// what is supported).
    mutating func dsStatus(_ zone: Name, nowMs: Int64) -> KeyStatus {
        guard validation.isCovered(zone) else { return .insecure }
        if let anchor = validation.anchors.anchors(at: zone) {
            // RFC 5011: once the state trusts keys, they are the anchor.
            if let keys = maintainedAnchorKeys(zone) { return .anchor(.dnskey, keys) }
            let usable = anchor.kind == .ds ? ChainStep.hasUsableDS(anchor.rdatas)
                                            : ChainStep.hasUsableKey(anchor.rdatas)
            return usable ? .anchor(anchor.kind, anchor.rdatas) : .insecure
        }
        if zone == .root { return .insecure }   // a root without an anchor has no parent to vouch for it
        let status = cachedStatus(zone, .ds, into: validation.dsBuffer, nowMs: nowMs)
        if case .secure(let list) = status, !ChainStep.hasUsableDS(list) { return .insecure }
        return status
    }

    /// What to fetch before data signed by `zone` can be judged: nothing
    /// when its keys' status is known; else its DS set first (the parent
    /// vouches for the keys, and an unsigned delegation or an unusable DS
    /// set makes them unnecessary), then the DNSKEY set.
    mutating func keysNeeded(_ zone: Name, nowMs: Int64) -> (Name, RRType)? {
        guard case .unknown = keyStatus(zone, nowMs: nowMs) else { return nil }
        if case .unknown = dsStatus(zone, nowMs: nowMs) { return (zone, .ds) }
        return (zone, .dnskey)
    }

    mutating func cachedStatus(_ name: Name, _ type: RRType, into buffer: UnsafeMutableRawBufferPointer,
                               nowMs: Int64) -> KeyStatus {
        guard case .fresh(let hit, _) = cache.lookup(name, type, nowSeconds: nowMs / 1000) else { return .unknown }
        switch hit.rank {
        case .insecure:
            return .insecure
        case .bogus:
            return .bogus(cache.withBlob(hit) { AnswerCache.bogusCode($0) } ?? .dnssecBogus)
        case .secure:
            guard hit.kind == .rrset else {
                // A secure DS NODATA: an unsigned delegation, or no cut at all.
                let unsigned = type == .ds && hit.kind == .noData
                    && cache.withBlob(hit, { AnswerCache.provesUnsignedDelegation($0) }) == true
                return unsigned ? .insecure : .absent
            }
            guard let byteCount = cache.withBlob(hit, { AnswerCache.copyRDatas($0, into: buffer) }) ?? nil,
                  let list = try? RDataList(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<byteCount]))
            else { return .bogus(.dnssecBogus) }
            return .secure(list)
        default:
            return .unknown   // referral or unvalidated data: not evidence
        }
    }

    /// The DNSKEY or DS set task `index` needs before asking its final
    /// question (so the answer can be validated as it arrives), or nil.
    mutating func missingKeys(_ index: Int, nowMs: Int64) -> (Name, RRType)? {
        guard validates(index) else { return nil }
        let o = outgoing[index]
        let it = o.iteration
        let (name, type) = nextQuestion(it, full: o.question)
        guard name == it.target, type == o.question.type else { return nil }   // not the final question yet
        if type == .dnskey && (it.target == it.zone || it.purpose == .keys) {
            // A zone's own keys are vouched for by its DS set, not by themselves.
            // (A key fetch asks for a zone a signature named, maybe served by
            // its parent's servers. A client's DNSKEY question is no zone cut
            // until a self-signed answer shows one: checkFinal asks then.)
            if case .unknown = dsStatus(it.target, nowMs: nowMs) { return (it.target, .ds) }
            return nil
        }
        return keysNeeded(it.zone, nowMs: nowMs)
    }

    /// Starts a sub-task fetching (`name`, `type`) for task `index`, which
    /// waits and then asks its question again. False when it must not: the
    /// same set was fetched already, an ancestor task is fetching it (a
    /// loop), or the budgets or slots are spent.
    mutating func startKeyFetch(_ index: Int, name: Name, type: RRType, nowMs: Int64) -> Bool {
        let it = outgoing[index].iteration
        if it.hasFetchedKeys && it.fetchedKeyType == type && it.fetchedKeyName == name { return false }
        if ancestorAsks(index, name: name, type: type) { return false }
        let root = Int(it.root)
        guard outgoing.isInUse(root), outgoing[root].iteration.keyFetchesLeft > 0 else {
            stats.budgetExhausted += 1
            return false
        }
        guard outgoing.usedCount < outgoing.capacity else {   // (before the task is marked below)
            stats.noOutgoingSlot += 1
            return false
        }
        let task = outgoing.pointer(index)
        task.pointee.iteration.hasFetchedKeys = true
        task.pointee.iteration.fetchedKeyName = name
        task.pointee.iteration.fetchedKeyType = type
        // Forwarding: asking again once the keys are in is no retry.
        task.pointee.attempts = 0
        task.pointee.triedMask = 0
        return startSubTask(index, name: name, type: type, purpose: .keys, nowMs: nowMs)
    }

    /// Starts a sub-task asking (`name`, `type`) for task `index`, which
    /// waits for it: a nameserver address or a key set. Spends one of the
    /// root task's look-ups or key fetches (the caller checked one is left).
    /// False when no outgoing slot is free.
    mutating func startSubTask(_ index: Int, name: Name, type: RRType, purpose: TaskPurpose,
                                               nowMs: Int64) -> Bool {
        guard let child = outgoing.acquire() else {
            stats.noOutgoingSlot += 1
            return false
        }
        let root = outgoing.pointer(Int(outgoing[index].iteration.root))
        if purpose == .keys {
            root.pointee.iteration.keyFetchesLeft -= 1
            stats.keyFetches += 1
        } else {
            root.pointee.iteration.lookupsLeft -= 1
            stats.nsLookups += 1
        }
        var o = OutgoingQuery()
        o.question = Question(name: name.lowercased(), type: type, rrClass: .in)
        outgoing[child] = o
        beginIteration(child, parent: Int32(index), nowMs: nowMs)
        outgoing.pointer(child).pointee.iteration.purpose = purpose
        outgoing.pointer(index).pointee.state = .awaitingSubTask(Int32(child))
        iterate(child, nowMs: nowMs)
        return true
    }

    /// True when task `index` or a task it works for asks (`name`, `type`).
    func ancestorAsks(_ index: Int, name: Name, type: RRType) -> Bool {
        var current: Int32? = Int32(index)
        for _ in 0..<outgoing.capacity {
            guard let task = current, outgoing.isInUse(Int(task)) else { return false }
            let o = outgoing[Int(task)]
            if o.question.type == type && o.question.name == name { return true }
            current = o.iteration.parent
        }
        return true   // a parent chain longer than the pool: corrupt, refuse
    }
}

extension AnswerCache {
    /// Copies the RDATA entries of an RRset blob (without its RRSIGs) into
    /// `buffer` as an RDataList; returns the byte count, nil if it won't fit.
    static func copyRDatas(_ blob: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard blob.count >= 2 else { return nil }
        let count = Int(loadU16(blob, 0))
        var end = 2
        for _ in 0..<count {
            guard end + 2 <= blob.count else { return nil }
            end += 2 + Int(loadU16(blob, end))
        }
        let byteCount = end - 2
        guard end <= blob.count, byteCount <= buffer.count else { return nil }
        UnsafeMutableRawBufferPointer(rebasing: buffer[0..<byteCount])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: blob[2..<end]))
        return byteCount
    }
}
