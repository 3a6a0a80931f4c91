import DNSWire

/// `config sprig`: the daemon's own settings.
extension SchemaValidator {
    static func applyMain(_ section: UCISection, to config: inout SprigConfig,
                          lines: inout [Int], sink: inout DiagnosticSink) {
        let names = MainOption.allCases.map { $0.key }
        applyPreset(section, to: &config, sink: &sink)
        for option in section.options {
            guard let key = MainOption.allCases.first(where: { Bytes.equals(option.name, $0.key) }) else {
                unknownOption(option, in: "sprig", candidates: names, &sink)
                continue
            }
            lines[key.rawValue] = option.line
            if key.isList {
                applyList(key, option, &config, &sink)
            } else {
                applyScalar(key, option, &config, &sink)
            }
        }
    }

    /// `option memory` first, wherever it stands: the sizes the section
    /// sets itself are applied after it and win.
    static func applyPreset(_ section: UCISection, to config: inout SprigConfig, sink: inout DiagnosticSink) {
        guard let o = section.options.last(where: { Bytes.equals($0.name, MainOption.memory.key) }) else { return }
        let presets = MemoryPreset.allCases
        if let i = one(o, &sink, { ValueParser.choice($0, presets.map { $0.name }) }) {
            config = config.applying(presets[i])
        }
    }

    static func applyList(_ key: MainOption, _ option: UCIOption, _ config: inout SprigConfig,
                          _ sink: inout DiagnosticSink) {
        switch key {
        case .listen:
            if let v = each(option, &sink, ValueParser.listen) { config.listen = v }
        case .trustAnchor:
            if let v = each(option, &sink, ValueParser.trustAnchor) { config.trustAnchors = v }
        case .insecureDomain:
            if let v = each(option, &sink, ValueParser.domainName) { config.insecureDomains = v }
        case .allow:
            if let v = each(option, &sink, ValueParser.prefix) { config.allow = v }
        case .hostsFile:
            if let v = each(option, &sink, { ValueParser.path($0) }) { config.hostsFiles = v }
        case .leaseFile:
            if let v = each(option, &sink, { ValueParser.path($0) }) { config.leaseFiles = v }
        case .rebindAllow:
            if let v = each(option, &sink, ValueParser.domainName) { config.rebindAllow = v }
        case .blockFile:
            if let v = each(option, &sink, { ValueParser.path($0) }) { config.blockFiles = v }
        default:
            break
        }
    }

    static func applyScalar(_ key: MainOption, _ o: UCIOption, _ c: inout SprigConfig,
                            _ sink: inout DiagnosticSink) {
        typealias B = OptionBounds
        func int(_ range: ClosedRange<Int>) -> Int? { one(o, &sink) { ValueParser.integer($0, in: range) } }
        func bool() -> Bool? { one(o, &sink, ValueParser.boolean) }
        func path() -> ConfigText?? { one(o, &sink, optionalPath) }
        switch key {
        case .mode:
            if let i = one(o, &sink, { ValueParser.choice($0, ["recursive", "forward"]) }) {
                c.mode = i == 0 ? .recursive : .forward
            }
        case .cacheSize:
            if let v = one(o, &sink, { ValueParser.size($0, in: B.cacheByteCount) }) { c.cacheByteCount = v }
        case .cacheMinTTL: if let v = int(B.cacheMinTTLSeconds) { c.cacheMinTTLSeconds = v }
        case .cacheMaxTTL: if let v = int(B.cacheMaxTTLSeconds) { c.cacheMaxTTLSeconds = v }
        case .maxClients: if let v = int(B.maxClients) { c.maxClients = v }
        case .maxTCPClients: if let v = int(B.maxTCPClients) { c.maxTCPClients = v }
        case .tcpIdleTimeoutMs: if let v = int(B.tcpIdleTimeoutMs) { c.tcpIdleTimeoutMs = v }
        case .maxOutgoing: if let v = int(B.maxOutgoing) { c.maxOutgoing = v }
        case .maxTLSConnections: if let v = int(B.maxTLSConnections) { c.maxTLSConnections = v }
        case .tlsCAFile: if let v = path() { c.tlsCAFilePath = v }
        case .serveStale: if let v = bool() { c.serveStale = v }
        case .staleMax: if let v = int(B.staleMaxSeconds) { c.staleMaxSeconds = v }
        case .staleAnswerTTL: if let v = int(B.staleAnswerTTLSeconds) { c.staleAnswerTTLSeconds = v }
        case .clientTimeoutMs: if let v = int(B.clientTimeoutMs) { c.clientTimeoutMs = v }
        case .staleRefreshBackoff: if let v = int(B.staleRefreshBackoffSeconds) { c.staleRefreshBackoffSeconds = v }
        case .qnameMinimisation: if let v = bool() { c.qnameMinimisation = v }
        case .use0x20: if let v = bool() { c.use0x20 = v }
        case .cookies: if let v = bool() { c.cookies = v }
        case .errorReporting: if let v = bool() { c.errorReporting = v }
        case .deleg: if let v = bool() { c.deleg = v }   // forward mode: CrossChecks
        case .doIP6: if let v = bool() { c.doIPv6 = v }
        case .queryLoopback: if let v = bool() { c.queryLoopback = v }
        case .cnameMax: if let v = int(B.cnameMax) { c.cnameMax = v }
        case .rootHints: if let v = path() { c.rootHintsPath = v }
        case .dnssec: if let v = bool() { c.dnssec = v }
        case .aggressiveNSEC: if let v = bool() { c.aggressiveNSEC = v }
        case .trustAnchorFile: if let v = path() { c.trustAnchorFilePath = v }
        case .builtinRootAnchors: if let v = bool() { c.builtinRootAnchors = v }
        case .user:
            if let v = one(o, &sink, { $0.isEmpty ? .success(nil) : ValueParser.userName($0).map { Optional($0) } }) {
                c.user = v
                if let v, Bytes.equals(v.bytes, "root") {
                    sink.warning(o.line, "user 'root': sprigd keeps root privileges after binding, "
                        + "the same as option user '' (name an unprivileged user to drop them)")
                }
            }
        case .logLevel:
            let levels: [LogLevelSetting] = [.error, .warning, .notice, .info, .debug]
            if let i = one(o, &sink, { ValueParser.choice($0, ["error", "warning", "notice", "info", "debug"]) }) {
                c.logLevel = levels[i]
            }
        case .logSyslog: if let v = bool() { c.logSyslog = v }
        case .controlSocket:
            if let v = one(o, &sink, { ValueParser.path($0, maxByteCount: ConfigLimits.maxSocketPathByteCount) }) {
                c.controlSocketPath = v
            }
        case .controlGroup:
            if let v = one(o, &sink, { $0.isEmpty ? .success(nil) : ValueParser.accountName($0, kind: "group").map { Optional($0) } }) {
                c.controlGroup = v.map { ControlGroup(name: $0, id: 0) }
            }
        case .clockMarkerFile: if let v = path() { c.clockMarkerFilePath = v }
        case .clockTrusted: if let v = bool() { c.clockTrusted = v }
        case .stateDir: if let v = one(o, &sink, { ValueParser.path($0) }) { c.stateDirectory = v }
        case .chroot: if let v = bool() { c.chroot = v }
        case .localDomain:
            if let v = one(o, &sink, { $0.isEmpty ? .success(nil) : ValueParser.domainName($0).map { Optional($0) } }) {
                if let v, v.isRoot {
                    sink.error(o.line, "option 'local_domain': the root cannot be the local domain")
                } else {
                    c.localDomain = v
                }
            }
        case .localNamesMax: if let v = int(B.localNamesMax) { c.localNamesMax = v }
        case .maxOutgoingTCP: if let v = int(B.maxOutgoingTCP) { c.maxOutgoingTCP = v }
        case .memory: break   // applyPreset
        case .rebindProtection: if let v = bool() { c.rebindProtection = v }
        case .blockNamesMax: if let v = int(B.blockNamesMax) { c.blockNamesMax = v }
        case .blockAnswer:
            if let i = one(o, &sink, { ValueParser.choice($0, ["nxdomain", "null"]) }) { c.blockWithNullAddress = i == 1 }
        case .listen, .trustAnchor, .insecureDomain, .allow, .hostsFile, .leaseFile, .rebindAllow, .blockFile:
            break
        }
    }
}
