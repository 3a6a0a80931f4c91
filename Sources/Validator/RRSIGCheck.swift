// RRSIG verification of one RRset (RFC 4035 §5.3) against a DNSKEY set,
// within the KeyTrap budgets (ValidatorLimits).
//
// Per RRSIG (at most rrsigsPerRRsetMax with a supported algorithm):
//   type covered = RRset type; signer = the zone, and the owner is at or below
//   it; labels ≤ owner labels (fewer = wildcard expansion); algorithm
//   supported; validity window (unless the clock is untrusted); then each
//   DNSKEY with the same algorithm and key tag, zone key bit set, not revoked
//   (at most keyTagCollisionsMax) gets one signature verification. The first
//   good signature wins; otherwise the most advanced failure is reported.
import Crypto
import DNSWire

public enum RRSIGCheck {
    /// Verifies `rrset` with the RRSIGs in `signatures` (RRSIG RDATAs, of any
    /// covered type: others are skipped) and the DNSKEY RDATAs in `keys`
    /// (the zone's DNSKEY RRset, already secure — or the same RRset when the
    /// chain step checks its self-signature), for the zone `zone`.
    public static func verify(_ rrset: RRsetView, signatures: RDataList, zone: Name, keys: RDataList,
                              clock: ValidationClock, budget: inout ValidationBudget,
                              scratch: borrowing ValidatorScratch) -> RRsetValidation {
        guard rrset.owner.isSubdomain(of: zone) else { return RRsetValidation(verdict: .bogus(.dnssecBogus)) }
        var failure = Failure()
        var tried = 0
        for item in signatures {
            guard let rrsig = RRSIGView(rdata: item.rdata) else {
                failure.note(.header, .dnssecBogus)
                continue
            }
            guard rrsig.typeCovered == rrset.type else { continue }
            guard DNSSECAlgorithm.isSupported(rrsig.algorithm) else {
                failure.note(.header, .rrsigsMissing)  // no usable RRSIG; never a downgrade to insecure
                continue
            }
            tried += 1
            guard tried <= ValidatorLimits.rrsigsPerRRsetMax else { return RRsetValidation(verdict: .budgetExceeded) }
            let outcome = check(rrsig, rrset: rrset, zone: zone, keys: keys, clock: clock,
                                budget: &budget, scratch: scratch)
            switch outcome {
            case .done(let result): return result
            case .failed(let stage, let code): failure.note(stage, code)
            }
        }
        return RRsetValidation(verdict: .bogus(failure.code ?? .rrsigsMissing))
    }

    enum Outcome {
        case done(RRsetValidation)
        case failed(Stage, EDECode)
    }

    /// How far an RRSIG got before failing; the furthest one names the error.
    enum Stage: Int, Comparable {
        case header = 1, key = 2, time = 3, signature = 4
        static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }
    }

    struct Failure {
        var stage: Stage?
        var code: EDECode?
        mutating func note(_ newStage: Stage, _ newCode: EDECode) {
            if let stage, stage > newStage { return }
            stage = newStage
            code = newCode
        }
    }

    /// One RRSIG through every check up to signature verification.
    static func check(_ rrsig: RRSIGView, rrset: RRsetView, zone: Name, keys: RDataList,
                      clock: ValidationClock, budget: inout ValidationBudget,
                      scratch: borrowing ValidatorScratch) -> Outcome {
        guard rrsig.signer == zone else { return .failed(.header, .dnssecBogus) }
        guard let (signedOwner, isWildcard) = CanonicalRRset.signedOwner(owner: rrset.owner, labels: rrsig.labels)
        else { return .failed(.header, .dnssecBogus) }
        var secondsLeft = UInt32.max
        if case .trusted(let now) = clock {
            let window = ValidityWindow.check(inception: rrsig.inception, expiration: rrsig.expiration,
                                              nowSeconds: now)
            guard case .valid(let left) = window else { return .failed(.time, window.edeCode) }
            secondsLeft = left
        }
        guard let byteCount = CanonicalRRset.signedData(rrsig: rrsig, rrset: rrset, signedOwner: signedOwner,
                                                        scratch: scratch)
        else { return .done(RRsetValidation(verdict: .budgetExceeded)) }
        let signedData = UnsafeRawBufferPointer(rebasing: scratch.signedData[0..<byteCount])
        switch tryKeys(rrsig, signedData: signedData, keys: keys, budget: &budget, scratch: scratch) {
        case .verified:
            let ttlCap = min(rrset.ttlSeconds, rrsig.originalTTLSeconds, secondsLeft)
            let verdict: RRsetVerdict = clock == .untrusted ? .validIgnoringTime : .secure
            let encloser: Name? = isWildcard ? rrset.owner.suffix(labelCount: rrsig.labels) : nil
            return .done(RRsetValidation(verdict: verdict, wildcardEncloser: encloser, ttlSecondsCap: ttlCap))
        case .noKey: return .failed(.key, .dnskeyMissing)
        case .badSignature: return .failed(.signature, .dnssecBogus)
        case .budgetExceeded: return .done(RRsetValidation(verdict: .budgetExceeded))
        }
    }

    enum KeyOutcome { case verified, noKey, badSignature, budgetExceeded }

    /// Tries the DNSKEYs that match the RRSIG's algorithm and key tag.
    /// A signature verified before (`VerifiedSignatures`) is not verified
    /// again, nor counted against the budget: it costs a SHA-256.
    static func tryKeys(_ rrsig: RRSIGView, signedData: UnsafeRawBufferPointer, keys: RDataList,
                        budget: inout ValidationBudget, scratch: borrowing ValidatorScratch) -> KeyOutcome {
        var candidates = 0
        for item in keys {
            guard let key = DNSKEYView(rdata: item.rdata), key.canSign,
                  key.algorithm == rrsig.algorithm, key.keyTag == rrsig.keyTag else { continue }
            candidates += 1
            guard candidates <= ValidatorLimits.keyTagCollisionsMax else { return .budgetExceeded }
            let memo = scratch.verified.isReserved
                && VerifiedSignatures.key(signedDataByteCount: signedData.count, algorithm: rrsig.algorithm,
                                          publicKey: key.publicKey, signature: rrsig.signature,
                                          work: scratch.signedData, into: scratch.memoKey)
            if memo && scratch.verified.contains(UnsafeRawBufferPointer(scratch.memoKey)) { return .verified }
            guard budget.takeSignatureVerification() else { return .budgetExceeded }
            let result = Signature.verify(algorithm: rrsig.algorithm, publicKey: key.publicKey,
                                          signedData: signedData, signature: rrsig.signature)
            if result == .valid {
                if memo { scratch.verified.insert(UnsafeRawBufferPointer(scratch.memoKey)) }
                return .verified
            }
        }
        return candidates == 0 ? .noKey : .badSignature
    }
}
