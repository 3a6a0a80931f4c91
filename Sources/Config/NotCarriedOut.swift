import DNSWire

/// What this build parses but does not carry out yet, refused with its line.
///
/// Owns: the list of such options and the errors that name them. A config
/// that asks for DNS over TLS and quietly gets plain DNS, or a hint that is
/// quietly ignored, is the worst kind of resolver bug: the household
/// believes it is protected. So each of these is an error, in
/// `sprig check-config` and in sprigd (start and SIGHUP), until the feature
/// works; then its entry leaves this file. The parsers still check the rest
/// of such a section, so its other mistakes are reported too.
/// Never: decides anything about values this build does carry out.
enum NotCarriedOut {
    /// `option transport 'tls'` on an upstream (DNS over TLS to a forwarder).
    static func tlsUpstream(_ line: Int, _ address: IPAddress, _ sink: inout DiagnosticSink) {
        sink.error(line, "upstream \(address.text): transport 'tls' is not carried out by this build yet "
            + "(sprigd would send plain DNS, unencrypted); use 'udp' or 'tcp', or remove this upstream")
    }

    /// A `config hint` section (in-tree hints, draft-kolkman-dns-in-tree-hints).
    static func hint(_ line: Int, _ domain: Name, _ sink: inout DiagnosticSink) {
        sink.error(line, "config hint for \(domain.uciText): in-tree hints are not carried out by this build yet "
            + "(sprigd would resolve \(domain.uciText) through its parent as if this section were absent); remove it")
    }

    /// `option deleg '1'` in forward mode. DELEG is carried out when
    /// resolving (Resolver/DelegReferral.swift): the DE flag to
    /// authoritative servers, DELEG referrals, the DNSKEY-ADT check. A
    /// forwarder sees no referral, and draft-ietf-dnsop-delext-11 §7 allows
    /// a DELEG-aware validating resolver only DELEG-aware forwarders, which
    /// this build cannot tell apart: refused rather than promised.
    static func delegForwarding(_ line: Int, _ sink: inout DiagnosticSink) {
        sink.error(line, "option deleg '1' is not carried out in forward mode by this build "
            + "(DELEG is followed only when resolving; forwarders cannot be checked for DELEG support, "
            + "draft-ietf-dnsop-delext-11 §7); use mode 'recursive' or deleg '0'")
    }

    /// A `config auth_transport` section asking for encryption to
    /// authoritative servers. `policy 'off'` is what this build does anyway.
    static func authTransport(_ line: Int, _ a: AuthTransport, _ sink: inout DiagnosticSink) {
        guard a.policy != .off else { return }
        let policy = a.policy == .strict ? "strict" : "opportunistic"
        sink.error(line, "auth_transport for \(a.domain.uciText): policy '\(policy)' is not carried out by this build yet "
            + "(queries to its servers would go out as plain DNS, unencrypted); use policy 'off' or remove the section")
    }
}
