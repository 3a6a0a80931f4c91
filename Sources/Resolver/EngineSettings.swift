import Cache
import Config
import DNSWire

/// What the engine needs from the config, with defaults that serve a
/// household. `EngineSettings(config:)` below fills it: every option the
/// engine reads is mapped there, once; the rest are the engine's own bounds.
public struct EngineSettings {
    /// Client requests the resolver tracks at once (config `max_clients`).
    public var maxClients = 256
    /// Outgoing queries in flight (config `max_outgoing`).
    public var maxOutgoing = 512
    /// RFC 8767 client response timer: after this a stale answer is sent
    /// if one exists (config `client_timeout_ms`).
    public var clientTimeoutMs: Int64 = 1_800
    public var serveStale = true
    /// TTL of a stale answer (RFC 8767 §4 recommends 30 s; `stale_answer_ttl`).
    public var staleAnswerTTLSeconds: UInt32 = 30
    /// After a failed refresh, stale data is served without a new attempt
    /// for this long (RFC 8767 §4 "failure recheck timer"; `stale_refresh_backoff`).
    public var staleRefreshBackoffMs: Int64 = 30_000
    /// CNAME links followed when answering from the cache (`cname_max`).
    public var cnameMax = 12
    /// A request still unanswered after this gets SERVFAIL: clients retry
    /// after ~5 s anyway, so holding a slot longer only blocks others.
    public var requestDeadlineMs: Int64 = 5_000
    /// Sends per outgoing query across all upstreams (first try + retries).
    public var attemptsMax = 4
    /// EDNS payload size we advertise upstream (DNS flag day 2020: 1232).
    public var upstreamPayloadSize: UInt16 = 1_232
    /// Largest UDP answer we send a client whatever it advertises.
    public var clientPayloadSizeMax: UInt16 = 1_232

    // Iterative mode (option mode 'recursive').
    public var recursive = false
    /// Opportunistic DNS over TLS to authoritative servers (RFC 9539):
    /// recursive mode with some `config auth_transport` section set to
    /// 'opportunistic': the RFC 9539 table is kept (AuthDoT.swift).
    public var opportunisticDoT = false
    /// The `config auth_transport` sections (recursive mode), most
    /// specific first; strict ones carry the TLS profile the server
    /// registers for them (AuthPolicy.swift). At most
    /// `ConfigLimits.maxAuthTransportCount`, fixed at start.
    public var authPolicies: [AuthPolicy] = []
    /// Some section is strict (its failures' NS names are kept for the EDE text).
    var hasStrictPolicy: Bool { authPolicies.contains { $0.kind == .strict } }
    /// RFC 9156 QNAME minimisation (`qname_minimisation`).
    public var qnameMinimisation = true
    /// Random case in queried names, checked in answers (`use_0x20`).
    public var use0x20 = false
    /// DNS cookies to the servers asked (`cookies`; Cookies.swift).
    public var cookies = true
    /// RFC 9567 report queries after failures (`error_reporting`; ErrorReporting.swift).
    public var errorReporting = true
    /// DELEG-aware iteration (`deleg`; DelegReferral.swift): the DE flag in
    /// queries to authoritative servers, referrals followed by their DELEG.
    public var deleg = false
    /// Query authoritative servers over IPv6 too (`do_ip6`).
    public var useIPv6 = true
    /// The operator vouches for the wall clock (`clock_trusted`): DNSSEC
    /// signature dates are checked against it from the start, as it reads,
    /// even before the build floor (TrustedClock).
    public var clockTrusted = false
    /// Query authoritative servers at loopback or unspecified addresses
    /// (`query_loopback`; ServerAddressPolicy.swift). Off on a router; test
    /// beds serving their zones on 127.0.0.0/8 turn it on.
    public var queryLoopback = false
    /// Referrals followed per resolution: the DNS is at most 127 labels
    /// deep, real delegation chains are under 10 (Unbound: 130 with
    /// restarts); 30 stops referral loops early.
    public var referralsMax = 30
    /// Queries sent for one client query, sub-resolutions included
    /// (RFC 9520/NXNS: bound the work an attacker can cause per query).
    public var queriesPerRequestMax = 48
    /// Nameserver address look-ups per client query (NXNS, CVE-2020-12662).
    public var nsLookupsPerRequestMax = 6
    /// RFC 9156 §2.3 MAX_MINIMISE_COUNT: minimised queries per resolution
    /// before asking the full name.
    public var minimisedQueriesMax = 10
    /// Ask authoritative servers for DNSSEC records (DO bit; `dnssec`).
    public var requestDNSSEC = true
    /// Validate iterative answers with DNSSEC (`dnssec`): needs trust
    /// anchors loaded into the engine; without any, answers stay unvalidated.
    public var validate = true
    /// Extra queries per client query for DNSKEY/DS sets when validating: a
    /// chain of trust costs ~2 queries per zone cut, and a 6-level deep name
    /// (root, TLD, 4 zones) needs 12 on a cold cache.
    public var chainQueriesPerRequestMax = 32
    /// DNSKEY/DS sub-resolutions per client query: 2 per zone on the path,
    /// for paths up to 8 zone cuts deep plus a CNAME into another tree.
    public var keyFetchesPerRequestMax = 20
    /// RFC 8198: answer NXDOMAIN/NODATA from validated NSEC and NSEC3
    /// records already seen, without asking the authorities
    /// (`aggressive_nsec`); never from NSEC3 opt-out spans. Takes effect only
    /// when validating.
    public var aggressiveNSEC = true
    /// Validated NSEC/NSEC3 records kept for it (1 KiB each, at most 256).
    /// The daemon scales it with the cache (`aggressiveNSECEntryCount(cacheByteCount:)`).
    public var aggressiveNSECEntryCount = 256
    /// In-tree hints carved for (`config hint` sections, recursive mode;
    /// draft-kolkman-dns-in-tree-hints). Each entry is about 0.8 KB.
    public var inTreeHintCount = 0
    /// The household's domain (`local_domain`), answered authoritatively
    /// and never asked of anyone (LocalData); nil: none.
    public var localDomain: Name? = nil
    /// Entries of the household's names table (hosts and lease files,
    /// `local_names_max`); 0 reserves none (no such file configured).
    public var localNameCount = 0
    /// DNS rebinding protection (`rebind_protection`, `rebind_allow`).
    public var rebindProtection = false
    public var rebindAllow: [Name] = []
    /// Block list entries (`block_names_max`; 0 without `block_file`), and
    /// whether blocked A/AAAA get 0.0.0.0/:: instead of NXDOMAIN.
    public var blockNameCount = 0
    public var blockWithNullAddress = false

    /// One entry per 16 KiB of cache (the table stays ~6% of it), 32 to
    /// 256: 64 for the default (`small`) 1 MB cache, 256 from `medium`'s 4 MB up.
    public static func aggressiveNSECEntryCount(cacheByteCount: Int) -> Int {
        min(max(cacheByteCount / 16_384, 32), 256)
    }

    public init() {}
}

// MARK: from the config: the one place config options become engine values

extension EngineSettings {
    public init(config: SprigConfig) {
        self.init()
        maxClients = config.maxClients
        maxOutgoing = config.maxOutgoing
        clientTimeoutMs = Int64(config.clientTimeoutMs)
        serveStale = config.serveStale
        staleAnswerTTLSeconds = UInt32(config.staleAnswerTTLSeconds)
        staleRefreshBackoffMs = Int64(config.staleRefreshBackoffSeconds) * 1_000
        cnameMax = config.cnameMax
        recursive = config.mode == .recursive
        if recursive { authPolicies = EngineSettings.authPolicies(config) }
        opportunisticDoT = authPolicies.contains { $0.kind == .opportunistic }
        qnameMinimisation = config.qnameMinimisation
        use0x20 = config.use0x20
        cookies = config.cookies
        errorReporting = config.errorReporting
        deleg = config.deleg
        useIPv6 = config.doIPv6
        queryLoopback = config.queryLoopback
        clockTrusted = config.clockTrusted
        // Both modes validate: forwarding fetches DS/DNSKEY through the upstreams.
        requestDNSSEC = config.dnssec
        validate = config.dnssec
        aggressiveNSEC = config.aggressiveNSEC
        aggressiveNSECEntryCount = EngineSettings.aggressiveNSECEntryCount(cacheByteCount: config.cacheByteCount)
        inTreeHintCount = config.mode == .recursive && config.dnssec ? config.hints.count : 0
        localDomain = config.localDomain
        rebindProtection = config.rebindProtection
        rebindAllow = config.rebindAllow
        blockNameCount = config.blockFiles.isEmpty ? 0 : config.blockNamesMax
        blockWithNullAddress = config.blockWithNullAddress
        localNameCount = config.hostsFiles.isEmpty && config.leaseFiles.isEmpty ? 0 : config.localNamesMax
    }
}

extension CacheConfiguration {
    /// The answer cache (`AnswerCache`) the engine is given.
    public init(config: SprigConfig) {
        self.init(arenaByteCount: config.cacheByteCount,
                  minTTLSeconds: UInt32(config.cacheMinTTLSeconds),
                  maxTTLSeconds: UInt32(config.cacheMaxTTLSeconds),
                  staleMaxSeconds: config.serveStale ? UInt32(config.staleMaxSeconds) : 0)
    }
}

extension Upstream {
    /// The forwarding upstreams of `config`, in its order (the config
    /// refuses more than UpstreamTable.countMax).
    public static func list(_ config: SprigConfig) -> [Upstream] {
        var list: [Upstream] = []
        for (i, configured) in config.upstreams.prefix(UpstreamTable.countMax).enumerated() {
            guard let address = ServerAddress(bytes: configured.address.bytes, port: configured.port) else { continue }
            // TLS profile i is the one the Server registers for config
            // upstream i (Server/UpstreamTLS.swift).
            list.append(Upstream(address: address, overTCP: configured.transport == .tcp,
                                 tlsProfile: configured.transport == .tls ? Int32(i) : nil))
        }
        return list
    }
}
