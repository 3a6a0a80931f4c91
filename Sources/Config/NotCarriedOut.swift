import DNSWire

/// What this build parses but does not carry out yet, refused with its line.
///
/// Owns: the list of such options and the errors that name them. A config
/// that asks for DNS over TLS and quietly gets plain DNS is the worst kind
/// of resolver bug: the household believes it is protected. So each of these is an error, in
/// `sprig check-config` and in sprigd (start and SIGHUP), until the feature
/// works; then its entry leaves this file. The parsers still check the rest
/// of such a section, so its other mistakes are reported too.
/// Never: decides anything about values this build does carry out.
enum NotCarriedOut {
    /// A `config auth_transport` section asking for encryption to
    /// authoritative servers. Carried out: `policy 'off'`, and
    /// `policy 'opportunistic'` for domain '.' (RFC 9539 for every server,
    /// Sources/Resolver/AuthDoT.swift). Refused: 'strict', and
    /// 'opportunistic' for a domain below the root (per-domain policy).
    static func authTransport(_ line: Int, _ a: AuthTransport, _ sink: inout DiagnosticSink) {
        guard a.policy != .off else { return }
        if a.policy == .opportunistic && a.domain.isRoot { return }
        if a.policy == .strict && !a.tlsPins.isEmpty { return }
        let policy = a.policy == .strict ? "strict" : "opportunistic"
        let scope = a.policy == .strict
            ? " without list tls_pin (authentication by DANE TLSA or by the CA bundle with the NS name)"
            : " for a domain other than '.'"
        sink.error(line, "auth_transport for \(a.domain.uciText): policy '\(policy)' is not carried out by this build yet\(scope) "
            + "(queries to its servers would go out as plain DNS, unencrypted); use policy 'off', "
            + "domain '.' with policy 'opportunistic', or remove the section")
    }

    /// `policy 'off'` for a domain below an opportunistic '.' or a strict
    /// domain: this build would not honour it.
    static func authTransportOffBelowOpportunistic(_ line: Int, _ a: AuthTransport, _ sink: inout DiagnosticSink) {
        sink.error(line, "auth_transport for \(a.domain.uciText): policy 'off' below an opportunistic '.' or a strict "
            + "domain is not carried out by this build yet (its servers would still be asked over DoT); remove one of the two")
    }
}
