/// Finding entries and reading their blobs in place.
extension RRsetCache {
    /// Looks up (owner, type, class) at `nowSeconds`. Also consults the
    /// name's NXDOMAIN entry: if both exist the NXDOMAIN is the newer one
    /// (storing an RRset removes it), so it wins unless the typed entry has
    /// a higher rank and is fresh — the same rule as replacement.
    /// Entries past the stale window are reclaimed on the spot. A hit marks
    /// the entry referenced (second chance in the eviction walk).
    public mutating func lookup(owner: UnsafeRawBufferPointer, type: UInt16, rrClass: UInt16,
                                nowSeconds: Int64) -> CacheLookup {
        guard RRsetCache.isValidOwner(owner), type != CacheLimits.nxDomainKeyType else {
            statistics.missCount += 1
            return .miss
        }
        let nameHash = hasher.nameHash(owner)
        let typed = probe(CacheKey(owner: owner, type: type, rrClass: rrClass),
                          nameHash: nameHash, nowSeconds: nowSeconds)
        let nx = probe(CacheKey(owner: owner, type: CacheLimits.nxDomainKeyType, rrClass: rrClass),
                       nameHash: nameHash, nowSeconds: nowSeconds)
        guard let chosen = choose(typed: typed, nx: nx) else {
            statistics.missCount += 1
            return .miss
        }
        let view = record(at: chosen.offset)
        view.markReferenced()
        let hit = CacheHit(
            handle: CacheEntryHandle(offset: UInt32(chosen.offset), stamp: view.stamp),
            kind: view.kind, rank: view.rank, isAwaitingClockSync: view.isAwaitingClockSync,
            originalTTLSeconds: view.originalTTLSeconds, blobByteCount: view.blobByteCount)
        switch chosen.age {
        case .fresh(let remaining):
            statistics.hitCount += 1
            return .fresh(hit, remainingTTLSeconds: remaining)
        case .stale(let expiredFor):
            statistics.staleHitCount += 1
            return .stale(hit, expiredForSeconds: expiredFor)
        case .gone:
            statistics.missCount += 1  // not reached: probe never returns gone
            return .miss
        }
    }

    /// Calls `body` with the blob of `hit`'s record, in place, or returns
    /// nil if the handle is outdated (the record was since moved, replaced,
    /// evicted or removed: look it up again).
    public func withBlob<R, E: Error>(of hit: CacheHit,
                                      _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R? {
        let offset = Int(hit.handle.offset)
        let headerEnd = offset + RecordLayout.headerByteCount
        guard offset % CacheLimits.recordAlignment == 0, headerEnd <= geometry.arenaByteCount else { return nil }
        let view = record(at: offset)
        guard view.isLive, view.stamp == hit.handle.stamp,
              headerEnd + view.ownerByteCount + view.blobByteCount <= geometry.arenaByteCount
        else { return nil }
        return try body(view.blob)
    }

    /// Lookup and blob access in one call: `body` gets the result and the
    /// blob (empty on a miss). The blob is valid only inside `body`.
    public mutating func withEntry<R, E: Error>(
        owner: UnsafeRawBufferPointer, type: UInt16, rrClass: UInt16, nowSeconds: Int64,
        _ body: (CacheLookup, UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let result = lookup(owner: owner, type: type, rrClass: rrClass, nowSeconds: nowSeconds)
        guard let hit = result.hit else { return try body(result, UnsafeRawBufferPointer(start: nil, count: 0)) }
        let view = record(at: Int(hit.handle.offset))
        return try body(result, view.blob)
    }

    /// A live, not-gone record for `key`; gone ones are reclaimed.
    mutating func probe(_ key: CacheKey, nameHash: UInt64, nowSeconds: Int64) -> ProbeResult? {
        let tag = hasher.tag(nameHash: nameHash, type: key.type, rrClass: key.rrClass)
        guard let slot = findSlot(key, tag: tag) else { return nil }
        let offset = index.recordOffset(at: slot)
        let age = age(of: record(at: offset), nowSeconds: nowSeconds)
        if case .gone = age {
            unlink(slot: slot)
            statistics.reclaimCount += 1
            return nil
        }
        return ProbeResult(offset: offset, age: age, rank: record(at: offset).rank)
    }

    func choose(typed: ProbeResult?, nx: ProbeResult?) -> ProbeResult? {
        guard let nx else { return typed }
        guard let typed else { return nx }
        return typed.rank > nx.rank && typed.age.isFresh ? typed : nx
    }
}

struct ProbeResult {
    let offset: Int
    let age: RecordAge
    let rank: TrustRank
}
