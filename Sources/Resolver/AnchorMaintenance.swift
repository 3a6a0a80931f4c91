import DNSWire
import Fixed
import Validator

/// RFC 5011 automated trust-anchor maintenance, the resolver's side: the
/// server's calls at start-up and on housekeeping, forwarded to the
/// `ValidationEngine` that keeps the state (Validator:
/// TrustPointMaintenance.swift), and the one thing only the resolver can
/// do — fetch each trust point's DNSKEY set when the engine says the
/// refresh is due. Its answer is validated like any other, which feeds
/// the state. No I/O here: the server asks for the bytes to write.
extension ResolverCore {
    /// Replaces the RFC 5011 state with one read from flash (start-up).
    /// False when the bytes are not a valid state (the caller logs once and
    /// keeps the configured anchors).
    public mutating func loadAnchorState(_ bytes: [UInt8]) -> Bool {
        validation.loadAnchorState(bytes)
    }

    /// Starts the write policy's clock and schedules the first refresh
    /// (server start-up, monotonic `nowMs`).
    public mutating func startAnchorMaintenance(nowMs: Int64) {
        validation.startAnchorMaintenance(nowMs: nowMs)
    }

    /// Starts the RFC 5011 active refresh of the trust points' key sets when
    /// due (the server calls this from its once-a-second housekeeping).
    public mutating func refreshTrustAnchorsIfDue(nowMs: Int64) {
        guard isValidating, validation.takeDueTrustPointRefresh(nowMs: nowMs) else { return }
        for i in 0..<validation.trustPointCount {
            guard let owner = validation.trustPoint(at: i), let index = outgoing.acquire() else { continue }
            var o = OutgoingQuery()
            o.question = Question(name: owner, type: .dnskey, rrClass: .in)
            outgoing[index] = o
            beginIteration(index, parent: nil, nowMs: nowMs)
            iterate(index, nowMs: nowMs)
        }
    }

    /// The encoded state to write to flash now, or nil (policy: when dirty,
    /// at most daily on the monotonic clock, and at clean shutdown).
    public mutating func anchorStateToPersist(nowMs: Int64, isShutdown: Bool) -> [UInt8]? {
        validation.anchorStateToPersist(nowMs: nowMs, isShutdown: isShutdown)
    }

    public mutating func didPersistAnchorState() { validation.didPersistAnchorState() }

    /// The trust points' key states, for logs and `sprig stats`.
    public var anchorTrustedKeyCount: Int { validation.anchorTrustedKeyCount }

    /// `sprig anchors show` (ValidationEngine.anchorStatusLines).
    public func anchorStatusLines(nowMs: Int64, wallSeconds: Int64) -> [String] {
        validation.anchorStatusLines(nowMs: nowMs, wallSeconds: wallSeconds)
    }
}
