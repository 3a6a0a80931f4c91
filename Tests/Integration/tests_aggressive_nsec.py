"""Aggressive use of DNSSEC-validated NSEC (RFC 8198) through sprigd in
recursive mode, against the NSD-served signed hierarchy: after one
NXDOMAIN in the NSEC-signed zone a.example., another nonexistent name in
the same NSEC span is answered NXDOMAIN with AD without any upstream query
(checked with `sprig stats`); with `aggressive_nsec '0'` it is asked again.
NSEC3 (nsec3.example., every span opt-out): a NODATA at an existing name
is answered from the kept NSEC3 match, an NXDOMAIN resting on an opt-out
span never is.

Gate: sprigd recursive mode and DNSSEC declared ready
(--sprigd-ready recursive,dnssec).
"""
import base64
import hashlib
import os
import shutil
import subprocess

from harness import (RESOLVER_PORT, Resolver, Skip, expect, expect_flag, expect_rcode, fixture,
                     sprigd_recursive_config, test)
import dig
from hierarchy import AUTH_PORT
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


# nsec3.example. (hierarchy.py): NSEC3 with salt 5eed, 0 extra iterations,
# opt-out on every record; www.nsec3.example. has A only.
NSEC3_ZONE = "nsec3.example."
NSEC3_NODATA_NAME = "www.nsec3.example."
NSEC3_SALT = "5eed"
# Names tried when looking for nonexistent names with the hashes we need.
NSEC3_NX_TRIES = 500


def nsec3_hash(name, salt_hex, iterations):
    """RFC 5155 §5 hash of `name`, base32hex lowercase (as in owner labels)."""
    wire = b"".join(bytes([len(label)]) + label.lower().encode()
                    for label in name.rstrip(".").split(".")) + b"\0"
    salt = b"" if salt_hex == "-" else bytes.fromhex(salt_hex)
    digest = hashlib.sha1(wire + salt).digest()
    for _ in range(iterations):
        digest = hashlib.sha1(digest + salt).digest()
    return base64.b32hexencode(digest).decode().lower()


def nsec3_covers(rr, hashed):
    """Does NSEC3 `rr` (dig RR) cover the hash `hashed` (wrapping at the end)?"""
    owner = rr.name.split(".")[0]
    following = rr.rdata.split()[4].lower()
    if owner < following:
        return owner < hashed < following
    return hashed > owner or hashed < following


@test
def aggressive_nsec3_nodata_is_answered_opt_out_nxdomain_is_asked(session):
    """NODATA at an existing name needs only the NSEC3 matching it (opt-out
    or not): www.nsec3.example. MX is answered from the one TXT's NODATA
    brought. An NXDOMAIN there rests on an opt-out span (insecure, RFC 5155
    §9.2): another name in a span sprigd has seen is still asked."""
    ready_for_dnssec(session)
    sprigd = session.get("sprigd")
    rundir = session.rundir("sprigd")
    h = session.get("hierarchy")

    first = sprigd.query(NSEC3_NODATA_NAME, "TXT")
    expect_rcode(first, "NOERROR")
    expect_flag(first, "ad", True)
    expect(not first.rrs("TXT"), "TXT at %s: %s" % (NSEC3_NODATA_NAME, first.text))
    before = stats(session, rundir)
    second = sprigd.query(NSEC3_NODATA_NAME, "MX")
    after = stats(session, rundir)
    expect_rcode(second, "NOERROR")
    expect_flag(second, "ad", True)
    expect(not second.rrs("MX"), "MX at %s: %s" % (NSEC3_NODATA_NAME, second.text))
    expect(second.rrs("SOA", "authority"), "no SOA in the authority section: %s" % second.text)
    expect(second.rrs("NSEC3", "authority"), "DO client got no NSEC3: %s" % second.text)
    expect(not second.rrs("NSEC", "authority"), "NSEC in an NSEC3 answer: %s" % second.text)
    expect(after["upstream.queries"] == before["upstream.queries"],
           "upstream.queries went %d -> %d: the NSEC3 NODATA was asked upstream"
           % (before["upstream.queries"], after["upstream.queries"]))
    expect(after["dnssec.aggressive_answers"] == before["dnssec.aggressive_answers"] + 1,
           "dnssec.aggressive_answers went %d -> %d"
           % (before["dnssec.aggressive_answers"], after["dnssec.aggressive_answers"]))

    # Names whose hash sorts below the zone's first NSEC3 owner (covered by
    # the wrap-around span) are left to the test below: here the proof's
    # spans must be ordinary ones. The apex and www exist, so the first
    # owner is at most the smaller of their hashes.
    lowest = min(nsec3_hash(NSEC3_ZONE, NSEC3_SALT, 0), nsec3_hash(NSEC3_NODATA_NAME, NSEC3_SALT, 0))
    expect(nsec3_hash("*." + NSEC3_ZONE, NSEC3_SALT, 0) > lowest, "the wildcard hashes below the first owner")
    names = [n for n in ("aggr-nx%d.%s" % (i, NSEC3_ZONE) for i in range(NSEC3_NX_TRIES))
             if nsec3_hash(n, NSEC3_SALT, 0) > lowest]
    nx = sprigd.query(names[0], "A")
    expect_rcode(nx, "NXDOMAIN")
    expect_flag(nx, "ad", False)
    # The spans the authority gave for it, and a second name inside one of
    # them: sprigd has seen (and kept) every record a proof would need.
    spans = dig.dig(h.servers["dnssec"].addr, names[0], "A", AUTH_PORT, rd=False).rrs("NSEC3", "authority")
    expect(spans and all(rr.rdata.split()[1] == "1" for rr in spans), "not opt-out NSEC3s: %s" % spans)
    expect(all(rr.rdata.split()[2:4] == ["0", NSEC3_SALT.upper()] for rr in spans),
           "NSEC3 parameters are not 0 iterations, salt %s: %s" % (NSEC3_SALT, spans))
    covered = [n for n in names[1:] if any(nsec3_covers(rr, nsec3_hash(n, NSEC3_SALT, 0)) for rr in spans)]
    expect(covered, "no name found in the spans %s" % spans)
    before = stats(session, rundir)
    again = sprigd.query(covered[0], "A")
    after = stats(session, rundir)
    expect_rcode(again, "NXDOMAIN")
    expect_flag(again, "ad", False)
    expect(after["upstream.queries"] > before["upstream.queries"],
           "%s was not asked upstream: an opt-out span was used" % covered[0])
    expect(after["dnssec.aggressive_answers"] == before["dnssec.aggressive_answers"],
           "dnssec.aggressive_answers went %d -> %d for an opt-out NXDOMAIN"
           % (before["dnssec.aggressive_answers"], after["dnssec.aggressive_answers"]))


@test
def nsec3_nxdomain_in_the_wrap_around_span_resolves(session):
    """A name whose hash sorts below the zone's first NSEC3 owner is covered
    by the last NSEC3, which wraps around the hash ring (RFC 5155 §7.2.1):
    NXDOMAIN (insecure: opt-out), never SERVFAIL — recursive and forwarding."""
    ready_for_dnssec(session)
    lowest = min(nsec3_hash(NSEC3_ZONE, NSEC3_SALT, 0), nsec3_hash(NSEC3_NODATA_NAME, NSEC3_SALT, 0))
    names = [n for n in ("wrap-nx%d.%s" % (i, NSEC3_ZONE) for i in range(NSEC3_NX_TRIES))
             if nsec3_hash(n, NSEC3_SALT, 0) < lowest]
    expect(names, "no name hashes below %s in %d tries" % (lowest, NSEC3_NX_TRIES))
    for fixture in ("sprigd", "sprigd_forwarder"):
        r = session.get(fixture).query(names[0], "A")
        expect_rcode(r, "NXDOMAIN")
        expect_flag(r, "ad", False)


@test
def aggressive_nsec_works_when_forwarding(session):
    """Forward mode validates, so it keeps NSECs too: after one NXDOMAIN in
    a.example, another covered name is answered without asking the upstream."""
    if "forward" not in session.args.sprigd_ready:
        raise Skip("sprigd forward mode not declared ready")
    fwd = session.get("sprigd_forwarder")
    rundir = session.rundir("sprigd-forwarder")
    expect_secure_nxdomain(fwd.query("fwd-nx1.a.example.", "A"))
    before = stats(session, rundir)
    expect_secure_nxdomain(fwd.query("fwd-nx2.a.example.", "A"))
    after = stats(session, rundir)
    expect(after["upstream.queries"] == before["upstream.queries"],
           "upstream.queries went %d -> %d" % (before["upstream.queries"], after["upstream.queries"]))
    expect(after["dnssec.aggressive_answers"] == before["dnssec.aggressive_answers"] + 1,
           "dnssec.aggressive_answers went %d -> %d"
           % (before["dnssec.aggressive_answers"], after["dnssec.aggressive_answers"]))
