#!/usr/bin/env python3
"""Sprig's integration-test runner: real NSD/Unbound/dnsmasq/sprigd on loopback.

Owns: test registration (@test), session fixtures (@fixture, started lazily
on first use and stopped at exit), assertion helpers, the CLI and the final
"N passed, M failed" line the CI judge reads.
Never: generates zones (hierarchy.py) or launches processes itself
(servers.py); queries go through dig.py.

A test is one function whose parameter names are fixture names:

    @test
    def www_resolves(unbound):
        r = unbound.query("www.a.example.", "A")
        expect_rcode(r, "NOERROR")
        expect_answer(r, "A", ["192.0.2.1"])
"""
import argparse
import glob
import importlib
import inspect
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
if __name__ == "__main__":   # test modules `import harness`: give them this one
    sys.modules.setdefault("harness", sys.modules[__name__])

import dig as digmod  # noqa: E402
import hierarchy as hiermod  # noqa: E402
import servers  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
RESOLVER_PORT = int(os.environ.get("SPRIG_IT_RESOLVER_PORT", "53"))

TESTS = []      # [(name, function)] in registration order
FIXTURES = {}   # name -> function(session) -> value


class Skip(Exception):
    """Raised by a test or fixture when a prerequisite is missing."""


class Failure(AssertionError):
    pass


def test(fn):
    """Registers a test. Its name is module.function."""
    module = fn.__module__.replace("tests_", "")
    TESTS.append(("%s.%s" % (module, fn.__name__), fn))
    return fn


def fixture(fn):
    """Registers a session fixture named after the function. It may take the
    session as its only argument and use session.get(name) for others."""
    FIXTURES[fn.__name__] = fn
    return fn


# -- assertions ------------------------------------------------------------------

def expect(condition, message):
    if not condition:
        raise Failure(message)


def expect_rcode(response, rcode):
    expect(response.rcode == rcode, "rcode %s, expected %s (%s)" % (
        response.rcode, rcode, response.summary()))


def expect_answer(response, rrtype, rdatas, section="answer"):
    """The RRset of `rrtype` in `section` is exactly `rdatas` (order ignored)."""
    got = response.rdatas(rrtype, section)
    expect(got == sorted(rdatas), "%s %s = %s, expected %s (%s)" % (
        section, rrtype, got, sorted(rdatas), response.summary()))


def expect_flag(response, flag, present=True):
    expect((flag in response.flags) == present, "flag %s %s (%s)" % (
        flag, "missing" if present else "unexpectedly set", response.summary()))


# -- resolvers and sessions ----------------------------------------------------------

class Resolver:
    """Something that answers queries at addr#port (a started Process, or None)."""

    def __init__(self, name, addr, port, process=None):
        self.name = name
        self.addr = addr
        self.port = port
        self.process = process

    def query(self, name, rrtype="A", **options):
        """dig.dig() against this resolver; returns dig.Response."""
        return digmod.dig(self.addr, name, rrtype, self.port, **options)

    def stop(self):
        return self.process.stop() if self.process else None


class Session:
    """Fixture values for one run, created on first use."""

    def __init__(self, workdir, args):
        self.workdir = workdir
        self.args = args
        self.values = {}
        self.failed_fixtures = {}

    def get(self, name):
        if name in self.values:
            return self.values[name]
        if name in self.failed_fixtures:
            raise self.failed_fixtures[name]
        if name not in FIXTURES:
            raise Failure("unknown fixture %r" % name)
        try:
            self.values[name] = FIXTURES[name](self)
        except Exception as e:   # remember: every later test gets the same reason
            self.failed_fixtures[name] = e
            raise
        return self.values[name]

    def rundir(self, name):
        path = os.path.join(self.workdir, "run", name)
        os.makedirs(path, exist_ok=True)
        return path


# -- fixtures ----------------------------------------------------------------------

@fixture
def session(session):
    """The Session itself: for tests that start their own servers."""
    return session


@fixture
def workdir(session):
    return session.workdir


@fixture
def zones(session):
    """The generated, signed hierarchy (files only, nothing running)."""
    return hiermod.Hierarchy(session.workdir).build()


@fixture
def hierarchy(session):
    """zones + one NSD per authoritative address, all answering.
    Extra attribute: .nsd = {server key: Process}."""
    h = session.get("zones")
    h.nsd = servers.start_hierarchy_servers(h)
    return h


@fixture
def bind(session):
    """BIND 9 for the hierarchy's BIND servers (bind9.example.), started on
    first use. {server key: Process}."""
    h = session.get("hierarchy")
    if not shutil.which("named"):
        raise Skip("no named (Debian package bind9; Tests/tools/deps.sh --all)")
    procs = {}
    for key, server in h.servers.items():
        if server.software == "bind":
            if not servers.ensure_loopback_address(server.addr):
                raise Skip("BIND listens only on interface addresses and %s is on none "
                           "(run.sh's private namespace adds it)" % server.addr)
            zones = [(z, h.zones[z].zonefile) for z in server.zones]
            procs[key] = servers.start_bind(session.rundir("bind-" + key), "bind-" + key,
                                            server.addr, zones)
    return procs


@fixture
def faults(session):
    """fault_server.py for the hierarchy's fault server (faults.example.),
    started on first use; its log lines are the queries it saw."""
    h = session.get("hierarchy")
    server = h.servers["faults"]
    rundir = session.rundir("faults")
    return servers.start_fault_server(rundir, server.addr)


@fixture
def unbound(session):
    """Validating recursive Unbound from the generated root hints and anchor."""
    h = session.get("hierarchy")
    if hiermod.AUTH_PORT != 53:
        raise Skip("iterative resolution needs the authoritative servers on port 53")
    addr = h.resolver_addr("unbound")
    p = servers.start_unbound(session.rundir("unbound"), "unbound", addr, RESOLVER_PORT,
                              root_hints=h.root_hints_path,
                              trust_anchor_file=h.trust_anchor_path)
    return Resolver("unbound", addr, RESOLVER_PORT, p)


@fixture
def unbound_iterator(session):
    """Non-validating recursive Unbound (iterator only): it passes DNSSEC
    records on but vouches for nothing, so a validating forwarder behind it
    must do all the work itself."""
    h = session.get("hierarchy")
    if hiermod.AUTH_PORT != 53:
        raise Skip("iterative resolution needs the authoritative servers on port 53")
    addr = h.resolver_addr("unbound_iterator")
    p = servers.start_unbound(session.rundir("unbound-iterator"), "unbound-iterator", addr,
                              RESOLVER_PORT, root_hints=h.root_hints_path, validate=False)
    return Resolver("unbound_iterator", addr, RESOLVER_PORT, p)


@fixture
def unbound_forwarder(session):
    """Non-validating Unbound forwarding everything to `unbound`."""
    up = session.get("unbound")
    h = session.get("zones")
    addr = h.resolver_addr("unbound_forwarder")
    p = servers.start_unbound(session.rundir("unbound-forwarder"), "unbound-forwarder",
                              addr, RESOLVER_PORT, forward_to=[(up.addr, up.port)],
                              validate=False)
    return Resolver("unbound_forwarder", addr, RESOLVER_PORT, p)


@fixture
def dnsmasq(session):
    """dnsmasq forwarding to `unbound` (a benchmark baseline)."""
    up = session.get("unbound")
    h = session.get("zones")
    addr = h.resolver_addr("dnsmasq")
    p = servers.start_dnsmasq(session.rundir("dnsmasq"), "dnsmasq", addr, up.addr, up.port,
                              port=RESOLVER_PORT)
    return Resolver("dnsmasq", addr, RESOLVER_PORT, p)


def find_sprigd(explicit=None):
    """The sprigd binary: --sprigd, $SPRIGD, else the newest SwiftPM build."""
    if explicit:
        return explicit
    if os.environ.get("SPRIGD"):
        return os.environ["SPRIGD"]
    patterns = [".build*/%s/sprigd", ".build*/*/%s/sprigd"]
    candidates = [p for pat in patterns for mode in ("debug", "release")
                  for p in glob.glob(os.path.join(REPO, pat % mode))
                  if os.path.isfile(p) and os.access(p, os.X_OK)]
    return max(candidates, key=os.path.getmtime) if candidates else None


@fixture
def sprigd_binary(session):
    path = find_sprigd(session.args.sprigd)
    if not path or not os.path.exists(path):
        raise Skip("no sprigd binary (build it, or pass --sprigd / SPRIGD=)")
    return path


def _sprigd_main_section(listen_addr, port, rundir, mode, log_level):
    """The 'config sprig' section shared by every harness config: files and
    sockets in rundir, never under /etc or /var."""
    return ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode '%s'\n"
            "\toption user ''\n"
            "\toption log_level '%s'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n") % (
                listen_addr, port, mode, log_level, rundir, rundir)


def sprigd_recursive_config(h, listen_addr, port, rundir, log_level="debug"):
    """UCI text for sprigd resolving iteratively from the generated root.
    The hierarchy's servers listen on loopback, which sprigd refuses to
    query unless told (query_loopback, issue 12 item 7). The test root's DS
    is added to the compiled-in root anchors, as on a router."""
    return _sprigd_main_section(listen_addr, port, rundir, "recursive", log_level) + (
        "\toption query_loopback '1'\n"
        "\toption root_hints '%s'\n"
        "\tlist trust_anchor '%s'\n"
        "\toption dnssec '1'\n") % (h.root_hints_path, h.trust_anchor)


def sprigd_forward_config(listen_addr, port, upstreams, rundir, log_level="debug",
                          trust_anchor=None):
    """UCI text for sprigd forwarding to [(addr, port)] over UDP; validating
    from `trust_anchor` (a DS line) when given, else with DNSSEC off."""
    text = _sprigd_main_section(listen_addr, port, rundir, "forward", log_level)
    if trust_anchor:
        text += "\toption dnssec '1'\n\tlist trust_anchor '%s'\n" % trust_anchor
    else:
        text += "\toption dnssec '0'\n"
    for a, p in upstreams:
        text += "\nconfig upstream\n\toption address '%s'\n\toption port '%d'\n" % (a, p)
    return text


@fixture
def sprigd(session):
    """sprigd in recursive mode against the hierarchy, at <net>.1.10."""
    binary = session.get("sprigd_binary")
    h = session.get("hierarchy")
    addr = h.resolver_addr("sprigd")
    rundir = session.rundir("sprigd")
    text = sprigd_recursive_config(h, addr, RESOLVER_PORT, rundir)
    p = servers.start_sprigd(binary, text, rundir)
    servers.wait_until_answers(p, qname="example.", rd=True)  # else: one clear reason
    return Resolver("sprigd", addr, RESOLVER_PORT, p)


# -- running ---------------------------------------------------------------------------

def load_test_modules():
    for path in sorted(glob.glob(os.path.join(HERE, "tests_*.py"))):
        importlib.import_module(os.path.splitext(os.path.basename(path))[0])


def run_one(session, name, fn):
    """Returns (status, reason): status in PASS, FAIL, SKIP."""
    try:
        kwargs = {p: session.get(p) for p in inspect.signature(fn).parameters}
        fn(**kwargs)
        return "PASS", ""
    except Skip as e:
        return "SKIP", str(e)
    except Failure as e:
        return "FAIL", str(e)
    except digmod.DigError as e:
        return "FAIL", "no answer: %s" % e
    except RuntimeError as e:   # servers.py: start-up failures, already explained
        return "FAIL", str(e)
    except Exception as e:  # a broken fixture or harness bug is a failure too
        tb = traceback.format_exception(type(e), e, e.__traceback__)
        return "FAIL", "%s: %s\n%s" % (type(e).__name__, e, "".join(tb[-3:]).rstrip())


def serve(session):
    """--serve: everything up until Ctrl-C, for running sprigd by hand."""
    h = session.get("hierarchy")
    u = session.get("unbound")
    rundir = session.rundir("sprigd-manual")
    path = os.path.join(rundir, "sprig.conf")
    with open(path, "w") as f:
        f.write(sprigd_recursive_config(h, "127.0.0.1", 5300, rundir))
    print(h.describe())
    print("\nUnbound (reference): dig @%s -p %d www.a.example. +dnssec" % (u.addr, u.port))
    print("root hints:   %s\ntrust anchor: %s (%s)" % (h.root_hints_path, h.trust_anchor,
                                                      h.trust_anchor_path))
    print("sprigd config for 127.0.0.1:5300: %s" % path)
    print("work dir %s; Ctrl-C stops everything" % session.workdir, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--filter", action="append", default=[],
                    help="run tests whose name contains this (repeatable)")
    ap.add_argument("--list", action="store_true", help="list tests and exit")
    ap.add_argument("--plan", action="store_true", help="print the address plan and exit")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--workdir", help="use this directory instead of a fresh temp dir")
    ap.add_argument("--sprigd", help="path of the sprigd binary")
    ap.add_argument("--sprigd-ready", default=os.environ.get("SPRIG_IT_SPRIGD_READY", ""),
                    help="comma-separated sprigd modes whose query tests run: forward, "
                         "recursive (or SPRIG_IT_SPRIGD_READY); others are skipped")
    ap.add_argument("--sprigd-resolves", action="store_true",
                    help="same as --sprigd-ready forward,recursive")
    ap.add_argument("--serve", action="store_true",
                    help="start the hierarchy and Unbound, print how to use them, and "
                         "wait for Ctrl-C (with SPRIG_IT_NETNS=0 to reach them from outside)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each test's time")
    args = ap.parse_args(argv)

    args.sprigd_ready = {m.strip() for m in args.sprigd_ready.split(",") if m.strip()}
    if args.sprigd_resolves:
        args.sprigd_ready |= {"forward", "recursive"}
    load_test_modules()
    selected = [(n, f) for n, f in TESTS
                if not args.filter or any(s in n for s in args.filter)]
    if args.list:
        print("\n".join(n for n, _ in selected))
        return 0
    if args.plan:
        print(hiermod.Hierarchy(tempfile.gettempdir()).describe())
        return 0
    if os.geteuid() != 0:
        print("integration tests need root (NSD and resolvers bind port 53 on 127.x)")
        print("0 passed, 1 failed")
        return 1

    servers.install_cleanup()
    workdir = args.workdir or tempfile.mkdtemp(prefix="sprig-it-")
    os.makedirs(workdir, exist_ok=True)
    session = Session(workdir, args)
    if args.serve:
        return serve(session)
    passed = failed = skipped = 0
    skips = {}   # reason -> [test names], printed grouped unless -v
    started = time.monotonic()
    try:
        for name, fn in selected:
            t0 = time.monotonic()
            status, reason = run_one(session, name, fn)
            took = " (%.2fs)" % (time.monotonic() - t0) if args.verbose else ""
            if status == "SKIP" and not args.verbose:
                skips.setdefault(reason, []).append(name)
            else:
                print("%s %s%s%s" % (status, name, took, ": " + reason if reason else ""),
                      flush=True)
            passed += status == "PASS"
            failed += status == "FAIL"
            skipped += status == "SKIP"
    finally:
        stop_errors = servers.stop_all()
    for error in stop_errors:
        print("FAIL harness.clean_shutdown: %s" % error)
        failed += 1
    for reason, names in skips.items():
        shown = ", ".join(names) if len(names) <= 3 else "%s ... %s" % (names[0], names[-1])
        print("SKIP %d test(s) (%s): %s" % (len(names), reason, shown))
    leftovers = servers.leftover_pids(servers.started)
    if leftovers:
        print("FAIL harness.no_leftover_processes: process groups still alive: %s" % leftovers)
        failed += 1
    print("network: %s" % ("private namespace" if os.environ.get("SPRIG_IT_IN_NETNS")
                            else "host"))
    print("work dir %s%s; %.1fs; %d skipped" % (
        workdir, "" if args.keep or failed else " (removed)",
        time.monotonic() - started, skipped))
    if not args.keep and not failed and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
