// The chain of trust from the config's trust anchors to the parent's
// current DS RRset for the domain (RFC 4035 §5: DS → DNSKEY → signed DS, zone
// by zone down the referral path), so that `ds-check` authenticates the
// CDS/CDNSKEY against a DS set it has validated (RFC 7344 §4.1).
// An unsigned delegation on the way counts only with its denial proven: the
// NSEC/NSEC3 records of the DS answer, signed by the zone's validated keys,
// must show the name without DS (DSCheckDenial); an empty answer alone is
// bogus (it could be a stripped DS).
// Never: honours insecure_domain (the result says so).
import Config
import DNSWire
import Hints
import Platform
import Validator

enum ChainResult {
    /// The parent's DS RRset for the domain, validated from `anchorText`.
    case secure(ds: [[UInt8]], anchorText: String)
    /// A zone on the way has no DS for the next one, its denial proven.
    case insecure(String)
    /// Something that should validate does not.
    case bogus(String)
    /// Validation is off (`dnssec '0'`) or no anchor covers the path.
    case unchecked(String)
}

enum DSCheckChain {
    /// The anchors the daemon would use: `list trust_anchor`, then
    /// `trust_anchor_file` (else the compiled-in root KSKs unless
    /// `builtin_root_anchors '0'`), as sprigd's start-up reads them.
    static func anchors(_ config: SprigConfig) -> [TrustAnchor] {
        var list = config.trustAnchors
        if let path = config.trustAnchorFilePath?.string,
           let text = try? File.readAll(path, limit: HintLimits.tableByteCountMax * 4),
           let parsed = try? TrustAnchorText.parseFile(text) {
            return list + parsed
        }
        if config.builtinRootAnchors, let table = try? RootHints.compiled(), table.domainCount > 0 {
            let root = table.domain(0)
            for i in 0..<root.anchorCount {
                list.append(TrustAnchor(owner: .root, type: root.anchor(i).type, rdata: root.anchor(i).rdata))
            }
        }
        return list
    }

    /// Validates the parent's DS RRset for `domain` down `delegation.path`.
    static func currentDS(_ domain: Name, _ delegation: Delegation, config: SprigConfig, via transport: DSCheckTransport,
                          scratch: borrowing ValidatorScratch) -> ChainResult {
        guard config.dnssec else { return .unchecked("dnssec '0' in the config") }
        let anchors = anchors(config)
        // Start at the deepest zone of the path that has an anchor.
        guard let start = delegation.path.lastIndex(where: { hop in anchors.contains { $0.owner == hop.zone } }) else {
            return .unchecked("no trust anchor covers the path to \(delegation.parent.text)")
        }
        let startZone = delegation.path[start].zone
        let anchorDS = anchors.filter { $0.owner == startZone && $0.type == .ds }.map { $0.rdata }
        let anchorKeys = anchors.filter { $0.owner == startZone && $0.type == .dnskey }.map { $0.rdata }
        var entryDS = anchorDS
        var entryKeys = anchorKeys
        var anchorText = "anchor \(startZone.text)"
        for index in start..<delegation.path.count {
            let hop = delegation.path[index]
            guard let keys = fetch(hop.zone, .dnskey, from: hop.servers, zone: hop.zone, via: transport) else {
                return .bogus("no DNSKEY RRset from the servers of \(hop.zone.text)")
            }
            let entries = keys.rdatas.filter { key in
                entryKeys.contains(key) || entryDS.contains { DSCheckRules.dsMatches($0, key: key, owner: hop.zone, scratch: scratch) == true }
            }
            guard entries.contains(where: { DSCheckRules.verify(keys.rdatas, type: .dnskey, owner: hop.zone, signatures: keys.signatures,
                                                                keys: [$0], scratch: scratch) == nil }) else {
                return .bogus("the DNSKEY RRset of \(hop.zone.text) is not signed by a key its DS (or anchor) designates")
            }
            if index == start, let tag = entries.first.flatMap({ k in k.withUnsafeBytes { DNSKEYView(rdata: $0)?.keyTag } }) {
                anchorText = "anchor \(startZone.text) key tag \(tag)"
            }
            let next = index + 1 < delegation.path.count ? delegation.path[index + 1].zone : domain
            guard let ds = fetch(next, .ds, from: hop.servers, zone: hop.zone, via: transport) else {
                return .bogus("no DS answer for \(next.text) from the servers of \(hop.zone.text)")
            }
            guard !ds.rdatas.isEmpty else {
                switch DSCheckDenial.noData(ds.response, qname: next, qtype: .ds, zone: hop.zone, keys: keys.rdatas,
                                            scratch: scratch) {
                case .noData(let how), .insecureDelegation(let how):
                    return .insecure("\(hop.zone.text) has no DS for \(next.text), \(how)")
                case .notProven(let why):
                    return .bogus("\(hop.zone.text) answers no DS for \(next.text) without a valid denial "
                        + "of existence (a DS may have been stripped): \(why)")
                }
            }
            if let failure = DSCheckRules.verify(ds.rdatas, type: .ds, owner: next, signatures: ds.signatures,
                                                 keys: keys.rdatas, zone: hop.zone, scratch: scratch) {
                return .bogus("the DS RRset of \(next.text) in \(hop.zone.text): \(failure)")
            }
            entryDS = ds.rdatas
            entryKeys = []
            if next == domain { return .secure(ds: ds.rdatas, anchorText: anchorText) }
        }
        return .bogus("the referral path does not reach \(domain.text)")
    }

    struct SignedRRset {
        var rdatas: [[UInt8]]
        var signatures: [[UInt8]]
        /// The whole response (an empty answer's denial is in it).
        var response: FetchedResponse
    }

    /// The RRset from the first server that answers it authoritatively
    /// (NOERROR; empty for NODATA).
    static func fetch(_ name: Name, _ type: RRType, from servers: [Address], zone: Name,
                      via transport: DSCheckTransport) -> SignedRRset? {
        for server in servers {
            guard let response = try? DSCheckClient.fetch(name, type, from: server, zone: zone, via: transport).response,
                  response.rcode == .noError, response.authoritative else { continue }
            return SignedRRset(rdatas: response.rdatas(.answer, owner: name, type: type),
                               signatures: response.signatures(.answer, owner: name, covering: type), response: response)
        }
        return nil
    }
}
