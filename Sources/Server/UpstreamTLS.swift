import Config
import DNSWire
import Platform
import Resolver
import Transport

/// DNS over TLS to forwarders (RFC 7858, RFC 8310): the TLS profile of
/// each `transport 'tls'` upstream, and mbedTLS's set-up at start.
///
/// Profile i belongs to config upstream i (`Upstream.list` gives the
/// Resolver the same number). `tls_name`: the certificate must chain to
/// the CA bundle (`tls_ca_file`, default the system bundle) and match the
/// name (RFC 8310 §8.1), and the name goes out as SNI. `tls_pin`: the
/// SPKI's SHA-256 must match (RFC 7858 §4.2). Both: both must hold.
/// Neither: encrypted, unauthenticated (the config warns). A failed check
/// fails that connection's queries; the core then tries the next upstream;
/// nothing goes out in plain.
///
/// Never: changes what the config asked for, or falls back to plain DNS.
public enum UpstreamTLS {
    public static func caFilePath(_ config: SprigConfig) -> String {
        config.tlsCAFilePath?.string ?? SprigConfig.systemCABundle
    }

    static func usesTLS(_ config: SprigConfig) -> Bool {
        config.upstreams.contains { $0.transport == .tls } || authOpportunistic(config)
    }

    /// RFC 9539 to authoritative servers (EngineSettings.opportunisticDoT),
    /// or a strict domain: either needs TLS memory.
    static func authOpportunistic(_ config: SprigConfig) -> Bool {
        EngineSettings(config: config).opportunisticDoT || !strictSections(config).isEmpty
    }

    /// Strict sections in recursive mode, in config order (profile
    /// `authTLSProfile + 1 + k` for the k-th; Resolver/AuthPolicy.swift).
    static func strictSections(_ config: SprigConfig) -> [AuthTransport] {
        guard config.mode == .recursive else { return [] }
        return Array(config.authTransports.filter { $0.policy == .strict }
            .prefix(TransportLimits.strictDomainCountMax))
    }

    /// The CA bundle is loaded for a TLS upstream with a name, and for a
    /// strict section without pins (the NS name checked with the bundle).
    static func needsCABundle(_ config: SprigConfig) -> Bool {
        config.upstreams.contains { $0.transport == .tls && $0.tlsName != nil }
            || strictSections(config).contains { $0.tlsPins.isEmpty }
    }
}

extension EventLoop {
    /// Sets mbedTLS up and registers every TLS upstream's profile. nil, or
    /// the reason sprigd cannot start (a missing or unreadable CA bundle).
    public func startUpstreamTLS(_ config: SprigConfig) -> String? {
        guard UpstreamTLS.usesTLS(config) else { return nil }
        let needsCA = UpstreamTLS.needsCABundle(config)
        let caPath = UpstreamTLS.caFilePath(config)
        do throws(TLSSetupError) {
            try sockets.transport.startTLS(caFile: needsCA ? Array(caPath.utf8) : nil)
        } catch {
            switch error {
            case .noSlots: return "max_tls_connections is 0 but an upstream uses transport 'tls'"
            case .arena: return "the TLS arena could not be cut (a sizing fault)"
            case .caBundle(let code): return "tls_ca_file \(caPath): cannot load (mbedTLS error -0x\(hex(-code)))"
            case .setup(let code): return "TLS set-up failed (mbedTLS error -0x\(hex(-code)))"
            }
        }
        registerUpstreamTLS(config)
        return nil
    }

    /// (Re-)registers the TLS profiles of `config`'s upstreams (start and SIGHUP).
    public func registerUpstreamTLS(_ config: SprigConfig) {
        guard sockets.transport.tlsIsStarted else { return }
        for (i, u) in config.upstreams.prefix(TransportLimits.tlsProfileCountMax).enumerated() where u.transport == .tls {
            let name = u.tlsName.map { n -> [UInt8] in
                let text = Array(n.text.utf8)
                return text.count > 1 ? Array(text.dropLast()) : text   // no final dot in SNI (RFC 6066 §3)
            }
            _ = sockets.transport.registerTLSProfile(at: i, name: name, verifyName: u.tlsName != nil,
                                                     pinsSHA256: u.tlsPinSHA256.map { [$0] } ?? [], label: "upstream.\(i)")
        }
        if UpstreamTLS.authOpportunistic(config) {
            // RFC 9539 §3: opportunistic, unauthenticated; no SNI (the
            // server's name is not part of the query's path here).
            _ = sockets.transport.registerTLSProfile(at: Int(ResolverCore.authTLSProfile), name: nil, verifyName: false,
                                                     pinsSHA256: [], label: "auth")
        }
        // Strict sections (EngineSettings.authPolicies gives the core the
        // same numbers): pins if listed, else the CA bundle with the NS
        // name each connection was reached by (Resolver/AuthPolicy.swift).
        // Strict requires TLS 1.3 where this build has it (seed 004
        // requirement 11); a 2.28 build cannot, and says so at start.
        let requires13 = Transport.hasTLS13
        for (k, a) in UpstreamTLS.strictSections(config).enumerated() {
            let index = Int(ResolverCore.authTLSProfile) + 1 + k
            if a.tlsPins.isEmpty {
                _ = sockets.transport.registerPeerNamedTLSProfile(at: index, requiresTLS13: requires13, label: "strict.\(k)")
            } else {
                _ = sockets.transport.registerTLSProfile(at: index, name: nil, verifyName: false, pinsSHA256: a.tlsPins,
                                                         requiresTLS13: requires13, label: "strict.\(k)")
            }
        }
    }

    /// One line for the start-up log: the library and its TLS versions.
    public static var tlsBuildNote: String {
        let v = Transport.mbedTLSVersion
        let version = "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF)"
        return Transport.hasTLS13
            ? "TLS: mbedTLS \(version), TLS 1.3 and 1.2 (ECDHE, AEAD)"
            : "TLS: mbedTLS \(version) has no TLS 1.3: this build speaks TLS 1.2 only (ECDHE key exchange, AEAD ciphers)"
    }
}

extension EventLoop {
    /// Strict on a build without TLS 1.3 (Debian's mbedTLS 2.28): strict
    /// still authenticates and never falls back, over TLS 1.2 with ECDHE
    /// and AEAD only; said once at start so the operator knows it is not
    /// the TLS 1.3 that a 3.x build requires. nil otherwise.
    public static func strictTLSNote(_ config: SprigConfig) -> String? {
        let strict = UpstreamTLS.strictSections(config).count
        guard strict > 0, !Transport.hasTLS13 else { return nil }
        return "TLS: \(strict) strict auth_transport section(s) use TLS 1.2: this build's mbedTLS has no TLS 1.3 to require"
    }
}

func hex(_ n: Int) -> String {
    let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
    var v = n, out: [UInt8] = []
    repeat { out.insert(digits[v & 0xF], at: 0); v >>= 4 } while v > 0 && out.count < 16
    return String(decoding: out, as: UTF8.self)
}
