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
}
