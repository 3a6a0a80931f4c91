// AnchorState: the RFC 5011 trust-anchor maintenance table (automated updates
// of DNSSEC trust anchors) for up to `RFC5011Limits.trustPointCountMax` trust
// points, in fixed inline storage (< 24 KiB, no heap).
//
// Pure: time is a parameter, and the state only moves when the caller's
// `ValidationClock` is trusted (DESIGN.md §2.8: hold-downs measured with a
// 1970 clock mean nothing). The daemon owns the I/O: it loads the state file
// with `AnchorState.decode(bytes:)`, feeds every validated DNSKEY RRset of a
// trust point to `observe(...)`, asks `trustedKeys(for:into:)` for the anchors
// to validate with, and writes `encode(into:)` when `AnchorStateWritePolicy`
// says so.
//
// Worked example (root KSK rollover):
//   var anchors = AnchorState()
//   try anchors.addTrustPoint(owner: .root)
//   try anchors.seedTrustedKey(owner: .root, rdata: ksk2017, nowSeconds: now)
//   // each refresh, after ChainStep validated the root DNSKEY RRset:
//   let result = anchors.observe(owner: .root, dnskeys: keys, revokedSelfSigners: revoked,
//                                originalTTLSeconds: 172_800, signatureExpiration: exp,
//                                clock: .trusted(nowSeconds: now))
//   // arm a timer for result.refreshDelaySeconds; if anchors.isDirty, consult the write policy.
import DNSWire

/// Why an AnchorState operation was refused.
public enum AnchorStateError: Error, Equatable, Sendable {
    case tooManyTrustPoints   // more than RFC5011Limits.trustPointCountMax
    case duplicateTrustPoint
    case unknownTrustPoint
    case tooManyKeys          // more than RFC5011Limits.keysPerTrustPointMax
    case badKey               // not a DNSKEY RDATA we can store (length, REVOKE bit)
    case bufferTooSmall
}

/// The result of feeding one DNSKEY RRset (or a failed fetch) to the table.
public enum AnchorObservation: Equatable, Sendable {
    /// Applied. Fetch the DNSKEY RRset again after `refreshDelaySeconds`.
    case applied(refreshDelaySeconds: Int64, stateChanged: Bool, keysDroppedForCapacity: Int)
    /// The clock is untrusted: nothing changed (RFC 5011 timers are frozen);
    /// try again after `refreshDelaySeconds` or when the clock becomes trusted.
    case clockUntrusted(refreshDelaySeconds: Int64)
    /// No such trust point.
    case unknownTrustPoint

    public var refreshDelaySeconds: Int64? {
        switch self {
        case .applied(let delay, _, _), .clockUntrusted(let delay): return delay
        case .unknownTrustPoint: return nil
        }
    }
}

/// A trust point's standing, for the validator and `sprig anchors show`.
public enum TrustPointStatus: Equatable, Sendable {
    /// Has `trustedKeyCount` ≥ 1 Valid or Missing keys.
    case active(trustedKeyCount: Int)
    /// Every key it ever trusted was revoked by its owner (RFC 5011 §6: the
    /// trust point is deleted; the zone is treated as if no anchor were
    /// configured). Never fall back to the compiled-in anchors then.
    case allRevoked
    /// No trusted key and nothing revoked: only AddPend keys, or empty.
    case noTrustedKeys
}

public struct AnchorState {
    var points: TrustPointTable
    public internal(set) var trustPointCount: Int
    /// True when the table changed since the last `markPersisted()`.
    public private(set) var isDirty: Bool

    public init() {
        points = InlineArray(repeating: TrustPointRecord(owner: .root))
        trustPointCount = 0
        isDirty = false
    }

    /// Adds an empty trust point (start-up: one per configured anchor owner).
    public mutating func addTrustPoint(owner: Name) throws(AnchorStateError) {
        guard index(of: owner) == nil else { throw .duplicateTrustPoint }
        guard trustPointCount < RFC5011Limits.trustPointCountMax,
              trustPointCount < TrustPointTable.count else { throw .tooManyTrustPoints }
        points[trustPointCount] = TrustPointRecord(owner: owner)
        trustPointCount += 1
        isDirty = true
    }

    /// Adds a configured anchor key as Valid at once: the operator's (or the
    /// compiled-in) anchor needs no hold-down. For DS anchors, seed the
    /// DNSKEYs that match them (`seedKeysMatchingDS`). Re-seeding a known key
    /// changes nothing, and a Revoked key stays revoked.
    public mutating func seedTrustedKey(owner: Name, rdata: UnsafeRawBufferPointer,
                                        nowSeconds: Int64) throws(AnchorStateError) {
        guard let p = index(of: owner) else { throw .unknownTrustPoint }
        guard let key = DNSKEYView(rdata: rdata), !key.isRevoked else { throw .badKey }
        if points[p].index(ofKey: rdata) != nil { return }
        guard let record = AnchorKeyRecord(rdata: rdata, state: .valid, nowSeconds: nowSeconds,
                                           holdDownEndSeconds: 0) else { throw .badKey }
        guard points[p].append(record) else { throw .tooManyKeys }
        isDirty = true
    }

    /// Feeds a DNSKEY RRset for trust point `owner` that the caller validated
    /// with this trust point's trusted keys. `revokedSelfSigners` lists the
    /// RDATAs (REVOKE bit set) whose own RRSIG over this RRset verified (RFC
    /// 5011 §2.1); `originalTTLSeconds` and `signatureExpiration` come from
    /// the RRSIG used (the earliest expiring one, RFC 5011 §2.3).
    public mutating func observe(owner: Name, dnskeys: RDataList, revokedSelfSigners: RDataList,
                                 originalTTLSeconds: UInt32, signatureExpiration: UInt32,
                                 clock: ValidationClock) -> AnchorObservation {
        guard let p = index(of: owner) else { return .unknownTrustPoint }
        guard case .trusted(let now) = clock else {
            return .clockUntrusted(refreshDelaySeconds: retryDelay(p))
        }
        let secondsLeft = RFC5011Timers.signatureSecondsLeft(expiration: signatureExpiration, nowSeconds: now)
        let changes = points[p].observe(dnskeys, revokedSelfSigners: revokedSelfSigners,
                                        originalTTLSeconds: originalTTLSeconds, nowSeconds: now)
        points[p].originalTTLSeconds = originalTTLSeconds
        points[p].signatureSecondsLeft = secondsLeft
        points[p].lastRefreshSeconds = now
        if changes.stateChanged { isDirty = true }
        let delay = RFC5011Timers.activeRefreshSeconds(originalTTLSeconds: originalTTLSeconds,
                                                       signatureSecondsLeft: secondsLeft)
        return .applied(refreshDelaySeconds: delay, stateChanged: changes.stateChanged,
                        keysDroppedForCapacity: changes.keysDroppedForCapacity)
    }

    /// The DNSKEY fetch (or its validation) failed: when to retry (RFC 5011
    /// §2.3 retry timer, from the last good RRset's TTL and signatures).
    public func refreshFailed(owner: Name) -> Int64? {
        guard let p = index(of: owner) else { return nil }
        return retryDelay(p)
    }

    /// Packs the trusted (Valid and Missing) keys of `owner` as an RDataList
    /// in `buffer` (≥ `RFC5011Limits.trustedKeysByteCountMax` bytes always
    /// suffices), ready for `ChainStep.verifyDNSKEYs(_:signatures:anchorKeys:...)`.
    public func trustedKeys(for owner: Name, into buffer: UnsafeMutableRawBufferPointer)
        throws(AnchorStateError) -> RDataList {
        guard let p = index(of: owner) else { throw .unknownTrustPoint }
        var offset = 0
        var count = 0
        for k in 0..<points[p].keyCount where points[p].keys[k].state.isTrusted {
            let key = points[p].keys[k]
            guard offset + 2 + key.rdataByteCount <= buffer.count else { throw .bufferTooSmall }
            buffer[offset] = UInt8(truncatingIfNeeded: key.rdataByteCount >> 8)
            buffer[offset + 1] = UInt8(truncatingIfNeeded: key.rdataByteCount)
            for i in 0..<key.rdataByteCount { buffer[offset + 2 + i] = key.rdata[i] }
            offset += 2 + key.rdataByteCount
            count += 1
        }
        return RDataList(checked: UnsafeRawBufferPointer(rebasing: buffer[0..<offset]), count: count)
    }

    public func status(of owner: Name) -> TrustPointStatus? {
        guard let p = index(of: owner) else { return nil }
        let trusted = points[p].trustedKeyCount
        if trusted > 0 { return .active(trustedKeyCount: trusted) }
        for k in 0..<points[p].keyCount where points[p].keys[k].state == .revoked { return .allRevoked }
        return .noTrustedKeys
    }

    /// The caller wrote `encode(into:)` to flash successfully.
    public mutating func markPersisted() { isDirty = false }

    func index(of owner: Name) -> Int? {
        for p in 0..<trustPointCount where points[p].owner == owner { return p }
        return nil
    }

    private func retryDelay(_ p: Int) -> Int64 {
        RFC5011Timers.retrySeconds(originalTTLSeconds: points[p].originalTTLSeconds,
                                   signatureSecondsLeft: points[p].signatureSecondsLeft)
    }
}
