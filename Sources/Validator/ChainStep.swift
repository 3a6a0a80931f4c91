// One step down the chain of trust (RFC 4035 §5.2): a zone's DNSKEY RRset is
// secure when a DS from the (secure) parent — or a configured trust anchor —
// designates a DNSKEY that signs the DNSKEY RRset.
//
// Insecure, not bogus, when no DS has both an algorithm and a digest type we
// support (RFC 4035 §5.2, RFC 6840 §5.2): the zone is then treated as
// unsigned. A DS whose key Crypto refuses (an RSA modulus outside its size
// limits) counts as unsupported too: a key the zone really uses never makes
// it bogus. With at least one usable DS, failure to match is bogus.
import Crypto
import DNSWire

public enum ChainStep {
    /// True when some DS of `dsSet` has an algorithm and a digest type we
    /// support. False: there is no supported authentication path to the
    /// child, which is then treated as unsigned (RFC 4035 §5.2, RFC 6840
    /// §5.2) — before its keys are even fetched.
    public static func hasUsableDS(_ dsSet: RDataList) -> Bool {
        for item in dsSet {
            guard let ds = DSView(rdata: item.rdata), DNSSECAlgorithm.isSupported(ds.algorithm),
                  DSDigest.algorithm(forDigestType: ds.digestType) != nil else { continue }
            return true
        }
        return false
    }

    /// The same for DNSKEY trust anchors: some key can sign, with an
    /// algorithm and a size we can verify.
    public static func hasUsableKey(_ anchorKeys: RDataList) -> Bool {
        for item in anchorKeys {
            guard let key = DNSKEYView(rdata: item.rdata), key.canSign, DNSSECAlgorithm.isSupported(key.algorithm),
                  key.hasVerifiableSize else { continue }
            return true
        }
        return false
    }

    /// Verdict for `dnskeys` (the zone's DNSKEY RRset; its owner is the zone)
    /// given the zone's DS RRDATAs `dsSet` and the RRSIGs over the DNSKEYs.
    public static func verifyDNSKEYs(_ dnskeys: RRsetView, signatures: RDataList, dsSet: RDataList,
                                     clock: ValidationClock, budget: inout ValidationBudget,
                                     scratch: borrowing ValidatorScratch) -> RRsetValidation {
        let ignoreSHA1 = DSMatch.hasStrongerThanSHA1(dsSet)
        var usable = 0
        var sawUnsupportedAlgorithm = false
        var sawUnsupportedDigest = false
        var digestComputations = 0
        var failure: RRsetVerdict = .bogus(.dnskeyMissing)
        for dsItem in dsSet {
            guard let ds = DSView(rdata: dsItem.rdata) else { continue }
            guard DNSSECAlgorithm.isSupported(ds.algorithm) else { sawUnsupportedAlgorithm = true; continue }
            guard DSDigest.algorithm(forDigestType: ds.digestType) != nil else { sawUnsupportedDigest = true; continue }
            if ignoreSHA1 && ds.digestType == DSMatch.sha1DigestType { continue }
            usable += 1
            for keyItem in dnskeys.rdatas {
                guard let key = DNSKEYView(rdata: keyItem.rdata), key.keyTag == ds.keyTag,
                      key.algorithm == ds.algorithm else { continue }
                digestComputations += 1
                guard digestComputations <= ValidatorLimits.dsDigestsPerDNSKEYSetMax
                else { return RRsetValidation(verdict: .budgetExceeded) }
                guard DSMatch.matches(ds, owner: dnskeys.owner, dnskey: keyItem.rdata, scratch: scratch) == .match
                else { continue }
                guard key.hasVerifiableSize else {   // the zone's real key, which Crypto cannot use
                    usable -= 1
                    sawUnsupportedAlgorithm = true
                    break
                }
                let result = RRSIGCheck.verify(dnskeys, signatures: signatures, zone: dnskeys.owner,
                                               keys: dnskeys.rdatas.single(at: keyItem.entryOffset),
                                               clock: clock, budget: &budget, scratch: scratch)
                if result.verdict.isValid || result.verdict == .budgetExceeded { return result }
                failure = result.verdict
            }
        }
        if usable == 0 {
            if sawUnsupportedAlgorithm { return RRsetValidation(verdict: .insecure(.unsupportedDNSKEYAlgorithm)) }
            if sawUnsupportedDigest { return RRsetValidation(verdict: .insecure(.unsupportedDSDigestType)) }
            return RRsetValidation(verdict: .bogus(.dnssecBogus))  // empty or malformed DS set
        }
        return RRsetValidation(verdict: failure)
    }

    /// Verdict for `dnskeys` given trust-anchor DNSKEY RDATAs (RFC 5011 /
    /// root.key form): an anchor key present in the RRset, not revoked, must
    /// sign it. Anchors with only unsupported algorithms give insecure.
    public static func verifyDNSKEYs(_ dnskeys: RRsetView, signatures: RDataList, anchorKeys: RDataList,
                                     clock: ValidationClock, budget: inout ValidationBudget,
                                     scratch: borrowing ValidatorScratch) -> RRsetValidation {
        var usable = 0
        var failure: RRsetVerdict = .bogus(.dnskeyMissing)
        for anchor in anchorKeys {
            guard let anchorKey = DNSKEYView(rdata: anchor.rdata), anchorKey.canSign,
                  DNSSECAlgorithm.isSupported(anchorKey.algorithm), anchorKey.hasVerifiableSize else { continue }
            usable += 1
            for keyItem in dnskeys.rdatas where bytesEqual(keyItem.rdata, anchor.rdata) {
                let result = RRSIGCheck.verify(dnskeys, signatures: signatures, zone: dnskeys.owner,
                                               keys: dnskeys.rdatas.single(at: keyItem.entryOffset),
                                               clock: clock, budget: &budget, scratch: scratch)
                if result.verdict.isValid || result.verdict == .budgetExceeded { return result }
                failure = result.verdict
            }
        }
        if usable == 0 { return RRsetValidation(verdict: .insecure(.unsupportedDNSKEYAlgorithm)) }
        return RRsetValidation(verdict: failure)
    }
}
