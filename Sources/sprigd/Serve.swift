import Cache
import Config
import DNSWire
import Fixed
import Hints
import Platform
import Resolver
import Server
import Validator

extension Daemon {
    /// Reserves every pool, binds, drops privileges and runs the loop
    /// until SIGTERM; SIGHUP re-reads the config.
    static func serve(config: SprigConfig, plan: Plan, args: Arguments) -> Int32 {
        let loop: EventLoop
        // One block for every pool (MemoryPlan), sealed once they are carved.
        let arena = Arena(byteCount: plan.memory.byteCount)
        do throws(Errno) {
            guard var resolver = makeResolver(plan, arena: arena) else { return 1 }
            loadAnchorState(anchorStatePath(config), into: &resolver)
            guard loadTrustAnchors(plan, into: &resolver) else { return 1 }
            // A refused block list is logged; DNS starts without one.
            BlockFiles.load(config.blockFiles.map { $0.string }, into: &resolver)
            resolver.setClockFloor(readClockFloor(clockFloorPath(config)))
            resolver.setWallClock(realtimeSeconds: Clock.realtimeSeconds(), nowMs: Clock.monotonicMs())
            loop = try EventLoop(limits: plan.memory.limits, acl: plan.acl, resolver: resolver, arena: arena)
            arena.seal()
            if arena.usedByteCount != plan.memory.byteCount || arena.lateReservationCount > 0 {
                Log.warning("memory: \(arena.usedByteCount) bytes carved of \(plan.memory.byteCount) planned, "
                    + "\(arena.lateReservationCount) reservations outside the arena (sprigd --print-footprint)")
            }
            loop.logClockDecision()
            // DoT upstreams: mbedTLS in its arena, the CA bundle, the profiles.
            if let why = loop.startUpstreamTLS(config) {
                Output.err("sprigd: \(why)\n")
                return 1
            }
            loop.clockFloorPath = clockFloorPath(config)
            loop.anchorStatePath = anchorStatePath(config)
            if !plan.inTreeHints.isEmpty { loop.learnedHintsPath = learnedHintsPath(config) }
            loop.clockMarkerPath = config.clockMarkerFilePath?.string
            // state_dir (RFC 5011 state, clock floor, cookie secrets): made
            // before the first write to it, for the user sprigd drops to.
            do throws(Errno) {
                try Process.prepareStateDirectory(config.stateDirectory.string, user: config.user?.string)
            } catch {
                Log.warning("state_dir \(config.stateDirectory.string): \(error.message); "
                    + "trust-anchor state, the clock floor and cookie secrets cannot be saved")
            }
            loop.startCookies(enabled: config.cookies, secretPath: cookieSecretPath(config))
            loop.setLocalFiles(hosts: config.hostsFiles.map { $0.string }, leases: config.leaseFiles.map { $0.string })
            for listen in config.listen {
                guard let address = Address(bytes: listen.address.bytes, port: listen.port) else { continue }
                do throws(Errno) { try loop.listen(on: address) } catch {
                    Output.err("sprigd: cannot listen on \(address.textWithPort): \(error.message)\n")
                    return 1
                }
            }
        } catch {
            Output.err("sprigd: start-up failed: \(error.message)\n")
            return 1
        }
        let controlPath = config.controlSocketPath.string
        let group = config.controlGroup.map { (name: $0.name.string, id: $0.id) }
        do throws(Errno) { try loop.openControl(path: controlPath, group: group) } catch {
            // #20 item 6: with a control_group the socket is root:group
            // 0660 or sprigd does not run; without one a missing socket
            // only costs the operator's commands.
            if let group {
                Output.err("sprigd: cannot make the control socket \(controlPath) root:\(group.name) mode 0660 "
                    + "(option control_group): \(error.message)\n")
                return 1
            }
            Log.warning("control socket \(controlPath): \(error.message); `sprig stats` will not work")
        }
        guard dropPrivileges(config, loop: loop) else { return 1 }
        if args.daemonize {
            do throws(Errno) { try Process.daemonize() } catch {
                Output.err("sprigd: cannot detach: \(error.message)\n")
                return 1
            }
        }
        loop.prime()
        let mode = config.mode == .recursive ? "recursive" : "forward"
        Log.notice("started: mode \(mode), \(config.listen.count) listen addresses, cache \(config.cacheByteCount) bytes")
        Log.notice(EventLoop.tlsBuildNote)
        if let note = EventLoop.strictTLSNote(config) { Log.notice(note) }
        var current = config
        while true {   // one pass per SIGHUP; ends on SIGTERM/SIGINT
            let exit: LoopExit
            do throws(Errno) { exit = try loop.run() } catch {
                Log.error("event loop failed: \(error.message)")
                return 1
            }
            if exit == .terminate { break }
            current = reload(loop, current: current, path: args.configPath, required: args.configGiven)
        }
        File.remove(controlPath)
        Log.notice("stopping")
        return 0
    }

    /// DESIGN.md §2.5: the sockets are bound, so root is no longer needed.
    /// chroot '1' confines sprigd to state_dir first (the user is looked up
    /// before /etc/passwd goes out of sight; the state paths become paths
    /// inside it). Then the switch to `user`, which fails closed: sprigd
    /// exits rather than run with privileges it was told to give up.
    static func dropPrivileges(_ config: SprigConfig, loop: EventLoop) -> Bool {
        guard let user = config.user, !user.bytes.isEmpty, Process.isRoot else {
            if config.chroot {
                Output.err("sprigd: chroot '1' needs sprigd started as root with option user set\n")
                return false
            }
            return true
        }
        let ids: (uid: UInt32, gid: UInt32)
        do throws(Errno) { ids = try Process.lookUpUser(user.string) } catch {
            Output.err("sprigd: cannot switch to user '\(user.string)': \(error.message)\n")
            return false
        }
        if config.chroot {
            let dir = config.stateDirectory.string
            do throws(Errno) { try Process.confine(to: dir) } catch {
                Output.err("sprigd: cannot chroot to state_dir '\(dir)': \(error.message)\n")
                return false
            }
            loop.clockFloorPath = "/" + clockFloorName
            loop.anchorStatePath = "/" + anchorStateName
            if loop.learnedHintsPath != nil { loop.learnedHintsPath = "/" + learnedHintsName }
            if loop.cookieSecretPath != nil { loop.cookieSecretPath = "/" + cookieSecretName }
            if let inside = config.clockMarkerFilePath?.path(inside: config.stateDirectory) {
                loop.clockMarkerPath = inside
            }
            Log.info("confined to \(dir) (chroot); a reload (SIGHUP) needs a restart now")
        }
        do throws(Errno) {
            if !(try Process.dropPrivileges(uid: ids.uid, gid: ids.gid)) {
                Log.warning("user '\(user.string)' has uid 0: sprigd keeps root privileges (as with option user '')")
            }
        } catch {
            Output.err("sprigd: cannot switch to user '\(user.string)': \(error.message)\n")
            return false
        }
        return true
    }

    /// Carves the cache and the core (with its validator) from `arena`:
    /// the first rows of the plan. nil: the cache configuration is refused
    /// (said on stderr).
    static func makeResolver(_ plan: Plan, arena: Arena) -> ResolverCore? {
        let seed: UInt64
        do throws(Errno) { seed = try Random.uint64() } catch {
            Output.err("sprigd: getrandom failed: \(error.message)\n")
            return nil
        }
        let cache: AnswerCache
        do throws(CacheConfigurationError) {
            cache = try AnswerCache(configuration: plan.memory.cache, hashSeed: seed, arena: arena)
        } catch {
            Output.err("sprigd: option cache_size: cannot build a cache of \(plan.memory.cache.arenaByteCount) bytes\n")
            return nil
        }
        return ResolverCore(settings: plan.memory.settings, upstreams: plan.upstreams,
                            rootServers: plan.rootServers, rootServerNames: plan.rootServerNames, cache: cache, arena: arena)
    }

    /// Hands the trust anchors (all of one owner at once, whatever their
    /// form or source: the engine keeps them as one set) and the negative
    /// trust anchors to the engine.
    static func loadTrustAnchors(_ plan: Plan, into resolver: inout ResolverCore) -> Bool {
        var done: [Name] = []
        for first in plan.trustAnchors where !done.contains(where: { $0 == first.anchor.owner }) {
            let owner = first.anchor.owner
            done.append(owner)
            let anchors = plan.trustAnchors.filter { $0.anchor.owner == owner }.map {
                ConfiguredAnchor(isDS: $0.anchor.type == .ds, rdata: $0.anchor.rdata, addedByOperator: $0.source == .list)
            }
            guard resolver.addTrustAnchors(owner: owner, anchors) else {
                Output.err("sprigd: too many or unusable trust anchors (for \(owner.text))\n")
                return false
            }
        }
        for hint in plan.inTreeHints where !resolver.addInTreeHint(hint) {
            Output.err("sprigd: in-tree hint \(hint.domain.text): no room, or its addresses are unusable\n")
            return false
        }
        for name in plan.insecureDomains where !resolver.addNegativeTrustAnchor(name) {
            Output.err("sprigd: too many insecure_domain entries\n")
            return false
        }
        if !plan.trustAnchors.isEmpty {
            func count(_ source: AnchorSource) -> Int { plan.trustAnchors.filter { $0.source == source }.count }
            Log.info("DNSSEC: \(plan.trustAnchors.count) trust anchors for \(resolver.trustAnchorCount) owners "
                + "(\(count(.compiledIn)) compiled in, \(count(.file)) from trust_anchor_file, "
                + "\(count(.list)) from list trust_anchor), \(plan.insecureDomains.count) insecure domains")
        }
        return true
    }

    static let anchorStateName = "anchors.state"
    static let clockFloorName = "clock.floor"
    static let learnedHintsName = "hints.learned"
    static let cookieSecretName = "cookie.secret"

    /// Learned in-tree hints (flash, written at most daily and at shutdown).
    static func learnedHintsPath(_ config: SprigConfig) -> String {
        config.stateDirectory.string + "/" + learnedHintsName
    }

    /// RFC 5011 trust-anchor state (flash, written at most daily).
    static func anchorStatePath(_ config: SprigConfig) -> String {
        config.stateDirectory.string + "/" + anchorStateName
    }

    /// Loads the saved RFC 5011 state; missing or corrupt: one log line, and
    /// the configured (or compiled-in) anchors start a fresh state.
    static func loadAnchorState(_ path: String, into resolver: inout ResolverCore) {
        guard let bytes = try? File.readAll(path, limit: AnchorStateFile.encodedByteCountMax) else { return }
        if !resolver.loadAnchorState(bytes) {
            Log.warning("dnssec: \(path) is corrupt; starting from the configured trust anchors")
        }
    }

    /// DNS cookie secrets (flash, mode 0600, rewritten monthly: CookieSecrets).
    static func cookieSecretPath(_ config: SprigConfig) -> String {
        config.stateDirectory.string + "/" + cookieSecretName
    }

    /// Where the last known-good wall time is kept (flash, written rarely).
    static func clockFloorPath(_ config: SprigConfig) -> String {
        config.stateDirectory.string + "/" + clockFloorName
    }

    /// The saved floor, or nil (missing or corrupt: one log line, no floor).
    static func readClockFloor(_ path: String) -> Int64? {
        guard let bytes = try? File.readAll(path, limit: TrustedClockFloor.encodedByteCount * 2) else { return nil }
        let floor = bytes.withUnsafeBytes { b in try? TrustedClockFloor.decode(bytes: b) }
        if floor == nil { Log.warning("clock: \(path) is corrupt; ignoring it") }
        return floor
    }

    /// SIGHUP: a broken config is rejected with its errors and the old one
    /// kept; settings that size pools need a restart and say so.
    static func reload(_ loop: EventLoop, current: SprigConfig, path: String, required: Bool) -> SprigConfig {
        if current.chroot {
            // The config file lies outside the chroot; a directory kept
            // open to reach it would be a way out of it.
            Log.error("reload: chroot '1' keeps \(path) out of reach; restart sprigd to apply a changed config")
            return current
        }
        guard let fresh = loadConfig(path, required: required) else {
            Log.error("reload: \(path) rejected; keeping the running configuration")
            return current
        }
        if fresh.mode != current.mode {
            Log.warning("reload: a new mode takes effect after restart")
        }
        loop.setAccessList(AccessList(allow: fresh.allow))
        if (fresh.hostsFiles.isEmpty && fresh.leaseFiles.isEmpty) != (current.hostsFiles.isEmpty && current.leaseFiles.isEmpty)
            || fresh.localNamesMax != current.localNamesMax || fresh.localDomain != current.localDomain {
            Log.warning("reload: local_domain, local_names_max and whether any hosts_file or lease_file is set "
                + "take effect after restart")
        }
        if fresh.blockFiles.isEmpty != current.blockFiles.isEmpty || fresh.blockNamesMax != current.blockNamesMax
            || fresh.blockWithNullAddress != current.blockWithNullAddress {
            Log.warning("reload: block_names_max, block_answer and whether any block_file is set take effect after restart")
        }
        if fresh.rebindProtection != current.rebindProtection || fresh.rebindAllow != current.rebindAllow {
            Log.warning("reload: rebind_protection and rebind_allow take effect after restart")
        }
        if !current.blockFiles.isEmpty {
            loop.reloadBlockList(fresh.blockFiles.map { $0.string })
        }
        if !current.hostsFiles.isEmpty || !current.leaseFiles.isEmpty {
            loop.setLocalFiles(hosts: fresh.hostsFiles.map { $0.string }, leases: fresh.leaseFiles.map { $0.string })
        }
        loop.setUpstreams(Resolver.Upstream.list(fresh))
        // The auth_transport policies (and their TLS profiles, the CA
        // bundle) are the core's fixed table from start: re-registering
        // the fresh sections' profiles under the running table would pair
        // a policy with another section's authentication.
        var tlsConfig = fresh
        tlsConfig.authTransports = current.authTransports
        tlsConfig.tlsCAFilePath = current.tlsCAFilePath
        loop.registerUpstreamTLS(tlsConfig)
        if fresh.authTransports != current.authTransports || fresh.tlsCAFilePath != current.tlsCAFilePath {
            Log.warning("reload: auth_transport sections and tls_ca_file change after restart")
        }
        if fresh.upstreams.contains(where: { $0.transport == .tls }) && !current.upstreams.contains(where: { $0.transport == .tls }) {
            Log.warning("reload: transport 'tls' upstreams need a restart (no TLS memory was reserved); "
                + "until then their queries fail, never in plain")
        }
        if fresh.dnssec {
            let wanted = fresh.insecureDomains
            let taken = loop.setNegativeTrustAnchors(wanted)
            if taken < wanted.count { Log.warning("reload: only \(taken) of \(wanted.count) insecure domains kept (store full)") }
        }
        if fresh.cookies != current.cookies { Log.warning("reload: option cookies changes after restart") }
        if fresh.controlSocketPath != current.controlSocketPath || fresh.controlGroup != current.controlGroup {
            Log.warning("reload: control_socket and control_group change after restart")
        }
        if fresh.dnssec != current.dnssec || fresh.trustAnchors != current.trustAnchors
            || fresh.builtinRootAnchors != current.builtinRootAnchors || fresh.trustAnchorFilePath != current.trustAnchorFilePath {
            Log.warning("reload: dnssec and trust anchors change after restart")
        }
        if fresh.hints != current.hints {
            Log.warning("reload: in-tree hints (config hint) change after restart")
        }
        // The wall clock may have stepped (NTP) since start: re-anchor it.
        Log.threshold = LogLevel(rawValue: fresh.logLevel.rawValue) ?? .info
        if fresh.cacheByteCount != current.cacheByteCount || fresh.maxClients != current.maxClients
            || fresh.maxOutgoing != current.maxOutgoing || fresh.maxTCPClients != current.maxTCPClients
            || fresh.maxOutgoingTCP != current.maxOutgoingTCP
            || fresh.listen != current.listen {
            Log.warning("reload: listen addresses and pool sizes keep their running values until restart")
        }
        Log.notice("reloaded \(path)")
        return fresh
    }
}
