/// Inserting and removing entries.
extension RRsetCache {
    /// Stores `blob` for (owner, type, class) with the given kind and rank.
    ///
    /// - `owner`: uncompressed wire form, any case (compared ASCII
    ///   case-insensitively; stored lowercased).
    /// - `type`: the RR type; ignored for `.nxDomain`, which is stored under
    ///   `CacheLimits.nxDomainKeyType` and answers every type at the name.
    /// - `ttlSeconds`: capped to [minTTL, maxTTL] (and bogus to
    ///   `CacheLimits.bogusTTLMaxSeconds`); expiry is `nowSeconds` + TTL.
    /// - `nowSeconds`: the caller's monotonic clock in whole seconds. It must
    ///   not go backwards; the cache never reads a clock.
    ///
    /// Replacement (RFC 2181 §5.4.1): an entry for the same key is replaced
    /// unless it has a higher rank and is still fresh. An RRset or NODATA
    /// also replaces the name's NXDOMAIN entry under the same rule.
    public mutating func insert(owner: UnsafeRawBufferPointer, type: UInt16, rrClass: UInt16,
                                kind: CacheEntryKind, rank: TrustRank, ttlSeconds: UInt32,
                                isAwaitingClockSync: Bool = false,
                                blob: UnsafeRawBufferPointer, nowSeconds: Int64) -> CacheInsertResult {
        let keyType = kind == .nxDomain ? CacheLimits.nxDomainKeyType : type
        guard RRsetCache.isValidOwner(owner), keyType != CacheLimits.nxDomainKeyType || kind == .nxDomain else {
            statistics.refusedInvalidKeyCount += 1
            return .refusedInvalidKey
        }
        let byteCount = RecordLayout.recordByteCount(ownerByteCount: owner.count, blobByteCount: blob.count)
        guard blob.count <= CacheLimits.blobByteCountMax, byteCount <= geometry.recordByteCountMax else {
            statistics.refusedTooLargeCount += 1
            return .refusedTooLarge
        }
        let key = CacheKey(owner: owner, type: keyType, rrClass: rrClass)
        let nameHash = hasher.nameHash(owner)
        let tag = hasher.tag(nameHash: nameHash, type: keyType, rrClass: rrClass)
        let nxKey = CacheKey(owner: owner, type: CacheLimits.nxDomainKeyType, rrClass: rrClass)
        let nxTag = hasher.tag(nameHash: nameHash, type: CacheLimits.nxDomainKeyType, rrClass: rrClass)
        let existing = findSlot(key, tag: tag)
        let existingNX = kind == .nxDomain ? nil : findSlot(nxKey, tag: nxTag)
        if outranks(existing, rank, nowSeconds) || outranks(existingNX, rank, nowSeconds) {
            statistics.refusedLowerRankCount += 1
            return .refusedLowerRank
        }
        let metadata = RecordMetadata(
            kind: kind, rank: rank, awaitingClockSync: isAwaitingClockSync,
            expirySeconds: RRsetCache.saturatingSum(nowSeconds, Int64(cappedTTL(ttlSeconds, rank: rank))),
            originalTTLSeconds: cappedTTL(ttlSeconds, rank: rank), stamp: newStamp())
        let result: CacheInsertResult
        if let slot = existing, record(at: index.recordOffset(at: slot)).blobCapacity >= blob.count {
            record(at: index.recordOffset(at: slot)).writeMetadata(metadata, blob: blob)
            statistics.inPlaceRefreshCount += 1
            result = .replaced
        } else {
            guard let offset = allocate(byteCount: byteCount, needsSlot: existing == nil, nowSeconds: nowSeconds)
            else {
                statistics.refusedFullCount += 1
                return .refusedFull
            }
            record(at: offset).writeNew(byteCount: byteCount, key: key, tag: tag, metadata: metadata, blob: blob)
            // The walk may have moved or evicted the old record: find it again.
            if existing != nil, let slot = findSlot(key, tag: tag) { unlink(slot: slot) }
            index.insert(tag: tag, recordOffset: offset)
            commitHead(byteCount: byteCount)
            result = existing == nil ? .stored : .replaced
        }
        // RFC 2308: data at the name means it exists; its NXDOMAIN is obsolete.
        if existingNX != nil, let slot = findSlot(nxKey, tag: nxTag) { unlink(slot: slot) }
        statistics.insertCount += 1
        if result == .replaced { statistics.replaceCount += 1 }
        return result
    }

    /// Removes the entry for (owner, type, class); for the name's NXDOMAIN
    /// entry pass `CacheLimits.nxDomainKeyType`. Returns whether one existed.
    @discardableResult
    public mutating func remove(owner: UnsafeRawBufferPointer, type: UInt16, rrClass: UInt16) -> Bool {
        guard RRsetCache.isValidOwner(owner) else { return false }
        let key = CacheKey(owner: owner, type: type, rrClass: rrClass)
        let tag = hasher.tag(nameHash: hasher.nameHash(owner), type: type, rrClass: rrClass)
        guard let slot = findSlot(key, tag: tag) else { return false }
        unlink(slot: slot)
        statistics.removeCount += 1
        return true
    }

    /// Whether the entry in `slot` blocks a newcomer of rank `rank`.
    func outranks(_ slot: Int?, _ rank: TrustRank, _ nowSeconds: Int64) -> Bool {
        guard let slot else { return false }
        let view = record(at: index.recordOffset(at: slot))
        return view.rank > rank && age(of: view, nowSeconds: nowSeconds).isFresh
    }

    func cappedTTL(_ ttlSeconds: UInt32, rank: TrustRank) -> UInt32 {
        let capped = min(max(ttlSeconds, configuration.minTTLSeconds), configuration.maxTTLSeconds)
        return rank == .bogus ? min(capped, CacheLimits.bogusTTLMaxSeconds) : capped
    }
}
