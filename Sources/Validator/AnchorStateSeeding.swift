// Seeding the RFC 5011 table from DS-form anchors (root.key, RFC 7958): the
// first DNSKEY RRset validated through a configured DS gives the DNSKEYs that
// DS designates, and those start as Valid trust anchors.
import DNSWire

extension AnchorState {
    /// Seeds, as Valid, every non-revoked DNSKEY in `dnskeys` (the validated
    /// RRset of `owner`) that some DS in `dsSet` designates. Returns how many
    /// keys the trust point gained.
    public mutating func seedKeysMatchingDS(owner: Name, dnskeys: RDataList, dsSet: RDataList,
                                            nowSeconds: Int64,
                                            scratch: borrowing ValidatorScratch) throws(AnchorStateError) -> Int {
        let before = keyCount(of: owner)
        for keyItem in dnskeys {
            guard let key = DNSKEYView(rdata: keyItem.rdata), key.isZoneKey, !key.isRevoked else { continue }
            for dsItem in dsSet {
                guard let ds = DSView(rdata: dsItem.rdata),
                      DSMatch.matches(ds, owner: owner, dnskey: keyItem.rdata, scratch: scratch) == .match
                else { continue }
                try seedTrustedKey(owner: owner, rdata: keyItem.rdata, nowSeconds: nowSeconds)
                break
            }
        }
        return keyCount(of: owner) - before
    }
}
