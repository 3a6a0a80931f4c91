/// The arena as a ring log: records are appended at the head; room is made
/// by examining the record at the tail (CLOCK with second chance):
///   dead or pad                        → its bytes are taken back
///   past the stale window (or bogus)   → reclaimed
///   fresh and referenced since its last
///   pass, and it can move to the head  → moved to the head, bit cleared
///   anything else (expired, or unused) → evicted
/// Each examination is one step; an insert may take at most
/// `configuration.evictionStepsPerInsertMax` steps.
extension RRsetCache {
    /// Makes contiguous room for `byteCount` bytes at the head (and, if
    /// `needsSlot`, a free index slot). Returns the offset, or nil when the
    /// step budget ran out (`.refusedFull`). Does not write the record.
    mutating func allocate(byteCount: Int, needsSlot: Bool, nowSeconds: Int64) -> Int? {
        let capacity = geometry.arenaByteCount
        let stepBudget = configuration.evictionStepsPerInsertMax
        var steps = 0
        // Each pass either returns, wraps the head (at most once between
        // steps) or takes a step: 2 × budget + 2 passes always suffice.
        for _ in 0..<(2 * stepBudget + 2) {
            if statistics.occupiedByteCount == 0 { headOffset = 0; tailOffset = 0 }
            let slotFree = !needsSlot || statistics.entryCount < geometry.entryCountMax
            if headOffset > tailOffset || statistics.occupiedByteCount == 0 {
                // Free space is [head, capacity) and [0, tail).
                if capacity - headOffset >= byteCount {
                    if slotFree { return headOffset }
                } else {
                    wrapHead()
                    continue
                }
            } else if tailOffset - headOffset >= byteCount && slotFree {
                return headOffset  // free space is the gap [head, tail)
            }
            if steps == stepBudget { return nil }
            steps += 1
            stepTail(nowSeconds: nowSeconds)
        }
        return nil
    }

    /// Fills [head, capacity) with a pad record and continues at offset 0.
    mutating func wrapHead() {
        let padByteCount = geometry.arenaByteCount - headOffset
        record(at: headOffset).writePad(byteCount: padByteCount)
        statistics.occupiedByteCount += padByteCount
        headOffset = 0
    }

    /// Examines the tail record once: takes back, reclaims, evicts or moves it.
    mutating func stepTail(nowSeconds: Int64) {
        let offset = tailOffset
        let view = record(at: offset)
        let byteCount = view.byteCount
        if view.isLive {
            let age = age(of: view, nowSeconds: nowSeconds)
            if case .gone = age {
                unlinkRecord(at: offset)
                statistics.reclaimCount += 1
            } else if age.isFresh && view.isReferenced && giveSecondChance(at: offset) {
                return
            } else {
                unlinkRecord(at: offset)
                statistics.evictionCount += 1
            }
        }
        releaseTail(byteCount: byteCount)
    }

    /// Drops the tail record's bytes from the ring.
    mutating func releaseTail(byteCount: Int) {
        statistics.occupiedByteCount -= byteCount
        tailOffset += byteCount
        if tailOffset == geometry.arenaByteCount { tailOffset = 0 }
        if statistics.occupiedByteCount == 0 { headOffset = 0; tailOffset = 0 }
    }

    /// Unlinks the live record at `offset` from the index.
    mutating func unlinkRecord(at offset: Int) {
        let view = record(at: offset)
        guard let slot = index.find(tag: view.tag, recordOffset: offset) else {
            preconditionFailure("RRsetCache: live record without an index slot")
        }
        unlink(slot: slot)
    }

    /// Moves the tail record to the head with its referenced bit cleared.
    /// Returns false (caller evicts) when the head has no contiguous room.
    mutating func giveSecondChance(at offset: Int) -> Bool {
        let view = record(at: offset)
        let byteCount = view.byteCount
        let destination: Int
        if headOffset == tailOffset {
            destination = offset  // ring is full: the record stays, now newest
        } else if headOffset < tailOffset {
            destination = headOffset  // gap before the tail: overlapping shift
        } else if geometry.arenaByteCount - headOffset >= byteCount {
            destination = headOffset
        } else {
            return false
        }
        view.clearReferenced()
        if destination != offset {
            // Find the slot before moving: an overlapping move may overwrite
            // the old header.
            guard let slot = index.find(tag: view.tag, recordOffset: offset) else {
                preconditionFailure("RRsetCache: live record without an index slot")
            }
            (arena + destination).copyMemory(from: arena + offset, byteCount: byteCount)
            index.repoint(slot, recordOffset: destination)
            // A copy that left the old header intact must not look live to
            // an outdated handle.
            if destination + byteCount <= offset { record(at: offset).setState(.dead) }
        }
        statistics.secondChanceCount += 1
        // The moved bytes leave the tail and join the head.
        tailOffset += byteCount
        if tailOffset == geometry.arenaByteCount { tailOffset = 0 }
        headOffset = destination + byteCount
        if headOffset == geometry.arenaByteCount { headOffset = 0 }
        return true
    }

    /// Accounts a record just written at the head.
    mutating func commitHead(byteCount: Int) {
        headOffset += byteCount
        if headOffset == geometry.arenaByteCount { headOffset = 0 }
        statistics.occupiedByteCount += byteCount
        statistics.liveByteCount += byteCount
        statistics.entryCount += 1
        statistics.liveByteCountHighWater = max(statistics.liveByteCountHighWater, statistics.liveByteCount)
    }
}
