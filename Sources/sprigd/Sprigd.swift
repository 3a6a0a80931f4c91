// sprigd: the daemon. Owns main: arguments, config load, reserving every
// pool, binding, dropping privileges, the event loop's lifetime and signals
// (HUP reload, TERM clean exit, USR1 stats).
// Never: parses DNS or makes resolution decisions itself.
import Cache
import Config
import Crypto
import DNSWire
import Fixed
import Hints
import Platform
import Resolver
import Server

public typealias Argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

@_cdecl("sprigd_entry")
public func sprigdMain(_ argc: Int32, _ argv: Argv) -> Int32 {
    var args: [String] = []
    for i in 1..<Int(max(argc, 1)) {
        if let p = argv[i] { args.append(String(cString: p)) }
    }
    return Daemon.run(arguments: args)
}

enum Daemon {
    static let defaultConfigPath = "/etc/config/sprig"
    static let usage = """
        usage: sprigd [-c FILE] [-d] [--print-footprint]
          -c FILE             UCI config (default /etc/config/sprig)
          -d                  detach from the terminal (procd runs sprigd in the foreground)
          --print-footprint   reserve every memory pool, print each one's bytes and exit

        """

    struct Arguments {
        var configPath = Daemon.defaultConfigPath
        var configGiven = false
        var daemonize = false
        var printFootprint = false
    }

    static func parse(_ arguments: [String]) -> Arguments? {
        var result = Arguments()
        var index = 0
        while index < arguments.count {
            let a = arguments[index]
            if matches(a, "-c") {
                index += 1
                guard index < arguments.count else { return nil }
                result.configPath = arguments[index]
                result.configGiven = true
            } else if matches(a, "-d") {
                result.daemonize = true
            } else if matches(a, "--print-footprint") {
                result.printFootprint = true
            } else {
                return nil
            }
            index += 1
        }
        return result
    }

    static func run(arguments: [String]) -> Int32 {
        if let first = arguments.first, matches(first, "-h") || matches(first, "--help") { Output.out(usage); return 0 }
        guard let args = parse(arguments) else {
            Output.err("sprigd: bad arguments\n" + usage)
            return 2
        }
        guard let config = loadConfig(args.configPath, required: args.configGiven) else { return 1 }
        Log.threshold = LogLevel(rawValue: config.logLevel.rawValue) ?? .info
        Log.open(ident: "sprigd", syslog: args.daemonize && config.logSyslog)
        var plan = Plan(config)
        if config.mode == .recursive {
            guard let roots = rootServers(config) else { return 1 }
            plan.rootServers = roots.addresses
            plan.rootServerNames = roots.names
            warnIfRootHintsRefused(roots.addresses, config)
        }
        // Both modes validate: forwarding fetches DS/DNSKEY through the upstreams.
        if config.dnssec {
            guard let anchors = trustAnchors(config) else { return 1 }
            plan.trustAnchors = anchors
            plan.insecureDomains = config.insecureDomains
            if config.mode == .recursive && !config.hints.isEmpty {
                guard let hints = inTreeHints(config) else { return 1 }
                plan.inTreeHints = hints
                // §2.1: the hint's anchor validates the domain, whatever its parent's DS says.
                for h in config.hints { plan.trustAnchors += h.trustAnchors.map { PlannedAnchor(anchor: $0, source: .list) } }
            }
        }
        if args.printFootprint { return printFootprint(plan, config: config) }
        return serve(config: config, plan: plan, args: args)
    }

    /// Reads and validates the config; prints every error as FILE:LINE.
    /// The system's group database, for `control_group` (looked up as the
    /// config is loaded: at start, as root, and on SIGHUP).
    static func systemGroupID(_ name: String) -> UInt32? { try? Process.lookUpGroup(name) }

    static func loadConfig(_ path: String, required: Bool) -> SprigConfig? {
        let text: [UInt8]
        do throws(Errno) {
            text = try File.readAll(path, limit: ConfigLimits.maxFileByteCount)
        } catch {
            if error.kind == .noEntry && !required {
                Output.err("sprigd: \(path) not found; using the built-in defaults\n")
                return SprigConfig()
            }
            Output.err("sprigd: \(path): \(error.message)\n")
            return nil
        }
        var warnings: [ConfigDiagnostic] = []
        switch SprigConfig.load(text: text, fileName: path, warnings: &warnings, groupID: systemGroupID) {
        case .success(let config):
            for w in warnings { Output.err(w.text + "\n") }
            return config
        case .failure(let errors):
            Output.err(errors.text)
            return nil
        }
    }

    /// What start-up reserves and hands over. Each part is made from the
    /// typed config by the type it fills (`MemoryPlan(config:)` for every
    /// pool's size, `AccessList(allow:)`, ...); sprigd adds what it reads
    /// from files.
    struct Plan {
        var memory: MemoryPlan
        var upstreams: [Resolver.Upstream]
        var acl: AccessList
        var rootServers: [ServerAddress] = []
        /// Each root server's NS name from the hints (strict DoT to the root).
        var rootServerNames: [Name] = []
        var trustAnchors: [PlannedAnchor] = []
        var insecureDomains: [Name] = []
        /// In-tree hints, read from their compact table (`inTreeHints`).
        var inTreeHints: [InTreeHint] = []

        init(_ config: SprigConfig) {
            memory = MemoryPlan(config: config)
            upstreams = Resolver.Upstream.list(config)
            acl = AccessList(allow: config.allow)
        }
    }

    /// Root server addresses, each with its NS name: `option root_hints`
    /// (named.root format) or the table compiled in from Config/root.hints.
    static func rootServers(_ config: SprigConfig) -> (addresses: [ServerAddress], names: [Name])? {
        let table: HintTable
        if let path = config.rootHintsPath?.string {
            do throws(Errno) {
                let text = try File.readAll(path, limit: HintLimits.tableByteCountMax * 4)
                do throws(HintTextError) { table = try RootHints.load(hintsText: text, anchorsText: nil) } catch {
                    Output.err("sprigd: \(path): \(error.message)\n")
                    return nil
                }
            } catch {
                Output.err("sprigd: option root_hints '\(path)': \(error.message)\n")
                return nil
            }
        } else {
            do throws(HintTableError) { table = try RootHints.compiled() } catch {
                Output.err("sprigd: the compiled-in root hints are corrupt\n")
                return nil
            }
        }
        guard table.domainCount > 0 else { return ([], []) }
        let root = table.domain(0)
        var list: [ServerAddress] = []
        var names: [Name] = []
        for i in 0..<root.serverCount {
            let server = root.server(i)
            for j in 0..<server.addressCount {
                if let a = ServerAddress(bytes: server.address(j).bytes, port: ResolverCore.authoritativePort) {
                    list.append(a)
                    names.append(server.name)
                }
            }
        }
        return (list, names)
    }

    /// Root hints on loopback (a test bed's hints file) are never queried
    /// without `query_loopback '1'`: say so once, at start, rather than
    /// leave every resolution failing without a word.
    static func warnIfRootHintsRefused(_ roots: [ServerAddress], _ config: SprigConfig) {
        guard !config.queryLoopback else { return }
        let refused = roots.filter { $0.isLoopbackOrUnspecified }.count
        guard refused > 0 else { return }
        Log.warning("root_hints: \(refused) of \(roots.count) root server addresses are loopback or unspecified "
            + "and are not queried (option query_loopback '1' allows them, for test beds)")
    }

    /// In-tree hints (draft-kolkman-dns-in-tree-hints §2.1): the `config
    /// hint` sections become one compact hint table (the root hints'
    /// format, Sources/Hints), checked against its limits; the core gets
    /// each domain's addresses from that table, in-domain servers first.
    /// nil (after a message) when the table cannot be built.
    static func inTreeHints(_ config: SprigConfig) -> [InTreeHint]? {
        let sources = config.hints.map { h in
            HintDomainSource(domain: h.domain, servers: h.nameservers.map { HintServerSource(name: $0.name, addresses: $0.addresses) },
                             anchors: h.trustAnchors)
        }
        let table: HintTable?
        do throws(InTreeHintError) { table = try InTreeHints.table(sources) } catch {
            Output.err("sprigd: \(error.message)\n")
            return nil
        }
        guard let table else { return [] }
        var hints: [InTreeHint] = []
        for d in 0..<table.domainCount { hints.append(inTreeHint(table.domain(d), isLearned: false)) }
        Log.info("in-tree hints: \(hints.count) domains, table \(table.bytes.count) bytes")
        mergeLearnedHints(into: &hints, path: learnedHintsPath(config))
        return hints
    }

    /// One domain of a hint table as the core takes it: in-domain servers'
    /// addresses first, each address with the index of its name.
    static func inTreeHint(_ domain: HintDomain, isLearned: Bool) -> InTreeHint {
        var inDomain: [(ServerAddress, Int)] = []
        var others: [(ServerAddress, Int)] = []
        var names: [Name] = []
        for i in 0..<domain.serverCount {
            let server = domain.server(i)
            names.append(server.name)
            for k in 0..<server.addressCount {
                guard let a = ServerAddress(bytes: server.address(k).bytes, port: ResolverCore.authoritativePort) else { continue }
                if server.name.isSubdomain(of: domain.name) { inDomain.append((a, i)) } else { others.append((a, i)) }
            }
        }
        let all = inDomain + others
        return InTreeHint(domain: domain.name, addresses: all.map { $0.0 }, inDomainCount: inDomain.count,
                          nameservers: names, addressOwners: all.map { $0.1 }, isLearned: isLearned)
    }

    /// The learned state (§2.1, `state_dir`/hints.learned, the hint table
    /// format): a learned domain replaces the servers of its configured
    /// hint; domains no longer configured are dropped. Missing: nothing
    /// learned yet. Corrupt or unusable: one log line, the configured hints.
    static func mergeLearnedHints(into hints: inout [InTreeHint], path: String) {
        guard File.exists(path) else { return }
        guard let bytes = try? File.readAll(path, limit: HintLimits.tableByteCountMax) else {
            Log.warning("in-tree hints: \(path) cannot be read; using the configured hints")
            return
        }
        let table: HintTable
        do throws(HintTableError) { table = try HintTable(validating: bytes) } catch {
            _ = error
            Log.warning("in-tree hints: \(path) is corrupt (not a valid hint table); using the configured hints")
            return
        }
        var used = 0
        for i in hints.indices {
            guard let domain = table.domain(named: hints[i].domain) else { continue }
            let learned = inTreeHint(domain, isLearned: true)
            guard learned.inDomainCount > 0, learned.addresses.count <= 16 else {
                Log.warning("in-tree hints: \(path): \(domain.name.text) has no usable in-domain server; using its configured hint")
                continue
            }
            hints[i] = learned
            used += 1
        }
        Log.info("in-tree hints: \(used) learned NS sets from \(path)")
    }

    /// Where a trust anchor came from (the start-up log; RFC 5011 fallback).
    enum AnchorSource: Equatable { case compiledIn, file, list }

    struct PlannedAnchor {
        var anchor: TrustAnchor
        var source: AnchorSource
    }

    /// DNSSEC trust anchors (issue 12 item 8): every `list trust_anchor`
    /// (parsed and checked by the config), added to the root anchors — the
    /// `trust_anchor_file` when set and readable, else the compiled-in root
    /// KSKs (KSK-2017, KSK-2024) unless `builtin_root_anchors '0'`. nil: no
    /// anchor is left while dnssec is on.
    static func trustAnchors(_ config: SprigConfig) -> [PlannedAnchor]? {
        var planned = config.trustAnchors.map { PlannedAnchor(anchor: $0, source: .list) }
        planned += rootAnchors(config)
        guard !planned.isEmpty else {
            Output.err("sprigd: no trust anchor is left (trust_anchor_file unreadable, builtin_root_anchors '0', "
                + "no list trust_anchor): nothing could be validated; set dnssec '0' to say so\n")
            return nil
        }
        return planned
    }

    /// The root anchors that `list trust_anchor` adds to: `trust_anchor_file`
    /// stands in for the compiled-in ones; unreadable, it is logged and the
    /// compiled-in ones serve unless `builtin_root_anchors '0'`.
    static func rootAnchors(_ config: SprigConfig) -> [PlannedAnchor] {
        if let path = config.trustAnchorFilePath?.string {
            let fallback = config.builtinRootAnchors ? "using the compiled-in root anchors"
                                                     : "builtin_root_anchors is 0: only list trust_anchor is used"
            if let text = try? File.readAll(path, limit: HintLimits.tableByteCountMax * 4) {
                do throws(HintTextError) {
                    return try TrustAnchorText.parseFile(text).map { PlannedAnchor(anchor: $0, source: .file) }
                } catch {
                    Log.warning("trust_anchor_file \(path): \(error.message); \(fallback)")
                }
            } else {
                Log.warning("trust_anchor_file \(path) cannot be read; \(fallback)")
            }
        }
        guard config.builtinRootAnchors, let table = try? RootHints.compiled(), table.domainCount > 0 else { return [] }
        let root = table.domain(0)
        var planned: [PlannedAnchor] = []
        for i in 0..<root.anchorCount {
            let anchor = root.anchor(i)
            planned.append(PlannedAnchor(anchor: TrustAnchor(owner: .root, type: anchor.type, rdata: anchor.rdata),
                                         source: .compiledIn))
        }
        return planned
    }

    /// Carves every pool from an arena the plan sized, as start-up does,
    /// and prints the arena's rows: what was reserved. A difference from
    /// the plan (a pool it does not know, or sized otherwise) is an error.
    static func printFootprint(_ plan: Plan, config: SprigConfig) -> Int32 {
        let arena = Arena(byteCount: plan.memory.byteCount)
        do throws(Errno) {
            guard let resolver = makeResolver(plan, arena: arena) else { return 1 }
            let loop = try EventLoop(limits: plan.memory.limits, acl: plan.acl, resolver: resolver, arena: arena)
            arena.seal()
            _ = loop
        } catch {
            Output.err("sprigd: start-up failed: \(error.message)\n")
            return 1
        }
        Output.out(pad("pool", 52) + pad("count", 10, left: true) + pad("bytes", 13, left: true) + "\n")
        for row in arena.rows {
            Output.out(pad(row.label, 52) + pad(String(row.count), 10, left: true)
                + pad(String(row.byteCount), 13, left: true) + "\n")
        }
        Output.out(pad("total", 62) + pad(String(arena.usedByteCount), 13, left: true) + "\n")
        printPresets(config)
        guard arena.rows == plan.memory.rows, arena.lateReservationCount == 0 else {
            Output.err("sprigd: the pools reserved differ from the memory plan (\(plan.memory.byteCount) bytes planned, "
                + "\(arena.usedByteCount) carved, \(arena.lateReservationCount) late): Sources/Server/MemoryPlan.swift\n")
            return 1
        }
        return 0
    }

    /// Each memory preset's total with this file's other settings (DNSSEC,
    /// local files, …): what `option memory` would reserve.
    static func printPresets(_ config: SprigConfig) {
        Output.out("\noption memory (this is '\(config.memory.text)'; sizes set in the file win over it; "
            + "without the option: '\(MemoryPreset.builtIn.text)')\n")
        for preset in MemoryPreset.allCases {
            let s = preset.sizes
            let total = MemoryPlan(config: config.applying(preset)).byteCount
            Output.out(pad("  " + preset.text, 10) + pad(String(total), 11, left: true)
                + " bytes  cache_size \(s.cacheByteCount >> 10)K, max_clients \(s.maxClients), max_outgoing \(s.maxOutgoing), "
                + "max_tcp_clients \(s.maxTCPClients), max_outgoing_tcp \(s.maxOutgoingTCP), local_names_max \(s.localNamesMax)\n")
        }
    }

    static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
        let n = s.utf8.count
        if n >= width { return s }
        var fill = ""
        for _ in 0..<(width - n) { fill += " " }
        return left ? fill + s : s + fill
    }
}
