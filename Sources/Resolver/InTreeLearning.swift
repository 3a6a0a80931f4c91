import Cache
import DNSWire
import Fixed
import Hints
import Validator

/// Learning (draft-kolkman-dns-in-tree-hints §2.1): "When the NS RRset on
/// the domain's authoritative server changes and has been validated using
/// DNSSEC against configured key then the in-hints tree configuration
/// SHOULD be updated with the changed authoritative NS set."
///
/// Each enabled hint's domain NS set is fetched through the hint itself
/// (so it validates under the hint's anchor) and re-checked when its TTL
/// runs out (at least hourly, at most daily). Only a secure NS RRset, and
/// only secure A/AAAA records of its names (the in-domain ones fetched
/// through the hint), make a learned set, and only one with an in-domain
/// nameserver that has an address replaces the hint's servers. The
/// learned state lives in RAM; `learnedHintsToPersist` hands it out for
/// flash in the hint table format when it changed, at most daily and at
/// clean shutdown (the same rules as the RFC 5011 state); sprigd reads it
/// back at start for the configured domains only.
///
/// Never: learns from unvalidated data, or drops the hint's anchor.
extension ResolverCore {
    static let learnRecheckMsMin: Int64 = 3_600_000
    static let learnRecheckMsMax: Int64 = 86_400_000
    /// How long the fetches of one round may take before what is cached is used.
    static let learnRoundMs: Int64 = 30_000
    /// Learned state goes to flash at most this often (and at shutdown).
    static let learnedWriteIntervalMs: Int64 = 86_400_000

    /// One learning step per due hint (the server calls this once a second).
    public mutating func learnInTreeHints(nowMs: Int64) {
        guard isValidating, settings.recursive else { return }
        for i in 0..<inTreeHints.count
        where !inTreeHints[i].disabled && (inTreeHints[i].learnPending || nowMs >= inTreeHints[i].learnNextMs) {
            var entry = inTreeHints[i]
            learnStep(&entry, nowMs: nowMs)
            inTreeHints[i] = entry
        }
    }

    mutating func learnStep(_ entry: inout InTreeHintSet.Entry, nowMs: Int64) {
        let seconds = nowMs / 1000
        guard case .fresh(let hit, let ttl) = cache.lookup(entry.domain, .ns, nowSeconds: seconds),
              hit.kind == .rrset, hit.rank == .secure else {
            if entry.learnPending {   // waiting; at the deadline, nothing validated came: later
                guard nowMs >= entry.learnNextMs else { return }
                entry.learnPending = false
                entry.learnRounds = 0
                entry.learnNextMs = nowMs + ResolverCore.learnRecheckMsMin
            } else if startLearnFetch(entry.domain, .ns, nowMs: nowMs) {
                entry.learnPending = true
                entry.learnNextMs = nowMs + ResolverCore.learnRoundMs
            }
            return
        }
        var names = InTreeHintSet.NameSet()
        _ = cache.withBlob(hit) { blob in
            AnswerCache.forEachRData(blob) { rdata in
                if let n = try? Name(wire: rdata) { names.insert(n) }
            }
        }
        // Addresses: secure A/AAAA only; in-domain names without one are
        // fetched (once per round) through the hint.
        var learned = InTreeHint(domain: entry.domain, addresses: [], inDomainCount: 0)
        var inDomain: [(ServerAddress, Int)] = []
        var others: [(ServerAddress, Int)] = []
        var missing = false
        var waiting = false
        for k in 0..<names.count {
            let name = names.names[k]
            var found = 0
            for type in settings.useIPv6 ? [RRType.a, .aaaa] : [.a] {
                guard case .fresh(let a, _) = cache.lookup(name, type, nowSeconds: seconds), a.kind == .rrset,
                      a.rank == .secure else {
                    if name.isSubdomain(of: entry.domain) && type == .a {
                        if entry.learnRounds == 0 {
                            missing = startLearnFetch(name, .a, nowMs: nowMs) || missing
                        } else if nowMs < entry.learnNextMs {
                            waiting = true   // its fetch may still come
                        }
                    }
                    continue
                }
                _ = cache.withBlob(a) { blob in
                    AnswerCache.forEachRData(blob) { rdata in
                        guard found < HintLimits.addressesPerServerMax,
                              let address = ServerAddress(rdata: rdata, port: ResolverCore.authoritativePort) else { return }
                        found += 1
                        if name.isSubdomain(of: entry.domain) { inDomain.append((address, k)) } else { others.append((address, k)) }
                    }
                }
            }
        }
        if missing {   // wait for the address fetches (once), re-read each tick
            entry.learnRounds = 1
            entry.learnPending = true
            entry.learnNextMs = nowMs + ResolverCore.learnRoundMs
            return
        }
        if waiting { return }
        entry.learnPending = false
        entry.learnRounds = 0
        entry.learnNextMs = nowMs + min(max(Int64(ttl) * 1000, ResolverCore.learnRecheckMsMin), ResolverCore.learnRecheckMsMax)
        let all = (inDomain + others).prefix(InTreeHintSet.addressesPerHintMax)
        guard !inDomain.isEmpty, !all.isEmpty else { return }   // not usable as a hint: keep the current one
        learned.addresses = all.map { $0.0 }
        learned.addressOwners = all.map { $0.1 }
        learned.inDomainCount = min(inDomain.count, all.count)
        // Unchanged (same names, same addresses): nothing to learn.
        let sameNames = names.count == entry.hintNS.count && names.isSubset(of: entry.hintNS)
        var sameAddresses = learned.addresses.count == entry.count
        for a in learned.addresses where sameAddresses {
            var seen = false
            for j in 0..<entry.count where entry.addresses[j] == a { seen = true }
            sameAddresses = seen
        }
        if sameNames && sameAddresses { return }
        entry.hintNS = names
        entry.count = learned.addresses.count
        entry.inDomainCount = learned.inDomainCount
        for (j, a) in learned.addresses.enumerated() {
            entry.addresses[j] = a
            entry.addressOwners[j] = UInt8(learned.addressOwners[j])
        }
        entry.ownersKnown = true
        entry.isLearned = true
        entry.hasLearnNotice = true
        // The parent is compared with the new set soon, not a day later.
        if !entry.parentCheckPending { entry.parentNextCheckMs = min(entry.parentNextCheckMs, nowMs) }
        learnedHintsDirty = true
        stats.inTreeLearnedChanges += 1
    }

    mutating func startLearnFetch(_ name: Name, _ type: RRType, nowMs: Int64) -> Bool {
        guard let index = outgoing.acquire() else {
            stats.noOutgoingSlot += 1
            return false
        }
        var o = OutgoingQuery()
        o.question = Question(name: name, type: type, rrClass: .in)
        outgoing[index] = o
        beginIteration(index, parent: nil, nowMs: nowMs)
        iterate(index, nowMs: nowMs)
        return true
    }

    /// The learned hints in the hint table format, when they changed and
    /// the write policy allows (at most daily on the monotonic clock, and
    /// at clean shutdown); nil otherwise. Allocates (housekeeping only).
    public mutating func learnedHintsToPersist(nowMs: Int64, isShutdown: Bool) -> [UInt8]? {
        guard learnedHintsDirty,
              isShutdown || learnedHintsWrittenMs == nil
                || nowMs - (learnedHintsWrittenMs ?? 0) >= ResolverCore.learnedWriteIntervalMs else { return nil }
        var sources: [HintDomainSource] = []
        for i in 0..<inTreeHints.count where inTreeHints[i].isLearned {
            let e = inTreeHints[i]
            var servers: [HintServerSource] = []
            for k in 0..<e.hintNS.count {
                var addresses: [IPAddress] = []
                for j in 0..<e.count where Int(e.addressOwners[j]) == k {
                    let a = e.addresses[j]
                    addresses.append(IPAddress(family: a.isIPv6 ? .ipv6 : .ipv4) { a.byte($0) })
                }
                servers.append(HintServerSource(name: e.hintNS.names[k], addresses: addresses))
            }
            sources.append(HintDomainSource(domain: e.domain, servers: servers))
        }
        guard !sources.isEmpty, let bytes = try? HintTableBuilder.bytes(sources) else { return nil }
        learnedHintsPendingWriteMs = nowMs
        return bytes
    }

    /// The bytes from `learnedHintsToPersist` are in flash.
    public mutating func didPersistLearnedHints() {
        learnedHintsDirty = false
        learnedHintsWrittenMs = learnedHintsPendingWriteMs
        stats.inTreeLearnedWrites += 1
    }

    /// Changes not logged yet, one line each.
    mutating func takeLearnNotices(_ lines: inout [String]) {
        for i in 0..<inTreeHints.count where inTreeHints[i].hasLearnNotice {
            inTreeHints[i].hasLearnNotice = false
            lines.append("in-tree hint " + inTreeHints[i].domain.text + ": learned the domain's validated NS set: "
                + inTreeHints[i].hintNS.text)
        }
    }
}
