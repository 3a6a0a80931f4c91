// CacheOperator: the operator's commands on the cache, over the control
// socket (`sprig flush [NAME]`, `sprig dump-cache`). They run between
// queries, on the control path, which may allocate (Server/Control.swift);
// the query path never calls them.
// Owns: which entries a flush removes (NAME and every name below it), and
// the dump's text: one line per RRset in zone-file presentation form
// (remaining TTL, stale entries marked), negative entries as comments.
// Never: changes an entry it does not remove, or writes past the byte bound
// the caller gives (the dump says how many entries it left out).
//
// Example:
//   engine.flushCache(below: try Name(parsing: "example.org"))   // → 12 entries removed
//   engine.cacheDump(below: nil, nowMs: now, byteCountMax: 60_000).text
//   // "www.example.org. 287 IN A 192.0.2.1 ; secure\n..."
import Cache
import DNSWire

extension ResolverCore {
    /// Removes every cached entry (nil), or those of `name` and every name
    /// below it; returns how many were removed. Aggressive use of cached
    /// NSEC/NSEC3 (RFC 8198) may still deny a flushed name until the
    /// covering record, owned elsewhere, expires.
    public mutating func flushCache(below name: Name?) -> Int {
        guard let name else {
            let count = cache.store.statistics.entryCount
            cache.store.clear()
            return count
        }
        let suffix = name.lowercased().wireBytes
        return cache.store.removeAll { owner in CacheOperatorText.owner(owner, isAtOrBelow: suffix) }
    }

    /// The cache as text (every entry, or those of `name` and below), at
    /// most `byteCountMax` bytes; `shown` of `total` entries made it.
    public func cacheDump(below name: Name? = nil, nowMs: Int64,
                          byteCountMax: Int) -> (text: String, shown: Int, total: Int) {
        var text = ""
        var shown = 0
        var total = 0
        let nowSeconds = nowMs / 1000
        let suffix = name?.lowercased().wireBytes
        cache.store.forEachEntry { entry in
            if let suffix, !CacheOperatorText.owner(entry.owner, isAtOrBelow: suffix) { return }
            total += 1
            guard text.utf8.count < byteCountMax else { return }
            let lines = CacheOperatorText.lines(entry, nowSeconds: nowSeconds)
            guard text.utf8.count + lines.utf8.count <= byteCountMax else { return }
            text += lines
            shown += 1
        }
        return (text, shown, total)
    }
}

/// Presentation of cache entries (lowercased wire owners, blobs in
/// `AnswerCache`'s layout).
enum CacheOperatorText {
    /// Whether `owner` equals `suffix` or ends with it at a label boundary.
    static func owner(_ owner: UnsafeRawBufferPointer, isAtOrBelow suffix: [UInt8]) -> Bool {
        var offset = 0
        for _ in 0..<Limits.nameByteCountMax {
            guard offset < owner.count else { return false }
            if owner.count - offset == suffix.count {
                var same = true
                for i in 0..<suffix.count where owner[offset + i] != suffix[i] { same = false; break }
                return same
            }
            if owner.count - offset < suffix.count { return false }
            let length = Int(owner[offset])
            if length == 0 { return false }
            offset += 1 + length
        }
        return false
    }

    static func lines(_ entry: CacheEntryView, nowSeconds: Int64) -> String {
        let owner = (try? Name(wire: entry.owner))?.text ?? "?"
        let remaining = entry.expirySeconds - nowSeconds
        let ttl = remaining > 0 ? String(remaining) : "0"
        var notes = " ; " + rankText(entry.rank)
        if remaining <= 0 { notes += ", stale " + String(-remaining) + " s" }
        let type = RRType(rawValue: entry.type)
        switch entry.kind {
        case .nxDomain:
            return "; " + owner + " " + ttl + " IN NXDOMAIN" + notes + "\n"
        case .noData:
            return "; " + owner + " " + ttl + " IN " + type.mnemonic + " NODATA" + notes + "\n"
        case .rrset:
            var out = ""
            forEachRData(entry.blob, limit: entry.rank == .bogus ? 0 : Int.max) { rdata in
                let value = (try? RDataText.format(type: type, rdata: rdata)) ?? RDataText.unknownForm(rdata)
                out += owner + " " + ttl + " IN " + type.mnemonic + " " + value + notes + "\n"
            }
            if out.isEmpty { out = "; " + owner + " " + ttl + " IN " + type.mnemonic + notes + "\n" }
            return out
        }
    }

    /// The RDATAs of an RRset blob (`u16 count, count × (u16 length, RDATA)`),
    /// bounds-checked: a short blob ends the walk.
    static func forEachRData(_ blob: UnsafeRawBufferPointer, limit: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard blob.count >= 2, limit > 0 else { return }
        let count = Int(blob[0]) << 8 | Int(blob[1])
        var offset = 2
        for _ in 0..<min(count, limit) {
            guard offset + 2 <= blob.count else { return }
            let length = Int(blob[offset]) << 8 | Int(blob[offset + 1])
            guard offset + 2 + length <= blob.count else { return }
            body(UnsafeRawBufferPointer(rebasing: blob[(offset + 2)..<(offset + 2 + length)]))
            offset += 2 + length
        }
    }

    static func rankText(_ rank: TrustRank) -> String {
        switch rank {
        case .bogus: "bogus"
        case .indeterminate: "indeterminate"
        case .insecure: "insecure"
        case .authoritativeUnvalidated: "unvalidated"
        case .secure: "secure"
        }
    }
}
