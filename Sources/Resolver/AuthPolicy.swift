import Cache
import Config
import DNSWire
import Fixed

/// Encryption policy toward authoritative servers, per domain and per
/// server (seed 004, requirements 2, 7, 8, 9): which transport a query to
/// one server for one zone may take.
///
/// Owns: the `config auth_transport` sections as the core uses them (most
/// specific first) and the choice for (zone, server). A section applies to
/// its domain and everything below it; with `list server` (NS names or
/// addresses) only to those servers of such zones. The most specific
/// section that applies wins: the deepest domain, and at the same domain a
/// section with a server list before one without. No section applies: off.
/// So one server may be strict for one zone and plain for another
/// (requirement 9), and a zone's servers may differ (requirement 8).
///
/// Strict (RFC 8310 §5 strict privacy, to authoritative servers):
/// encrypted *and* authenticated, never plain. Order of authentication,
/// one per section:
///  1. `list tls_pin`: the certificate's SPKI must match a pin (RFC 7858
///     §4.2); nothing else is checked.
///  2. otherwise DANE, when a DNSSEC-validated (secure) TLSA RRset at
///     `_853._tcp.<ns name>` has a usable record (RFC 7671; DANE.swift):
///     it alone decides;
///  3. otherwise the CA bundle (`tls_ca_file`) with the NS name the server
///     was reached by (RFC 8310 §8.1): the name goes out as SNI and the
///     certificate must chain to the bundle and match it.
///
/// Requirement 5 (no circular dependency), the order: a strict zone's NS
/// names and their addresses come from its parent's referral (names and
/// glue, over the parent's own transport, itself authenticated when the
/// parent is strict) or from out-of-zone look-ups in other zones; an
/// in-zone NS name without glue is never looked up through the zone it
/// serves (Iteration.swift, `startAddressLookup`), the parent is asked
/// again instead (`climbToParentCut`). The TLSA comes last, from a
/// sub-task that can use the zone's strict servers only by pins or the CA
/// bundle, never by another TLSA (DANE.swift). Data from the zone itself (its own
/// NS set, addresses) enters the cache only from an authenticated answer.
/// A server of an in-tree hint, or of the root hints, is authenticated by
/// the NS name the hint gives its address (ConfiguredNSNames.swift): the
/// name, the address and so the TLSA name come from the configuration,
/// not from any server. A server whose NS name is not known (not hinted,
/// and no cached A/AAAA of an NS name of the zone holds its address)
/// cannot be authenticated by name: it is failed closed with its reason,
/// and the zone's next server is tried.
///
/// Never: falls back from strict to plain DNS or to unauthenticated TLS.
public struct AuthPolicy: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case off, opportunistic, strict }
    /// How a strict server is authenticated (see the order above).
    public enum Authentication: Equatable, Sendable { case pins, caWithNSName }

    public var domain: Name
    public var kind: Kind
    /// Strict only: the TLS profile the server registers for the section.
    public var tlsProfile: Int32 = -1
    public var authentication: Authentication = .pins
    /// `list server`: the servers it is narrowed to (empty: every server).
    public var serverNames: [Name] = []
    public var serverAddresses: [ServerAddress] = []   // port ignored

    public init(domain: Name, kind: Kind, tlsProfile: Int32 = -1, authentication: Authentication = .pins,
                serverNames: [Name] = [], serverAddresses: [ServerAddress] = []) {
        self.domain = domain
        self.kind = kind
        self.tlsProfile = tlsProfile
        self.authentication = authentication
        self.serverNames = serverNames
        self.serverAddresses = serverAddresses
    }

    var isNarrowed: Bool { !serverNames.isEmpty || !serverAddresses.isEmpty }

    /// Most specific first: deeper domains, then narrowed sections.
    static func moreSpecific(_ a: AuthPolicy, _ b: AuthPolicy) -> Bool {
        if a.domain.labelCount != b.domain.labelCount { return a.domain.labelCount > b.domain.labelCount }
        return a.isNarrowed && !b.isNarrowed
    }

    /// Upper bound on `list server` entries per section: a zone has at
    /// most `ServerSet.capacity` servers worth naming.
    public static let serverCountMax = 16
}

/// A strict server's transport, as `sendIterative` carries it out.
enum StrictSend {
    case pinned(profile: Int32)
    /// The CA bundle with the NS name.
    case named(profile: Int32, name: Name)
    /// A secure, usable TLSA (DANE.swift); the name goes out as SNI.
    case dane(profile: Int32, name: Name, DANEAssociations)
    /// Cannot be authenticated: fail this server closed with the reason.
    case refused(StrictDoTFailure)
    /// The task now waits for the server's TLSA (a sub-task).
    case waiting
}

/// How one query to an authoritative server travels.
enum AuthTransportChoice {
    case plain
    /// Plain, with an RFC 9539 probe beside it.
    case probe
    case opportunisticTLS
    case strict(StrictSend)
}

/// The sections in the arena, as the query path reads them: fixed, sized
/// from the config at start (`auth_transport policies` in
/// `--print-footprint`), never grown.
struct AuthPolicyTable: ~Copyable {
    struct Entry {
        var domain: Name
        var kind: AuthPolicy.Kind
        var tlsProfile: Int32
        var authentication: AuthPolicy.Authentication
        /// Its `list server` entries: `servers[firstServer..<firstServer+serverCount]`.
        var firstServer: Int
        var serverCount: Int
    }
    enum Server {
        case name(Name)
        case address(ServerAddress)
    }

    let entries: UnsafeMutablePointer<Entry>
    let entryCount: Int
    let servers: UnsafeMutablePointer<Server>
    let serverCount: Int
    let arena: Arena

    static let label = "auth_transport policies (sections, list server)"

    static func serverCount(_ policies: [AuthPolicy]) -> Int {
        policies.reduce(0) { $0 + $1.serverNames.count + $1.serverAddresses.count }
    }

    static func footprint(_ policies: [AuthPolicy]) -> Arena.Row {
        Arena.Row(label, count: policies.count,
                  byteCount: Arena.carvingByteCount(of: Entry.self, count: policies.count)
                      + Arena.carvingByteCount(of: Server.self, count: serverCount(policies)))
    }

    /// `policies` most specific first (EngineSettings.authPolicies).
    init(_ policies: [AuthPolicy], arena: Arena) {
        self.arena = arena
        entryCount = policies.count
        serverCount = AuthPolicyTable.serverCount(policies)
        entries = arena.reserve(Entry.self, count: entryCount, label: AuthPolicyTable.label).baseAddress!
        servers = arena.reserve(Server.self, count: serverCount, label: AuthPolicyTable.label, rowCount: 0).baseAddress!
        var next = 0
        for (i, p) in policies.enumerated() {
            (entries + i).initialize(to: Entry(domain: p.domain, kind: p.kind, tlsProfile: p.tlsProfile,
                                               authentication: p.authentication, firstServer: next,
                                               serverCount: p.serverNames.count + p.serverAddresses.count))
            for n in p.serverNames { (servers + next).initialize(to: .name(n)); next += 1 }
            for a in p.serverAddresses { (servers + next).initialize(to: .address(a)); next += 1 }
        }
    }
}

extension ResolverCore {
    /// The section that applies to `server` of `zone`, or nil (off). The
    /// server's NS name is found only when a narrowed section needs it.
    mutating func authPolicy(zone: Name, server: ServerAddress, nowMs: Int64) -> AuthPolicyTable.Entry? {
        var name: Name?? = .none   // not looked up yet
        for i in 0..<authPolicies.entryCount where zone.isSubdomain(of: authPolicies.entries[i].domain) {
            let p = authPolicies.entries[i]
            guard p.serverCount > 0 else { return p }
            var needsName = false
            for j in p.firstServer..<(p.firstServer + p.serverCount) {
                switch authPolicies.servers[j] {
                case .address(let a): if a.sameHost(as: server) { return p }
                case .name: needsName = true
                }
            }
            guard needsName else { continue }
            if case .none = name { name = .some(nsName(serving: server, zone: zone, nowMs: nowMs)) }
            guard case .some(.some(let n)) = name else { continue }
            for j in p.firstServer..<(p.firstServer + p.serverCount) {
                if case .name(let listed) = authPolicies.servers[j], listed == n { return p }
            }
        }
        return nil
    }

    /// The transport for task `index`'s next query to `destination` (an
    /// upstream: plain here; its own TLS profile applies).
    mutating func authTransportChoice(_ index: Int, _ destination: Destination, nowMs: Int64) -> AuthTransportChoice {
        guard destination.upstream == nil, authPolicies.entryCount > 0 else { return .plain }
        let zone = outgoing[index].iteration.zone
        guard let policy = authPolicy(zone: zone, server: destination.server, nowMs: nowMs) else { return .plain }
        switch policy.kind {
        case .off:
            return .plain
        case .opportunistic:
            switch authDoT.choose(destination.server, nowMs: nowMs) {
            case .tls: return .opportunisticTLS
            case .plain(let probe): return probe ? .probe : .plain
            }
        case .strict:
            return .strict(strictSend(index, policy, zone: zone, server: destination.server, nowMs: nowMs))
        }
    }

    /// How a strict query to `server` of `zone` goes out under `policy`:
    /// pins if listed, else a secure TLSA if one exists, else the CA
    /// bundle with the NS name (the order in the header above).
    mutating func strictSend(_ index: Int, _ policy: AuthPolicyTable.Entry, zone: Name, server: ServerAddress,
                             nowMs: Int64) -> StrictSend {
        if policy.authentication == .pins { return .pinned(profile: policy.tlsProfile) }
        guard let name = nsName(serving: server, zone: zone, nowMs: nowMs) else { return .refused(.noNSName) }
        if let tlsa = ResolverCore.tlsaName(for: name) {
            switch tlsaStatus(tlsa, nowMs: nowMs) {
            case .usable(let dane): return .dane(profile: policy.tlsProfile, name: name, dane)
            case .none: break
            case .unknown: if startTLSALookup(index, tlsa, nowMs: nowMs) { return .waiting }
            }
        }
        return .named(profile: policy.tlsProfile, name: name)
    }

    /// The name `server` of `zone` was reached by: the hint's name for a
    /// hinted zone or a root hints address (ConfiguredNSNames.swift), else
    /// the NS name of `zone` whose cached A or AAAA holds the address.
    /// nil: none known.
    mutating func nsName(serving server: ServerAddress, zone: Name, nowMs: Int64) -> Name? {
        switch configuredNSName(serving: server, zone: zone) {
        case .hinted(let name): return name   // a hinted zone: never the parent's NS names
        case .notHinted: break
        }
        let names = nsNames(zone, nowMs: nowMs)
        for i in 0..<names.count where hasAddress(names[i], server, nowMs: nowMs) { return names[i].lowercased() }
        return nil
    }

    mutating func hasAddress(_ name: Name, _ server: ServerAddress, nowMs: Int64) -> Bool {
        for type in [RRType.a, .aaaa] where (type == .aaaa) == server.isIPv6 {
            guard case .fresh(let hit, _) = cache.lookup(name, type, nowSeconds: nowMs / 1000),
                  hit.kind == .rrset else { continue }
            var found = false
            _ = cache.withBlob(hit) { blob in
                AnswerCache.forEachRData(blob) { rdata in
                    if let a = ServerAddress(rdata: rdata, port: server.port), a.sameHost(as: server) { found = true }
                }
            }
            if found { return true }
        }
        return false
    }
}

extension ServerAddress {
    /// Same address, whatever the port.
    func sameHost(as other: ServerAddress) -> Bool {
        isIPv6 == other.isIPv6 && high == other.high && low == other.low
    }
}

extension EngineSettings {
    /// The sections as policies, most specific first; the k-th strict
    /// section in config order gets TLS profile `authTLSProfile + 1 + k`
    /// (Server/UpstreamTLS.swift registers the same numbers).
    static func authPolicies(_ config: SprigConfig) -> [AuthPolicy] {
        var policies: [AuthPolicy] = []
        var k: Int32 = 0
        for a in config.authTransports {
            var p = AuthPolicy(domain: a.domain.lowercased(), kind: .off)
            switch a.policy {
            case .off: p.kind = .off
            case .opportunistic: p.kind = .opportunistic
            case .strict:
                guard k < 8 else { continue }   // CrossChecks refuses more (TransportLimits.strictDomainCountMax)
                p.kind = .strict
                p.tlsProfile = ResolverCore.authTLSProfile + 1 + k
                p.authentication = a.tlsPins.isEmpty ? .caWithNSName : .pins
                k += 1
            }
            for server in a.servers.prefix(AuthPolicy.serverCountMax) {
                switch server {
                case .name(let n): p.serverNames.append(n.lowercased())
                case .address(let ip):
                    if let s = ServerAddress(bytes: ip.bytes, port: ResolverCore.authoritativePort) { p.serverAddresses.append(s) }
                }
            }
            policies.append(p)
        }
        // Stable: equally specific sections keep config order.
        var ordered: [AuthPolicy] = []
        for p in policies {
            let at = ordered.firstIndex { AuthPolicy.moreSpecific(p, $0) } ?? ordered.count
            ordered.insert(p, at: at)
        }
        return ordered
    }
}
