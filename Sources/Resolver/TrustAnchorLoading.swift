import DNSWire
import Validator

/// One configured trust anchor as the daemon read it: a DS or DNSKEY RDATA,
/// and whether the operator added it (`list trust_anchor`) or it is one of
/// the root anchors (compiled in, or `trust_anchor_file`).
public struct ConfiguredAnchor: Equatable, Sendable {
    public var isDS: Bool
    public var rdata: [UInt8]
    public var addedByOperator: Bool

    public init(isDS: Bool, rdata: [UInt8], addedByOperator: Bool) {
        self.isDS = isDS
        self.rdata = rdata
        self.addedByOperator = addedByOperator
    }
}

/// Loading one owner's anchors from several sources (issue 12 item 8: an
/// operator's anchors add to the compiled-in root anchors). The engine keeps
/// one set per owner, and a zone's DNSKEY set is secure when any one anchor
/// of that set designates a key that signs it (RFC 4035 §5.2: "a DS RR …
/// or a trust anchor"): so an anchor for a test root and the real root's
/// KSKs can stand side by side, whichever root answers.
extension QueryEngine {
    /// Adds every anchor of `owner` (start-up). DS and DNSKEY forms may be
    /// mixed: beside a DS anchor, a DNSKEY anchor becomes the SHA-256 DS
    /// that designates it (the same key, RFC 4034 §5.1.4), so no anchor is
    /// dropped. Repeated anchors count once; the operator's come first
    /// (`TrustAnchorStore.operatorAddedAnchors`). False when the store is
    /// full or an RDATA is unusable.
    public mutating func addTrustAnchors(owner: Name, _ anchors: [ConfiguredAnchor]) -> Bool {
        let asDS = anchors.contains { $0.isDS }
        var rdatas: [[UInt8]] = []
        var operatorAddedCount = 0
        for pass in [true, false] {   // the operator's anchors first
            for anchor in anchors where anchor.addedByOperator == pass {
                guard let rdata = asDS && !anchor.isDS ? AnchorDS.sha256(owner: owner, dnskey: anchor.rdata) : anchor.rdata
                else { return false }
                if rdatas.contains(rdata) { continue }
                rdatas.append(rdata)
                if pass { operatorAddedCount += 1 }
            }
        }
        return addTrustAnchor(owner: owner, type: asDS ? .ds : .dnskey, rdatas: rdatas,
                              operatorAddedCount: operatorAddedCount)
    }
}
