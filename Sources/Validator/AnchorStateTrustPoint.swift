// One trust point's RFC 5011 key table and the state transitions of RFC 5011
// §4 (NewKey, AddTime, KeyRem, KeyPres, Revbit, RemTime), applied when a
// validated DNSKEY RRset for it is observed. Fixed capacity, no allocation.
import DNSWire

struct TrustPointRecord {
    var owner: Name
    var keys: TrustPointKeys
    var keyCount: Int
    /// From the last validated RRset: feeds the retry timer after failures.
    var originalTTLSeconds: UInt32
    var signatureSecondsLeft: UInt32
    var lastRefreshSeconds: Int64

    init(owner: Name) {
        self.owner = owner.lowercased()
        keys = InlineArray(repeating: .empty)
        keyCount = 0
        originalTTLSeconds = 0
        signatureSecondsLeft = 0
        lastRefreshSeconds = 0
    }

    var trustedKeyCount: Int {
        var count = 0
        for i in 0..<keyCount where keys[i].state.isTrusted { count += 1 }
        return count
    }

    func index(ofKey rdata: UnsafeRawBufferPointer) -> Int? {
        for i in 0..<keyCount where keys[i].isSameKey(rdata) { return i }
        return nil
    }

    /// Appends a key; false when the table is full.
    mutating func append(_ record: AnchorKeyRecord) -> Bool {
        guard keyCount < RFC5011Limits.keysPerTrustPointMax, keyCount < TrustPointKeys.count else { return false }
        keys[keyCount] = record
        keyCount += 1
        return true
    }

    mutating func remove(at index: Int) {
        for i in index..<(keyCount - 1) { keys[i] = keys[i + 1] }
        keyCount -= 1
        keys[keyCount] = .empty
    }
}

/// What one observation changed, for logging and persistence.
struct ObservationChanges {
    var stateChanged = false
    var keysDroppedForCapacity = 0
}

extension TrustPointRecord {
    /// Applies one validated DNSKEY RRset seen at `nowSeconds` (RFC 5011 §4).
    mutating func observe(_ dnskeys: RDataList, revokedSelfSigners: RDataList,
                          originalTTLSeconds ttl: UInt32, nowSeconds: Int64) -> ObservationChanges {
        var changes = ObservationChanges()
        // Bit i: stored key i appeared in this RRset (keysPerTrustPointMax ≤ 64).
        var seen: UInt64 = 0
        for item in dnskeys {
            guard let key = DNSKEYView(rdata: item.rdata), key.isZoneKey,
                  key.protocolField == DNSKEYView.protocolValue else { continue }
            if let i = index(ofKey: item.rdata) {
                seen |= 1 << UInt64(i)
                if applyPresent(key, at: i, revokedSelfSigners: revokedSelfSigners, nowSeconds: nowSeconds) {
                    changes.stateChanged = true
                }
            } else if !key.isRevoked && key.isSecureEntryPoint {
                // NewKey: a new SEP key in a validated RRset starts its add hold-down.
                let end = nowSeconds + RFC5011Timers.addHoldDownSeconds(originalTTLSeconds: ttl)
                guard let record = AnchorKeyRecord(rdata: item.rdata, state: .addPending,
                                                   nowSeconds: nowSeconds, holdDownEndSeconds: end),
                      append(record) else { changes.keysDroppedForCapacity += 1; continue }
                seen |= 1 << UInt64(keyCount - 1)
                changes.stateChanged = true
            }
        }
        if applyAbsentAndExpired(seen: seen, nowSeconds: nowSeconds) { changes.stateChanged = true }
        return changes
    }

    /// A stored key is in the RRset; true if its state changed.
    private mutating func applyPresent(_ key: DNSKEYView, at i: Int, revokedSelfSigners: RDataList,
                                       nowSeconds: Int64) -> Bool {
        keys[i].lastSeenSeconds = nowSeconds
        let state = keys[i].state
        if key.isRevoked {
            // Revbit counts only when the revoked key signed the RRset itself
            // (RFC 5011 §2.1); an unsigned REVOKE bit is ignored.
            guard state != .revoked, isListed(key.rdata, in: revokedSelfSigners) else { return false }
            keys[i].setRevokeFlag()
            keys[i].state = .revoked
            keys[i].holdDownEndSeconds = nowSeconds + RFC5011Limits.removeHoldDownSeconds
            return true
        }
        switch state {
        case .addPending where nowSeconds >= keys[i].holdDownEndSeconds:
            keys[i].state = .valid  // AddTime
            keys[i].holdDownEndSeconds = 0
            return true
        case .missing:
            keys[i].state = .valid  // KeyPres
            return true
        default:
            return false  // Valid stays; Revoked never comes back (RFC 5011 §2.1)
        }
    }

    /// Keys absent from the RRset, and expired hold-downs; true if anything changed.
    private mutating func applyAbsentAndExpired(seen: UInt64, nowSeconds: Int64) -> Bool {
        var changed = false
        var i = keyCount - 1
        while i >= 0 {  // backwards, so removals do not shift unvisited keys
            let present = seen & (1 << UInt64(i)) != 0
            switch keys[i].state {
            case .addPending where !present:
                remove(at: i)  // KeyRem: acceptance stops and the timer resets (§2.4.1)
                changed = true
            case .valid where !present:
                keys[i].state = .missing  // KeyRem
                changed = true
            case .revoked where nowSeconds >= keys[i].holdDownEndSeconds:
                remove(at: i)  // RemTime → Removed
                changed = true
            default:
                break
            }
            i -= 1
        }
        return forgetLongMissingKeys(nowSeconds: nowSeconds) || changed
    }

    /// Drops Missing keys gone for `missingKeepSeconds`, but never the last
    /// trusted key: at least one Valid key must remain.
    private mutating func forgetLongMissingKeys(nowSeconds: Int64) -> Bool {
        var validCount = 0
        for i in 0..<keyCount where keys[i].state == .valid { validCount += 1 }
        guard validCount > 0 else { return false }
        var changed = false
        var i = keyCount - 1
        while i >= 0 {
            if keys[i].state == .missing && nowSeconds - keys[i].lastSeenSeconds >= RFC5011Limits.missingKeepSeconds {
                remove(at: i)
                changed = true
            }
            i -= 1
        }
        return changed
    }

    private func isListed(_ rdata: UnsafeRawBufferPointer, in list: RDataList) -> Bool {
        for item in list where bytesEqual(item.rdata, rdata) { return true }
        return false
    }
}
