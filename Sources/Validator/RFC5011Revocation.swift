// Finding the revoked keys that signed their own DNSKEY RRset (RFC 5011 §2.1:
// a revoked key may be used for nothing except validating the RRSIG it made
// over the DNSKEY RRset, to prove the revocation). RRSIGCheck refuses revoked
// keys everywhere else (DNSKEYView.canSign); this is the one exception, and
// its output only feeds `AnchorState.observe(revokedSelfSigners:)`.
import Crypto
import DNSWire

public enum RFC5011Revocation {
    /// Packs into `buffer` the RDATAs of the revoked zone keys in `dnskeys`
    /// (the trust point's DNSKEY RRset, already validated by a trusted key)
    /// whose own RRSIG in `signatures` verifies: window checked when the
    /// clock is trusted, each verification charged to `budget`. At most
    /// `ValidatorLimits.rrsigsPerRRsetMax` RRSIGs are tried. Keys that do
    /// not fit in `buffer` are left out (their revocation waits for the next
    /// refresh with a bigger buffer; `RFC5011Limits.trustedKeysByteCountMax`
    /// always suffices for a table's worth).
    public static func revokedSelfSigners(_ dnskeys: RRsetView, signatures: RDataList, clock: ValidationClock,
                                          budget: inout ValidationBudget, scratch: borrowing ValidatorScratch,
                                          into buffer: UnsafeMutableRawBufferPointer) -> RDataList {
        var packed = 0
        var count = 0
        var tried = 0
        for item in signatures {
            guard let rrsig = RRSIGView(rdata: item.rdata), rrsig.typeCovered == .dnskey,
                  rrsig.signer == dnskeys.owner, DNSSECAlgorithm.isSupported(rrsig.algorithm),
                  isInWindow(rrsig, clock: clock) else { continue }
            tried += 1
            guard tried <= ValidatorLimits.rrsigsPerRRsetMax else { break }
            guard let key = verifiedRevokedSigner(rrsig, dnskeys: dnskeys, budget: &budget, scratch: scratch),
                  packed + 2 + key.count <= buffer.count,
                  !contains(UnsafeRawBufferPointer(rebasing: buffer[0..<packed]), key) else { continue }
            buffer[packed] = UInt8(truncatingIfNeeded: key.count >> 8)
            buffer[packed + 1] = UInt8(truncatingIfNeeded: key.count)
            for i in 0..<key.count { buffer[packed + 2 + i] = key[i] }
            packed += 2 + key.count
            count += 1
        }
        return RDataList(checked: UnsafeRawBufferPointer(rebasing: buffer[0..<packed]), count: count)
    }

    static func isInWindow(_ rrsig: RRSIGView, clock: ValidationClock) -> Bool {
        guard case .trusted(let now) = clock else { return true }
        if case .valid = ValidityWindow.check(inception: rrsig.inception, expiration: rrsig.expiration,
                                              nowSeconds: now) { return true }
        return false
    }

    /// The revoked key of `dnskeys` that made `rrsig`, if its signature verifies.
    static func verifiedRevokedSigner(_ rrsig: RRSIGView, dnskeys: RRsetView, budget: inout ValidationBudget,
                                      scratch: borrowing ValidatorScratch) -> UnsafeRawBufferPointer? {
        guard let (signedOwner, isWildcard) = CanonicalRRset.signedOwner(owner: dnskeys.owner, labels: rrsig.labels),
              !isWildcard,
              let byteCount = CanonicalRRset.signedData(rrsig: rrsig, rrset: dnskeys, signedOwner: signedOwner,
                                                        scratch: scratch) else { return nil }
        let signedData = UnsafeRawBufferPointer(rebasing: scratch.signedData[0..<byteCount])
        var candidates = 0
        for item in dnskeys.rdatas {
            guard let key = DNSKEYView(rdata: item.rdata), key.isRevoked, key.isZoneKey,
                  key.protocolField == DNSKEYView.protocolValue,
                  key.algorithm == rrsig.algorithm, key.keyTag == rrsig.keyTag else { continue }
            candidates += 1
            guard candidates <= ValidatorLimits.keyTagCollisionsMax,
                  budget.takeSignatureVerification() else { return nil }
            if Signature.verify(algorithm: rrsig.algorithm, publicKey: key.publicKey, signedData: signedData,
                                signature: rrsig.signature) == .valid { return item.rdata }
        }
        return nil
    }

    static func contains(_ packed: UnsafeRawBufferPointer, _ rdata: UnsafeRawBufferPointer) -> Bool {
        guard let list = try? RDataList(bytes: packed) else { return false }
        for item in list where bytesEqual(item.rdata, rdata) { return true }
        return false
    }
}
