import Cache
import DNSWire
import Fixed
import Validator

/// The resolver's side of the chain of trust (RFC 4035 §5): when to fetch.
/// The `ValidationEngine` names the DNSKEY or DS set a zone still needs
/// (Validator: ChainStatus.swift); a task fetches it in a sub-task — like a
/// nameserver address — which caches it with its verdict as rank, where
/// later queries find it. The engine reads those verdicts back through
/// `AnswerCache`'s `VerdictCache` conformance below (the blob format stays
/// here: AnswerCache.swift).
extension ResolverCore {
    /// The DNSKEY or DS set task `index` needs before asking its final
    /// question (so the answer can be validated as it arrives), or nil.
    mutating func missingKeys(_ index: Int, nowMs: Int64) -> (Name, RRType)? {
        guard validates(index) else { return nil }
        let o = outgoing[index]
        let it = o.iteration
        let (name, type) = nextQuestion(it, full: o.question)
        guard name == it.target, type == o.question.type else { return nil }   // not the final question yet
        return validation.keysNeeded(toAsk: it.target, type, ofZone: it.zone, isKeyFetch: it.purpose == .keys,
                                     cache: &cache, nowMs: nowMs)
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

extension AnswerCache: VerdictCache {
    /// One look-up, and only the blob facts the entry's rank and kind make
    /// meaningful: a bogus entry's EDE, a secure NODATA's unsigned
    /// delegation mark, a secure RRset's RDATAs (copied into `buffer`).
    public mutating func verdict(of name: Name, _ type: RRType, nowSeconds: Int64,
                                 copyingRDatasInto buffer: UnsafeMutableRawBufferPointer?) -> CachedVerdict? {
        guard case .fresh(let hit, _) = lookup(name, type, nowSeconds: nowSeconds) else { return nil }
        var verdict = CachedVerdict(kind: hit.kind, rank: hit.rank)
        switch (hit.rank, hit.kind) {
        case (.bogus, _):
            verdict.bogusCode = withBlob(hit) { AnswerCache.bogusCode($0) } ?? .dnssecBogus
        case (.secure, .noData):
            verdict.provesUnsignedDelegation = withBlob(hit, { AnswerCache.provesUnsignedDelegation($0) }) == true
        case (.secure, .rrset):
            guard let buffer, let byteCount = withBlob(hit, { AnswerCache.copyRDatas($0, into: buffer) }) ?? nil
            else { break }
            verdict.rdatas = try? RDataList(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<byteCount]))
        default:
            break
        }
        return verdict
    }

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
