"""One client question's negative answer stays with its own <name, type>
(RFC 2308 §5: a NODATA is cached for its QNAME and QTYPE). Found through
the daemon: the hostile stream (seed 34354) asked `insecure.example. CNAME`,
whose NODATA then answered a later DS question for that name -- with the
child's SOA and no AD, where the parent proves the DS absent (secure) --
because the cache read a CNAME's NODATA as "nothing at this name". The same
one question hid a name's A and AAAA records for the negative TTL.

Each test has a sprigd of its own (a fresh cache: what another test cached
cannot answer for it), at 127.53.1.27 (README address plan)."""
from harness import (Resolver, Skip, expect, expect_answer, expect_flag, expect_rcode, sprigd_forward_config,
                     sprigd_recursive_config, test)
import servers
from tests_sprigd import ready

ADDR_OCTET = 27
RECURSIVE_PORT = 53
FORWARD_PORT = 5307


def fresh_sprigd(session, text, rundir, name, port):
    h = session.get("hierarchy")
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name=name)
    return Resolver(name, "%s.1.%d" % (h.net, ADDR_OCTET), port, proc)


def expect_nodata(r, what):
    expect_rcode(r, "NOERROR")
    expect(not r.answer, "%s: NODATA expected, got %s" % (what, r.summary()))


@test
def a_cname_nodata_hides_no_other_type_recursive(session):
    """Recursive, validating: `www.ecdsa.example. CNAME` is NODATA (secure);
    the A and AAAA questions after it get their records with AD, and the
    CNAME question still gets its NODATA. Last, a guard only: after
    `ecdsa.example. CNAME`, `ecdsa.example. DS` still has its RRset with AD
    (here the referral has cached the DS already, so this does not catch
    the bug; the DS case needs an eviction, which the hostile stream's
    seed 34354 reproduces)."""
    ready("recursive")(session)
    if "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd dnssec not declared ready")
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, ADDR_OCTET)
    rundir = session.rundir("sprigd-negative-recursive")
    s = fresh_sprigd(session, sprigd_recursive_config(h, addr, RECURSIVE_PORT, rundir), rundir,
                     "sprigd-negative-recursive", RECURSIVE_PORT)
    r = s.query("www.ecdsa.example.", "CNAME")
    expect_nodata(r, "www CNAME")
    expect_flag(r, "ad")
    r = s.query("www.ecdsa.example.", "A")
    expect_answer(r, "A", ["192.0.2.13"])
    expect_flag(r, "ad")
    r = s.query("www.ecdsa.example.", "AAAA")
    expect_answer(r, "AAAA", ["2001:db8::13"])
    expect_flag(r, "ad")
    expect_nodata(s.query("www.ecdsa.example.", "CNAME"), "www CNAME again")
    r = s.query("ecdsa.example.", "CNAME")
    expect_nodata(r, "apex CNAME")
    r = s.query("ecdsa.example.", "DS")
    expect_rcode(r, "NOERROR")
    expect(r.rrs("DS"), "the DS RRset of a signed child: %s" % r.summary())
    expect_flag(r, "ad")
    s.stop()


@test
def a_cname_nodata_hides_no_other_type_forwarding(session, unbound):
    """Forwarding to the validating Unbound: the same questions, the same
    answers (the cache path is shared, the resolution is not)."""
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, ADDR_OCTET)
    rundir = session.rundir("sprigd-negative-forward")
    s = fresh_sprigd(session, sprigd_forward_config(addr, FORWARD_PORT, [(unbound.addr, unbound.port)], rundir),
                     rundir, "sprigd-negative-forward", FORWARD_PORT)
    expect_nodata(s.query("www.ecdsa.example.", "CNAME"), "www CNAME")
    expect_answer(s.query("www.ecdsa.example.", "A"), "A", ["192.0.2.13"])
    expect_answer(s.query("www.ecdsa.example.", "AAAA"), "AAAA", ["2001:db8::13"])
    expect_nodata(s.query("www.ecdsa.example.", "CNAME"), "www CNAME again")
    s.stop()
