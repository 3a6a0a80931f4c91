import Resolver

/// Root priming, asked once a second: the core re-primes when the root NS
/// set is no longer fresh (RFC 8109 §3), or after a failed attempt with
/// its own back-off of 1, 2, 4 … 60 s (`ResolverCore.primeIfExpired`).
/// Produces: priming queries, through the core.
struct PrimingKeeper {
    /// The core's back-off starts at 1 s (`ResolverCore.primingRetryMsMin`):
    /// asking more often would change nothing.
    static let intervalMs: Int64 = 1_000
    private(set) var dueMs: Int64 = 0

    /// True when it was due and asked the core.
    @discardableResult
    mutating func tick(nowMs: Int64, engine: inout ResolverCore) -> Bool {
        guard nowMs >= dueMs else { return false }
        dueMs = nowMs + PrimingKeeper.intervalMs
        engine.primeIfExpired(nowMs: nowMs)
        return true
    }
}
