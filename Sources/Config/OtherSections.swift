import DNSWire

/// `config upstream`, `config hint` and `config auth_transport`.
extension SchemaValidator {
    static let upstreamKeys: [StaticString] = ["address", "port", "transport", "tls_name", "tls_pin"]
    static let hintKeys: [StaticString] = ["domain", "nameserver", "trust_anchor"]
    static let authTransportKeys: [StaticString] = ["domain", "policy", "tls_pin", "server"]

    static func sectionName(_ section: UCISection) -> ConfigText? {
        section.name.map { ConfigText(bytes: $0) }
    }

    static func upstream(_ section: UCISection, sink: inout DiagnosticSink) -> Upstream? {
        var address: IPAddress? = nil
        var port: UInt16? = nil
        var transport = UpstreamTransport.udp
        var tlsName: Name? = nil
        var pin: [UInt8]? = nil
        var ok = true
        var tlsOptionLine = 0
        for o in section.options {
            let before = sink.errorCount
            if Bytes.equals(o.name, "address") {
                address = one(o, &sink, ValueParser.address)
            } else if Bytes.equals(o.name, "port") {
                port = one(o, &sink, ValueParser.port)
            } else if Bytes.equals(o.name, "transport") {
                if let i = one(o, &sink, { ValueParser.choice($0, ["udp", "tcp", "tls"]) }) {
                    transport = [UpstreamTransport.udp, .tcp, .tls][i]
                }
            } else if Bytes.equals(o.name, "tls_name") {
                tlsName = one(o, &sink, ValueParser.domainName)
                tlsOptionLine = o.line
            } else if Bytes.equals(o.name, "tls_pin") {
                pin = one(o, &sink, ValueParser.tlsPin)
                tlsOptionLine = o.line
            } else {
                unknownOption(o, in: "upstream", candidates: upstreamKeys, &sink)
            }
            if sink.errorCount != before { ok = false }
        }
        guard ok else { return nil }
        guard let address else {
            sink.error(section.line, "config upstream: option 'address' is required")
            return nil
        }
        if transport != .tls && tlsOptionLine != 0 {
            sink.error(tlsOptionLine, "tls_name and tls_pin need option transport 'tls'")
            return nil
        }
        if transport == .tls && tlsName == nil && pin == nil {
            sink.warning(section.line, "upstream \(address.text) uses tls without tls_name or tls_pin: the server is not authenticated")
        }
        return Upstream(name: sectionName(section), address: address, port: port,
                        transport: transport, tlsName: tlsName, tlsPinSHA256: pin)
    }

    static func hint(_ section: UCISection, sink: inout DiagnosticSink) -> Hint? {
        var domain: Name? = nil
        var nameserverOption: UCIOption? = nil
        var anchorOption: UCIOption? = nil
        var ok = true
        for o in section.options {
            let before = sink.errorCount
            if Bytes.equals(o.name, "domain") {
                domain = one(o, &sink, ValueParser.domainName)
            } else if Bytes.equals(o.name, "nameserver") {
                nameserverOption = o
            } else if Bytes.equals(o.name, "trust_anchor") {
                anchorOption = o
            } else {
                unknownOption(o, in: "hint", candidates: hintKeys, &sink)
            }
            if sink.errorCount != before { ok = false }
        }
        guard let domain else {
            if ok { sink.error(section.line, "config hint: option 'domain' is required") }
            return nil
        }
        let nameservers = nameserverOption.flatMap { each($0, &sink, hintNameserver) }
        var anchors: [TrustAnchor] = []
        if let anchorOption {
            guard let parsed = each(anchorOption, &sink, ValueParser.trustAnchor) else { return nil }
            for (a, v) in zip(parsed, anchorOption.values) where a.owner != domain {
                sink.error(v.line, "list 'trust_anchor': owner \(a.owner.uciText) is not the hint's domain \(domain.uciText)")
                ok = false
            }
            anchors = parsed
        }
        guard ok, let nameservers = checkedNameservers(nameservers, nameserverOption, domain, section, &sink) else {
            return nil
        }
        // draft-kolkman-dns-in-tree-hints §2.1: "In-tree hints MUST only be
        // used in combination with a DNSSEC trust-anchor": without one the
        // hint would let an unauthenticated NS set override the parent.
        if anchors.isEmpty {
            sink.error(section.line, "hint \(domain.uciText) has no trust anchor: in-tree hints are only used with one "
                + "(draft-kolkman-dns-in-tree-hints §2.1); add list trust_anchor '\(domain.uciText). IN DS ...'")
            return nil
        }
        return Hint(name: sectionName(section), domain: domain, nameservers: nameservers, trustAnchors: anchors)
    }

    /// At least one nameserver, one of them in-domain (DESIGN.md §6:
    /// otherwise the hint cannot be reached without the parent), no repeats.
    static func checkedNameservers(_ list: [HintNameserver]?, _ option: UCIOption?, _ domain: Name,
                                   _ section: UCISection, _ sink: inout DiagnosticSink) -> [HintNameserver]? {
        guard let option else {
            sink.error(section.line, "hint \(domain.uciText): at least one 'list nameserver' is required")
            return nil
        }
        guard let list else { return nil }
        if list.count > ConfigLimits.maxHintNameserverCount {
            sink.error(option.line, "hint \(domain.uciText): too many nameservers (limit \(ConfigLimits.maxHintNameserverCount))")
            return nil
        }
        for (i, ns) in list.enumerated() where list[..<i].contains(where: { $0.name == ns.name }) {
            sink.error(option.values[i].line, "hint \(domain.uciText): nameserver \(ns.name.uciText) is listed twice")
            return nil
        }
        let addressCount = list.reduce(0) { $0 + $1.addresses.count }
        if addressCount > ConfigLimits.maxHintAddressCount {
            sink.error(option.line, "hint \(domain.uciText): \(addressCount) nameserver addresses, more than one zone's "
                + "server set holds (limit \(ConfigLimits.maxHintAddressCount))")
            return nil
        }
        if !list.contains(where: { $0.name.isSubdomain(of: domain) }) {
            sink.error(option.line, "hint \(domain.uciText) has no in-domain nameserver (a name under \(domain.uciText) with its addresses)")
            return nil
        }
        return list
    }

    /// `NAME ADDR [ADDR...]`.
    static func hintNameserver(_ bytes: [UInt8]) -> Result<HintNameserver, ValueError> {
        let fields = Bytes.fields(bytes)
        guard fields.count >= 2 else {
            return .failure(ValueError("'\(Bytes.display(bytes))' is not 'NAME ADDRESS [ADDRESS...]'"))
        }
        if fields.count - 1 > ConfigLimits.maxAddressCountPerNameserver {
            return .failure(ValueError("more than \(ConfigLimits.maxAddressCountPerNameserver) addresses"))
        }
        let name: Name
        switch ValueParser.domainName(fields[0]) {
        case .success(let n): name = n
        case .failure(let e): return .failure(e)
        }
        var addresses: [IPAddress] = []
        for f in fields.dropFirst() {
            switch ValueParser.address(f) {
            case .success(let a):
                if addresses.contains(a) { return .failure(ValueError("address \(a.text) is listed twice")) }
                addresses.append(a)
            case .failure(let e): return .failure(e)
            }
        }
        return .success(HintNameserver(name: name, addresses: addresses))
    }

    /// A `list server` value: an address, else an NS name.
    static func authServer(_ bytes: [UInt8]) -> Result<AuthServer, ValueError> {
        if case .success(let a) = ValueParser.address(bytes) { return .success(.address(a)) }
        switch ValueParser.domainName(bytes) {
        case .success(let n): return .success(.name(n))
        case .failure(let e): return .failure(e)
        }
    }

    static func authTransport(_ section: UCISection, sink: inout DiagnosticSink) -> AuthTransport? {
        var domain: Name? = nil
        var policy = AuthTransportPolicy.opportunistic
        var pins: [[UInt8]] = []
        var servers: [AuthServer] = []
        var ok = true
        for o in section.options {
            let before = sink.errorCount
            if Bytes.equals(o.name, "domain") {
                domain = one(o, &sink, ValueParser.domainName)
            } else if Bytes.equals(o.name, "policy") {
                if let i = one(o, &sink, { ValueParser.choice($0, ["off", "opportunistic", "strict"]) }) {
                    policy = [AuthTransportPolicy.off, .opportunistic, .strict][i]
                }
            } else if Bytes.equals(o.name, "tls_pin") {
                if let v = each(o, &sink, ValueParser.tlsPin) { pins = v }
            } else if Bytes.equals(o.name, "server") {
                if let v = each(o, &sink, authServer) { servers = v }
            } else {
                unknownOption(o, in: "auth_transport", candidates: authTransportKeys, &sink)
            }
            if sink.errorCount != before { ok = false }
        }
        guard let domain else {
            if ok { sink.error(section.line, "config auth_transport: option 'domain' is required") }
            return nil
        }
        guard ok else { return nil }
        if pins.count > 8 {   // a server rolls its key with two or three pins; more is a mistake
            sink.error(section.line, "auth_transport for \(domain.uciText): at most 8 tls_pin entries")
            return nil
        }
        if !pins.isEmpty && policy != .strict {
            sink.error(section.line, "auth_transport for \(domain.uciText): list tls_pin needs policy 'strict'")
            return nil
        }
        if servers.count > 16 {   // AuthPolicy.serverCountMax: a zone's servers worth naming
            sink.error(section.line, "auth_transport for \(domain.uciText): at most 16 server entries")
            return nil
        }
        let transport = AuthTransport(name: sectionName(section), domain: domain, policy: policy, tlsPins: pins,
                                      servers: servers)
        return transport
    }
}
