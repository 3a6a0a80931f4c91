// ValidationEngine: the DNSSEC state of one resolver and the decisions made
// with it (RFC 4033–4035, 5011, 8198, 8509). The Resolver asks; this answers.
//
// Owns, reserved once at start-up and never grown:
//   - the trust anchors and negative trust anchors (RFC 7646), the RFC 5011
//     state of the trust points, its refresh timer and its write policy
//     (TrustPointMaintenance.swift), and the router clock (`TrustedClock`);
//   - the Validator's scratch and the buffers one RRset, its RRSIGs, a
//     zone's keys or DS set and the denial records of a response are packed
//     into (one response at a time: single thread);
//   - the aggressive NSEC/NSEC3 table (RFC 8198, NSECTable.swift) and its
//     lookups, which return a decision, never a DNS message;
//   - the decisions: what a cached DS/DNSKEY verdict means and which set a
//     zone still needs (ChainStatus.swift), the verdict on a final response
//     (ResponseCheck.swift, DenialCheck.swift, DNAMECheck.swift), whether a
//     zone must come signed, the root key sentinel (RootKeySentinel.swift).
//
// Never: does I/O or reads a clock (the resolver passes `nowMs`, its
// monotonic time, and a `ValidationClock` for signature dates), decides when
// to ask the network (it names the key set it needs; the Resolver fetches it
// in a sub-task), builds DNS messages, or stores verdicts (the Resolver
// caches them as ranks). It reads the resolver's cache only through
// `VerdictCache`, one fresh entry per call.
//
// Worked example (a final answer from the servers of `example.`):
//   var engine = ValidationEngine(reserving: true, clockVouchedFor: false,
//                                 nsecTableEntryCount: 256, arena: arena)   // start-up
//   _ = engine.addTrustAnchors(owner: .root, rootAnchors)
//   let question = FinalQuestion(name: qname, type: .a, zone: example, isForwarded: false)
//   switch engine.checkFinal(message, .answer, question, cache: &cache, clock: clock,
//                            budget: &budget, events: &events, nowMs: now) {
//   case .needKeys(let name, let type): // fetch (name, type), then ask again
//   case .done(let security, let ttlCap): // cache the data at security.rank
//   case .unsignedDelegation(let ttlCap): // a secure DS NODATA: the child is unsigned
//   }
import Cache
import Crypto
import DNSWire
import Fixed

public struct ValidationEngine: ~Copyable {
    /// Whether wall-clock time can be believed (DESIGN.md §2.8): routers
    /// boot in 1970 until NTP syncs. Until then signatures are checked but
    /// not their dates. A fresh install has no saved floor: the build date
    /// stands in, so a clock already past it (RTC, or set before start) is believed.
    public var clock: TrustedClock
    public internal(set) var anchors: TrustAnchorStore
    /// RFC 5011 state of the trust points (22.9 KB: reserved once, out of
    /// line, so no access ever copies it), its refresh timer and write policy.
    let anchorState: UnsafeMutablePointer<AnchorState>
    var anchorRefreshDueMs: Int64 = .max
    var anchorWrites = AnchorStateWritePolicy(startSeconds: 0)
    /// The state's trusted DNSKEYs, and revoked self-signers, packed for the checks.
    let anchorKeysBuffer: UnsafeMutableRawBufferPointer
    let revokedBuffer: UnsafeMutableRawBufferPointer
    var negativeAnchors: NegativeTrustAnchors
    let scratch: ValidatorScratch
    /// The RRset being verified, in canonical RDATA form (one message's worth).
    let rrsetBuffer: UnsafeMutableRawBufferPointer
    /// RRSIGs over it: at most `ValidatorLimits.rrsigsPerRRsetMax` are tried,
    /// each under 1 KiB even with RSA-4096 keys.
    let signatureBuffer: UnsafeMutableRawBufferPointer
    /// The signing zone's secure DNSKEY RRset, copied out of the cache.
    let keysBuffer: UnsafeMutableRawBufferPointer
    /// A zone's secure DS RRset, copied out of the cache.
    let dsBuffer: UnsafeMutableRawBufferPointer
    /// RDATAs of the verified NSEC/NSEC3 records of one response.
    let denialBuffer: UnsafeMutableRawBufferPointer
    /// The denial records of one response, or of one aggressive answer.
    let denialRecords: UnsafeMutableBufferPointer<DenialRecord>
    /// Validated NSECs and NSEC3s for aggressive negative answers (RFC 8198).
    var nsecTable: NSECTable
    /// Keeps every carving above alive as long as the engine.
    let arena: Arena

    /// Bytes for RRSIGs, keys and denial records: a DNSKEY RRset of four
    /// RSA-4096 keys is ~2 KiB, eight NSEC3 records ~2.5 KiB; 16 KiB is room
    /// to spare without reserving whole messages.
    public static let smallBufferByteCount = 16_384
    /// A DS RRset: ~40–60 bytes per DS; 4 KiB holds more than any zone publishes.
    static let dsBufferByteCount = 4_096

    /// `reserving: false` (DNSSEC off): only the small anchor bookkeeping;
    /// the buffers validation packs into are not reserved, nor is the
    /// crypto started. `clockVouchedFor`: `clock_trusted '1'` (TrustedClock).
    /// `nsecTableEntryCount`: aggressive NSEC entries (0: off), at most
    /// `NSECTable.entryCountDefault`. Everything is carved from `arena`, in
    /// the order of `footprint(reserving:nsecTableEntryCount:)`.
    public init(reserving: Bool, clockVouchedFor: Bool, nsecTableEntryCount: Int, arena: Arena) {
        self.arena = arena
        clock = TrustedClock(persistedFloorSeconds: TrustedClock.buildFloorSeconds, vouchedFor: clockVouchedFor)
        anchorState = arena.reserve(AnchorState.self, count: 1, label: ValidationEngine.anchorStateLabel).baseAddress!
        anchorState.initialize(to: AnchorState())
        anchors = TrustAnchorStore(arena: arena)
        negativeAnchors = NegativeTrustAnchors(arena: arena)
        let small = reserving ? ValidationEngine.smallBufferByteCount : 0
        anchorKeysBuffer = arena.reserveBytes(small, label: ValidationEngine.anchorStateLabel)
        revokedBuffer = arena.reserveBytes(small, label: ValidationEngine.anchorStateLabel)
        scratch = ValidatorScratch(reserving: reserving, arena: arena)
        let buffers = ValidationEngine.buffersLabel
        rrsetBuffer = arena.reserveBytes(reserving ? Limits.messageByteCountMax : 0, label: buffers)
        signatureBuffer = arena.reserveBytes(small, label: buffers)
        keysBuffer = arena.reserveBytes(small, label: buffers)
        dsBuffer = arena.reserveBytes(reserving ? ValidationEngine.dsBufferByteCount : 0, label: buffers)
        denialBuffer = arena.reserveBytes(small, label: buffers)
        denialRecords = arena.reserve(DenialRecord.self, count: reserving ? ValidatorLimits.denialRecordsMax : 0,
                                      label: buffers, rowCount: 1)
        denialRecords.initialize(repeating: DenialRecord(owner: .root, rdata: UnsafeRawBufferPointer(start: nil, count: 0)))
        nsecTable = NSECTable(entryCount: nsecTableEntryCount, arena: arena)
        // The crypto's start-up memory, and libsodium's one-time set-up,
        // here rather than on the first check. C code keeps the memory for
        // the process: the arena is pinned when it was taken.
        if reserving {
            let memory = arena.reserveBytes(Signature.startUpByteCount, label: ValidationEngine.cryptoLabel)
            if Signature.startUp(memory: memory) { arena.pin() }
        }
    }

    static let anchorStateLabel = "trust anchor state (RFC 5011, keys, revoked)"
    static let buffersLabel = "validator buffers (RRset, RRSIGs, keys, DS, denial)"
    static let cryptoLabel = "crypto (ECDSA scratch, GMP arena)"

    /// The plan's rows: what `init` carves with the same arguments, in order.
    public static func footprint(reserving: Bool, nsecTableEntryCount: Int) -> [Arena.Row] {
        let small = reserving ? Arena.carvingByteCount(smallBufferByteCount) : 0
        let buffers = reserving
            ? Arena.carvingByteCount(Limits.messageByteCountMax) + 3 * small + Arena.carvingByteCount(dsBufferByteCount)
                + Arena.carvingByteCount(of: DenialRecord.self, count: ValidatorLimits.denialRecordsMax)
            : 0
        return [Arena.Row(anchorStateLabel, count: 1,
                          byteCount: Arena.carvingByteCount(of: AnchorState.self, count: 1) + 2 * small)]
            + TrustAnchorStore.footprint + NegativeTrustAnchors.footprint
            + ValidatorScratch.footprint(reserving: reserving)
            + [Arena.Row(buffersLabel, count: 1, byteCount: buffers)]
            + NSECTable.footprint(entryCount: nsecTableEntryCount)
            + [Arena.Row(cryptoLabel, count: 1, byteCount: reserving ? Arena.carvingByteCount(Signature.startUpByteCount) : 0)]
    }

    /// True when some anchor covers `name` and no negative anchor does:
    /// only then can data at `name` be secure (or bogus).
    public func isCovered(_ name: Name) -> Bool {
        anchors.closestAnchor(for: name) != nil && !negativeAnchors.covers(name)
    }

    // MARK: clock

    /// Data validated while the clock was untrusted (signatures checked,
    /// dates not) is cached at most this long, so it is validated again
    /// soon after the clock becomes trusted — the "re-check after sync".
    public static let untrustedClockTTLMaxSeconds: UInt32 = 60

    /// TTL cap for a verdict: the RRSIG validity for good signatures, the
    /// short untrusted-clock cap when dates could not be checked.
    static func cacheTTLCap(_ result: RRsetValidation) -> UInt32 {
        switch result.verdict {
        case .validIgnoringTime: return min(result.ttlSecondsCap, untrustedClockTTLMaxSeconds)
        case .secure: return result.ttlSecondsCap
        default: return .max
        }
    }
}
