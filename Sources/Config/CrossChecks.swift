import DNSWire

/// Checks that involve more than one option.
enum CrossChecks {
    static func run(_ c: SprigConfig, mainLines: [Int], sectionLines: SectionLines, sink: inout DiagnosticSink) {
        func line(_ o: MainOption) -> Int { mainLines[o.rawValue] }
        func firstLine(_ a: MainOption, _ b: MainOption) -> Int { line(a) != 0 ? line(a) : line(b) }

        if c.cacheMinTTLSeconds > c.cacheMaxTTLSeconds {
            sink.error(firstLine(.cacheMinTTL, .cacheMaxTTL),
                       "cache_min_ttl (\(c.cacheMinTTLSeconds)) is larger than cache_max_ttl (\(c.cacheMaxTTLSeconds))")
        }
        if c.serveStale && c.staleMaxSeconds > 0 && c.staleAnswerTTLSeconds > c.staleMaxSeconds {
            sink.error(firstLine(.staleAnswerTTL, .staleMax),
                       "stale_answer_ttl (\(c.staleAnswerTTLSeconds)) is larger than stale_max (\(c.staleMaxSeconds))")
        }
        if c.serveStale && c.staleMaxSeconds == 0 && line(.staleMax) != 0 {
            sink.warning(line(.staleMax), "stale_max is 0: nothing will be served stale (set serve_stale '0' to say so)")
        }
        checkListen(c.listen, line(.listen), &sink)
        checkModes(c, line(.mode), sectionLines, &sink)
        if !c.dnssec {
            for o in [MainOption.trustAnchor, .trustAnchorFile, .builtinRootAnchors, .insecureDomain] where line(o) != 0 {
                sink.warning(line(o), "\(Bytes.string(o.key)) has no effect while dnssec is 0")
            }
        } else if !c.builtinRootAnchors && c.trustAnchors.isEmpty && c.trustAnchorFilePath == nil {
            sink.error(line(.builtinRootAnchors), "builtin_root_anchors is 0 and no trust_anchor or trust_anchor_file "
                + "is given: nothing could be validated (set dnssec '0' to say so)")
        }
        checkRecursiveOnly(c, line, &sink)
        checkChroot(c, line, &sink)
        if c.insecureDomains.count > ConfigLimits.maxInsecureDomainCount {
            sink.error(line(.insecureDomain),
                       "too many insecure_domain entries (limit \(ConfigLimits.maxInsecureDomainCount))")
        }
        if c.blockFiles.count > ConfigLimits.maxLocalFileCount {
            sink.error(line(.blockFile), "too many block_file entries (limit \(ConfigLimits.maxLocalFileCount))")
        }
        if c.hostsFiles.count + c.leaseFiles.count > ConfigLimits.maxLocalFileCount {
            sink.error(line(c.hostsFiles.isEmpty ? .leaseFile : .hostsFile),
                       "too many hosts_file and lease_file entries (limit \(ConfigLimits.maxLocalFileCount) together)")
        }
        if c.rebindAllow.count > ConfigLimits.maxInsecureDomainCount {
            sink.error(line(.rebindAllow), "too many rebind_allow entries (limit \(ConfigLimits.maxInsecureDomainCount))")
        }
        if !c.rebindProtection && line(.rebindAllow) != 0 {
            sink.warning(line(.rebindAllow), "rebind_allow has no effect while rebind_protection is 0")
        }
        if c.allow.count > ConfigLimits.maxAllowCount {
            sink.error(line(.allow), "too many allow entries (limit \(ConfigLimits.maxAllowCount))")
        }
        for (i, d) in c.insecureDomains.enumerated() where c.insecureDomains[..<i].contains(d) {
            sink.warning(line(.insecureDomain), "insecure_domain \(d.uciText) is listed twice")
        }
        checkDuplicateDomains(c.hints.map { $0.domain }, sectionLines.hints, "hint", &sink)
        HintChecks.run(c, sectionLines.hints, dnssecLine: line(.dnssec), &sink)
        // One section per domain, and one more per distinct `list server`
        // narrowing of it (AuthPolicy.swift: the narrowed one wins for its servers).
        let whole = c.authTransports.indices.filter { c.authTransports[$0].servers.isEmpty }
        checkDuplicateDomains(whole.map { c.authTransports[$0].domain },
                              whole.compactMap { $0 < sectionLines.authTransports.count ? sectionLines.authTransports[$0] : nil },
                              "auth_transport", &sink)
        for (i, a) in c.authTransports.enumerated() where !a.servers.isEmpty && i < sectionLines.authTransports.count
            && c.authTransports[..<i].contains(where: { $0.domain == a.domain && $0.servers == a.servers }) {
            sink.error(sectionLines.authTransports[i], "auth_transport for \(a.domain.uciText): the same servers are listed in an earlier section")
        }
        // TransportLimits.strictDomainCountMax: one TLS profile each.
        for (i, a) in c.authTransports.enumerated()
        where a.policy == .strict && c.authTransports[..<i].filter({ $0.policy == .strict }).count >= 8 {
            sink.error(sectionLines.authTransports[i], "auth_transport for \(a.domain.uciText): at most 8 strict domains")
        }
        for (i, u) in c.upstreams.enumerated()
        where c.upstreams[..<i].contains(where: { $0.address == u.address && $0.port == u.port && $0.transport == u.transport }) {
            sink.error(sectionLines.upstreams[i], "upstream \(u.address.text) port \(u.port) is configured twice")
        }
    }

    /// Options that only steer iterative resolution or its clock.
    static func checkRecursiveOnly(_ c: SprigConfig, _ line: (MainOption) -> Int, _ sink: inout DiagnosticSink) {
        if c.mode == .forward && c.deleg { NotCarriedOut.delegForwarding(line(.deleg), &sink) }
        if c.mode == .forward && line(.queryLoopback) != 0 {
            sink.warning(line(.queryLoopback), "query_loopback only applies to authoritative servers in recursive "
                + "mode; upstreams on loopback are always queried")
        }
        if c.clockTrusted && line(.clockMarkerFile) != 0 {
            sink.warning(line(.clockMarkerFile), "clock_marker_file has no effect while clock_trusted is 1")
        }
    }

    /// `chroot '1'` confines sprigd to state_dir once it has bound its
    /// sockets. Root can leave a chroot, so it needs a user to drop to; a
    /// file sprigd reads while running must lie inside it.
    static func checkChroot(_ c: SprigConfig, _ line: (MainOption) -> Int, _ sink: inout DiagnosticSink) {
        guard c.chroot else { return }
        let dir = c.stateDirectory
        if c.user == nil || c.user.map({ Bytes.equals($0.bytes, "root") }) == true {
            sink.error(line(.chroot), "chroot '1' needs option user (an unprivileged user): root can leave a chroot")
        }
        if dir.bytes.first != UInt8(ascii: "/") || dir.bytes.count == 1 {
            sink.error(line(.chroot), "chroot '1' needs state_dir to be an absolute folder other than '/' (it is '\(dir.string)')")
        }
        if let marker = c.clockMarkerFilePath, !c.clockTrusted, !marker.isInside(folder: dir) {
            sink.error(line(.clockMarkerFile), "clock_marker_file '\(marker.string)' is outside state_dir '\(dir.string)': "
                + "after chroot '1' sprigd could not see it; put it in state_dir (the NTP hook can touch it there)")
        }
    }

    static func checkListen(_ listen: [ListenAddress], _ line: Int, _ sink: inout DiagnosticSink) {
        if listen.count > ConfigLimits.maxListenCount {
            sink.error(line, "too many listen addresses (limit \(ConfigLimits.maxListenCount))")
        }
        for (i, l) in listen.enumerated() where listen[..<i].contains(l) {
            sink.error(line, "listen \(l.text) is given twice")
        }
    }

    static func checkModes(_ c: SprigConfig, _ modeLine: Int, _ lines: SectionLines, _ sink: inout DiagnosticSink) {
        switch c.mode {
        case .forward:
            if c.upstreams.isEmpty {
                sink.error(modeLine, "mode is 'forward' but no 'config upstream' section is usable")
            }
            if let first = lines.hints.first {
                sink.warning(first, "hints are only used in recursive mode")
            }
            if let first = lines.authTransports.first {
                sink.warning(first, "auth_transport is only used in recursive mode")
            }
        case .recursive:
            if let first = lines.upstreams.first {
                sink.warning(first, "upstreams are only used when mode is 'forward'")
            }
        }
    }

    static func checkDuplicateDomains(_ domains: [Name], _ lines: [Int], _ type: String,
                                      _ sink: inout DiagnosticSink) {
        for (i, d) in domains.enumerated() {
            if let j = domains[..<i].firstIndex(of: d) {
                sink.error(lines[i], "\(type) for \(d.uciText) is already configured on line \(lines[j])")
            }
        }
    }
}
