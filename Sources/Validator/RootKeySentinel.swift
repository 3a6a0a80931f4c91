// The root key trust anchor sentinel (RFC 8509): the label test and the
// judgement, in the engine that holds the root's anchors.
import DNSWire

/// The root key trust anchor sentinel (RFC 8509): a client learns whether
/// this resolver trusts a root KSK by asking for names whose leftmost label
/// is `root-key-sentinel-is-ta-<key tag>` or `root-key-sentinel-not-ta-<key
/// tag>` (the tag in decimal, five digits with leading zeros, §2). Owns the
/// label test and the verdict; never touches the answer otherwise: RFC 8509
/// §3.1 allows the change only for a validated (Secure) answer to an A or
/// AAAA query without CD, and §3.2 only turns such an answer into SERVFAIL.
/// Always on (RFC 8509 §1 asks for it by default; Unbound's
/// `root-key-sentinel` default is yes): there is no option to turn it off.
///
/// Example: with the root KSK 20326 as anchor, an A query for
/// `root-key-sentinel-is-ta-20326.example.` keeps its Secure answer, and one
/// for `root-key-sentinel-not-ta-20326.example.` becomes SERVFAIL.
public enum RootKeySentinel: Equatable {
    case isTrustAnchor(UInt16)
    case notTrustAnchor(UInt16)

    /// (StaticString: no array is built, on the query path or anywhere.)
    static let isTAPrefix: StaticString = "root-key-sentinel-is-ta-"
    static let notTAPrefix: StaticString = "root-key-sentinel-not-ta-"
    /// RFC 8509 §2: the key tag as exactly five decimal digits.
    static let keyTagDigitCount = 5

    /// The sentinel the leftmost label of `qname` asks about, if any (ASCII case-insensitive).
    public init?(_ qname: Name) {
        guard qname.byteCount > 1 else { return nil }
        let length = Int(qname[byte: 0])
        let isTA = RootKeySentinel.hasPrefix(qname, length: length, RootKeySentinel.isTAPrefix)
        let prefix = isTA ? RootKeySentinel.isTAPrefix : RootKeySentinel.notTAPrefix
        guard isTA || RootKeySentinel.hasPrefix(qname, length: length, prefix),
              length == prefix.utf8CodeUnitCount + RootKeySentinel.keyTagDigitCount else { return nil }
        var tag = 0
        for i in (1 + prefix.utf8CodeUnitCount)...length {
            let digit = Int(qname[byte: i]) - 0x30
            guard digit >= 0 && digit <= 9 else { return nil }
            tag = tag * 10 + digit
        }
        guard tag <= Int(UInt16.max) else { return nil }
        self = isTA ? .isTrustAnchor(UInt16(tag)) : .notTrustAnchor(UInt16(tag))
    }

    static func hasPrefix(_ name: Name, length: Int, _ prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { bytes in
            guard length > bytes.count else { return false }
            for i in 0..<bytes.count {
                let byte = name[byte: 1 + i]
                let lower = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                if lower != bytes[i] { return false }
            }
            return true
        }
    }
}

extension ValidationEngine {
    /// RFC 8509 §3.2: true when a Secure answer to (`qname`, `qtype`) must
    /// become SERVFAIL — "is-ta" for a key tag that is no root trust
    /// anchor, "not-ta" for one that is. Only A and AAAA questions without
    /// CD (§3.1). The caller checked the answer is Secure.
    public func sentinelRefuses(_ qname: Name, _ qtype: RRType, checkingDisabled: Bool) -> Bool {
        guard !checkingDisabled, qtype == .a || qtype == .aaaa, let sentinel = RootKeySentinel(qname) else { return false }
        switch sentinel {
        case .isTrustAnchor(let tag): return !rootTrustAnchorsHold(tag)
        case .notTrustAnchor(let tag): return rootTrustAnchorsHold(tag)
        }
    }

    /// Whether a root trust anchor has key tag `tag`: the keys RFC 5011
    /// maintenance trusts, else the configured DS or DNSKEY anchors (a
    /// revoked or non-zone key is no anchor).
    func rootTrustAnchorsHold(_ tag: UInt16) -> Bool {
        if let keys = maintainedAnchorKeys(.root) { return ValidationEngine.dnskeys(keys, holdTag: tag) }
        guard let anchor = anchors.anchors(at: .root) else { return false }
        if anchor.kind == .dnskey { return ValidationEngine.dnskeys(anchor.rdatas, holdTag: tag) }
        for item in anchor.rdatas where DSView(rdata: item.rdata)?.keyTag == tag { return true }
        return false
    }

    static func dnskeys(_ keys: RDataList, holdTag tag: UInt16) -> Bool {
        for item in keys {
            guard let key = DNSKEYView(rdata: item.rdata), key.canSign, key.keyTag == tag else { continue }
            return true
        }
        return false
    }
}
