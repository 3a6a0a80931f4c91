/// The options of `config sprig`, in the order the normalised form
/// prints them.
enum MainOption: Int, CaseIterable {
    case listen, mode, cacheSize, cacheMinTTL, cacheMaxTTL
    case maxClients, maxTCPClients, tcpIdleTimeoutMs, maxOutgoing, maxTLSConnections, tlsCAFile
    case serveStale, staleMax, staleAnswerTTL, clientTimeoutMs, staleRefreshBackoff
    case qnameMinimisation, use0x20, cookies, errorReporting, deleg, doIP6, queryLoopback, cnameMax, rootHints
    case dnssec, aggressiveNSEC, trustAnchorFile, trustAnchor, builtinRootAnchors, insecureDomain
    case allow, user, logLevel, logSyslog, controlSocket, controlGroup, clockMarkerFile, clockTrusted, stateDir, chroot
    case localDomain, hostsFile, leaseFile, localNamesMax, memory, maxOutgoingTCP
    case rebindProtection, rebindAllow, blockFile, blockNamesMax, blockAnswer

    var key: StaticString {
        switch self {
        case .listen: return "listen"
        case .mode: return "mode"
        case .cacheSize: return "cache_size"
        case .cacheMinTTL: return "cache_min_ttl"
        case .cacheMaxTTL: return "cache_max_ttl"
        case .maxClients: return "max_clients"
        case .maxTCPClients: return "max_tcp_clients"
        case .tcpIdleTimeoutMs: return "tcp_idle_timeout_ms"
        case .maxOutgoing: return "max_outgoing"
        case .maxTLSConnections: return "max_tls_connections"
        case .tlsCAFile: return "tls_ca_file"
        case .serveStale: return "serve_stale"
        case .staleMax: return "stale_max"
        case .staleAnswerTTL: return "stale_answer_ttl"
        case .clientTimeoutMs: return "client_timeout_ms"
        case .staleRefreshBackoff: return "stale_refresh_backoff"
        case .qnameMinimisation: return "qname_minimisation"
        case .use0x20: return "use_0x20"
        case .cookies: return "cookies"
        case .errorReporting: return "error_reporting"
        case .deleg: return "deleg"
        case .doIP6: return "do_ip6"
        case .queryLoopback: return "query_loopback"
        case .cnameMax: return "cname_max"
        case .rootHints: return "root_hints"
        case .dnssec: return "dnssec"
        case .aggressiveNSEC: return "aggressive_nsec"
        case .trustAnchorFile: return "trust_anchor_file"
        case .trustAnchor: return "trust_anchor"
        case .builtinRootAnchors: return "builtin_root_anchors"
        case .insecureDomain: return "insecure_domain"
        case .allow: return "allow"
        case .user: return "user"
        case .logLevel: return "log_level"
        case .logSyslog: return "log_syslog"
        case .controlSocket: return "control_socket"
        case .controlGroup: return "control_group"
        case .clockMarkerFile: return "clock_marker_file"
        case .clockTrusted: return "clock_trusted"
        case .stateDir: return "state_dir"
        case .chroot: return "chroot"
        case .localDomain: return "local_domain"
        case .hostsFile: return "hosts_file"
        case .leaseFile: return "lease_file"
        case .localNamesMax: return "local_names_max"
        case .memory: return "memory"
        case .maxOutgoingTCP: return "max_outgoing_tcp"
        case .rebindProtection: return "rebind_protection"
        case .rebindAllow: return "rebind_allow"
        case .blockFile: return "block_file"
        case .blockNamesMax: return "block_names_max"
        case .blockAnswer: return "block_answer"
        }
    }

    var isList: Bool {
        switch self {
        case .listen, .trustAnchor, .insecureDomain, .allow, .hostsFile, .leaseFile, .rebindAllow, .blockFile: return true
        default: return false
        }
    }
}

/// Ranges of numeric options, each with its reason.
enum OptionBounds {
    /// Below 64 KiB the cache thrashes; above 1 GiB is more than any router has.
    static let cacheByteCount = (64 << 10)...(1 << 30)
    /// A minimum TTL above a day would pin stale data for too long.
    static let cacheMinTTLSeconds = 0...86400
    /// Data older than a week outlives most zone changes (RFC 8767 §4 style cap).
    static let cacheMaxTTLSeconds = 1...604800
    /// Request slots are reserved at start-up: 16384 is far beyond a household.
    static let maxClients = 1...16384
    /// Each TCP connection holds a buffer; RFC 7766 needs at least one.
    static let maxTCPClients = 1...1024
    /// RFC 7766 §6.2.3 suggests seconds; two minutes is plenty.
    static let tcpIdleTimeoutMs = 100...120000
    /// Outgoing query slots reserved at start-up.
    static let maxOutgoing = 1...16384
    /// Each TLS connection reserves ~60 KiB (~72 KiB with TLS 1.3) of mbedTLS memory at start
    /// (TransportLimits.tlsConnectionByteCount); at most one per upstream
    /// matters for forwarding, and 64 is beyond any router's RAM budget.
    static let maxTLSConnections = 0...64
    /// RFC 8767 §5 suggests 1 to 3 days; 30 days is the outer limit.
    static let staleMaxSeconds = 0...2592000
    /// RFC 8767 §4 recommends 30 s.
    static let staleAnswerTTLSeconds = 1...3600
    /// RFC 8767 §5 recommends 1.8 s; stubs give up after a few seconds.
    static let clientTimeoutMs = 100...10000
    /// How long after a failed refresh to try again.
    static let staleRefreshBackoffSeconds = 1...3600
    /// CNAME chain length; a chain longer than 64 is a loop or an attack.
    static let cnameMax = 1...64
    /// Names from hosts and lease files, reserved at start-up (~130 bytes
    /// each): 16 is a flat; 65536 is far beyond any household.
    static let localNamesMax = 16...65536
    /// Outgoing TCP connections hold 64 KiB each; at least one (TC retries).
    static let maxOutgoingTCP = 1...64
    /// Block list entries, reserved at start-up (~37 bytes each): 2 million
    /// is ~74 MB, more than a router has.
    static let blockNamesMax = 1024...2_000_000
}

/// Turns uci sections into a `SprigConfig`, reporting every problem.
enum SchemaValidator {
    static let sectionTypes: [StaticString] = ["sprig", "upstream", "hint", "auth_transport"]

    static func config(from sections: [UCISection], sink: inout DiagnosticSink,
                       groupID: (String) -> UInt32? = { _ in nil }) -> SprigConfig {
        var config = SprigConfig()
        var mainLines = [Int](repeating: 0, count: MainOption.allCases.count)
        var mainSectionLine = 0
        var sectionLines = SectionLines()
        for section in sections where !section.isBroken {
            if Bytes.equals(section.type, "sprig") {
                if mainSectionLine != 0 {
                    sink.error(section.line, "only one 'config sprig' section is allowed (the first is on line \(mainSectionLine))")
                    continue
                }
                mainSectionLine = section.line
                applyMain(section, to: &config, lines: &mainLines, sink: &sink)
            } else if Bytes.equals(section.type, "upstream") {
                guard checkCount(config.upstreams.count, ConfigLimits.maxUpstreamCount, "upstream", section, &sink) else { continue }
                if let u = upstream(section, sink: &sink) {
                    config.upstreams.append(u)
                    sectionLines.upstreams.append(section.line)
                }
            } else if Bytes.equals(section.type, "hint") {
                guard checkCount(config.hints.count, ConfigLimits.maxHintCount, "hint", section, &sink) else { continue }
                if let h = hint(section, sink: &sink) {
                    config.hints.append(h)
                    sectionLines.hints.append(section.line)
                }
            } else if Bytes.equals(section.type, "auth_transport") {
                guard checkCount(config.authTransports.count, ConfigLimits.maxAuthTransportCount, "auth_transport", section, &sink) else { continue }
                if let a = authTransport(section, sink: &sink) {
                    config.authTransports.append(a)
                    sectionLines.authTransports.append(section.line)
                }
            } else {
                sink.error(section.line, "unknown section type '\(Bytes.display(section.type))'"
                    + suggestion(section.type, sectionTypes) + " (expected sprig, upstream, hint or auth_transport)")
            }
        }
        CrossChecks.run(config, mainLines: mainLines, sectionLines: sectionLines, sink: &sink)
        resolveControlGroup(&config, line: mainLines[MainOption.controlGroup.rawValue], groupID: groupID, sink: &sink)
        return config
    }

    static func checkCount(_ count: Int, _ limit: Int, _ type: String, _ section: UCISection,
                           _ sink: inout DiagnosticSink) -> Bool {
        if count < limit { return true }
        sink.error(section.line, "too many '\(type)' sections (limit \(limit))")
        return false
    }

    // MARK: value helpers

    /// Parses a single-valued option; reports and returns nil on error.
    static func one<T>(_ option: UCIOption, _ sink: inout DiagnosticSink,
                       _ parse: ([UInt8]) -> Result<T, ValueError>) -> T? {
        let name = Bytes.display(option.name)
        if option.isList {
            sink.error(option.line, "'\(name)' takes one value: write 'option \(name)', not 'list \(name)'")
            return nil
        }
        guard let value = option.values.last else { return nil }
        switch parse(value.bytes) {
        case .success(let v): return v
        case .failure(let e):
            sink.error(value.line, "option '\(name)': \(e.message)")
            return nil
        }
    }

    /// Parses every entry of a list option; nil if any entry was bad.
    static func each<T>(_ option: UCIOption, _ sink: inout DiagnosticSink,
                        _ parse: ([UInt8]) -> Result<T, ValueError>) -> [T]? {
        let name = Bytes.display(option.name)
        var out: [T] = []
        var failed = false
        for value in option.values {
            switch parse(value.bytes) {
            case .success(let v): out.append(v)
            case .failure(let e):
                sink.error(value.line, "list '\(name)': \(e.message)")
                failed = true
            }
        }
        return failed ? nil : out
    }

    /// An optional path: empty means "not set".
    static func optionalPath(_ bytes: [UInt8]) -> Result<ConfigText?, ValueError> {
        if bytes.isEmpty { return .success(nil) }
        return ValueParser.path(bytes).map { Optional($0) }
    }

    static func unknownOption(_ option: UCIOption, in type: String, candidates: [StaticString],
                              _ sink: inout DiagnosticSink) {
        sink.error(option.line, "unknown option '\(Bytes.display(option.name))' in 'config \(type)'"
            + suggestion(option.name, candidates))
    }

    /// ", did you mean 'x'?" when a known word is within two edits.
    static func suggestion(_ word: [UInt8], _ candidates: [StaticString]) -> String {
        var best: StaticString? = nil
        var bestDistance = 3
        for c in candidates {
            let literal = Array(UnsafeBufferPointer(start: c.utf8Start, count: c.utf8CodeUnitCount))
            let d = editDistance(word, literal, cap: bestDistance)
            if d < bestDistance { best = c; bestDistance = d }
        }
        guard let best else { return "" }
        return "; did you mean '\(Bytes.string(best))'?"
    }

    /// Levenshtein distance, giving up (returning `cap`) on long words.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], cap: Int) -> Int {
        if a.count > 64 || b.count > 64 || abs(a.count - b.count) >= cap { return cap }
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = Bytes.lowercased(a[i - 1]) == Bytes.lowercased(b[j - 1]) ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return min(previous[b.count], cap)
    }
}

/// Lines of repeated sections, for cross-check messages.
struct SectionLines {
    var upstreams: [Int] = []
    var hints: [Int] = []
    var authTransports: [Int] = []
}
