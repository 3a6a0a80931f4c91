"""Faults of an authoritative server, through the running sprigd (issue 20
item 2): fault_server.py serves faults.example. (unsigned, delegated from
example.) and misbehaves per name. Each fault has a defined outcome within
the client's deadline, the daemon stays up, and the spoofing attempts are
counted and rejected.

  slow      answered (the server is asked again with a longer timeout)
  garbage   bytes that are no DNS message are ignored; answered
  wrongid   a reply with another ID is counted (upstream.mismatched) and
            ignored; the real one is taken
  wrongport a reply from another source port never reaches the connected
            socket; the real one is taken
  trunc     TC over UDP: the question again over TCP; answered
  nx        NXDOMAIN
  cut       TC, then TCP closes mid-answer: SERVFAIL (EDE 22), no hang
  dead      never answers: SERVFAIL (EDE 22) by the deadline
Servers that are down elsewhere: tests_hierarchy's one_dead_one_live_server;
a server closing TCP or never answering a pipelined query: tests_transport.
"""
import time

from harness import Resolver, expect, expect_answer, expect_rcode, sprigd_recursive_config, test
from tests_sprigd import ready
from tests_aggressive_nsec import stats
import servers

# A sprigd of its own (<net>.1.36): what other tests taught the shared one
# about the fault server (its SERVFAIL answers to report-*, RFC 9567) must
# not change how this one times it out.
FAULTS_SPRIGD_OCTET = 36

DEADLINE_SECONDS = 5.5   # sprigd's request deadline (5 s) and a margin
CASES = [("slow", "NOERROR"), ("garbage", "NOERROR"), ("wrongid", "NOERROR"), ("wrongport", "NOERROR"),
         ("trunc", "NOERROR"), ("nx", "NXDOMAIN"), ("cut", "SERVFAIL"), ("dead", "SERVFAIL")]


def address_for(name):
    return "192.0.2.%d" % (sum(name.encode()) % 250 + 1)


@test
def faults_of_an_authoritative_server_have_defined_outcomes(session, faults):
    ready("recursive")(session)
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, FAULTS_SPRIGD_OCTET)
    rundir = session.rundir("sprigd-faults")
    proc = servers.start_sprigd(session.get("sprigd_binary"),
                                sprigd_recursive_config(h, addr, 53, rundir, log_level="info"), rundir,
                                name="sprigd-faults")
    sprigd = Resolver("sprigd-faults", addr, 53, proc)
    before = stats(session, rundir)
    for label, rcode in CASES:
        name = "%s-1.faults.example." % label
        began = time.monotonic()
        r = sprigd.query(name, "A", timeout=6, tries=1)
        took = time.monotonic() - began
        expect_rcode(r, rcode)
        if rcode == "NOERROR":
            expect_answer(r, "A", [address_for(name.rstrip("."))])
        if rcode == "SERVFAIL":
            codes = {code for code, _, _ in r.ede}
            expect(22 in codes, "%s: EDE %s, expected 22 (No Reachable Authority)" % (label, sorted(codes)))
        expect(took < DEADLINE_SECONDS, "%s took %.1f s" % (label, took))
    expect(sprigd.process.alive(), "sprigd died")
    with open(faults.log_path) as f:
        seen = f.read()
    for label in ("slow", "trunc", "cut"):
        expect(("tcp %s-1" % label in seen) == (label != "slow"), "%s: TCP use not as expected:\n%s" % (label, seen))
    expect(seen.count("udp slow-1.faults.example") >= 2, "the slow server was not asked again")
    after = stats(session, rundir)
    expect(after["upstream.mismatched"] > before["upstream.mismatched"], "the reply with a wrong ID was not counted")
    # Every answer now comes from the cache, at once.
    r = sprigd.query("wrongid-1.faults.example.", "A")
    expect_answer(r, "A", [address_for("wrongid-1.faults.example")])
    proc.stop()
