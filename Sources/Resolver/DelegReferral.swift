import Cache
import DNSWire

/// DELEG referrals (draft-ietf-deleg-12 §5.1, draft-ietf-dnsop-delext-11
/// §5.2–5.3), behind `settings.deleg`: a referral whose authority section
/// holds a DELEG RRset for the child is followed by that RRset alone.
///
/// Owns: reading a referral's or the cache's DELEG RRset into the task's
/// servers (SLIST): server-ipv4/ipv6 addresses at once, server-name names
/// looked up like NS targets (`nsNames`), each record judged by
/// `DelegInfo.use` (§5.1.2 steps 1–4). SLIST is a set (ServerSet drops
/// duplicates, delext §5.3). A DELEG that exists but gives no usable server
/// ends the task in SERVFAIL, EDE 22 "No Reachable Authority": delext §5.3
/// step 2.2.1 says to treat it as unreachable servers, and never to use the
/// NS RRset beside it.
/// Never: caches or validates the NS records of such a referral (delext
/// §5.2); follows include-delegparam (not done yet: such a record adds no
/// server, counted in `delegIncludesNotFollowed`); checks the NSEC type
/// bitmap against the DNSKEY-ADT flag (delext §6.2, not done yet: that is
/// why `option deleg '1'` is still refused, Config/NotCarriedOut.swift).
extension ResolverCore {
    /// True when `message`'s authority section holds a DELEG record owned by `child`.
    static func hasDeleg(_ message: UnsafeRawBufferPointer, of child: Name) -> Bool {
        var found = false
        forEachDeleg(message, of: child) { _ in found = true }
        return found
    }

    /// Calls `body` with the RDATA of each authority-section DELEG record
    /// owned by `child` (bounded like every message walk here).
    static func forEachDeleg(_ message: UnsafeRawBufferPointer, of child: Name,
                             _ body: (UnsafeRawBufferPointer) -> Void) {
        guard var reader = try? MessageReader(message) else { return }
        var count = 0
        while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
            count += 1
            guard record.section == .authority, record.type == .deleg,
                  (try? record.owner(in: message)) == child else { continue }
            body(record.rdata(in: message))
        }
    }

    /// Follows the referral to `child` by its DELEG RRset: the NS RRset
    /// beside it is ignored, neither validated nor cached; the parent's DS
    /// is kept for the chain of trust. The DELEG RRset is cached below
    /// authoritative rank so later tasks find the cut (`hasCut`).
    mutating func followDelegReferral(_ index: Int, to child: Name, _ message: UnsafeRawBufferPointer,
                                      nowMs: Int64) {
        let seconds = nowMs / 1000
        _ = cache.storeRRset(message, owner: child, type: .deleg, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        _ = cache.storeRRset(message, owner: child, type: .ds, section: .authority, rank: .indeterminate,
                             nowSeconds: seconds)
        stats.delegReferrals += 1
        let o = outgoing.pointer(index)
        o.pointee.iteration.zone = child
        o.pointee.iteration.servers.removeAll()
        o.pointee.iteration.nsLookupIndex = 0
        o.pointee.iteration.askedLabelCount = 0
        var usable = 0
        ResolverCore.forEachDeleg(message, of: child) { rdata in
            if addDelegRecord(index, rdata, delegatedName: child, nowMs: nowMs) { usable += 1 }
        }
        emitCancel(index)
        guard usable > 0 else { return failUnusableDeleg(index, nowMs: nowMs) }
        iterate(index, nowMs: nowMs)
    }

    /// Adds what one DELEG record gives the task: its addresses, or the
    /// cached addresses of its server names (the others are looked up by
    /// `startAddressLookup` through `nsNames`). True when the record is
    /// usable (addresses or server names).
    mutating func addDelegRecord(_ index: Int, _ rdata: UnsafeRawBufferPointer, delegatedName: Name,
                                 nowMs: Int64) -> Bool {
        switch DelegInfo.use(of: rdata, delegatedName: delegatedName) {
        case .addresses:
            DelegInfo.forEachAddress(in: rdata) { raw in
                guard let address = ServerAddress(rdata: raw, port: ResolverCore.authoritativePort),
                      settings.useIPv6 || !address.isIPv6 else { return }
                addServer(index, address)
            }
            return true
        case .serverNames:
            DelegInfo.forEachName(in: rdata, key: SVCParamKey.serverName.rawValue) { name in
                addAddresses(index, of: name, nowMs: nowMs)
            }
            return true
        case .includes:
            stats.delegIncludesNotFollowed += 1
            return false
        case .nothing:
            return false
        case .unusable:
            stats.delegRecordsUnusable += 1
            return false
        }
    }

    /// SERVFAIL with EDE 22 for a DELEG that exists but is unusable: no
    /// fallback to NS (delext §5.3 step 2.2.1).
    mutating func failUnusableDeleg(_ index: Int, nowMs: Int64) {
        stats.delegUnusable += 1
        noteFailure(index, .noReachableAuthority, detail: .delegUnusable)
        finishIteration(index, success: false, nowMs: nowMs)
    }

    /// The zone has a cut here: a cached NS set, or (DELEG on) a cached DELEG RRset.
    mutating func hasCut(_ zone: Name, nowMs: Int64) -> Bool {
        hasNS(zone, nowMs: nowMs) || (settings.deleg && cachedDelegBlob(zone, nowMs: nowMs))
    }

    /// True when a fresh DELEG RRset is cached for `zone`.
    mutating func cachedDelegBlob(_ zone: Name, nowMs: Int64) -> Bool {
        if case .fresh(let hit, _) = cache.lookup(zone, .deleg, nowSeconds: nowMs / 1000), hit.kind == .rrset {
            return true
        }
        return false
    }

    /// Calls `body` with each cached DELEG RDATA of `zone`; false when none is cached.
    mutating func forEachCachedDeleg(_ zone: Name, nowMs: Int64, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard settings.deleg, case .fresh(let hit, _) = cache.lookup(zone, .deleg, nowSeconds: nowMs / 1000),
              hit.kind == .rrset else { return false }
        _ = cache.withBlob(hit) { blob in AnswerCache.forEachRData(blob, body) }
        return true
    }

    /// The task's servers from `zone`'s cached DELEG RRset. False when none
    /// is cached (the NS path applies); when one is, NS is never used.
    mutating func addCachedDelegServers(_ index: Int, zone: Name, nowMs: Int64) -> Bool {
        var rdatas = DelegRDataList()
        let cached = forEachCachedDeleg(zone, nowMs: nowMs) { rdata in rdatas.append(rdata) }
        guard cached else { return false }
        for i in 0..<rdatas.count {
            rdatas.withRData(i) { rdata in _ = addDelegRecord(index, rdata, delegatedName: zone, nowMs: nowMs) }
        }
        return true
    }

    /// The server-name names of `zone`'s cached DELEG RRset (usable records
    /// only), or nil when no DELEG RRset is cached.
    mutating func delegServerNames(_ zone: Name, nowMs: Int64) -> NameList? {
        var list = NameList()
        let cached = forEachCachedDeleg(zone, nowMs: nowMs) { rdata in
            guard DelegInfo.use(of: rdata, delegatedName: zone) == .serverNames else { return }
            DelegInfo.forEachName(in: rdata, key: SVCParamKey.serverName.rawValue) { list.append($0) }
        }
        return cached ? list : nil
    }
}

/// DELEG RDATAs copied out of the cache, so the cache can be used again
/// (address look-ups) while they are read. Fixed size: a DELEG RRset with
/// more records or bytes than this is read up to the limit.
struct DelegRDataList {
    /// Records kept: ServerSet holds 16 servers, so more records add none.
    static let recordsMax = 16
    /// Bytes kept: 16 records of a few addresses or names each.
    static let bytesMax = 2_048
    var bytes = InlineArray<2_048, UInt8>(repeating: 0)
    var ends = InlineArray<16, UInt16>(repeating: 0)
    var count = 0

    mutating func append(_ rdata: UnsafeRawBufferPointer) {
        let start = count == 0 ? 0 : Int(ends[count - 1])
        guard count < DelegRDataList.recordsMax, start + rdata.count <= DelegRDataList.bytesMax else { return }
        for i in 0..<rdata.count { bytes[start + i] = rdata[i] }
        ends[count] = UInt16(start + rdata.count)
        count += 1
    }

    func withRData(_ i: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        let start = i == 0 ? 0 : Int(ends[i - 1])
        let end = Int(ends[i])
        bytes.span.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
    }
}
