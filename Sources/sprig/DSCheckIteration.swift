// Finds a domain's delegation for `sprig ds-check`: from the config's root
// hints, referral by referral (RFC 1034 §5.3.3, non-recursive queries), to
// the parent that delegates the domain, its NS set and the NS addresses
// (glue, or looked up the same way). Blocking and bounded: a query budget,
// a referral depth, a nesting depth for glueless NS names.
// Never: caches across runs, follows CNAMEs, or validates (DSCheck does).
import DNSWire
import Platform

struct Nameserver {
    var name: Name
    var addresses: [Address]
}

/// Where the domain is delegated: the parent zone, the servers that answered
/// for it, and the NS set the parent publishes (RFC 7344 §4: the parent's
/// view of who is authoritative for the child).
struct Delegation {
    var parent: Name
    var parentServers: [Address]
    var nameservers: [Nameserver]
    /// The parent's server answered for the child too (one server hosts both).
    var parentServesChild: Bool
    /// The zones the referrals went through, root first, the parent last:
    /// the chain of trust to the parent's DS follows them (DSCheckChain).
    var path: [ZoneServers]
}

struct ZoneServers {
    var zone: Name
    var servers: [Address]
}

struct IterationFailure: Error {
    var reason: String
    /// A strict server on the way failed over DoT: the reason names it,
    /// and a look-up that needed it reports that, not "no address".
    var isStrict = false
}

struct DSCheckIteration {
    /// Queries one ds-check may send while finding the delegation and the
    /// NS addresses (RFC 9520-style budget: a broken tree ends the run).
    static let queryCountMax = 200
    /// Referrals followed from the root for one name (a name has ≤ 127 labels;
    /// real trees are < 10 deep).
    static let referralDepthMax = 32
    /// Glueless NS names looked up inside a lookup (NXNS-style bound).
    static let lookupNestingMax = 3
    /// NS names of one delegation used (RFC 9520's fan-out limit is similar).
    static let nameserversMax = 13
    /// Wall time for finding the delegation: an unreachable root (13 names,
    /// two tries of 1.5 s each per address) would otherwise take minutes.
    static let runTimeMsMax: Int64 = 60_000

    let roots: [Address]
    let allowLoopback: Bool
    let allowIPv6: Bool
    /// Each server's transport (`config auth_transport`), and the NS names
    /// the referrals give the addresses (what a strict server is
    /// authenticated by).
    let transport: DSCheckTransport
    private(set) var queryCount = 0
    private let startMs = Clock.monotonicMs()

    init(roots: [Nameserver], allowLoopback: Bool, allowIPv6: Bool, transport: DSCheckTransport) {
        var addresses: [Address] = []
        for root in roots {
            let usable = root.addresses.filter { Self.usable($0, allowLoopback: allowLoopback, allowIPv6: allowIPv6) }
            transport.note(root.name, at: usable)
            addresses += usable
        }
        self.roots = addresses
        self.allowLoopback = allowLoopback
        self.allowIPv6 = allowIPv6
        self.transport = transport
    }

    /// Loopback and unspecified addresses only with `query_loopback '1'`
    /// (test beds); IPv6 only with `do_ip6 '1'`: the resolver's own rules.
    static func usable(_ a: Address, allowLoopback: Bool, allowIPv6: Bool) -> Bool {
        if a.isIPv6 && !allowIPv6 { return false }
        if allowLoopback { return true }
        if a.isIPv4 { return a.byte(0) != 127 && a.byte(0) != 0 }
        var allZero = true
        for i in 0..<15 where a.byte(i) != 0 { allZero = false }
        return !(allZero && (a.byte(15) == 0 || a.byte(15) == 1))
    }

    enum WalkEnd {
        /// The referral to `stopAt`, sent by `parent`'s servers.
        case referral(parent: Name, parentServers: [Address], response: FetchedResponse, path: [ZoneServers])
        /// An answer (authoritative, or an error) from `zone`'s servers.
        case answer(zone: Name, servers: [Address], response: FetchedResponse, path: [ZoneServers])
    }

    /// The delegation of `domain` as its parent publishes it.
    mutating func delegation(of domain: Name) throws(IterationFailure) -> Delegation {
        guard !domain.isRoot else { throw IterationFailure(reason: "the root zone has no parent to check against") }
        switch try walk(domain, .ns, stopAt: domain, nesting: 0) {
        case .referral(let parent, let parentServers, let response, let path):
            let names = Self.nsNames(response, .authority, owner: domain)
            return Delegation(parent: parent, parentServers: parentServers,
                              nameservers: try resolve(names, glue: response, zone: parent, nesting: 0),
                              parentServesChild: false, path: path)
        case .answer(let zone, let servers, let response, let path):
            if response.rcode == .nxDomain { throw IterationFailure(reason: "\(domain.text) does not exist (NXDOMAIN from \(zone.text))") }
            let names = Self.nsNames(response, .answer, owner: domain)
            guard response.rcode == .noError, response.authoritative, !names.isEmpty else {
                throw IterationFailure(reason: "\(domain.text) is not a delegated zone (no NS set at it under \(zone.text))")
            }
            // One server is authoritative for the parent and the child: the
            // answer is the child's NS set; the parent is `zone` or above it.
            return Delegation(parent: zone, parentServers: servers,
                              nameservers: try resolve(names, glue: response, zone: domain, nesting: 0),
                              parentServesChild: true, path: path)
        }
    }

    /// Addresses of `name` (A, and AAAA when IPv6 is allowed).
    mutating func addresses(of name: Name, nesting: Int) throws(IterationFailure) -> [Address] {
        guard nesting <= Self.lookupNestingMax else { return [] }
        var list: [Address] = []
        for type in allowIPv6 ? [RRType.a, .aaaa] : [.a] {
            let end: WalkEnd
            do throws(IterationFailure) { end = try walk(name, type, stopAt: nil, nesting: nesting) } catch {
                if error.isStrict { throw error }   // never swallowed into "no address"
                continue
            }
            guard case .answer(_, _, let response, _) = end else { continue }
            list += Self.addressRecords(response, .answer, owner: name, type: type)
        }
        return list.filter { Self.usable($0, allowLoopback: allowLoopback, allowIPv6: allowIPv6) }
    }

    /// Follows referrals from the root for `qname qtype`; stops at the
    /// referral to `stopAt`, or at the first answer that is not a referral.
    mutating func walk(_ qname: Name, _ qtype: RRType, stopAt: Name?, nesting: Int) throws(IterationFailure) -> WalkEnd {
        var zone = Name.root
        var servers = roots
        guard !servers.isEmpty else {
            throw IterationFailure(reason: "no usable root server address (root_hints; loopback needs query_loopback '1')")
        }
        var path: [ZoneServers] = []
        for _ in 0..<Self.referralDepthMax {
            let (response, server) = try ask(qname, qtype, servers, zone: zone)
            let ordered = [server] + servers.filter { $0 != server }
            path.append(ZoneServers(zone: zone, servers: ordered))
            guard let cut = Self.referralCut(response, from: zone, toward: qname) else {
                return .answer(zone: zone, servers: ordered, response: response, path: path)
            }
            if let stopAt, cut == stopAt {
                return .referral(parent: zone, parentServers: ordered, response: response, path: path)
            }
            let names = Self.nsNames(response, .authority, owner: cut)
            let next = try resolve(names, glue: response, zone: zone, nesting: nesting).flatMap { $0.addresses }
            guard !next.isEmpty else { throw IterationFailure(reason: "no usable address for the servers of \(cut.text)") }
            zone = cut
            servers = next
        }
        throw IterationFailure(reason: "more than \(Self.referralDepthMax) referrals for \(qname.text)")
    }

    /// The first server of `servers` that answers NOERROR or NXDOMAIN.
    mutating func ask(_ qname: Name, _ qtype: RRType, _ servers: [Address], zone: Name)
        throws(IterationFailure) -> (FetchedResponse, Address) {
        var why = "no server"
        var strictFailed = false
        for server in servers {
            queryCount += 1
            guard queryCount <= Self.queryCountMax else {
                throw IterationFailure(reason: "more than \(Self.queryCountMax) queries: giving up")
            }
            guard Clock.monotonicMs() - startMs < Self.runTimeMsMax else {
                throw IterationFailure(reason: "no delegation found within \(Self.runTimeMsMax / 1000) s: giving up (\(why))")
            }
            do throws(FetchError) {
                let response = try DSCheckClient.fetch(qname, qtype, from: server, zone: zone, via: transport).response
                if response.rcode == .noError || response.rcode == .nxDomain { return (response, server) }
                why = "\(server.text) answered rcode \(response.rcode.rawValue)"
            } catch {
                if case .strict(let text) = error {
                    strictFailed = true
                    why = text                      // names the server already
                } else {
                    why = "\(server.text): \(error.text)"
                }
            }
        }
        throw IterationFailure(reason: "no server of \(zone.text) answered \(qname.text) \(qtype.mnemonic) (\(why))",
                               isStrict: strictFailed)
    }

    /// The zone a referral points to: NS records in the authority section,
    /// no answer, not authoritative, owner strictly below `zone` and at or
    /// above `qname` (RFC 1034 §4.3.2; anything else is not a referral).
    static func referralCut(_ response: FetchedResponse, from zone: Name, toward qname: Name) -> Name? {
        guard response.rcode == .noError, !response.authoritative,
              !response.records.contains(where: { $0.section == .answer }) else { return nil }
        for r in response.records where r.section == .authority && r.type == .ns {
            if r.owner.isSubdomain(of: zone) && r.owner != zone && qname.isSubdomain(of: r.owner) { return r.owner }
        }
        return nil
    }

    static func nsNames(_ response: FetchedResponse, _ section: Section, owner: Name) -> [Name] {
        var names: [Name] = []
        for r in response.records where r.section == section && r.type == .ns && r.owner == owner {
            guard let target = r.rdata.withUnsafeBytes({ try? Name(wire: $0) }) else { continue }
            if !names.contains(target) && names.count < nameserversMax { names.append(target) }
        }
        return names
    }

    static func addressRecords(_ response: FetchedResponse, _ section: Section, owner: Name, type: RRType) -> [Address] {
        var list: [Address] = []
        for r in response.records where r.section == section && r.type == type && r.owner == owner {
            guard r.rdata.count == (type == .a ? 4 : 16),
                  let a = Address(bytes: r.rdata, port: 53), !list.contains(a) else { continue }
            list.append(a)
        }
        return list
    }

    /// Addresses for each NS name: glue from the additional section for
    /// names inside `zone` (in-domain and sibling glue, RFC 9471), never
    /// outside it; other names are looked up from the root.
    mutating func resolve(_ names: [Name], glue response: FetchedResponse, zone: Name, nesting: Int)
        throws(IterationFailure) -> [Nameserver] {
        var list: [Nameserver] = []
        for name in names {
            var addresses: [Address] = []
            if name.isSubdomain(of: zone) {
                addresses = Self.addressRecords(response, .additional, owner: name, type: .a)
                    + (allowIPv6 ? Self.addressRecords(response, .additional, owner: name, type: .aaaa) : [])
                addresses = addresses.filter { Self.usable($0, allowLoopback: allowLoopback, allowIPv6: allowIPv6) }
            }
            if addresses.isEmpty { addresses = try self.addresses(of: name, nesting: nesting + 1) }
            transport.note(name, at: addresses)
            list.append(Nameserver(name: name, addresses: addresses))
        }
        return list
    }
}
