"""Tests that prove the hierarchy is what README.md says, against NSD directly
and through the reference resolver (validating Unbound). The same resolution
table (CASES) is registered for sprigd in tests_sprigd.py.
"""
import time

from harness import expect, expect_answer, expect_flag, expect_rcode, test
import dig
from hierarchy import AUTH_PORT, BIG_TXT_STRING_COUNT

EDNS_PAYLOAD_SMALL = 512
EDNS_PAYLOAD_DEFAULT = 1232


class Case:
    """One name to resolve and what a validating resolver must answer.
    security: secure (AD set) | insecure (no AD) | bogus (SERVFAIL; with +cd
    the data comes back). cnames: the CNAME owners expected in the answer;
    dnames: the DNAME owners (RFC 6672: the DNAME goes before its CNAME);
    ede: for bogus rows, the RFC 8914 codes a SERVFAIL may carry (one of them
    must be there)."""

    def __init__(self, label, qname, qtype, rcode, answers, security, cnames=(),
                 note="", dnames=(), ede=()):
        self.label = label
        self.qname = qname
        self.qtype = qtype
        self.rcode = rcode
        self.answers = answers
        self.security = security
        self.cnames = list(cnames)
        self.note = note
        self.dnames = list(dnames)
        self.ede = set(ede)


CASES = [
    Case("in_bailiwick_a", "www.a.example.", "A", "NOERROR", ["192.0.2.1"], "secure"),
    Case("in_bailiwick_aaaa", "www.a.example.", "AAAA", "NOERROR", ["2001:db8::1"], "secure"),
    Case("nodata", "nodata.a.example.", "AAAA", "NOERROR", [], "secure"),
    Case("nodata_type", "www.a.example.", "MX", "NOERROR", [], "secure"),
    Case("nxdomain", "nonexistent.a.example.", "A", "NXDOMAIN", [], "secure"),
    Case("mx", "mx.a.example.", "MX", "NOERROR", ["10 www.a.example."], "secure"),
    Case("wildcard", "anything.wild.a.example.", "A", "NOERROR", ["192.0.2.3"], "secure"),
    Case("wildcard_deeper", "b.c.wild.a.example.", "TXT", "NOERROR", ['"wildcard"'], "secure"),
    Case("out_of_bailiwick_ns", "www.b.example.", "A", "NOERROR", ["192.0.2.20"], "secure"),
    # RFC 9471: sib.'s server ns-sib.example. is known only by the root's glue.
    Case("sibling_glue_tld", "www.sib.", "A", "NOERROR", ["192.0.2.50"], "secure"),
    Case("one_dead_one_live_server", "www.deadlive.example.", "A", "NOERROR", ["192.0.2.51"], "secure"),
    Case("deep_level1", "www.z.a.example.", "A", "NOERROR", ["192.0.2.4"], "secure"),
    Case("deep_level2", "www.y.z.a.example.", "A", "NOERROR", ["192.0.2.5"], "secure"),
    Case("deep_level3", "host.x.y.z.a.example.", "AAAA", "NOERROR", ["2001:db8::6"], "secure"),
    Case("cname_chain_across_zones", "cname.a.example.", "A", "NOERROR", ["192.0.2.13"],
         "secure", cnames=["cname.a.example.", "c1.b.example."]),
    Case("cname_into_deep_zone", "deepcname.a.example.", "A", "NOERROR", ["192.0.2.6"],
         "secure", cnames=["deepcname.a.example."]),
    # The synthesised CNAME is unsigned: the signed DNAME vouches for it.
    Case("dname_secure", "www.dname.a.example.", "A", "NOERROR", ["192.0.2.20"], "secure",
         cnames=["www.dname.a.example."], dnames=["dname.a.example."]),
    Case("alg13_ecdsa", "www.ecdsa.example.", "A", "NOERROR", ["192.0.2.13"], "secure"),
    Case("alg13_wildcard", "x.wild.ecdsa.example.", "A", "NOERROR", ["192.0.2.113"], "secure"),
    Case("alg8_rsa", "www.rsa.example.", "A", "NOERROR", ["192.0.2.8"], "secure"),
    Case("alg15_ed25519", "www.ed25519.example.", "A", "NOERROR", ["192.0.2.15"], "secure"),
    # Unbound (OpenSSL 3) validates Ed448; Sprig treats it as unsupported:
    # tests_sprigd.py overrides this row to "insecure".
    Case("alg16_ed448", "www.ed448.example.", "A", "NOERROR", ["192.0.2.16"], "secure"),
    Case("nsec3_answer", "www.nsec3.example.", "A", "NOERROR", ["192.0.2.33"], "secure"),
    # Every NSEC3 here has opt-out, so the next closer name may be an unsigned
    # delegation: the NXDOMAIN is provably-insecure, not secure (RFC 5155 9.2).
    Case("nsec3_nxdomain", "nonexistent.nsec3.example.", "A", "NXDOMAIN", [], "insecure"),
    Case("nsec3_nodata", "www.nsec3.example.", "TXT", "NOERROR", [], "secure"),
    Case("nsec3_optout_child", "www.unsigned.nsec3.example.", "A", "NOERROR",
         ["192.0.2.34"], "insecure"),
    Case("insecure_delegation", "www.insecure.example.", "A", "NOERROR", ["192.0.2.40"],
         "insecure"),
    Case("unknown_ds_algorithm", "www.unknown-alg.example.", "A", "NOERROR", ["192.0.2.43"],
         "insecure"),
    # EDE 6 DNSSEC Bogus / 9 DNSKEY Missing: no key matches the DS (resolvers differ).
    Case("bogus_ds_mismatch", "www.bogus-ds.example.", "A", "SERVFAIL", ["192.0.2.41"], "bogus",
         ede=(6, 9)),
    Case("bogus_expired_signatures", "www.expired.example.", "A", "SERVFAIL", ["192.0.2.42"],
         "bogus", ede=(7,)),
]


def check_case(resolver, case, validating=True):
    """Asserts one Case against a Resolver (harness.Resolver). With
    validating=False only resolution is checked: the zone's data comes back
    (bogus zones included), and the AD bit is not looked at."""
    if not validating:
        r = resolver.query(case.qname, case.qtype)
        expect_rcode(r, "NOERROR" if case.security == "bogus" else case.rcode)
        expect_answer(r, case.qtype, case.answers)
        got_cnames = sorted(rr.name for rr in r.rrs("CNAME"))
        expect(got_cnames == sorted(case.cnames), "CNAME owners %s, expected %s" % (
            got_cnames, sorted(case.cnames)))
        return
    r = resolver.query(case.qname, case.qtype)
    expect_rcode(r, case.rcode)
    if case.security == "bogus":
        expect(not r.answer, "bogus data must not be returned: %s" % r.summary())
        if case.ede:
            codes = {code for code, _, _ in r.ede}
            expect(codes & case.ede, "EDE %s, expected one of %s" % (sorted(codes), sorted(case.ede)))
        cd = resolver.query(case.qname, case.qtype, cd=True)
        expect_rcode(cd, "NOERROR")
        expect_answer(cd, case.qtype, case.answers)
        expect_flag(cd, "ad", False)
        return
    expect_answer(r, case.qtype, case.answers)
    got_cnames = sorted(rr.name for rr in r.rrs("CNAME"))
    expect(got_cnames == sorted(case.cnames), "CNAME owners %s, expected %s" % (
        got_cnames, sorted(case.cnames)))
    got_dnames = sorted(rr.name for rr in r.rrs("DNAME"))
    expect(got_dnames == sorted(case.dnames), "DNAME owners %s, expected %s" % (
        got_dnames, sorted(case.dnames)))
    expect_flag(r, "ad", case.security == "secure")
    if case.security == "secure":
        covered = {rr.rdata.split()[0] for rr in r.rrs("RRSIG")}
        signed_types = {rr.type for rr in r.answer if rr.type != "RRSIG"}
        if "DNAME" in signed_types:   # its CNAME is synthesised, unsigned (RFC 6672 5.3.1)
            signed_types.discard("CNAME")
        for rrtype in signed_types:
            expect(rrtype in covered, "no RRSIG over %s in answer (DO set)" % rrtype)
        if not case.answers:
            # A secure denial carries its proof to a DO client, first and from the cache.
            for reply in (r, resolver.query(case.qname, case.qtype)):
                proof = reply.rrs("NSEC", "authority") + reply.rrs("NSEC3", "authority")
                signed = {rr.rdata.split()[0] for rr in reply.rrs("RRSIG", "authority")}
                expect(proof and {"SOA", proof[0].type} <= signed,
                       "denial without its signed proof (DO set): %s" % reply.text)


def register_cases(resolver_fixture, overrides=None, gate=None, validating=None):
    """One test per Case, named <resolver>.<label>, plus the big-TXT test. overrides: {label: Case};
    gate: a function(session) that raises Skip when the resolver is not ready;
    validating: a function(session) -> bool, False to check resolution only."""
    overrides = overrides or {}
    for case in CASES:
        case = overrides.get(case.label, case)
        test(_case_test(resolver_fixture, case, gate, validating))
    test(_big_txt_test(resolver_fixture, gate, validating))


def check_big_txt(resolver, validating=True):
    """TC over UDP with a 512-byte payload, then the whole signed RRset over TCP."""
    udp = resolver.query("big.a.example.", "TXT", bufsize=EDNS_PAYLOAD_SMALL, ignore_tc=True)
    expect_flag(udp, "tc")
    tcp = resolver.query("big.a.example.", "TXT", tcp=True)
    expect_rcode(tcp, "NOERROR")
    if validating:
        expect_flag(tcp, "ad")
    expect(tcp.rrs("TXT") and tcp.rrs("TXT")[0].rdata.count('"') == 2 * BIG_TXT_STRING_COUNT,
           "TXT over TCP incomplete: %s" % tcp.summary())
    auto = resolver.query("big.a.example.", "TXT", bufsize=EDNS_PAYLOAD_SMALL)
    expect(auto.truncated_retry and auto.rrs("TXT"), "dig did not fall back to TCP")


def _big_txt_test(resolver_fixture, gate, validating):
    def big_txt_truncates_then_tcp(session):
        if gate:
            gate(session)
        check_big_txt(session.get(resolver_fixture), validating(session) if validating else True)
    big_txt_truncates_then_tcp.__module__ = "tests_" + resolver_fixture
    return big_txt_truncates_then_tcp


def _case_test(resolver_fixture, case, gate, validating):
    def run(session):
        if gate:
            gate(session)
        check_case(session.get(resolver_fixture), case, validating(session) if validating else True)
    run.__name__ = case.label
    run.__module__ = "tests_" + resolver_fixture
    return run


register_cases("unbound")


# -- the authoritative servers themselves ------------------------------------------

@test
def nsd_answers_authoritatively_for_every_zone(hierarchy):
    for name, zone in hierarchy.zones.items():
        if hierarchy.servers[zone.server].software != "nsd":
            continue   # BIND's zone: tests_meta_types.py
        addr = hierarchy.server_addr_for(name)
        r = dig.dig(addr, name, "SOA", AUTH_PORT, rd=False)
        expect_rcode(r, "NOERROR")
        expect_flag(r, "aa")
        expect(len(r.rrs("SOA")) == 1, "%s@%s: no SOA (%s)" % (name, addr, r.summary()))
        signed = bool(r.rrs("RRSIG"))
        expect(signed == bool(zone.algorithm), "%s: RRSIG present=%s, signed=%s" % (
            name, signed, bool(zone.algorithm)))


@test
def root_refers_to_tld_with_glue_and_ds(hierarchy):
    r = dig.dig(hierarchy.servers["root"].addr, "www.a.example.", "A", AUTH_PORT, rd=False)
    expect_rcode(r, "NOERROR")
    expect_flag(r, "aa", False)
    expect_answer(r, "NS", ["ns.example."], section="authority")
    expect(len(r.rrs("DS", "authority")) == 1, "no DS in referral: %s" % r.text)
    expect_answer(r, "A", [hierarchy.servers["tld"].addr], section="additional")


@test
def tld_refers_out_of_bailiwick_without_glue(hierarchy):
    r = dig.dig(hierarchy.servers["tld"].addr, "www.b.example.", "A", AUTH_PORT, rd=False)
    expect_answer(r, "NS", ["ns.a.example."], section="authority")
    glue = [rr for rr in r.additional if rr.name.endswith("b.example.")]
    expect(not glue, "unexpected glue under b.example.: %s" % glue)


@test
def insecure_delegation_has_no_ds(hierarchy):
    r = dig.dig(hierarchy.servers["tld"].addr, "www.insecure.example.", "A", AUTH_PORT, rd=False)
    expect_answer(r, "NS", ["ns.insecure.example."], section="authority")
    expect(not r.rrs("DS", "authority"), "insecure.example. must have no DS")
    expect(r.rrs("NSEC", "authority"), "no NSEC proving the DS absent: %s" % r.text)


@test
def nsd_nxdomain_carries_nsec_proof(hierarchy):
    r = dig.dig(hierarchy.servers["leaf"].addr, "nonexistent.a.example.", "A", AUTH_PORT, rd=False)
    expect_rcode(r, "NXDOMAIN")
    expect_flag(r, "aa")
    expect(r.rrs("NSEC", "authority"), "no NSEC in NXDOMAIN: %s" % r.text)


@test
def nsd_nsec3_zone_uses_opt_out(hierarchy):
    r = dig.dig(hierarchy.servers["dnssec"].addr, "nonexistent.nsec3.example.", "A", AUTH_PORT, rd=False)
    expect_rcode(r, "NXDOMAIN")
    nsec3 = r.rrs("NSEC3", "authority")
    expect(nsec3, "no NSEC3 in NXDOMAIN: %s" % r.text)
    # NSEC3 RDATA: hash-alg flags iterations salt next types; flags 1 = opt-out
    expect(all(rr.rdata.split()[1] == "1" for rr in nsec3), "opt-out flag not set: %s" % nsec3)


@test
def expired_zone_signatures_are_in_the_past(hierarchy):
    r = dig.dig(hierarchy.servers["dnssec"].addr, "www.expired.example.", "A", AUTH_PORT, rd=False)
    sigs = r.rrs("RRSIG")
    expect(sigs, "no RRSIG: %s" % r.text)
    expiration = sigs[0].rdata.split()[4]   # YYYYMMDDHHmmSS
    expect(expiration < time.strftime("%Y%m%d%H%M%S", time.gmtime()),
           "RRSIG expiration %s is not in the past" % expiration)


@test
def nsd_truncates_big_txt_over_udp_and_answers_over_tcp(hierarchy):
    addr = hierarchy.servers["leaf"].addr
    for payload in (EDNS_PAYLOAD_SMALL, EDNS_PAYLOAD_DEFAULT):
        udp = dig.dig(addr, "big.a.example.", "TXT", AUTH_PORT, rd=False, bufsize=payload,
                      ignore_tc=True)
        expect_flag(udp, "tc")
    tcp = dig.dig(addr, "big.a.example.", "TXT", AUTH_PORT, rd=False, tcp=True)
    expect_flag(tcp, "tc", False)
    expect(len(tcp.rrs("TXT")) == 1 and tcp.rrs("TXT")[0].rdata.count('"') == 2 * BIG_TXT_STRING_COUNT,
           "TXT over TCP incomplete: %s" % tcp.summary())


# -- through Unbound -------------------------------------------------------------------

@test
def unbound_reports_ede_for_bogus(unbound):
    for name in ("www.bogus-ds.example.", "www.expired.example."):
        r = unbound.query(name, "A")
        expect_rcode(r, "SERVFAIL")
        expect(r.ede, "no EDE option on SERVFAIL for %s: %s" % (name, r.text))


@test
def unbound_forwarder_answers_through_unbound(unbound_forwarder):
    r = unbound_forwarder.query("cname.a.example.", "A")
    expect_rcode(r, "NOERROR")
    expect_answer(r, "A", ["192.0.2.13"])
    r = unbound_forwarder.query("www.bogus-ds.example.", "A")
    expect_rcode(r, "SERVFAIL")


@test
def dnsmasq_answers_through_unbound(dnsmasq):
    r = dnsmasq.query("www.a.example.", "AAAA")
    expect_rcode(r, "NOERROR")
    expect_answer(r, "AAAA", ["2001:db8::1"])


@test
def kdig_over_tcp_agrees_with_dig(hierarchy):
    addr = hierarchy.servers["leaf"].addr
    k = dig.kdig(addr, "www.a.example.", "AAAA", AUTH_PORT, extra=["+tcp", "+dnssec", "+norec"])
    d = dig.dig(addr, "www.a.example.", "AAAA", AUTH_PORT, rd=False)
    expect_rcode(k, "NOERROR")
    expect_flag(k, "aa")
    expect(k.rdatas("AAAA") == d.rdatas("AAAA") == ["2001:db8::1"],
           "kdig %s vs dig %s" % (k.summary(), d.summary()))
    expect(k.rrs("RRSIG"), "kdig +dnssec: no RRSIG parsed: %s" % k.text)


@test
def cname_loop_served_by_nsd_and_servfail_from_unbound(hierarchy, unbound):
    auth = dig.dig(hierarchy.servers["leaf"].addr, "loop1.a.example.", "A", AUTH_PORT, rd=False)
    expect(sorted(r.name for r in auth.rrs("CNAME")) == ["loop1.a.example.", "loop2.a.example."],
           "NSD should return both CNAMEs of the loop: %s" % auth.summary())
    expect_rcode(unbound.query("loop1.a.example.", "A"), "SERVFAIL")
