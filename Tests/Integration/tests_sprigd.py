"""sprigd end to end: lifecycle, config validity, and the CASES table of
tests_hierarchy.py through sprigd in recursive mode (with Sprig's own
expectations) and in forward mode (upstream: the validating Unbound).
Query tests run only for modes declared ready: --sprigd-ready forward,recursive
or SPRIG_IT_SPRIGD_READY=forward (today's sprigd cannot resolve yet).
"""
import os
import signal
import subprocess
import time

from harness import (Resolver, Skip, expect, expect_answer, expect_flag, expect_rcode, fixture,
                     sprigd_forward_config, sprigd_recursive_config, test)
from tests_hierarchy import Case, check_root_key_sentinel, register_cases
import servers

LIFECYCLE_ADDR_OCTET = 11   # <net>.1.11: apart from the session's sprigd (.10)
FORWARDER_ADDR_OCTET = 12
FORWARDER_VALIDATING_OCTET = 13


def ready(mode):
    """A gate: skip unless sprigd's `mode` is declared ready (--sprigd-ready)."""
    def gate(session):
        if mode not in session.args.sprigd_ready:
            raise Skip("sprigd %s mode not declared ready (--sprigd-ready %s)" % (mode, mode))
    return gate


# Sprig treats Ed448 as unsupported (DESIGN.md 4): the zone is insecure.
SPRIG_OVERRIDES = {
    "alg16_ed448": Case("alg16_ed448", "www.ed448.example.", "A", "NOERROR",
                        ["192.0.2.16"], "insecure"),
}

def validating(session):
    """sprigd checks DNSSEC only once declared ready (--sprigd-ready dnssec);
    until then its recursive rows check resolution alone."""
    return "dnssec" in session.args.sprigd_ready


register_cases("sprigd", overrides=SPRIG_OVERRIDES, gate=ready("recursive"), validating=validating)
# Forward mode validates on its own: its upstream is a NON-validating Unbound
# that passes bogus data on, so every AD bit and SERVFAIL here is Sprig's.
register_cases("sprigd_forwarder", overrides=SPRIG_OVERRIDES, gate=ready("forward"),
               validating=validating)


@test
def sprigd_answers_the_root_key_sentinel(session):
    for fixture_name, mode in (("sprigd", "recursive"), ("sprigd_forwarder", "forward")):
        ready(mode)(session)
        if not validating(session):
            raise Skip("sprigd dnssec not declared ready (--sprigd-ready dnssec)")
        check_root_key_sentinel(session.get(fixture_name), session.get("zones"))


def lifecycle_config(zones, addr, port, rundir):
    """Forward mode: the first mode sprigd offers; its upstream need not run."""
    return sprigd_forward_config(addr, port, [(zones.resolver_addr("unbound"), 53)], rundir)


@test
def starts_and_stops_cleanly_on_sigterm(session, sprigd_binary, zones):
    addr = "%s.1.%d" % (zones.net, LIFECYCLE_ADDR_OCTET)
    rundir = session.rundir("sprigd-lifecycle")
    proc = servers.start_sprigd(sprigd_binary, lifecycle_config(zones, addr, 5300, rundir),
                                rundir)
    expect(proc.alive(), "sprigd died right after start")
    status = proc.stop()          # raises unless the exit status is 0
    expect(status == 0, "exit status %s" % status)
    expect(not servers.leftover_pids([proc]), "sprigd's process group outlived SIGTERM")


@test
def sigint_also_stops_cleanly(session, sprigd_binary, zones):
    addr = "%s.1.%d" % (zones.net, LIFECYCLE_ADDR_OCTET)
    rundir = session.rundir("sprigd-sigint")
    proc = servers.start_sprigd(sprigd_binary, lifecycle_config(zones, addr, 5301, rundir),
                                rundir)
    status = servers.Process.stop(proc, signal.SIGINT)
    expect(status == 0, "exit status %s after SIGINT; log:\n%s" % (status, proc.log_tail()))


def start_forwarder(session, name, octet, upstream):
    """sprigd in forward mode to `upstream`, validating from the hierarchy's anchor."""
    h = session.get("zones")
    addr = "%s.1.%d" % (h.net, octet)
    rundir = session.rundir(name.replace("_", "-"))   # tests_forwarder reads sprigd-forwarder/
    text = sprigd_forward_config(addr, upstream.port, [(upstream.addr, upstream.port)], rundir,
                                 trust_anchor=h.trust_anchor)
    p = servers.start_sprigd(session.get("sprigd_binary"), text, rundir)
    servers.wait_until_answers(p, qname="example.", rd=True)
    return Resolver(name, addr, upstream.port, p)


@fixture
def sprigd_forwarder(session):
    """sprigd in forward mode, upstream = the non-validating Unbound."""
    return start_forwarder(session, "sprigd_forwarder", FORWARDER_ADDR_OCTET,
                           session.get("unbound_iterator"))


@test
def forwards_to_unbound(session):
    ready("forward")(session)
    fwd = session.get("sprigd_forwarder")
    r = fwd.query("cname.a.example.", "A")
    expect_rcode(r, "NOERROR")
    expect_answer(r, "A", ["192.0.2.13"])


@test
def forward_validates_through_a_validating_upstream_too(session):
    """Behind a validating Unbound: CD set upstream, so bogus data still comes
    back and Sprig gives its own SERVFAIL with a reason; secure data gets AD."""
    ready("forward")(session)
    fwd = start_forwarder(session, "sprigd_forwarder_validating", FORWARDER_VALIDATING_OCTET,
                          session.get("unbound"))
    r = fwd.query("www.ecdsa.example.", "A")
    expect_rcode(r, "NOERROR")
    expect_flag(r, "ad", True)
    r = fwd.query("www.bogus-ds.example.", "A")
    expect_rcode(r, "SERVFAIL")
    expect(r.ede, "no EDE on Sprig's SERVFAIL: %s" % r.text)
    r = fwd.query("www.bogus-ds.example.", "A", cd=True)
    expect_answer(r, "A", ["192.0.2.41"])


@test
def harness_configs_pass_check_config(session, sprigd_binary, zones):
    """The configs this harness writes stay valid as the schema evolves."""
    sprig = os.path.join(os.path.dirname(sprigd_binary), "sprig")
    if not os.access(sprig, os.X_OK):
        raise Skip("no sprig CLI next to %s" % sprigd_binary)
    rundir = session.rundir("check-config")
    configs = {
        "recursive": sprigd_recursive_config(zones, "127.0.0.1", 5300, rundir),
        "forward": sprigd_forward_config("127.0.0.1", 5300, [("127.0.0.1", 53)], rundir),
    }
    for name, text in configs.items():
        path = os.path.join(rundir, name + ".conf")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([sprig, "check-config", path], capture_output=True, text=True,
                           timeout=10)
        if "unknown command" in p.stdout + p.stderr:
            raise Skip("this sprig has no check-config yet")
        expect(p.returncode == 0, "%s config rejected (exit %d):\n%s%s" % (
            name, p.returncode, p.stdout, p.stderr))


def clock_floor_file(path, floor_seconds):
    """The 20-byte floor file sprigd keeps in flash (Sources/Validator/TrustedClockFloor.swift)."""
    import struct
    import zlib
    head = b"SCLK" + bytes([1, 0, 0, 0]) + struct.pack(">q", floor_seconds)
    with open(path, "wb") as f:
        f.write(head + struct.pack(">I", zlib.crc32(head) & 0xFFFFFFFF))


@test
def untrusted_clock_checks_signatures_not_dates_until_synced(session, sprigd_binary, zones):
    """DESIGN §2.8: with the saved floor ahead of the wall clock (as after a
    1970 boot), signatures are checked but not their dates: the zone whose
    signatures have expired still resolves and `clock.trusted` is 0.
    `sprig clock-synced` makes dates count: that zone is then bogus."""
    ready("recursive")(session)
    if "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd dnssec not declared ready")
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, 13)
    rundir = session.rundir("sprigd-clock")
    clock_floor_file(os.path.join(rundir, "clock.floor"), int(time.time()) + 400 * 86400)
    text = sprigd_recursive_config(h, addr, 5302, rundir)
    p = servers.start_sprigd(sprigd_binary, text, rundir, name="sprigd-clock")
    r = Resolver("sprigd-clock", addr, 5302, p)
    sprig = os.path.join(os.path.dirname(sprigd_binary), "sprig")
    sock = os.path.join(rundir, "sprig.sock")

    def trusted():
        out = subprocess.run([sprig, "stats", "-s", sock], capture_output=True, text=True, timeout=10).stdout
        return [l.split()[1] for l in out.splitlines() if l.startswith("clock.trusted ")]

    expect(trusted() == ["0"], "clock trusted at start: %s" % trusted())
    early = r.query("www.expired.example.", "A")
    expect_rcode(early, "NOERROR")
    expect_answer(early, "A", ["192.0.2.42"])
    ok = subprocess.run([sprig, "clock-synced", "-s", sock], capture_output=True, text=True, timeout=10)
    expect(ok.returncode == 0 and "ok" in ok.stdout, "clock-synced failed: %s %s" % (ok.stdout, ok.stderr))
    expect(trusted() == ["1"], "clock not trusted after sync: %s" % trusted())
    # A name not asked before (the early answer is cached up to 60 s): its
    # denial's signatures have expired too, so it is bogus now.
    late = r.query("other.expired.example.", "A")
    expect_rcode(late, "SERVFAIL")
    expect(late.ede, "no EDE on a bogus answer: %s" % late.summary())
    p.stop()


@test
def rfc5011_state_survives_restart_and_corruption(session, sprigd_binary, zones):
    """The RFC 5011 state goes to state_dir/anchors.state at clean shutdown;
    a restart loads it; a corrupt file is reported once and the configured
    anchors take over, validation unaffected."""
    ready("recursive")(session)
    if "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd dnssec not declared ready")
    import time
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, 14)
    rundir = session.rundir("sprigd-5011")
    state = os.path.join(rundir, "anchors.state")
    text = sprigd_recursive_config(h, addr, 5303, rundir)

    runs = []

    def run_once():
        # Its own log each run (the harness waits for "started" in it); the
        # state directory in `text` stays the same.
        logdir = session.rundir("sprigd-5011-run%d" % len(runs))
        runs.append(logdir)
        p = servers.start_sprigd(sprigd_binary, text, logdir, name="sprigd-5011")
        r = Resolver("sprigd-5011", addr, 5303, p)
        answer = r.query("www.ecdsa.example.", "A")
        time.sleep(1.5)                 # the start-up refresh of the root key set
        p.stop()
        with open(p.log_path) as f:
            return answer, f.read()

    first, _ = run_once()
    expect("ad" in first.flags, "no AD on the first run: %s" % first.summary())
    expect(os.path.exists(state), "no RFC 5011 state written at shutdown")
    with open(state, "rb") as f:
        expect(f.read(4) == b"S5AT", "anchors.state has no S5AT magic")
    second, log = run_once()
    expect("ad" in second.flags and "corrupt" not in log, "restart with the saved state: %s" % second.summary())
    with open(state, "r+b") as f:
        f.seek(10)
        f.write(b"\xff\xff")
    third, log = run_once()
    expect("corrupt" in log, "a corrupt state file was not reported")
    expect("ad" in third.flags, "validation lost after a corrupt state file: %s" % third.summary())


@test
def sighup_applies_a_new_insecure_domain(session, sprigd_binary, zones):
    """A household whose bank's zone went bogus adds `list insecure_domain`
    and reloads (OpenWrt's `reload` sends SIGHUP): names under it resolve
    without AD at once; the bogus verdict already cached lasts a minute at
    most. Before the reload the zone is bogus."""
    ready("recursive")(session)
    if "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd dnssec not declared ready")
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, 16)
    rundir = session.rundir("sprigd-nta")
    text = sprigd_recursive_config(h, addr, 5304, rundir)
    p = servers.start_sprigd(sprigd_binary, text, rundir, name="sprigd-nta")
    r = Resolver("sprigd-nta", addr, 5304, p)
    expect_rcode(r.query("www.bogus-ds.example.", "A"), "SERVFAIL")
    with open(os.path.join(rundir, "sprig.conf"), "a") as f:
        f.write("\tlist insecure_domain 'bogus-ds.example'\n")
    before = p.log_tail(200).count("reloaded")
    os.kill(p.pid, signal.SIGHUP)
    for _ in range(50):   # bounded: 5 s
        if p.log_tail(200).count("reloaded") > before:
            break
        time.sleep(0.1)
    expect(p.log_tail(200).count("reloaded") > before, "no reload logged:\n%s" % p.log_tail())
    fresh = r.query("bogus-ds.example.", "SOA")   # not asked before: no cached verdict
    expect_rcode(fresh, "NOERROR")
    expect_flag(fresh, "ad", False)
    p.stop()
