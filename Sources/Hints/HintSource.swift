// What a table is built from, at start-up: a domain, its nameservers with
// addresses, and its trust anchors. Filled by the text parsers or, for
// `config hint` sections, by sprigd from Config's `Hint` values.

import DNSWire

public struct HintServerSource: Equatable, Sendable {
    public var name: Name
    public var addresses: [IPAddress]

    public init(name: Name, addresses: [IPAddress]) {
        self.name = name
        self.addresses = addresses
    }
}

public struct HintDomainSource: Equatable, Sendable {
    public var domain: Name
    public var servers: [HintServerSource]
    /// Owners must equal `domain`.
    public var anchors: [TrustAnchor]

    public init(domain: Name, servers: [HintServerSource], anchors: [TrustAnchor] = []) {
        self.domain = domain
        self.servers = servers
        self.anchors = anchors
    }
}

/// Why sources could not become a table.
public enum HintBuildError: Error, Equatable, Sendable {
    case noDomains
    case tooManyDomains(Int)
    case duplicateDomain(Name)
    case noServers(domain: Name)
    case tooManyServers(domain: Name, Int)
    case duplicateServer(Name)
    case tooManyAddresses(server: Name, Int)
    case tooManyAnchors(domain: Name, Int)
    case anchorOwnerMismatch(domain: Name, owner: Name)
    case badAnchor(domain: Name, TrustAnchorProblem)
    case tableTooLarge(Int)
}
