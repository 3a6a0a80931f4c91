"""Aggressive use of DNSSEC-validated NSEC (RFC 8198) through sprigd in
recursive mode, against the NSD-served signed hierarchy: after one
NXDOMAIN in the NSEC-signed zone a.example., another nonexistent name in
the same NSEC span is answered NXDOMAIN with AD without any upstream query
(checked with `sprig stats`); with `aggressive_nsec '0'` it is asked again.

Gate: sprigd recursive mode and DNSSEC declared ready
(--sprigd-ready recursive,dnssec).
"""
import os
import shutil
import subprocess

from harness import (RESOLVER_PORT, Resolver, Skip, expect, expect_flag, expect_rcode, fixture,
                     sprigd_recursive_config, test)
import servers

# Names absent from a.example. that sort together: both lie in the NSEC
# span nodata.a.example. -> (the next name), and *.a.example. lies in the
# apex span; neither is a wildcard's or delegation's business.
FIRST_NAME = "nx1.a.example."
SECOND_NAME = "nx2.a.example."
# A second sprigd with aggressive_nsec '0', apart from the session's (.10).
OFF_ADDR_OCTET = 21


def ready_for_dnssec(session):
    missing = {"recursive", "dnssec"} - session.args.sprigd_ready
    if missing:
        raise Skip("sprigd %s not declared ready (--sprigd-ready recursive,dnssec)"
                   % ",".join(sorted(missing)))


def stats(session, rundir):
    """`sprig stats` of the sprigd whose control socket is in rundir."""
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    if not os.access(sprig, os.X_OK):
        raise Skip("no sprig CLI next to the sprigd binary")
    p = subprocess.run([sprig, "stats", "-s", os.path.join(rundir, "sprig.sock")],
                       capture_output=True, text=True, timeout=10)
    expect(p.returncode == 0, "sprig stats failed: %s" % p.stderr)
    return {k: int(v) for k, v in (line.split() for line in p.stdout.splitlines() if line)}


def expect_secure_nxdomain(r):
    expect_rcode(r, "NXDOMAIN")
    expect_flag(r, "ad", True)
    expect(r.rrs("SOA", "authority"), "no SOA in the authority section: %s" % r.text)


@fixture
def sprigd_no_aggressive(session):
    """sprigd in recursive mode with aggressive_nsec '0', at <net>.1.21."""
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, OFF_ADDR_OCTET)
    rundir = session.rundir("sprigd-no-aggressive")
    text = sprigd_recursive_config(h, addr, RESOLVER_PORT, rundir) + "\toption aggressive_nsec '0'\n"
    p = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-no-aggressive")
    servers.wait_until_answers(p, qname="example.", rd=True)
    return Resolver("sprigd-no-aggressive", addr, RESOLVER_PORT, p)


@test
def aggressive_nsec_answers_covered_name_without_upstream_query(session):
    ready_for_dnssec(session)
    sprigd = session.get("sprigd")
    rundir = session.rundir("sprigd")
    first = sprigd.query(FIRST_NAME, "A")       # dig +dnssec: DO set
    expect_secure_nxdomain(first)
    before = stats(session, rundir)
    second = sprigd.query(SECOND_NAME, "A")
    expect_secure_nxdomain(second)
    expect(second.rrs("NSEC", "authority"), "DO client got no NSEC: %s" % second.text)
    expect(second.rrs("RRSIG", "authority"), "DO client got no RRSIG: %s" % second.text)
    after = stats(session, rundir)
    expect(after["upstream.queries"] == before["upstream.queries"],
           "upstream.queries went %d -> %d: the covered name was asked upstream"
           % (before["upstream.queries"], after["upstream.queries"]))
    expect(after["dnssec.aggressive_answers"] == before["dnssec.aggressive_answers"] + 1,
           "dnssec.aggressive_answers went %d -> %d"
           % (before["dnssec.aggressive_answers"], after["dnssec.aggressive_answers"]))
    # Another type at a third covered name, without DO: no NSEC, still no query.
    third = sprigd.query("nx3.a.example.", "AAAA", dnssec=False)
    expect_rcode(third, "NXDOMAIN")
    expect(not third.rrs("NSEC", "authority"), "NSEC sent to a client without DO: %s" % third.text)
    expect(stats(session, rundir)["upstream.queries"] == before["upstream.queries"],
           "the AAAA query went upstream")


@test
def aggressive_nsec_off_asks_upstream(session):
    ready_for_dnssec(session)
    resolver = session.get("sprigd_no_aggressive")
    rundir = session.rundir("sprigd-no-aggressive")
    expect_secure_nxdomain(resolver.query(FIRST_NAME, "A"))
    before = stats(session, rundir)
    expect_secure_nxdomain(resolver.query(SECOND_NAME, "A"))
    after = stats(session, rundir)
    expect(after["upstream.queries"] > before["upstream.queries"],
           "aggressive_nsec '0' but no upstream query for the second name")
    expect(after.get("dnssec.aggressive_answers", 0) == 0, "aggressive answers with the option off")


@test
def aggressive_nsec_answer_validates_downstream(session):
    """delv (BIND's validating stub, CD set) checks the synthesised answer
    itself from the root's DS: SOA, NSECs and RRSIGs must all be there."""
    ready_for_dnssec(session)
    delv = shutil.which("delv")
    if not delv:
        raise Skip("no delv")
    h = session.get("hierarchy")
    sprigd = session.get("sprigd")
    rundir = session.rundir("sprigd")
    expect_secure_nxdomain(sprigd.query(FIRST_NAME, "A"))
    fields = h.trust_anchor.split()            # ". IN DS tag alg digest-type digest"
    anchors = os.path.join(rundir, "delv-anchors.conf")
    with open(anchors, "w") as f:
        f.write('trust-anchors { "." static-ds %s %s %s "%s"; };\n' % tuple(fields[3:7]))
    before = stats(session, rundir)
    p = subprocess.run([delv, "@" + sprigd.addr, "-p", str(sprigd.port), "-a", anchors,
                        "nx4.a.example.", "A"], capture_output=True, text=True, timeout=20)
    after = stats(session, rundir)
    output = p.stdout + p.stderr
    expect("negative response, fully validated" in output, "delv did not validate:\n%s" % output)
    expect(after["dnssec.aggressive_answers"] > before["dnssec.aggressive_answers"],
           "delv's query was not answered aggressively")
