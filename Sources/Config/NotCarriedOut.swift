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

    /// `option deleg '1'`. The resolver core follows DELEG referrals
    /// (Resolver/DelegReferral.swift) but does not yet make the check that
    /// draft-ietf-dnsop-delext-11 §6.2 requires of a validator: when the
    /// parent's DNSKEY RRset has the ADT flag, a referral's Delegation Types
    /// must match the NSEC/NSEC3 type bitmap of the delegated name. Without
    /// it an on-path attacker could strip a signed DELEG and leave bare NS,
    /// and the DE flag would promise what is not kept. The referral's DELEG
    /// RRset is not validated either.
    static func deleg(_ line: Int, _ sink: inout DiagnosticSink) {
        sink.error(line, "option deleg '1': DELEG resolution is not carried out by this build yet "
            + "(no DNSKEY-ADT / NSEC type-bitmap check against a stripped DELEG, draft-ietf-dnsop-delext-11 §6.2, "
            + "and a referral's DELEG RRset is not validated); use '0' or remove the option")
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
