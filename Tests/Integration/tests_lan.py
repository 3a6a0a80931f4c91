"""sprigd's local data (issue 17), end to end through the running daemon
with dig: special-use names (RFC 6761 §6.3 localhost, §6.4 invalid), RFC
6303 locally served zones and RFC 8375 home.arpa, and the local domain
(`option local_domain`), all answered with nothing upstream reachable.

Each test runs its own sprigd on <net>.4.x, forwarding to an upstream where
nothing listens (<net>.4.99): any name that is not local fails, so every
answer below came from sprigd itself.

Gate: sprigd forward mode.
"""
import os
import subprocess

from harness import expect, expect_answer, expect_flag, expect_rcode, test, Resolver
from tests_sprigd import ready
import servers

SPRIGD_PORT = 5340
DEAD_OCTET = 99   # <net>.4.99: an upstream address where nothing listens


def lan_sprigd(session, octet, extra_lines=(), name="sprigd-lan"):
    h = session.get("zones")
    addr = "%s.4.%d" % (h.net, octet)
    rundir = session.rundir("%s-%d" % (name, octet))
    text = ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'forward'\n"
            "\toption user ''\n"
            "\toption log_level 'debug'\n"
            "\toption dnssec '0'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n") % (addr, SPRIGD_PORT, rundir, rundir)
    text += "".join("\t%s\n" % l for l in extra_lines)
    text += "\nconfig upstream\n\toption address '%s.4.%d'\n\toption port '53'\n" % (h.net, DEAD_OCTET)
    p = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name=name)
    return Resolver(name, addr, SPRIGD_PORT, p), rundir


def stats(session, rundir):
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    out = subprocess.run([sprig, "stats", "-s", os.path.join(rundir, "sprig.sock")],
                         capture_output=True, text=True, timeout=10).stdout
    return dict(l.split()[:2] for l in out.splitlines() if len(l.split()) >= 2)


@test
def localhost_and_invalid_answer_with_no_upstream(session, sprigd_binary):
    """RFC 6761 §6.3: localhost. and names below it are 127.0.0.1 and ::1,
    answered at once although the only upstream is dead (before issue 17 a
    query for localhost went out and timed out with the WAN down); §6.4:
    invalid. gets NXDOMAIN. Nothing is sent upstream."""
    ready("forward")(session)
    r, rundir = lan_sprigd(session, 10)
    for name in ("localhost.", "www.localhost.", "LOCALHOST."):
        a = r.query(name, "A", rd=True)
        expect_rcode(a, "NOERROR")
        expect_answer(a, "A", ["127.0.0.1"])
        expect_flag(a, "aa")
        aaaa = r.query(name, "AAAA", rd=True)
        expect_answer(aaaa, "AAAA", ["::1"])
    mx = r.query("localhost.", "MX", rd=True)
    expect_rcode(mx, "NOERROR")
    expect(not mx.answer and mx.rrs("SOA", "authority"), "localhost MX: NODATA with SOA (%s)" % mx.summary())
    inv = r.query("printer.invalid.", "A", rd=True)
    expect_rcode(inv, "NXDOMAIN")
    expect(inv.rrs("SOA", "authority"), "invalid: no SOA (%s)" % inv.summary())
    ptr = r.query("1.0.0.127.in-addr.arpa.", "PTR", rd=True)
    expect_answer(ptr, "PTR", ["localhost."])
    # The upstream really is dead: a name that is not local fails.
    other = r.query("www.example.", "A", rd=True)
    expect(other.rcode in ("SERVFAIL", None), "www.example. answered with a dead upstream: %s" % other.summary())
    counters = stats(session, rundir)
    expect(int(counters.get("answers.local_data", "0")) >= 9,
           "local answers not counted: %s" % counters.get("answers.local_data"))
    r.stop()


@test
def locally_served_zones_and_local_domain(session, sprigd_binary):
    """RFC 6303: private reverse ranges get NXDOMAIN with their zone's SOA
    (MNAME the apex, RNAME nobody.invalid., MINIMUM 10800), the apex its
    SOA and NS; RFC 8375 home.arpa likewise; `option local_domain 'lan'` is
    answered authoritatively with its SOA, never forwarded."""
    ready("forward")(session)
    r, rundir = lan_sprigd(session, 11, ["option local_domain 'lan'"])
    for name, zone in (("20.1.168.192.in-addr.arpa.", "168.192.in-addr.arpa."),
                       ("5.0.0.10.in-addr.arpa.", "10.in-addr.arpa."),
                       ("1.0.17.172.in-addr.arpa.", "17.172.in-addr.arpa."),
                       ("4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", "d.f.ip6.arpa."),
                       ("nas.home.arpa.", "home.arpa.")):
        resp = r.query(name, "PTR", rd=True)
        expect_rcode(resp, "NXDOMAIN")
        expect_flag(resp, "aa")
        soa = resp.rrs("SOA", "authority")
        expect(len(soa) == 1 and soa[0].name == zone, "%s: SOA %s, expected %s" % (name, soa, zone))
        expect(soa[0].rdata.split()[:2] == [zone, "nobody.invalid."] and soa[0].rdata.split()[-1] == "10800",
               "%s: SOA rdata %s (RFC 6303 §3)" % (name, soa[0].rdata))
        ns = r.query(zone, "NS", rd=True)
        expect_answer(ns, "NS", [zone])
    lan = r.query("printer.lan.", "A", rd=True)
    expect_rcode(lan, "NXDOMAIN")
    expect_flag(lan, "aa")
    soa = lan.rrs("SOA", "authority")
    expect(len(soa) == 1 and soa[0].name == "lan.", "lan: SOA %s" % soa)
    expect_answer(r.query("lan.", "SOA", rd=True), "SOA", ["lan. nobody.invalid. 1 3600 1200 604800 60"])
    counters = stats(session, rundir)
    expect(int(counters.get("upstream.queries", "0")) == 0,
           "something was sent upstream: upstream.queries %s" % counters.get("upstream.queries"))
    r.stop()
