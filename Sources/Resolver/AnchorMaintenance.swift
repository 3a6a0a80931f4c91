import DNSWire
import Fixed
import Validator

/// RFC 5011 automated trust-anchor maintenance, in the engine: each trust
/// point's validated DNSKEY RRset is observed (`AnchorState`: add and
/// remove hold-downs, revocation), the keys the state trusts become the
/// trust point's DNSKEY anchors once it has any (the configured DS/DNSKEY
/// anchors remain the fallback), the key set is re-fetched on the RFC 5011
/// refresh timer, and the state goes to flash through the server at most
/// daily (`AnchorStateWritePolicy`). No I/O here: the server asks for the
/// bytes to write.
extension QueryEngine {
    /// Registers `owner` as a trust point (configured anchors; start-up).
    mutating func addTrustPoint(_ owner: Name, dnskeys: [[UInt8]]) {
        do throws(AnchorStateError) { try validation.anchorState.pointee.addTrustPoint(owner: owner) } catch {}
        for key in dnskeys {
            key.withUnsafeBytes { bytes in
                _ = try? validation.anchorState.pointee.seedTrustedKey(owner: owner, rdata: bytes, nowSeconds: 0)
            }
        }
        validation.anchorRefreshDueMs = min(validation.anchorRefreshDueMs, 0)
    }

    /// Replaces the RFC 5011 state with one read from flash (start-up).
    /// False when the bytes are not a valid state (the caller logs once and
    /// keeps the configured anchors).
    public mutating func loadAnchorState(_ bytes: [UInt8]) -> Bool {
        let decoded = bytes.withUnsafeBytes { b -> AnchorState? in try? AnchorState.decode(bytes: b) }
        guard let state = decoded else { return false }
        validation.anchorState.pointee = state
        return true
    }

    /// Starts the write policy's clock and schedules the first refresh
    /// (server start-up, monotonic `nowMs`).
    public mutating func startAnchorMaintenance(nowMs: Int64) {
        validation.anchorWrites = AnchorStateWritePolicy(startSeconds: nowMs / 1000)
        if validation.anchorState.pointee.trustPointCount > 0 { validation.anchorRefreshDueMs = nowMs }
    }

    /// DNSKEY anchors from the RFC 5011 state for `zone`, if it trusts any.
    func maintainedAnchorKeys(_ zone: Name) -> RDataList? {
        guard validation.anchorState.pointee.keyCount(of: zone) > 0,
              case .active = validation.anchorState.pointee.status(of: zone),
              let list = try? validation.anchorState.pointee.trustedKeys(for: zone, into: validation.anchorKeysBuffer),
              list.count > 0 else { return nil }
        return list
    }

    /// Whether trust point `zone` validates with the keys its RFC 5011 state
    /// trusts rather than with its configured anchors (`dsStatus`).
    func usesMaintainedKeys(_ zone: Name) -> Bool {
        guard validation.anchorState.pointee.keyCount(of: zone) > 0,
              case .active = validation.anchorState.pointee.status(of: zone) else { return false }
        return true
    }

    /// The state's keys did not validate `zone`'s DNSKEY set: tries the
    /// anchors the operator added (`list trust_anchor`) whose key the state
    /// never held — an anchor added after the state was saved, such as a
    /// test bed's private root next to a state that learned the real root's
    /// keys (issue 12 item 8). On success, with a trusted clock, the keys
    /// they designate become Valid in the state (as a configured anchor
    /// does). Never the compiled-in or file anchors (RFC 5011 decides what
    /// became of their keys; a key it removed after revocation must not come
    /// back through them), nor an anchor whose key the state knows revoked
    /// (RFC 5011 §2.1). nil: nothing to try, or it failed too.
    mutating func validateWithAddedAnchors(_ zone: Name, _ rrset: RRsetView, signatures: RDataList,
                                           clock: ValidationClock, budget: inout ValidationBudget) -> RRsetValidation? {
        guard usesMaintainedKeys(zone), let (kind, anchors) = addedAnchorsUnknownToState(zone) else { return nil }
        let result = kind == .dnskey
            ? ChainStep.verifyDNSKEYs(rrset, signatures: signatures, anchorKeys: anchors, clock: clock,
                                      budget: &budget, scratch: validation.scratch)
            : ChainStep.verifyDNSKEYs(rrset, signatures: signatures, dsSet: anchors, clock: clock,
                                      budget: &budget, scratch: validation.scratch)
        guard result.verdict.isValid else { return nil }
        guard case .trusted(let nowSeconds) = clock else { return result }
        if kind == .ds {
            _ = try? validation.anchorState.pointee.seedKeysMatchingDS(owner: zone, dnskeys: rrset.rdatas, dsSet: anchors,
                                                                nowSeconds: nowSeconds, scratch: validation.scratch)
        } else {
            for anchor in anchors {
                for key in rrset.rdatas where key.rdata.elementsEqual(anchor.rdata) {
                    try? validation.anchorState.pointee.seedTrustedKey(owner: zone, rdata: anchor.rdata, nowSeconds: nowSeconds)
                }
            }
        }
        return result
    }

    /// `zone`'s operator-added anchors whose key the RFC 5011 state never
    /// held (in any state), packed into `validation.dsBuffer` (free while a
    /// trust point's key set is checked: its vouchers are anchors, not a
    /// cached DS set). nil when there are none.
    mutating func addedAnchorsUnknownToState(_ zone: Name) -> (TrustAnchorKind, RDataList)? {
        guard let (kind, added) = validation.anchors.operatorAddedAnchors(at: zone) else { return nil }
        let buffer = validation.dsBuffer
        var offset = 0
        var count = 0
        for anchor in added where !validation.anchorState.pointee.holdsKey(owner: zone, designatedBy: kind,
                                                                          anchor: anchor.rdata, scratch: validation.scratch) {
            guard offset + 2 + anchor.rdata.count <= buffer.count else { break }
            buffer[offset] = UInt8(truncatingIfNeeded: anchor.rdata.count >> 8)
            buffer[offset + 1] = UInt8(truncatingIfNeeded: anchor.rdata.count)
            UnsafeMutableRawBufferPointer(rebasing: buffer[(offset + 2)..<(offset + 2 + anchor.rdata.count)])
                .copyMemory(from: anchor.rdata)
            offset += 2 + anchor.rdata.count
            count += 1
        }
        guard count > 0, let list = try? RDataList(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<offset]))
        else { return nil }
        return (kind, list)
    }

    /// Feeds a validated trust-point DNSKEY RRset to RFC 5011.
    mutating func observeTrustPoint(_ zone: Name, _ rrset: RRsetView, signatures: RDataList, dsSet: RDataList?,
                                    nowMs: Int64) {
        let clock = validationClock(nowMs: nowMs)
        guard case .trusted(let nowSeconds) = clock else { return }
        if validation.anchorState.pointee.keyCount(of: zone) == 0, let ds = dsSet {
            _ = try? validation.anchorState.pointee.seedKeysMatchingDS(owner: zone, dnskeys: rrset.rdatas, dsSet: ds,
                                                                nowSeconds: nowSeconds, scratch: validation.scratch)
        }
        var budget = ValidationBudget()
        let revoked = RFC5011Revocation.revokedSelfSigners(rrset, signatures: signatures, clock: clock, budget: &budget,
                                                           scratch: validation.scratch, into: validation.revokedBuffer)
        var originalTTL = rrset.ttlSeconds
        var expiration = UInt32.max
        for signature in signatures {
            guard let view = RRSIGView(rdata: signature.rdata), view.typeCovered == .dnskey else { continue }
            originalTTL = view.originalTTLSeconds
            expiration = min(expiration, view.expiration)
        }
        let outcome = validation.anchorState.pointee.observe(owner: zone, dnskeys: rrset.rdatas, revokedSelfSigners: revoked,
                                                     originalTTLSeconds: originalTTL, signatureExpiration: expiration,
                                                     clock: clock)
        stats.anchorObservations += 1
        if let delay = outcome.refreshDelaySeconds {
            validation.anchorRefreshDueMs = nowMs + delay * 1000
        }
    }

    /// Starts the RFC 5011 active refresh of the trust points' key sets when
    /// due (the server calls this from its once-a-second housekeeping).
    public mutating func refreshTrustAnchorsIfDue(nowMs: Int64) {
        guard isValidating, nowMs >= validation.anchorRefreshDueMs,
              validation.clock.mayAdvanceRFC5011Timers else { return }
        // Until an observation sets the real timer, retry hourly (RFC 5011 §2.3 floor).
        validation.anchorRefreshDueMs = nowMs + QueryEngine.anchorRetryMsMin
        for i in 0..<validation.anchorState.pointee.trustPointCount {
            guard let owner = validation.anchorState.pointee.owner(at: i), let index = outgoing.acquire() else { continue }
            var o = OutgoingQuery()
            o.question = Question(name: owner, type: .dnskey, rrClass: .in)
            outgoing[index] = o
            beginIteration(index, parent: nil, nowMs: nowMs)
            iterate(index, nowMs: nowMs)
        }
    }

    /// RFC 5011 §2.3: never query a trust point more often than hourly.
    static let anchorRetryMsMin: Int64 = 3_600_000

    /// The encoded state to write to flash now, or nil (policy: when dirty,
    /// at most daily on the monotonic clock, and at clean shutdown).
    public mutating func anchorStateToPersist(nowMs: Int64, isShutdown: Bool) -> [UInt8]? {
        guard validation.anchorWrites.shouldWrite(isDirty: validation.anchorState.pointee.isDirty, nowSeconds: nowMs / 1000,
                                                  isShutdown: isShutdown) else { return nil }
        validation.anchorWrites.didAttemptWrite(nowSeconds: nowMs / 1000)
        var bytes = [UInt8](repeating: 0, count: AnchorStateFile.encodedByteCountMax)
        let n = bytes.withUnsafeMutableBytes { b in (try? validation.anchorState.pointee.encode(into: b)) ?? 0 }
        guard n > 0 else { return nil }
        bytes.removeLast(bytes.count - n)
        return bytes
    }

    public mutating func didPersistAnchorState() { validation.anchorState.pointee.markPersisted() }

    /// The trust points' key states, for logs and `sprig stats`.
    public var anchorTrustedKeyCount: Int {
        var total = 0
        for i in 0..<validation.anchorState.pointee.trustPointCount {
            guard let owner = validation.anchorState.pointee.owner(at: i) else { continue }
            if case .active(let n) = validation.anchorState.pointee.status(of: owner) { total += n }
        }
        return total
    }
}
