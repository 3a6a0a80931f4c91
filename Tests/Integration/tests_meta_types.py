"""Issue 19 end to end: a meta-type question (RFC 6895 3.1) never reaches an
authoritative server, so it cannot turn EDNS off towards one. BIND 9.18
serves the signed `bind9.example.` and answers TYPE128 FORMERR *with an OPT*
-- the answer that used to make sprigd drop EDNS (and DO) towards it for
good, after which every new name of the zone was SERVFAIL (RRSIGs missing).
"""
import re

from harness import Skip, expect, expect_answer, expect_flag, expect_rcode, test
import dig
from tests_sprigd import ready

# Meta-types and obsolete QTYPEs sprigd answers itself (README "Bad input"),
# by number: TYPE128 (NXNAME), TKEY, TSIG, MAILB, MAILA, 0, OPT.
META_QTYPES = ["TYPE128", "TYPE200", "TYPE249", "TYPE250", "TYPE253", "TYPE254", "TYPE0", "TYPE41"]
EDE_INVALID_QUERY_TYPE = 30


def dnssec_ready(session):
    ready("recursive")(session)
    if "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd dnssec not declared ready")


def bind_queries(bind_procs, qtype_number):
    """Query-log lines of BIND naming TYPE<n> (or its mnemonic)."""
    names = {128: "TYPE128", 249: "TKEY", 250: "TSIG"}
    pattern = re.compile(r"query: \S+ IN (TYPE%d|%s) " % (qtype_number, names.get(qtype_number, "-")))
    lines = []
    for p in bind_procs.values():
        lines += [l for l in p.log_tail(100000).splitlines() if pattern.search(l)]
    return lines


@test
def bind_answers_type128_formerr_with_opt(bind, zones):
    """The premise of the issue, checked on the real BIND: FORMERR, and the
    FORMERR carries an OPT (so it proves EDNS support, RFC 6891 7)."""
    addr = zones.servers["bind"].addr
    r = dig.dig(addr, "bind9.example.", "TYPE128", rd=False, dnssec=True)
    expect_rcode(r, "FORMERR")
    expect(r.edns_udp_size is not None, "BIND's FORMERR has no OPT:\n%s" % r.text)
    r = dig.dig(addr, "www.bind9.example.", "A", rd=False, dnssec=True)
    expect_rcode(r, "NOERROR")
    expect(r.rrs("RRSIG"), "BIND serves the zone signed: %s" % r.summary())


@test
def meta_type_through_sprigd_leaves_bind_zone_secure(session, bind, sprigd):
    """A name, then every meta-type question (answered FORMERR with EDE 30
    by sprigd, none reaching BIND), then a name not asked before in the
    same signed zone: secure (AD)."""
    dnssec_ready(session)
    before = {n: len(bind_queries(bind, n)) for n in (128, 249, 250)}
    r = sprigd.query("www.bind9.example.", "A")
    expect_rcode(r, "NOERROR")
    expect_answer(r, "A", ["192.0.2.90"])
    expect_flag(r, "ad")
    for qtype in META_QTYPES:
        m = sprigd.query("bind9.example.", qtype)
        expect_rcode(m, "FORMERR")
        expect(EDE_INVALID_QUERY_TYPE in [code for code, _, _ in m.ede],
               "%s: no EDE 30 (%s)" % (qtype, m.summary()))
    fresh = sprigd.query("new.bind9.example.", "A")
    expect_rcode(fresh, "NOERROR")
    expect_answer(fresh, "A", ["192.0.2.91"])
    expect_flag(fresh, "ad")
    for n in (128, 249, 250):
        leaked = bind_queries(bind, n)[before[n]:]
        expect(not leaked, "TYPE%d reached BIND: %s" % (n, leaked[:3]))
