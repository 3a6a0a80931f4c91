// RFC 5011 automated trust-anchor maintenance, in the engine: each trust
// point's validated DNSKEY RRset is observed (`AnchorState`: add and remove
// hold-downs, revocation), the keys the state trusts become the trust
// point's DNSKEY anchors once it has any (the configured DS/DNSKEY anchors
// remain the fallback), the refresh timer says when the key sets are due
// again, and the state is handed out for flash at most daily
// (`AnchorStateWritePolicy`).
//
// Never: fetches the key sets (the Resolver starts one task per trust point
// when `takeDueTrustPointRefresh` says so), writes a file (the server asks
// for the bytes), or advances RFC 5011 timers on an untrusted clock.
//
// Example: the root's DNSKEY set validates under the configured DS with a
// trusted clock: `observeTrustPoint` feeds it to the state, which starts
// the add hold-down of a new KSK and sets the refresh timer to the RRSIG's
// expiry or the key set's TTL (RFC 5011 §2.3); 30 days later the KSK is
// Valid, `maintainedAnchorKeys(.root)` lists it, and `dsStatus(.root)` is
// `.anchor(.dnskey, keys)`.
import DNSWire

extension ValidationEngine {
    /// RFC 5011 §2.3: never query a trust point more often than hourly.
    static let anchorRetryMsMin: Int64 = 3_600_000

    /// Registers `owner` as a trust point (configured anchors; start-up).
    mutating func addTrustPoint(_ owner: Name, dnskeys: [[UInt8]]) {
        do throws(AnchorStateError) { try anchorState.pointee.addTrustPoint(owner: owner) } catch {}
        for key in dnskeys {
            key.withUnsafeBytes { bytes in
                _ = try? anchorState.pointee.seedTrustedKey(owner: owner, rdata: bytes, nowSeconds: 0)
            }
        }
        anchorRefreshDueMs = min(anchorRefreshDueMs, 0)
    }

    /// Replaces the RFC 5011 state with one read from flash (start-up).
    /// False when the bytes are not a valid state (the caller logs once and
    /// keeps the configured anchors).
    public mutating func loadAnchorState(_ bytes: [UInt8]) -> Bool {
        let decoded = bytes.withUnsafeBytes { b -> AnchorState? in try? AnchorState.decode(bytes: b) }
        guard let state = decoded else { return false }
        anchorState.pointee = state
        return true
    }

    /// Starts the write policy's clock and schedules the first refresh
    /// (server start-up, monotonic `nowMs`).
    public mutating func startAnchorMaintenance(nowMs: Int64) {
        anchorWrites = AnchorStateWritePolicy(startSeconds: nowMs / 1000)
        if anchorState.pointee.trustPointCount > 0 { anchorRefreshDueMs = nowMs }
    }

    /// True when the trust points' key sets are due for their RFC 5011
    /// active refresh: the caller fetches each now. Until an observation
    /// sets the real timer, the next one is due in an hour (§2.3 floor).
    public mutating func takeDueTrustPointRefresh(nowMs: Int64) -> Bool {
        guard nowMs >= anchorRefreshDueMs, clock.mayAdvanceRFC5011Timers else { return false }
        anchorRefreshDueMs = nowMs + ValidationEngine.anchorRetryMsMin
        return true
    }

    /// How many trust points the RFC 5011 state holds, and each one's owner.
    public var trustPointCount: Int { anchorState.pointee.trustPointCount }
    public func trustPoint(at index: Int) -> Name? { anchorState.pointee.owner(at: index) }

    /// DNSKEY anchors from the RFC 5011 state for `zone`, if it trusts any.
    func maintainedAnchorKeys(_ zone: Name) -> RDataList? {
        guard anchorState.pointee.keyCount(of: zone) > 0,
              case .active = anchorState.pointee.status(of: zone),
              let list = try? anchorState.pointee.trustedKeys(for: zone, into: anchorKeysBuffer),
              list.count > 0 else { return nil }
        return list
    }

    /// Whether trust point `zone` validates with the keys its RFC 5011 state
    /// trusts rather than with its configured anchors (`dsStatus`).
    func usesMaintainedKeys(_ zone: Name) -> Bool {
        guard anchorState.pointee.keyCount(of: zone) > 0,
              case .active = anchorState.pointee.status(of: zone) else { return false }
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
                                      budget: &budget, scratch: scratch)
            : ChainStep.verifyDNSKEYs(rrset, signatures: signatures, dsSet: anchors, clock: clock,
                                      budget: &budget, scratch: scratch)
        guard result.verdict.isValid else { return nil }
        guard case .trusted(let nowSeconds) = clock else { return result }
        if kind == .ds {
            _ = try? anchorState.pointee.seedKeysMatchingDS(owner: zone, dnskeys: rrset.rdatas, dsSet: anchors,
                                                            nowSeconds: nowSeconds, scratch: scratch)
        } else {
            for anchor in anchors {
                for key in rrset.rdatas where key.rdata.elementsEqual(anchor.rdata) {
                    try? anchorState.pointee.seedTrustedKey(owner: zone, rdata: anchor.rdata, nowSeconds: nowSeconds)
                }
            }
        }
        return result
    }

    /// `zone`'s operator-added anchors whose key the RFC 5011 state never
    /// held (in any state), packed into `dsBuffer` (free while a trust
    /// point's key set is checked: its vouchers are anchors, not a cached
    /// DS set). nil when there are none.
    func addedAnchorsUnknownToState(_ zone: Name) -> (TrustAnchorKind, RDataList)? {
        guard let (kind, added) = anchors.operatorAddedAnchors(at: zone) else { return nil }
        let buffer = dsBuffer
        var offset = 0
        var count = 0
        for anchor in added where !anchorState.pointee.holdsKey(owner: zone, designatedBy: kind,
                                                                anchor: anchor.rdata, scratch: scratch) {
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

    /// Feeds a validated trust-point DNSKEY RRset to RFC 5011. False when
    /// it could not (an untrusted clock).
    mutating func observeTrustPoint(_ zone: Name, _ rrset: RRsetView, signatures: RDataList, dsSet: RDataList?,
                                    clock: ValidationClock, nowMs: Int64) -> Bool {
        guard case .trusted(let nowSeconds) = clock else { return false }
        if anchorState.pointee.keyCount(of: zone) == 0, let ds = dsSet {
            _ = try? anchorState.pointee.seedKeysMatchingDS(owner: zone, dnskeys: rrset.rdatas, dsSet: ds,
                                                            nowSeconds: nowSeconds, scratch: scratch)
        }
        var budget = ValidationBudget()
        let revoked = RFC5011Revocation.revokedSelfSigners(rrset, signatures: signatures, clock: clock, budget: &budget,
                                                           scratch: scratch, into: revokedBuffer)
        var originalTTL = rrset.ttlSeconds
        var expiration = UInt32.max
        for signature in signatures {
            guard let view = RRSIGView(rdata: signature.rdata), view.typeCovered == .dnskey else { continue }
            originalTTL = view.originalTTLSeconds
            expiration = min(expiration, view.expiration)
        }
        let outcome = anchorState.pointee.observe(owner: zone, dnskeys: rrset.rdatas, revokedSelfSigners: revoked,
                                                  originalTTLSeconds: originalTTL, signatureExpiration: expiration,
                                                  clock: clock)
        if let delay = outcome.refreshDelaySeconds {
            anchorRefreshDueMs = nowMs + delay * 1000
        }
        return true
    }

    // MARK: persistence

    /// The encoded state to write to flash now, or nil (policy: when dirty,
    /// at most daily on the monotonic clock, and at clean shutdown).
    public mutating func anchorStateToPersist(nowMs: Int64, isShutdown: Bool) -> [UInt8]? {
        guard anchorWrites.shouldWrite(isDirty: anchorState.pointee.isDirty, nowSeconds: nowMs / 1000,
                                       isShutdown: isShutdown) else { return nil }
        anchorWrites.didAttemptWrite(nowSeconds: nowMs / 1000)
        var bytes = [UInt8](repeating: 0, count: AnchorStateFile.encodedByteCountMax)
        let n = bytes.withUnsafeMutableBytes { b in (try? anchorState.pointee.encode(into: b)) ?? 0 }
        guard n > 0 else { return nil }
        bytes.removeLast(bytes.count - n)
        return bytes
    }

    public mutating func didPersistAnchorState() { anchorState.pointee.markPersisted() }

    /// The keys the trust points' RFC 5011 states trust, for logs and `sprig stats`.
    public var anchorTrustedKeyCount: Int {
        var total = 0
        for i in 0..<anchorState.pointee.trustPointCount {
            guard let owner = anchorState.pointee.owner(at: i) else { continue }
            if case .active(let n) = anchorState.pointee.status(of: owner) { total += n }
        }
        return total
    }
}

extension ValidationEngine {
    /// `sprig anchors show`: per trust point its status and next refresh,
    /// then one line per key with its RFC 5011 state and timers (wall
    /// times in RFC 3339 UTC, as stored; a hold-down's end as a date and as
    /// seconds from `wallSeconds`). Control path only (allocates).
    public func anchorStatusLines(nowMs: Int64, wallSeconds: Int64) -> [String] {
        var lines: [String] = []
        let state = anchorState.pointee
        if state.trustPointCount == 0 { return ["no trust points (dnssec '0', or no trust anchors)"] }
        lines.append("clock " + (clock.isTrusted ? "trusted" : "not trusted: RFC 5011 timers wait for NTP")
                     + "; next key set refresh "
                     + (anchorRefreshDueMs == .max ? "not scheduled"
                        : "in " + String(max(0, anchorRefreshDueMs - nowMs) / 1000) + " s"))
        for p in 0..<state.trustPointCount {
            guard let owner = state.owner(at: p) else { continue }
            var status = "no trusted keys: the configured anchors are used"
            switch state.status(of: owner) {
            case .active(let count)?: status = String(count) + " trusted keys"
            case .allRevoked?: status = "every key revoked"
            default: break
            }
            let last = state.lastRefreshSeconds(of: owner) ?? 0
            lines.append("trust point " + owner.text + ": " + status + ", last refresh "
                         + (last > 0 ? CalendarDate.text(unixSeconds: last) : "never"))
            for k in 0..<state.keyCount(of: owner) {
                guard let key = state.key(k, of: owner) else { continue }
                var line = "  key " + String(key.keyTag) + " algorithm " + String(key.algorithm) + " "
                    + ValidationEngine.stateText(key.state)
                    + ", first seen " + CalendarDate.text(unixSeconds: key.firstSeenSeconds)
                    + ", last seen " + CalendarDate.text(unixSeconds: key.lastSeenSeconds)
                if key.holdDownEndSeconds > 0 {
                    line += ", hold-down ends " + CalendarDate.text(unixSeconds: key.holdDownEndSeconds)
                        + " (in " + String(max(0, key.holdDownEndSeconds - wallSeconds)) + " s)"
                }
                lines.append(line)
            }
        }
        return lines
    }

    /// RFC 5011 §4 state names.
    static func stateText(_ state: AnchorKeyState) -> String {
        switch state {
        case .addPending: "AddPend"
        case .valid: "Valid"
        case .missing: "Missing"
        case .revoked: "Revoked"
        }
    }
}
