/// Walking the ring for tests, stats dumps and self-checks. Not on the
/// query path.
extension RRsetCache {
    /// Calls `body` for every live record, oldest first (including expired
    /// ones not yet reclaimed). Does not change reference bits or counters.
    public func forEachEntry(_ body: (CacheEntryView) -> Void) {
        walkRing { offset in
            let view = record(at: offset)
            guard view.isLive else { return }
            body(CacheEntryView(
                owner: view.owner, type: view.type, rrClass: view.rrClass, kind: view.kind,
                rank: view.rank, isAwaitingClockSync: view.isAwaitingClockSync,
                isReferenced: view.isReferenced, originalTTLSeconds: view.originalTTLSeconds,
                expirySeconds: view.expirySeconds, recordByteCount: view.byteCount, blob: view.blob))
        }
    }

    /// Checks the ring and index against each other and the gauges; returns
    /// the first inconsistency found, or nil. O(entries); for tests.
    public func audit() -> CacheAuditFailure? {
        var walked = 0
        var live = 0
        var liveBytes = 0
        var failure: CacheAuditFailure?
        walkRing { offset in
            let view = record(at: offset)
            walked += view.byteCount
            guard failure == nil, view.isLive else { return }
            live += 1
            liveBytes += view.byteCount
            if index.find(tag: view.tag, recordOffset: offset) == nil { failure = .liveRecordNotIndexed }
        }
        if let failure { return failure }
        if walked != statistics.occupiedByteCount { return .occupancyMismatch }
        if statistics.occupiedByteCount > geometry.arenaByteCount { return .occupancyBeyondArena }
        if live != statistics.entryCount || liveBytes != statistics.liveByteCount { return .liveCountMismatch }
        if live > geometry.entryCountMax { return .entryCountBeyondMax }
        var used = 0
        for slot in 0..<index.slotCount where !index.isEmpty(slot) {
            used += 1
            let view = record(at: index.recordOffset(at: slot))
            if !view.isLive || index.find(tag: view.tag, recordOffset: index.recordOffset(at: slot)) != slot {
                return .slotPointsAtNonLiveRecord
            }
        }
        return used == live ? nil : .slotCountMismatch
    }

    /// Visits each record offset from tail to head. Bounded by the arena
    /// (every record is ≥ 8 bytes).
    func walkRing(_ visit: (Int) -> Void) {
        var offset = tailOffset
        var remaining = statistics.occupiedByteCount
        for _ in 0..<(geometry.arenaByteCount / CacheLimits.recordAlignment) {
            guard remaining > 0 else { return }
            let byteCount = record(at: offset).byteCount
            guard byteCount >= CacheLimits.recordAlignment, byteCount <= remaining else { return }
            visit(offset)
            remaining -= byteCount
            offset += byteCount
            if offset == geometry.arenaByteCount { offset = 0 }
        }
    }
}

/// What `RRsetCache.audit()` found wrong.
public enum CacheAuditFailure: Equatable, Sendable {
    case liveRecordNotIndexed
    case occupancyMismatch
    case occupancyBeyondArena
    case liveCountMismatch
    case entryCountBeyondMax
    case slotPointsAtNonLiveRecord
    case slotCountMismatch
}

/// Operator commands (`sprig flush`): not on the query path.
extension RRsetCache {
    /// Removes every live entry whose owner (lowercased wire form)
    /// `matches`; returns how many. Collects the records first, then
    /// unlinks them (a removed record stays in the ring, dead, until the
    /// tail reclaims it). O(entries); the list is the control path's.
    @discardableResult
    public mutating func removeAll(whereOwner matches: (UnsafeRawBufferPointer) -> Bool) -> Int {
        var offsets: [Int] = []
        walkRing { offset in
            let view = record(at: offset)
            if view.isLive && matches(view.owner) { offsets.append(offset) }
        }
        for offset in offsets { unlinkRecord(at: offset) }
        statistics.removeCount += offsets.count
        return offsets.count
    }
}
