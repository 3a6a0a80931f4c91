"""sprigd's router policies of issue 12, end to end against the loopback
hierarchy: loopback authorities (item 7, query_loopback), trust anchors
that add to the compiled-in root KSKs (item 8, builtin_root_anchors) and
the router clock (item 9, clock_trusted and logging each decision once).

Gate: sprigd recursive mode (and dnssec for the anchor and clock tests).
"""
import glob
import os
import subprocess
import time

from harness import Resolver, Skip, expect, expect_flag, expect_rcode, test
from tests_sprigd import ready
import servers

# <net>.1.31… and ports 5331…: apart from the other sprigd tests.
LOOPBACK_OCTET, LOOPBACK_PORT = 31, 5331
ANCHOR_OCTET, ANCHOR_PORT = 32, 5332
CLOCK_OCTET, CLOCK_PORT = 33, 5333


def main_section(h, addr, port, rundir, lines):
    """A recursive sprigd from the hierarchy's root hints with `lines` added."""
    return ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'recursive'\n"
            "\toption user ''\n"
            "\toption log_level 'debug'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n"
            "\toption root_hints '%s'\n") % (addr, port, rundir, rundir, h.root_hints_path) + "".join(
                "\t%s\n" % l for l in lines)


def stats(sprigd_binary, rundir):
    sprig = os.path.join(os.path.dirname(sprigd_binary), "sprig")
    out = subprocess.run([sprig, "stats", "-s", os.path.join(rundir, "sprig.sock")],
                         capture_output=True, text=True, timeout=10).stdout
    return dict(l.split()[:2] for l in out.splitlines() if len(l.split()) >= 2)


def needs(session, *modes):
    ready("recursive")(session)
    missing = set(modes) - session.args.sprigd_ready
    if missing:
        raise Skip("sprigd %s not declared ready" % ",".join(sorted(missing)))


@test
def loopback_authorities_are_refused_without_query_loopback(session, sprigd_binary, zones):
    """A root hints file (or a delegation) pointing at 127.0.0.0/8 is what a
    broken or poisoned setup looks like on a router: without query_loopback
    sprigd says so at start, queries none of it, and answers SERVFAIL; the
    refusals are counted. With query_loopback '1' the same hierarchy resolves."""
    needs(session)
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, LOOPBACK_OCTET)
    rundir = session.rundir("sprigd-loopback-refused")
    p = servers.start_sprigd(sprigd_binary, main_section(h, addr, LOOPBACK_PORT, rundir, ["option dnssec '0'"]),
                             rundir, name="sprigd-loopback-refused")
    r = Resolver("sprigd-loopback-refused", addr, LOOPBACK_PORT, p)
    log = p.log_tail(200)
    expect("are loopback or unspecified and are not queried" in log, "no start-up warning:\n%s" % log)
    expect_rcode(r.query("www.ecdsa.example.", "A"), "SERVFAIL")
    counters = stats(sprigd_binary, rundir)
    expect(int(counters.get("resolver.loopback_refused", "0")) > 0,
           "loopback refusals not counted: %s" % counters.get("resolver.loopback_refused"))
    expect(int(counters.get("upstream.queries", "0")) == 0,
           "something was sent: upstream.queries %s" % counters.get("upstream.queries"))
    p.stop()
    rundir = session.rundir("sprigd-loopback-allowed")
    p = servers.start_sprigd(sprigd_binary, main_section(h, addr, LOOPBACK_PORT, rundir,
                                                         ["option dnssec '0'", "option query_loopback '1'"]),
                             rundir, name="sprigd-loopback-allowed")
    r = Resolver("sprigd-loopback-allowed", addr, LOOPBACK_PORT, p)
    expect_rcode(r.query("www.ecdsa.example.", "A"), "NOERROR")
    p.stop()


@test
def private_root_anchor_adds_to_the_compiled_in_ones(session, sprigd_binary, zones):
    """list trust_anchor adds to the compiled-in root KSKs (it used to
    replace them): the hierarchy's own root DS plus the builtin anchors
    validates the loopback hierarchy with AD, and the log shows both
    sources. Builtin anchors alone make its names bogus (they are the real
    root's keys: proof they are loaded); builtin_root_anchors '0' with the
    private DS replaces them and validates too."""
    needs(session, "dnssec")
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, ANCHOR_OCTET)
    private = "list trust_anchor '%s'" % h.trust_anchor
    runs = [
        ("both", [private], "NOERROR", True, "(2 compiled in, 0 from trust_anchor_file, 1 from list trust_anchor)"),
        ("builtin-only", [], "SERVFAIL", False, "(2 compiled in, 0 from trust_anchor_file, 0 from list trust_anchor)"),
        ("replaced", [private, "option builtin_root_anchors '0'"], "NOERROR", True,
         "(0 compiled in, 0 from trust_anchor_file, 1 from list trust_anchor)"),
    ]
    for name, lines, rcode, ad, sources in runs:
        rundir = session.rundir("sprigd-anchors-" + name)
        text = main_section(h, addr, ANCHOR_PORT, rundir, ["option query_loopback '1'", "option dnssec '1'"] + lines)
        p = servers.start_sprigd(sprigd_binary, text, rundir, name="sprigd-anchors-" + name)
        r = Resolver("sprigd-anchors-" + name, addr, ANCHOR_PORT, p)
        answer = r.query("www.ecdsa.example.", "A")
        expect(answer.rcode == rcode, "%s: %s, expected %s" % (name, answer.summary(), rcode))
        if ad:
            expect_flag(answer, "ad", True)
        log = p.log_tail(300)
        expect(sources in log, "%s: the log does not show the anchors %s:\n%s" % (name, sources, log))
        counters = stats(sprigd_binary, rundir)
        if ad:
            expect(counters.get("dnssec.anchor_keys_unusable") == "0",
                   "%s: the unused anchor set counted as unusable: %s" % (
                       name, counters.get("dnssec.anchor_keys_unusable")))
        p.stop()


def faketime_env(when):
    """sprigd's wall clock starting at `when` (libfaketime, Debian package
    faketime); the monotonic clock stays real so timers and epoll behave.
    (Under it the Swift runtime loses argv: sprigd's main reads
    /proc/self/cmdline then.)"""
    libs = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    if not libs:
        raise Skip("no libfaketime (Debian package faketime, Tests/tools/deps.sh)")
    return {"LD_PRELOAD": libs[0], "FAKETIME": "@" + when, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


@test
def clock_before_the_build_date_is_logged_once_and_clock_trusted_believes_it(session, sprigd_binary, zones):
    """A router that boots in 2010 (before this build's date) with its NTP
    hook's marker file already present: sprigd says once that the clock is
    not believed (it used to log "clock: synced" every second) and checks
    no signature dates, so the hierarchy (signed now) resolves. With
    clock_trusted '1' the 2010 clock is the current time: the same
    signatures are not yet valid, and the names are bogus (as a test bed
    replaying 2010 signatures sees expired ones expired)."""
    needs(session, "dnssec")
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, CLOCK_OCTET)
    for vouched in (False, True):
        name = "sprigd-clock-%s" % ("trusted" if vouched else "untrusted")
        rundir = session.rundir(name)
        marker = os.path.join(rundir, "ntp-synced")
        open(marker, "w").close()
        lines = ["option query_loopback '1'", "option dnssec '1'", "list trust_anchor '%s'" % h.trust_anchor]
        lines.append("option clock_trusted '1'" if vouched else "option clock_marker_file '%s'" % marker)
        p = servers.start_sprigd(sprigd_binary, main_section(h, addr, CLOCK_PORT, rundir, lines), rundir,
                                 name=name, env=faketime_env("2010-06-01 00:00:00"))
        r = Resolver(name, addr, CLOCK_PORT, p)
        answer = r.query("www.ecdsa.example.", "A")
        time.sleep(3.5)   # three housekeeping ticks, each seeing the marker file
        log = p.log_tail(400)
        clock_lines = [l for l in log.splitlines() if "clock:" in l]
        if vouched:
            expect_rcode(answer, "SERVFAIL")
            expect(answer.ede, "no EDE on the not-yet-valid signatures: %s" % answer.summary())
            expect(len(clock_lines) == 1 and "trusted as configured" in clock_lines[0]
                   and "2010-06-01" in clock_lines[0], "clock lines:\n%s" % "\n".join(clock_lines))
            expect(stats(sprigd_binary, rundir).get("clock.trusted") == "1", "clock.trusted is not 1")
        else:
            expect_rcode(answer, "NOERROR")
            expect(len(clock_lines) == 1 and "before this build's date" in clock_lines[0],
                   "the clock decision was not logged exactly once:\n%s" % "\n".join(clock_lines))
            expect(stats(sprigd_binary, rundir).get("clock.trusted") == "0", "clock.trusted is not 0")
        p.stop()
