import Cache
import DNSWire
import Fixed
import Validator
import Hints

/// What the last look at a hint's `_in-tree.<domain>` TXT record found
/// (draft-kolkman-dns-in-tree-hints §3.1).
public enum InTreeSignal: UInt8, Sendable {
    /// Not looked at yet.
    case unchecked
    /// Proven absent (a secure NXDOMAIN or NODATA), or never answered: the
    /// operator's `config hint` is the out-of-band agreement §2.1 allows,
    /// and the hint stays in use.
    case notPublished
    /// A validated expiry in the future.
    case committed
    /// A validated expiry in the past, less than 30 days ago: still used.
    case expired
    /// The expiry passed more than 30 days ago without renewal: disabled.
    case disabled
    /// A validated record that is not one RFC 3339 date-time: ignored (the
    /// last good expiry, if any, still counts).
    case malformed
    /// A record that did not validate: ignored like a malformed one.
    case unvalidated

    public var text: String {
        switch self {
        case .unchecked: return "unchecked"
        case .notPublished: return "not published (out-of-band agreement assumed)"
        case .committed: return "committed"
        case .expired: return "expired, within the 30-day grace"
        case .disabled: return "disabled: expired more than 30 days ago"
        case .malformed: return "malformed record ignored"
        case .unvalidated: return "unvalidated record ignored"
        }
    }
}

/// §3.1 signalling, the resolver's side: each enabled hint's
/// `_in-tree.<domain>` TXT record is fetched (through the hint itself, and
/// validated under its anchor) at start and daily, read back from the
/// cache, and its expiry applied: more than `InTreeExpiry.graceSeconds`
/// (30 days) past it without a renewal, the hint is disabled — its NS set
/// and its anchor are no longer used, and the domain resolves through its
/// parent like any other. Only a validated record counts, and only a
/// trusted wall clock (DESIGN.md §2.8) can disable a hint: before the
/// clock is synced an expiry never does.
///
/// Policy for domains that never publish the record (the draft leaves it
/// to an out-of-band agreement): the hint stays in use; `hints status`
/// says so. A record once seen keeps counting after it disappears.
///
/// Never: logs (the server takes the notices), or re-enables a hint before
/// restart.
extension ResolverCore {
    /// A signalled expiry is looked at this often (§3.1: "at first
    /// opportunity, but not longer than 30 days after the expiration").
    static let inTreeSignalIntervalMs: Int64 = 86_400_000
    /// A fetch that brought nothing is tried again after this long.
    static let inTreeSignalRetryMs: Int64 = 3_600_000
    /// A fetch is given up after this long (it has its own deadline too).
    static let inTreeSignalFetchMs: Int64 = 30_000

    /// Fetches due records, reads answers back and applies expiries
    /// (the server calls this once a second).
    public mutating func checkInTreeSignals(nowMs: Int64) {
        guard isValidating, settings.recursive else { return }
        for i in 0..<inTreeHints.count where !inTreeHints[i].disabled {
            var entry = inTreeHints[i]
            if entry.fetchPending || nowMs >= entry.nextFetchMs, let owner = try? InTreeExpiry.ownerName(for: entry.domain) {
                if readInTreeSignal(owner, into: &entry, nowMs: nowMs) {
                    entry.fetchPending = false
                    entry.nextFetchMs = nowMs + ResolverCore.inTreeSignalIntervalMs
                } else if entry.fetchPending && nowMs >= entry.nextFetchMs {
                    entry.fetchPending = false   // nothing came: as if not published, tried again later
                    if entry.signal == .unchecked { entry.signal = .notPublished }
                    entry.nextFetchMs = nowMs + ResolverCore.inTreeSignalRetryMs
                } else if !entry.fetchPending, startInTreeSignalFetch(owner, nowMs: nowMs) {
                    entry.fetchPending = true
                    entry.nextFetchMs = nowMs + ResolverCore.inTreeSignalFetchMs
                }
            }
            applyExpiry(&entry, nowMs: nowMs)
            inTreeHints[i] = entry
            if entry.disabled {   // (once: a disabled hint is not visited again)
                _ = validation.suspendTrustAnchor(owner: entry.domain)
            }
        }
    }

    /// Reads the cached answer for `owner` TXT into the entry. False when
    /// there is none fresh (the fetch has not ended).
    mutating func readInTreeSignal(_ owner: Name, into entry: inout InTreeHintSet.Entry, nowMs: Int64) -> Bool {
        guard case .fresh(let hit, _) = cache.lookup(owner, .txt, nowSeconds: nowMs / 1000) else { return false }
        let before = entry.signal
        if hit.rank != .secure {
            entry.signal = .unvalidated
        } else if hit.kind != .rrset {
            entry.signal = entry.expirySeconds > 0 ? entry.signal : .notPublished
        } else {
            var expiry: Int64? = nil
            _ = cache.withBlob(hit) { blob in
                AnswerCache.forEachRData(blob) { rdata in
                    if expiry == nil, let e = try? InTreeExpiry.expirySeconds(txtRData: rdata) { expiry = e }
                }
            }
            if let expiry {
                entry.expirySeconds = expiry
                entry.signal = .committed   // (applyExpiry refines it)
            } else {
                entry.signal = .malformed
            }
        }
        if entry.signal != before { entry.hasNotice = true }
        return true
    }

    /// §3.1 with the 30-day grace, on the trusted wall clock only.
    mutating func applyExpiry(_ entry: inout InTreeHintSet.Entry, nowMs: Int64) {
        guard entry.expirySeconds > 0, validation.clock.isTrusted else { return }
        let before = entry.signal
        switch InTreeExpiry.status(expirySeconds: entry.expirySeconds, nowSeconds: wallClockOffsetSeconds + nowMs / 1000) {
        case .committed:
            if entry.signal == .expired { entry.signal = .committed }   // renewed
        case .expired:
            if entry.signal == .committed { entry.signal = .expired }
        case .disabled:
            entry.signal = .disabled
            entry.disabled = true
        }
        if entry.signal != before { entry.hasNotice = true }
    }

    /// Starts a task fetching `owner` TXT (no client waits for it).
    mutating func startInTreeSignalFetch(_ owner: Name, nowMs: Int64) -> Bool {
        guard let index = outgoing.acquire() else {
            stats.noOutgoingSlot += 1
            return false
        }
        var o = OutgoingQuery()
        o.question = Question(name: owner, type: .txt, rrClass: .in)
        outgoing[index] = o
        beginIteration(index, parent: nil, nowMs: nowMs)
        iterate(index, nowMs: nowMs)
        stats.inTreeSignalFetches += 1
        return true
    }

    /// Changes not logged yet, one line each (the server logs them).
    public mutating func takeInTreeHintNotices() -> [String] {
        var lines: [String] = []
        for i in 0..<inTreeHints.count where inTreeHints[i].hasNotice {
            inTreeHints[i].hasNotice = false
            lines.append("in-tree hint " + inTreeHints[i].domain.text + ": _in-tree " + inTreeHintStatusText(i))
        }
        takeLearnNotices(&lines)
        for i in 0..<inTreeHints.count where inTreeHints[i].hasParentNotice {
            inTreeHints[i].hasParentNotice = false
            lines.append("in-tree hint " + inTreeHints[i].domain.text + ": parent delegation " + parentViewText(i))
        }
        return lines
    }

    /// Hints disabled by their `_in-tree` expiry.
    public var inTreeHintsDisabledCount: Int {
        var n = 0
        for i in 0..<inTreeHints.count where inTreeHints[i].disabled { n += 1 }
        return n
    }

    /// What `sprig hints status` shows: one line per hint.
    public func inTreeHintStatusLines() -> [String] {
        var lines: [String] = []
        for i in 0..<inTreeHints.count {
            let e = inTreeHints[i]
            lines.append(e.domain.text + " " + (e.disabled ? "disabled" : "in use") + "; servers "
                + String(e.count) + " addresses (" + String(e.inDomainCount) + " in-domain"
                + (e.isLearned ? ", learned: " + e.hintNS.text : "") + "); _in-tree "
                + inTreeHintStatusText(i) + "; parent " + parentViewText(i))
        }
        return lines
    }

    func inTreeHintStatusText(_ i: Int) -> String {
        let e = inTreeHints[i]
        var text = e.signal.text
        if e.expirySeconds > 0 { text += ", expiry " + CalendarDate.text(unixSeconds: e.expirySeconds) }
        if e.expirySeconds > 0 && !validation.clock.isTrusted { text += ", clock not synced: the expiry cannot disable it yet" }
        return text
    }
}
