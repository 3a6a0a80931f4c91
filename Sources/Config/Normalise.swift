import DNSWire

/// The effective configuration as UCI text: every option with its value,
/// defaults included. Parsing it again gives an equal `SprigConfig`.
extension SprigConfig {
    public var normalised: String {
        var out = "# Effective sprig configuration (every option, defaults included).\n"
        out += "config sprig 'main'\n"
        for key in MainOption.allCases {
            let list = values(of: key)
            if list.isEmpty { out += "\t# list \(Bytes.string(key.key)): none\n" }
            for value in list {
                out += "\t\(key.isList ? "list" : "option") \(Bytes.string(key.key)) \(UCIText.quoted(value))\n"
            }
        }
        for u in upstreams { out += UCIText.section(u) }
        for h in hints { out += UCIText.section(h) }
        for a in authTransports { out += UCIText.section(a) }
        return out
    }

    /// Values of one main option as text (none for an unset optional path
    /// or an empty list).
    func values(of key: MainOption) -> [String] {
        func flag(_ b: Bool) -> [String] { [b ? "1" : "0"] }
        switch key {
        case .listen: return listen.map { $0.text }
        case .mode: return [mode == .recursive ? "recursive" : "forward"]
        case .cacheSize: return [ValueParser.sizeText(cacheByteCount)]
        case .cacheMinTTL: return ["\(cacheMinTTLSeconds)"]
        case .cacheMaxTTL: return ["\(cacheMaxTTLSeconds)"]
        case .maxClients: return ["\(maxClients)"]
        case .maxTCPClients: return ["\(maxTCPClients)"]
        case .tcpIdleTimeoutMs: return ["\(tcpIdleTimeoutMs)"]
        case .maxOutgoing: return ["\(maxOutgoing)"]
        case .maxTLSConnections: return ["\(maxTLSConnections)"]
        case .tlsCAFile: return [tlsCAFilePath?.string ?? ""]
        case .serveStale: return flag(serveStale)
        case .staleMax: return ["\(staleMaxSeconds)"]
        case .staleAnswerTTL: return ["\(staleAnswerTTLSeconds)"]
        case .clientTimeoutMs: return ["\(clientTimeoutMs)"]
        case .staleRefreshBackoff: return ["\(staleRefreshBackoffSeconds)"]
        case .qnameMinimisation: return flag(qnameMinimisation)
        case .use0x20: return flag(use0x20)
        case .cookies: return flag(cookies)
        case .errorReporting: return flag(errorReporting)
        case .deleg: return flag(deleg)
        case .doIP6: return flag(doIPv6)
        case .queryLoopback: return flag(queryLoopback)
        case .cnameMax: return ["\(cnameMax)"]
        case .rootHints: return [rootHintsPath?.string ?? ""]
        case .dnssec: return flag(dnssec)
        case .aggressiveNSEC: return flag(aggressiveNSEC)
        case .trustAnchorFile: return [trustAnchorFilePath?.string ?? ""]
        case .trustAnchor: return trustAnchors.map { $0.text }
        case .builtinRootAnchors: return flag(builtinRootAnchors)
        case .insecureDomain: return insecureDomains.map { $0.uciText }
        case .allow: return allow.map { $0.text }
        case .user: return [user?.string ?? ""]
        case .logLevel:
            switch logLevel {
            case .error: return ["error"]
            case .warning: return ["warning"]
            case .notice: return ["notice"]
            case .info: return ["info"]
            case .debug: return ["debug"]
            }
        case .logSyslog: return flag(logSyslog)
        case .controlSocket: return [controlSocketPath.string]
        case .controlGroup: return [controlGroup?.name.string ?? ""]
        case .clockMarkerFile: return [clockMarkerFilePath?.string ?? ""]
        case .clockTrusted: return flag(clockTrusted)
        case .stateDir: return [stateDirectory.string]
        case .chroot: return flag(chroot)
        case .localDomain: return [localDomain?.uciText ?? ""]
        case .hostsFile: return hostsFiles.map { $0.string }
        case .leaseFile: return leaseFiles.map { $0.string }
        case .localNamesMax: return ["\(localNamesMax)"]
        case .memory: return [Bytes.string(memory.name)]
        case .maxOutgoingTCP: return ["\(maxOutgoingTCP)"]
        case .rebindProtection: return flag(rebindProtection)
        case .rebindAllow: return rebindAllow.map { $0.uciText }
        case .blockFile: return blockFiles.map { $0.string }
        case .blockNamesMax: return ["\(blockNamesMax)"]
        case .blockAnswer: return [blockWithNullAddress ? "null" : "nxdomain"]
        }
    }
}

/// UCI text rendering helpers.
enum UCIText {
    /// Single-quoted as `uci export` does: a `'` becomes `'\''`.
    static func quoted(_ value: String) -> String {
        var out: [UInt8] = [0x27]
        for c in value.utf8 {
            if c == 0x27 { out += [0x27, 0x5C, 0x27, 0x27] } else { out.append(c) }
        }
        out.append(0x27)
        return String(decoding: out, as: UTF8.self)
    }

    static func header(_ type: String, _ name: ConfigText?) -> String {
        "\nconfig \(type)" + (name.map { " " + quoted($0.string) } ?? "") + "\n"
    }

    static func line(_ keyword: String, _ key: String, _ value: String) -> String {
        "\t\(keyword) \(key) \(quoted(value))\n"
    }

    static func section(_ u: Upstream) -> String {
        var out = header("upstream", u.name)
        out += line("option", "address", u.address.text)
        out += line("option", "port", "\(u.port)")
        let transport: String
        switch u.transport {
        case .udp: transport = "udp"
        case .tcp: transport = "tcp"
        case .tls: transport = "tls"
        }
        out += line("option", "transport", transport)
        if let n = u.tlsName { out += line("option", "tls_name", n.uciText) }
        if let p = u.tlsPinSHA256 { out += line("option", "tls_pin", "sha256/" + Base64.encode(p)) }
        return out
    }

    static func section(_ h: Hint) -> String {
        var out = header("hint", h.name)
        out += line("option", "domain", h.domain.uciText)
        for ns in h.nameservers {
            var text = ns.name.uciText
            for a in ns.addresses { text += " " + a.text }
            out += line("list", "nameserver", text)
        }
        for a in h.trustAnchors { out += line("list", "trust_anchor", a.text) }
        return out
    }

    static func section(_ a: AuthTransport) -> String {
        var out = header("auth_transport", a.name)
        out += line("option", "domain", a.domain.uciText)
        let policy: String
        switch a.policy {
        case .off: policy = "off"
        case .opportunistic: policy = "opportunistic"
        case .strict: policy = "strict"
        }
        out += line("option", "policy", policy)
        for p in a.tlsPins { out += line("list", "tls_pin", "sha256/" + Base64.encode(p)) }
        for server in a.servers {
            switch server {
            case .name(let n): out += line("list", "server", n.uciText)
            case .address(let ip): out += line("list", "server", ip.text)
            }
        }
        return out
    }
}
