import Platform
import Resolver

/// RFC 5011 trust-anchor upkeep, once a second: the active refresh of the
/// trust points' key sets when the core says it is due (§2.3), a log line
/// at most hourly while the anchor's keys cannot be had, and the state
/// written to flash when the core's write policy says so (when changed, at
/// most daily, and at clean shutdown: `AnchorStateWritePolicy`).
/// Produces: DNSKEY queries through the core, `anchors.state`, log lines.
struct AnchorKeeper {
    /// RFC 5011 state in flash (`state_dir`/anchors.state); nil: not kept.
    var statePath: String?
    /// Learned in-tree hints (`state_dir`/hints.learned, draft-kolkman-dns-in-tree-hints
    /// §2.1), written under the same rules; nil: not kept.
    var learnedHintsPath: String?
    /// The core's own timers decide when to refresh and to write; a second
    /// late is nothing at hold-down scales (days).
    static let intervalMs: Int64 = 1_000
    /// An unusable trust anchor is logged at most this often (it is usually
    /// a standing condition: an upstream that strips DNSSEC records).
    static let warningIntervalMs: Int64 = 3_600_000
    private(set) var dueMs: Int64 = 0
    /// `dnssec.anchor_keys_unusable` when last logged, and when.
    private(set) var keysUnusableLogged = 0
    private(set) var lastWarningMs: Int64 = .min / 2

    init(statePath: String? = nil) { self.statePath = statePath }

    /// True when it was due (always at shutdown, which only writes).
    @discardableResult
    mutating func tick<H: HousekeepingIO>(nowMs: Int64, isShutdown: Bool, engine: inout ResolverCore, effects: inout H) -> Bool {
        guard isShutdown || nowMs >= dueMs else { return false }
        dueMs = nowMs + AnchorKeeper.intervalMs
        if !isShutdown {
            engine.refreshTrustAnchorsIfDue(nowMs: nowMs)
            // In-tree hints' `_in-tree` expiry (draft-kolkman-dns-in-tree-hints §3.1).
            engine.checkInTreeSignals(nowMs: nowMs)
            engine.checkInTreeParents(nowMs: nowMs)   // §2.1 inconsistency reporting
            engine.learnInTreeHints(nowMs: nowMs)     // §2.1 learning
            for line in engine.takeInTreeHintNotices() { effects.log(.notice, line) }
            warnIfKeysUnusable(nowMs: nowMs, unusable: engine.stats.anchorKeysUnusable, effects: &effects)
        }
        if let path = learnedHintsPath, let bytes = engine.learnedHintsToPersist(nowMs: nowMs, isShutdown: isShutdown) {
            if bytes.withUnsafeBytes({ effects.replaceFile(path, with: $0) }) {
                engine.didPersistLearnedHints()
            } else {
                effects.log(.warning, "in-tree hints: cannot write \(path)")   // retried when the policy next allows
            }
        }
        guard let path = statePath, let bytes = engine.anchorStateToPersist(nowMs: nowMs, isShutdown: isShutdown) else {
            return true
        }
        if bytes.withUnsafeBytes({ effects.replaceFile(path, with: $0) }) {
            engine.didPersistAnchorState()
        } else {
            effects.log(.warning, "dnssec: cannot write \(path)")   // retried when the policy next allows
        }
        return true
    }

    /// Says once an hour, in the log, why everything signed fails when the
    /// anchor's keys cannot be had: the household sees only SERVFAIL.
    mutating func warnIfKeysUnusable<H: HousekeepingIO>(nowMs: Int64, unusable: Int, effects: inout H) {
        guard unusable > keysUnusableLogged, nowMs - lastWarningMs >= AnchorKeeper.warningIntervalMs else { return }
        keysUnusableLogged = unusable
        lastWarningMs = nowMs
        effects.log(.warning, "dnssec: a trust anchor's DNSKEY set could not be fetched or does not match the anchor "
                    + "(\(unusable) times): signed names fail with SERVFAIL. In forward mode the upstream must pass "
                    + "DNSSEC records on; if it strips them, use another upstream or set option dnssec '0'")
    }
}
