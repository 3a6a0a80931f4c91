"""The operator's side of sprigd (issue 17 items 3 and 7), end to end
through a running daemon:

- logging that never floods: a stream of refused queries (a client outside
  `list allow`, over UDP and TCP) and of oversize datagrams gives at most
  5 lines per kind and minute, `sprig stats` counts the rest
  (`log.<kind>.suppressed`), and at shutdown one line per kind says
  "suppressed K similar lines" with the same K;
- `sprig flush [NAME]`, `sprig dump-cache`, `sprig anchors show` and
  `sprig leases` against a recursive, validating sprigd;
- the control socket under hostile use: long and garbage lines, a client
  that connects and never sends, many clients at once, and a non-root
  user (socket mode widened by hand) whose every command, `stats`
  included, is refused (root only, no control_group here; the group is
  tests_control_group.py's): DNS keeps being answered throughout.

Addresses: <net>.7.10 (log flood, port 5350; its only allowed client is
<net>.7.21, the refused one <net>.7.20), <net>.7.11-13 (operator
commands, forged answers, hostile control clients; port 5351). Gate: sprigd forward mode (flood); recursive and dnssec
(commands).
"""
import os
import pwd
import shutil
import signal
import socket
import stat
import struct
import subprocess
import time

from harness import Skip, expect, expect_answer, expect_rcode, sprigd_recursive_config, test, Resolver
from tests_sprigd import ready
import servers

FLOOD_PORT = 5350
COMMAND_PORT = 5351
DEAD_OCTET = 99          # <net>.7.99: an upstream where nothing listens
LINES_PER_WINDOW = 5     # LogLimiter.linesPerWindowMax
REFUSED_UDP = 1500
REFUSED_TCP = 30
OVERSIZE = 12


def query_bytes(qid, name="localhost.", qtype=1):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack(">HH", qtype, 1)


def rcode_of(reply):
    return reply[3] & 0x0F if len(reply) >= 4 else None


def udp_ask(src, dst, port, payload, timeout=1.0):
    """Sends one datagram from src; the reply or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.sendto(payload, (dst, port))
        try:
            return s.recv(4096)
        except socket.timeout:
            return None


def sprig_cli(session):
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    if not os.access(sprig, os.X_OK):
        raise Skip("no sprig CLI next to the sprigd binary")
    return sprig


def run_sprig(session, rundir, *args, user=None):
    argv = [sprig_cli(session)] + list(args) + ["-s", os.path.join(rundir, "sprig.sock")]
    if user is not None:
        argv = ["setpriv", "--reuid=%d" % user.pw_uid, "--regid=%d" % user.pw_gid, "--clear-groups"] + argv
    return subprocess.run(argv, capture_output=True, text=True, timeout=10)


def stats(session, rundir):
    p = run_sprig(session, rundir, "stats")
    expect(p.returncode == 0, "sprig stats failed: %s" % p.stderr)
    return {k: int(v) for k, v in (l.split()[:2] for l in p.stdout.splitlines() if len(l.split()) >= 2)}


def log_text(proc):
    with open(proc.log_path, errors="replace") as f:
        return f.read()


@test
def query_log_is_rate_limited_and_counted(session, sprigd_binary):
    """Issue 17 item 3: 1,500 UDP queries and 30 TCP connections from a
    client outside `list allow`, and 12 oversize datagrams: each kind
    writes 5 lines, the rest are counted in `sprig stats`, and the
    shutdown summary names the same counts. The allowed client is
    answered throughout, and the whole stream (lines written and lines
    counted) causes no heap allocation (LD_PRELOAD malloc counter, even
    in a debug build)."""
    ready("forward")(session)
    sprig_cli(session)
    net = session.get("zones").net
    addr, bad, good = "%s.7.10" % net, "%s.7.20" % net, "%s.7.21" % net
    rundir = session.rundir("sprigd-logflood")
    text = ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'forward'\n"
            "\toption user ''\n"
            "\toption log_level 'info'\n"
            "\toption dnssec '0'\n"
            "\tlist allow '%s/32'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n"
            "\nconfig upstream\n\toption address '%s.7.%d'\n\toption port '53'\n") % (
                addr, FLOOD_PORT, good, rundir, rundir, net, DEAD_OCTET)
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Bench"))
    import malloc_count
    so = malloc_count.build(rundir)
    live = os.path.join(rundir, "malloc.live")
    proc = servers.start_sprigd(sprigd_binary, text, rundir, name="sprigd-logflood",
                                env=malloc_count.preload_env(so, live=live))
    # Warm-up: one of each event, then count allocations over the stream.
    udp_ask(bad, addr, FLOOD_PORT, query_bytes(1))
    udp_ask(good, addr, FLOOD_PORT, query_bytes(2))
    time.sleep(0.2)
    before = malloc_count.read_live(live)
    allowed_allocations = [0]

    def allowed_query():
        time.sleep(0.05)   # let the refusals before it be handled
        was = malloc_count.read_live(live)["allocations"]
        reply = udp_ask(good, addr, FLOOD_PORT, query_bytes(7))
        time.sleep(0.05)
        allowed_allocations[0] += malloc_count.read_live(live)["allocations"] - was
        return reply

    refused = 0
    for i in range(REFUSED_UDP):
        reply = udp_ask(bad, addr, FLOOD_PORT, query_bytes(i & 0xFFFF), timeout=0.5)
        if reply is not None and rcode_of(reply) == 5:
            refused += 1
        if i % 500 == 0:   # the allowed client is answered in the middle of the stream
            ok = allowed_query()
            expect(ok is not None and rcode_of(ok) == 0, "allowed client not answered during the flood")
    expect(refused == REFUSED_UDP, "only %d of %d refused queries got REFUSED" % (refused, REFUSED_UDP))
    for _ in range(REFUSED_TCP):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((bad, 0))
            s.settimeout(2)
            s.connect((addr, FLOOD_PORT))
            try:
                expect(s.recv(16) == b"", "a refused TCP client got data")
            except ConnectionResetError:
                pass
    for _ in range(OVERSIZE):
        udp_ask(good, addr, FLOOD_PORT, query_bytes(9) + b"\0" * 1300, timeout=0.05)
    ok = allowed_query()
    expect(ok is not None and rcode_of(ok) == 0, "allowed client not answered after the flood")
    time.sleep(0.2)
    after = malloc_count.read_live(live)
    expect(before is not None and after is not None, "malloc counter not readable")
    # The allowed queries' own allocations (a debug build's local-data
    # lookup) are not the stream's.
    grown = after["allocations"] - before["allocations"] - allowed_allocations[0]
    expect(grown == 0, "%d heap allocations during %d refused and oversize queries (before %s, after %s)"
           % (grown, REFUSED_UDP + REFUSED_TCP + OVERSIZE, before, after))

    # The TCP refusals are counted when accepted: wait until all are seen.
    deadline = time.monotonic() + 5
    counters = stats(session, rundir)
    while counters.get("refused.acl", 0) < REFUSED_UDP + REFUSED_TCP and time.monotonic() < deadline:
        time.sleep(0.1)
        counters = stats(session, rundir)
    events = counters.get("refused.acl", 0) - 1   # less the warm-up
    expect(events == REFUSED_UDP + REFUSED_TCP, "refused.acl %d, sent %d" % (events, REFUSED_UDP + REFUSED_TCP))
    expect(counters.get("log.acl_refused.lines") == LINES_PER_WINDOW,
           "log.acl_refused.lines %s" % counters.get("log.acl_refused.lines"))
    expect(counters.get("log.acl_refused.suppressed") == events + 1 - LINES_PER_WINDOW,
           "log.acl_refused.suppressed %s, expected %d" % (counters.get("log.acl_refused.suppressed"),
                                                          events + 1 - LINES_PER_WINDOW))
    oversize = counters.get("drop.oversize", 0)
    expect(oversize == OVERSIZE, "drop.oversize %d, sent %d" % (oversize, OVERSIZE))
    expect(counters.get("log.oversize.lines") == LINES_PER_WINDOW
           and counters.get("log.oversize.suppressed") == OVERSIZE - LINES_PER_WINDOW,
           "log.oversize: %s lines, %s suppressed" % (counters.get("log.oversize.lines"),
                                                      counters.get("log.oversize.suppressed")))
    expect(counters.get("log.suppressed") == events + 1 + oversize - 2 * LINES_PER_WINDOW,
           "log.suppressed %s" % counters.get("log.suppressed"))

    log = log_text(proc)
    refusal_lines = [l for l in log.splitlines() if "refused a client not in list allow: %s" % bad in l]
    expect(len(refusal_lines) == LINES_PER_WINDOW, "%d refusal lines in the log (limit %d)"
           % (len(refusal_lines), LINES_PER_WINDOW))
    proc.stop()
    log = log_text(proc)
    summary = "refused a client not in list allow: suppressed %d similar lines" % (events + 1 - LINES_PER_WINDOW)
    expect(summary in log, "no shutdown summary %r in the log:\n%s" % (summary, proc.log_tail(10)))
    expect("dropped a query over 1232 bytes: suppressed %d similar lines" % (OVERSIZE - LINES_PER_WINDOW) in log,
           "no oversize summary:\n%s" % proc.log_tail(10))
    expect(len(log.splitlines()) < 60, "the log has %d lines after the flood" % len(log.splitlines()))
    print("    %d refused, %d oversize: %d log lines in all" % (events, oversize, len(log.splitlines())))


def commands_sprigd(session, octet):
    """A recursive sprigd of its own at <net>.7.<octet> (one per test, so a
    test that fails half-way leaves the next one its address)."""
    sprig_cli(session)   # skip before starting anything
    h = session.get("hierarchy")
    addr = "%s.7.%d" % (h.net, octet)
    rundir = session.rundir("sprigd-operator-%d" % octet)
    hosts = os.path.join(rundir, "hosts")
    leases = os.path.join(rundir, "dhcp.leases")
    with open(hosts, "w") as f:
        f.write("192.168.1.5 printer\n")
    with open(leases, "w") as f:
        f.write("%d aa:bb:cc:dd:ee:ff 192.168.1.23 laptop *\n" % (int(time.time()) + 3600))
    text = sprigd_recursive_config(h, addr, COMMAND_PORT, rundir) + (
        "\toption local_domain 'lan'\n\tlist hosts_file '%s'\n\tlist lease_file '%s'\n") % (hosts, leases)
    p = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-operator-%d" % octet)
    servers.wait_until_answers(p, qname="example.", rd=True)
    return Resolver("sprigd-operator-%d" % octet, addr, COMMAND_PORT, p), rundir


def cli_ok(session, rundir, *args):
    p = run_sprig(session, rundir, *args)
    expect(p.returncode == 0, "sprig %s: exit %d, %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


@test
def operator_commands_through_the_control_socket(session, sprigd_binary):
    """dump-cache shows what was resolved, in zone-file form with the
    trust rank; flush NAME removes that name and what is below it and
    nothing else; flush empties the cache; the names come back by
    resolving again; anchors show lists the root trust point and its key;
    leases lists the hosts and lease file names."""
    ready("recursive")(session)
    ready("dnssec")(session)
    r, rundir = commands_sprigd(session, 11)
    for name in ("www.a.example.", "www.ecdsa.example."):
        expect_rcode(r.query(name, "A"), "NOERROR")
    dump = first_dump = cli_ok(session, rundir, "dump-cache")
    lines = dump.splitlines()
    expect(any(l.startswith("www.a.example. ") and " IN A " in l for l in lines),
           "www.a.example. A not in dump-cache:\n%s" % dump[:2000])
    expect(any(l.startswith("www.ecdsa.example. ") and " IN A " in l and l.endswith("; secure") for l in lines),
           "www.ecdsa.example. A not shown secure:\n%s" % dump[:2000])
    expect(lines[-1].startswith("; ") and " entries shown" in lines[-1], "no closing count: %r" % lines[-1:])
    shown_before = int(lines[-1].split()[1])

    part = cli_ok(session, rundir, "dump-cache", "ecdsa.example")
    expect(all(l.split(" ")[0].endswith("ecdsa.example.") for l in part.splitlines() if not l.startswith(";"))
           and "www.ecdsa.example. " in part, "dump-cache ecdsa.example:\n%s" % part[:2000])

    out = cli_ok(session, rundir, "flush", "a.example")
    removed = int(out.split()[1])
    expect(out.startswith("flushed ") and removed >= 1, "flush a.example: %r" % out)
    dump = cli_ok(session, rundir, "dump-cache")
    expect(not any(l.split(" ")[0].endswith(".a.example.") or l.startswith("a.example. ")
                   for l in dump.splitlines() if not l.startswith(";")),
           "a.example. names still cached after flush:\n%s" % dump[:2000])
    expect(any(l.startswith("www.ecdsa.example. ") for l in dump.splitlines()),
           "flush a.example removed www.ecdsa.example.")
    expect(int(dump.splitlines()[-1].split()[1]) == shown_before - removed, "entry count after flush")
    expect_rcode(r.query("www.a.example.", "A"), "NOERROR")   # resolved again

    out = cli_ok(session, rundir, "flush")
    expect(out.startswith("flushed "), "flush: %r" % out)
    dump = cli_ok(session, rundir, "dump-cache")
    expect(dump.strip() == "; 0 of 0 entries shown", "dump after flush: %r" % dump[:300])
    expect_rcode(r.query("www.ecdsa.example.", "A"), "NOERROR")

    anchors = cli_ok(session, rundir, "anchors", "show")
    expect("trust point .:" in anchors and "algorithm 13" in anchors,
           "anchors show:\n%s" % anchors)

    names = cli_ok(session, rundir, "leases")
    print("    dump-cache (first lines):\n      " + "\n      ".join(first_dump.splitlines()[:6]))
    print("    anchors show:\n      " + "\n      ".join(anchors.splitlines()))
    print("    leases:\n      " + "\n      ".join(names.splitlines()))
    expect("laptop.lan. 192.168.1.23" in names and "printer" in names and "192.168.1.5" in names,
           "leases:\n%s" % names)
    bad = run_sprig(session, rundir, "flush", "a..b")
    expect(bad.returncode == 1 and "not a domain name" in bad.stderr, "flush a..b: %r %r" % (bad.stdout, bad.stderr))
    r.stop()


@test
def bad_upstream_answers_are_logged_within_the_limit(session, sprigd_binary, faults):
    """A server that first answers every name with a wrong ID (a spoofing
    attempt, fault_server.py's `wrongid-*`): each name still resolves (the
    real answer follows), `upstream.mismatched` counts every forged
    answer, and the log names the server in at most 5 lines, the rest
    counted in `log.upstream_mismatch.suppressed`."""
    ready("recursive")(session)
    r, rundir = commands_sprigd(session, 12)
    names = ["wrongid-op%d.faults.example." % i for i in range(20)]
    for name in names:
        expect_rcode(r.query(name, "A", dnssec=False), "NOERROR")
    counters = stats(session, rundir)
    forged = counters.get("upstream.mismatched", 0)
    expect(forged >= len(names), "upstream.mismatched %d for %d names" % (forged, len(names)))
    expect(counters.get("log.upstream_mismatch.lines") == LINES_PER_WINDOW
           and counters.get("log.upstream_mismatch.suppressed") == forged - LINES_PER_WINDOW,
           "log.upstream_mismatch: %s lines, %s suppressed, %d forged" % (
               counters.get("log.upstream_mismatch.lines"), counters.get("log.upstream_mismatch.suppressed"), forged))
    server = "%s.0.60" % session.get("hierarchy").net
    lines = [l for l in log_text(r.process).splitlines()
             if "does not match the query asked, from server: %s" % server in l]
    expect(len(lines) == LINES_PER_WINDOW, "%d mismatch lines in the log" % len(lines))
    r.stop()
    expect("does not match the query asked, from server: suppressed %d similar lines" % (forged - LINES_PER_WINDOW)
           in log_text(r.process), "no shutdown summary:\n%s" % r.process.log_tail(10))


def raw_control(path, payload, read=True, timeout=3.0):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        if payload:
            s.sendall(payload)
        if not read:
            return b""
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return out


@test
def control_socket_under_hostile_clients(session, sprigd_binary):
    """Long and garbage command lines get an error line; a client that
    connects and never sends is dropped after 2 s while DNS is answered;
    200 clients at once each get a reply or a close, never a hang; a
    non-root user (the socket's mode widened by hand) is refused stats,
    flush and clock-synced alike; sprigd keeps answering."""
    ready("recursive")(session)
    r, rundir = commands_sprigd(session, 13)
    sock = os.path.join(rundir, "sprig.sock")
    expect(raw_control(sock, b"x" * 5000).startswith(b"error: command too long"), "long line")
    expect(raw_control(sock, bytes(range(1, 10)) + b"\xff\xfe\n") == b"error: unknown command\n", "garbage line")
    expect(raw_control(sock, b"stats extra\n") == b"error: stats takes no argument\n", "stats with an argument")
    expect(raw_control(sock, b"flush a b\n") == b"error: too many arguments\n", "flush a b")
    expect(raw_control(sock, b"\n") == b"error: empty command\n", "empty line")
    expect(raw_control(sock, b"ping\n") == b"pong\n", "ping")

    # A client that never sends: DNS is answered meanwhile; it is dropped.
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(sock)
    silent.settimeout(5)
    started = time.monotonic()
    for _ in range(5):
        expect_rcode(r.query("www.a.example.", "A"), "NOERROR")
    expect(silent.recv(16) == b"", "the silent client got data")
    held = time.monotonic() - started
    silent.close()
    expect(held < 4.0, "silent control client held for %.1f s" % held)

    # Many clients at once: each gets a reply or is closed (busy).
    clients = []
    for _ in range(200):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(5)
        try:
            c.connect(sock)
            c.send(b"stats\n")
            clients.append(c)
        except (BlockingIOError, ConnectionRefusedError, socket.timeout, OSError):
            c.close()
    answered = 0
    for c in clients:
        try:
            if c.recv(65536):
                answered += 1
        except (ConnectionResetError, socket.timeout):
            pass
        c.close()
    expect(answered >= 1, "none of %d control clients got a reply" % len(clients))
    expect_rcode(r.query("www.ecdsa.example.", "A"), "NOERROR")
    expect("queries.udp" in cli_ok(session, rundir, "stats"), "stats after many clients")

    # Only root may use the socket (no control_group), even widened.
    if os.geteuid() == 0 and shutil.which("setpriv"):
        nobody = pwd.getpwnam("nobody")
        d = rundir
        while d not in ("/", "/tmp"):   # the work dir is 0700: let nobody reach the socket
            os.chmod(d, os.stat(d).st_mode | 0o011)
            d = os.path.dirname(d)
        os.chmod(sock, 0o666)
        for args in (("stats",), ("flush",), ("flush", "a.example"), ("clock-synced",)):
            denied = run_sprig(session, rundir, *args, user=nobody)
            expect(denied.returncode == 1 and "needs root" in denied.stderr and "queries.udp" not in denied.stdout,
                   "nobody's %s: exit %d %r %r" % (" ".join(args), denied.returncode, denied.stdout, denied.stderr))
        expect(int(cli_ok(session, rundir, "flush").split()[1]) >= 1, "nobody's flush emptied the cache")
    expect(r.process.alive(), "sprigd died")
    r.stop()
