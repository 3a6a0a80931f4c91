import DNSWire

/// How queries are answered.
public enum ResolutionMode: Equatable, Sendable {
    /// Iterate from the root (or in-tree hints), validating DNSSEC.
    case recursive
    /// Send every query to the configured upstreams.
    case forward
}

/// Log threshold; raw values are syslog priorities, like Platform's
/// `LogLevel` (Config may not import Platform).
public enum LogLevelSetting: Int32, Equatable, Sendable {
    case error = 3, warning = 4, notice = 5, info = 6, debug = 7
}

/// Transport to one forwarding upstream.
public enum UpstreamTransport: Equatable, Sendable {
    case udp, tcp, tls
}

/// `config upstream`: a server used in forward mode.
public struct Upstream: Equatable, Sendable {
    /// Section name, nil for an anonymous section.
    public var name: ConfigText?
    public var address: IPAddress
    /// 53, or 853 for TLS, unless set.
    public var port: UInt16
    public var transport: UpstreamTransport
    /// Name the TLS certificate must match (transport tls).
    public var tlsName: Name?
    /// SHA-256 of the server's SubjectPublicKeyInfo (transport tls).
    public var tlsPinSHA256: [UInt8]?

    public init(name: ConfigText? = nil, address: IPAddress, port: UInt16? = nil,
                transport: UpstreamTransport = .udp, tlsName: Name? = nil, tlsPinSHA256: [UInt8]? = nil) {
        self.name = name
        self.address = address
        self.transport = transport
        self.port = port ?? (transport == .tls ? 853 : 53)
        self.tlsName = tlsName
        self.tlsPinSHA256 = tlsPinSHA256
    }
}

/// One `list nameserver 'NAME ADDR [ADDR...]'` of a hint.
public struct HintNameserver: Equatable, Sendable {
    public var name: Name
    public var addresses: [IPAddress]
}

/// `config hint`: an in-tree hint — the domain's NS set (and optionally
/// its trust anchor) comes from here, never from the parent.
public struct Hint: Equatable, Sendable {
    public var name: ConfigText?
    public var domain: Name
    public var nameservers: [HintNameserver]
    public var trustAnchors: [TrustAnchor]
}

/// Encryption policy towards a domain's authoritative servers.
public enum AuthTransportPolicy: Equatable, Sendable {
    case off, opportunistic, strict
}

/// `config auth_transport`: per-domain policy (RFC 9539 style).
public struct AuthTransport: Equatable, Sendable {
    public var name: ConfigText?
    public var domain: Name
    public var policy: AuthTransportPolicy
    /// SPKI pins (`list tls_pin`, RFC 7858 §4.2 form) a strict server's
    /// certificate must match one of.
    public var tlsPins: [[UInt8]] = []
    /// `list server`: the section applies only to these servers of the
    /// domain's zones (seed 004 requirements 8, 9); empty: to every server.
    public var servers: [AuthServer] = []
}

/// One `list server` value of `config auth_transport`: an NS name, or an
/// address.
public enum AuthServer: Equatable, Sendable {
    case name(Name)
    case address(IPAddress)
}

/// The whole effective configuration. `SprigConfig()` holds every default:
/// an empty file serves a household.
public struct SprigConfig: Equatable, Sendable {
    // config sprig 'main' — sockets and mode
    public var listen: [ListenAddress] = SprigConfig.defaultListen
    public var mode: ResolutionMode = .recursive

    // cache
    public var cacheByteCount = MemoryPreset.builtIn.sizes.cacheByteCount
    public var cacheMinTTLSeconds = 0
    public var cacheMaxTTLSeconds = 86400

    // pools (static memory is sized from these; `memory` sets them all,
    // and with no `option memory` they are MemoryPreset.builtIn's)
    public var memory: MemoryPreset = MemoryPreset.builtIn
    public var maxClients = MemoryPreset.builtIn.sizes.maxClients
    public var maxTCPClients = MemoryPreset.builtIn.sizes.maxTCPClients
    public var tcpIdleTimeoutMs = 10000
    public var maxOutgoing = MemoryPreset.builtIn.sizes.maxOutgoing
    /// Outgoing TCP connections (each holds a 64 KiB response buffer).
    public var maxOutgoingTCP = MemoryPreset.builtIn.sizes.maxOutgoingTCP
    /// DNS-over-TLS connections at once (their mbedTLS memory is reserved
    /// at start). Only reserved when some upstream uses transport 'tls'.
    public var maxTLSConnections = 4
    /// CA bundle that `tls_name` certificates must chain to; nil: the
    /// system bundle, `SprigConfig.systemCABundle`.
    public var tlsCAFilePath: ConfigText? = nil
    public static let systemCABundle = "/etc/ssl/certs/ca-certificates.crt"

    // serve-stale (RFC 8767)
    public var serveStale = true
    public var staleMaxSeconds = 86400
    public var staleAnswerTTLSeconds = 30
    public var clientTimeoutMs = 1800
    public var staleRefreshBackoffSeconds = 30

    // resolution
    public var qnameMinimisation = true
    public var use0x20 = false
    /// DNS cookies (RFC 7873, RFC 9018): server cookies to clients, client
    /// cookies to upstreams and authoritative servers.
    public var cookies = true
    /// DNS error reporting (RFC 9567 §6.1): after a failed resolution, one
    /// rate-limited report query to the agent the zone's servers named.
    public var errorReporting = true
    /// DELEG-aware resolution (draft-ietf-deleg-12 with
    /// draft-ietf-dnsop-delext-11): the DE flag in queries to authoritative
    /// servers, and referrals followed by their DELEG RRset (Resolver/
    /// DelegReferral.swift). Off by default; refused in forward mode
    /// (NotCarriedOut.delegForwarding).
    public var deleg = false
    public var doIPv6 = true
    /// Query authoritative servers at loopback or unspecified addresses
    /// (127.0.0.0/8, ::1, 0.0.0.0/8, ::, and their IPv4-mapped forms):
    /// off, as Unbound's do-not-query-localhost; test beds turn it on.
    /// Forwarding upstreams are never refused for being on loopback.
    public var queryLoopback = false
    public var cnameMax = 12
    public var rootHintsPath: ConfigText? = nil

    // DNSSEC
    public var dnssec = true
    public var aggressiveNSEC = true
    public var trustAnchorFilePath: ConfigText? = nil
    /// Added to the root anchors (compiled-in or `trustAnchorFilePath`).
    public var trustAnchors: [TrustAnchor] = []
    /// Load the root KSKs compiled in from Config/root.key (when no
    /// `trustAnchorFilePath` stands in for them). Off: only the configured
    /// anchors count — how a test bed or private root replaces them.
    public var builtinRootAnchors = true
    public var insecureDomains: [Name] = []

    // access and process
    public var allow: [IPPrefix] = IPPrefix.householdDefaults
    /// nil: do not drop privileges.
    public var user: ConfigText? = "nobody"
    public var logLevel: LogLevelSetting = .info
    public var logSyslog = true
    public var controlSocketPath: ConfigText = "/var/run/sprig.sock"
    /// Who besides root may use the control socket (root:group, mode 0660);
    /// nil: root only (mode 0600). Its gid is looked up when the file is
    /// loaded: an unknown group is an error of the file.
    public var controlGroup: ControlGroup? = nil
    public var clockMarkerFilePath: ConfigText? = nil
    /// The operator vouches for the wall clock (an RTC, a test bed): it is
    /// trusted from the start as it reads, even before the build date.
    public var clockTrusted = false
    /// Flash: persisted trust-anchor state and learned hints.
    public var stateDirectory: ConfigText = "/etc/sprig"
    /// After binding, confine the process to `stateDirectory` (chroot),
    /// before dropping to `user`: only the state files stay reachable.
    public var chroot = false

    // local data (LocalData)
    /// The household's domain (`lan` on OpenWrt): answered authoritatively
    /// with its SOA in negative answers, never forwarded. nil: none.
    public var localDomain: Name? = nil
    /// `/etc/hosts`-format files (`list hosts_file`) and DHCP lease files
    /// (`list lease_file`: dnsmasq's leases or odhcpd's hosts file), re-read
    /// when they change.
    public var hostsFiles: [ConfigText] = []
    public var leaseFiles: [ConfigText] = []
    /// Entries of the names table those files fill (reserved only when a
    /// file is configured).
    public var localNamesMax = MemoryPreset.builtIn.sizes.localNamesMax
    /// DNS rebinding protection: private, loopback and link-local addresses
    /// are removed from answers from the internet, except for names at or
    /// below `rebindAllow`. Off by default (test beds serve such
    /// addresses); the OpenWrt package's config turns it on.
    public var rebindProtection = false
    public var rebindAllow: [Name] = []
    /// Block lists (`list block_file`), loaded at start and on SIGHUP into a
    /// table of `blockNamesMax` names (reserved only when a file is set);
    /// answered NXDOMAIN, or 0.0.0.0/:: with `block_answer 'null'`.
    public var blockFiles: [ConfigText] = []
    public var blockNamesMax = 65_536
    public var blockWithNullAddress = false

    // other sections
    public var upstreams: [Upstream] = []
    public var hints: [Hint] = []
    public var authTransports: [AuthTransport] = []

    public init() {}

    public static let defaultListen: [ListenAddress] = [
        ListenAddress(address: IPAddress(bytes: [127, 0, 0, 1])!, port: 53),
        ListenAddress(address: IPAddress(bytes: [UInt8](repeating: 0, count: 15) + [1])!, port: 53),
    ]

    /// Parses and validates `text` (the bytes of `fileName`). Every error
    /// is reported; warnings do not prevent success.
    /// `groupID` looks a group name up (sprigd and sprig pass the system's,
    /// `Process.lookUpGroup`; the Config module reads no files). The
    /// default knows no group: a config with `control_group` is refused.
    public static func load(text: [UInt8], fileName: String, warnings: inout [ConfigDiagnostic],
                            groupID: (String) -> UInt32? = { _ in nil }) -> Result<SprigConfig, ConfigErrors> {
        var sink = DiagnosticSink(fileName: fileName)
        let statements = UCITokenizer.statements(in: text, sink: &sink)
        let sections = UCIDocument.sections(from: statements, sink: &sink)
        let config = SchemaValidator.config(from: sections, sink: &sink, groupID: groupID)
        let diagnostics = sink.sorted()
        if sink.errorCount > 0 { return .failure(ConfigErrors(diagnostics: diagnostics)) }
        warnings = diagnostics
        return .success(config)
    }

    public static func load(text: [UInt8], fileName: String,
                            groupID: (String) -> UInt32? = { _ in nil }) -> Result<SprigConfig, ConfigErrors> {
        var ignored: [ConfigDiagnostic] = []
        return load(text: text, fileName: fileName, warnings: &ignored, groupID: groupID)
    }
}
