// Config: the UCI file at /etc/config/sprig → a typed, validated `SprigConfig`.
//
// Owns: the UCI tokenizer (OpenWrt `uci` quoting, comments and
// concatenation rules), the section/option structure, the schema with a
// default for every option, value parsers (numbers, sizes, booleans, paths,
// prefixes, listen sockets), cross-field checks, `FILE:LINE: message`
// diagnostics (all of them, never just the first) and the normalised
// rendering of the effective configuration. Values of DNS kinds are
// DNSWire's types, parsed and written by DNSWire: names (`Name`), addresses
// (`IPAddress`), DS/DNSKEY trust anchors (`TrustAnchor`), base64 pins; the
// config hands them on as they are.
//
// Never: reads files, logs or imports Platform (the caller reads the bytes
// with `File.readAll` and prints the diagnostics), keeps its own copy of a
// DNS text form, and never traps on input: every byte sequence gives a
// config or a list of errors.
//
// Worked example:
//   let bytes = try File.readAll(path, limit: ConfigLimits.maxFileByteCount)
//   var warnings: [ConfigDiagnostic] = []
//   switch SprigConfig.load(text: bytes, fileName: path, warnings: &warnings) {
//   case .success(let config): use config.cacheByteCount, config.listen, ...
//   case .failure(let errors): print errors.text ("sprig:12: option ...")
//   }
//   config.normalised   // UCI text with every option's effective value

/// Every bound the config parser enforces, each with its reason.
public enum ConfigLimits {
    /// A household config is a few KB; bounds start-up memory on a 16 MB router.
    public static let maxFileByteCount = 1 << 20
    /// The longest legitimate line is an RSA-4096 DNSKEY anchor (~750 bytes).
    public static let maxLineByteCount = 4096
    /// One value: a DNSKEY anchor fits with room to spare.
    public static let maxValueByteCount = 2048
    /// Sections in the file: hints and upstreams are the only repeated ones.
    public static let maxSectionCount = 512
    /// Distinct options in one section (the schema has fewer than 50).
    public static let maxOptionCountPerSection = 64
    /// Entries of one list option (listen, allow, trust_anchor, ...).
    public static let maxListEntryCount = 256
    /// Diagnostics kept: binary junk must not produce megabytes of output.
    public static let maxDiagnosticCount = 100
    /// Forwarding targets; more never helps a household. The resolver's
    /// upstream table holds this many (one bit each in a query's tried mask;
    /// Resolver's UpstreamTable.countMax, checked by a test).
    public static let maxUpstreamCount = 8
    /// `list insecure_domain` entries: the Validator's negative trust anchor
    /// store (NegativeTrustAnchors.countMax, checked by a test).
    public static let maxInsecureDomainCount = 64
    /// `list allow` prefixes: the client ACL, checked per query (Server's
    /// AccessList.prefixCountMax, checked by a test).
    public static let maxAllowCount = 64
    /// Hosts and lease files together: each is stat()ed every few seconds.
    public static let maxLocalFileCount = 8
    /// In-tree hint domains (each costs a table entry in the Hints module).
    public static let maxHintCount = 64
    /// Nameservers listed in one hint (RFC 1035 referrals rarely exceed 13).
    public static let maxHintNameserverCount = 13
    /// Addresses of one hint nameserver.
    public static let maxAddressCountPerNameserver = 4
    /// Addresses of all of one hint's nameservers together: what one
    /// iteration keeps as a zone's servers (Resolver's ServerSet).
    public static let maxHintAddressCount = 16
    /// Per-domain transport policies.
    public static let maxAuthTransportCount = 64
    /// Sockets sprigd listens on.
    public static let maxListenCount = 16
    /// A path value (PATH_MAX is larger, but our paths are short).
    public static let maxPathByteCount = 255
    /// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
    public static let maxSocketPathByteCount = 107
    /// Longest user name accepted by OpenWrt's and busybox's tools.
    public static let maxUserNameByteCount = 32
}
