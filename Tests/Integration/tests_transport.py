"""Outgoing TCP through the running sprigd (issue 13 item 3, RFC 7766):
upstreams that truncate every UDP answer (tcp_upstream.py), so each query
comes back over TCP. Counted at the server side: many truncated answers
from one server travel over one connection (§6.2.1, §6.2.2), pipelined and
answered out of order (§7); a server that closes mid-answer fails only the
queries on that connection, and the next query opens a new one (§6.2.4);
a server that accepts and never answers leaves the other upstream's
answers alone.

Each test has its own upstream(s) on <net>.0.40-44 and its own sprigd
(forward mode) on <net>.1.30-33. The allocation test needs the release
sprigd (swift build -c release --product sprigd) and dnsperf.
"""
import os
import socket
import struct
import subprocess
import time

from harness import expect, expect_answer, expect_rcode, test
import dig
import servers
from tests_forwarder import forward_ready, stats
from tests_hostile import build_query

SPRIGD_PORT = 5300
UPSTREAM_PORT = 53
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tcp_upstream.py")
BURST = 8                     # queries in flight at once through one connection
BURST_TIMEOUT_SECONDS = 5.0
ANSWER_SECONDS_MAX = 3.0      # a query that had to leave a silent upstream
TCP_ALLOC_QUERIES = 3000      # misses over TCP counted for allocations (a few seconds)


class TCPUpstream:
    """tcp_upstream.py on <net>.0.<octet>: TC over UDP, answers over TCP."""

    def __init__(self, session, octet, silent=False):
        h = session.get("zones")
        self.addr = "%s.0.%d" % (h.net, octet)
        self.rundir = session.rundir("tcp-upstream-%d" % octet)
        self.log = os.path.join(self.rundir, "upstream.log")
        argv = ["python3", SCRIPT, self.addr, str(UPSTREAM_PORT)] + (["--silent"] if silent else [])
        self.proc = servers.Process("tcp-upstream-%d" % octet, argv, self.log,
                                    addr=self.addr, port=UPSTREAM_PORT, cwd=self.rundir)
        servers.wait_until_answers(self.proc, qname="probe.invalid.", rd=True)

    def lines(self, kind):
        with open(self.log) as f:
            return [line.split() for line in f if line.startswith(kind + " ")]

    def connections(self):
        return len(self.lines("accept"))

    def tcp_queries(self):
        return len(self.lines("tcp"))


def address_for(name):
    """What tcp_upstream.py answers for `name`."""
    return "192.0.2.%d" % (sum(name.lower().encode()) % 250 + 1)


def start(session, octet, upstreams):
    h = session.get("zones")
    addr = "%s.1.%d" % (h.net, octet)
    rundir = session.rundir("sprigd-transport-%d" % octet)
    text = ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'forward'\n"
            "\toption dnssec '0'\n"
            "\toption user ''\n"
            "\toption log_level 'debug'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n") % (addr, SPRIGD_PORT, rundir, rundir)
    for up in upstreams:
        text += "\nconfig upstream\n\toption address '%s'\n\toption port '%d'\n" % (up.addr, UPSTREAM_PORT)
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-transport-%d" % octet)
    return addr, rundir, proc


def ask(addr, name, **options):
    return dig.dig(addr, name, "A", port=SPRIGD_PORT, dnssec=False, **options)


def burst(addr, names):
    """Sends every query at once from one UDP socket; {name: address or rcode}."""
    got = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        for i, name in enumerate(names):
            s.sendto(build_query(0x2000 + i, name, 1, edns=False), (addr, SPRIGD_PORT))   # no OPT: the A record ends the answer
        deadline = time.time() + BURST_TIMEOUT_SECONDS
        while len(got) < len(names) and time.time() < deadline:
            try:
                data, _ = s.recvfrom(65535)
            except socket.timeout:
                continue
            i = struct.unpack("!H", data[:2])[0] - 0x2000
            if not 0 <= i < len(names):
                continue
            rcode, ancount = data[3] & 0x0F, struct.unpack("!H", data[6:8])[0]
            got[names[i]] = socket.inet_ntoa(data[-4:]) if rcode == 0 and ancount == 1 else "rcode %d" % rcode
    return got


@test
def transport_many_truncated_answers_share_one_tcp_connection(session):
    """RFC 7766 §6.2.1/§6.2.2: 12 names one after the other, then 8 at once
    (pipelined, answered in reverse order): every answer right, and the
    upstream accepted exactly one connection."""
    forward_ready(session)
    up = TCPUpstream(session, 40)
    addr, rundir, proc = start(session, 30, [up])
    for i in range(12):
        name = "n%d.reuse.test" % i
        expect_answer(ask(addr, name), "A", [address_for(name)])
    names = ["b%d.reuse.test" % i for i in range(BURST)]
    got = burst(addr, names)
    expect(got == {n: address_for(n) for n in names}, "burst answers %s" % got)
    expect(up.connections() == 1, "upstream accepted %d connections, want 1" % up.connections())
    expect(up.tcp_queries() == 12 + BURST, "upstream saw %d TCP queries" % up.tcp_queries())
    s = stats(session, rundir)
    expect(s.get("transport.tcp.opened") == 1, "transport.tcp.opened %s" % s.get("transport.tcp.opened"))
    expect(s.get("transport.tcp.reused") == 11 + BURST, "transport.tcp.reused %s" % s.get("transport.tcp.reused"))
    expect(s.get("pool.outgoing_tcp.in_use") == 1, "the connection stays open (idle close after 10 s)")
    closed = {k: v for k, v in s.items() if k.startswith("transport.tcp.closed.") and v}
    expect(not closed, "connections ended: %s" % closed)
    proc.stop()


@test
def transport_server_closing_mid_answer_fails_only_that_connection(session):
    """RFC 7766 §6.2.4: the upstream writes half an answer and closes. That
    query fails (SERVFAIL, counted as closed.mid_answer); sprigd lives, and
    the next query gets its answer over a new connection."""
    forward_ready(session)
    up = TCPUpstream(session, 41)
    addr, rundir, proc = start(session, 31, [up])
    expect_answer(ask(addr, "before.mid.test"), "A", [address_for("before.mid.test")])
    expect_rcode(ask(addr, "cut-1.mid.test"), "SERVFAIL")
    s = stats(session, rundir)
    expect(s.get("transport.tcp.closed.mid_answer", 0) >= 1,
           "transport.tcp.closed.mid_answer %s" % s.get("transport.tcp.closed.mid_answer"))
    expect_answer(ask(addr, "after.mid.test"), "A", [address_for("after.mid.test")])
    expect(up.connections() >= 2, "no new connection after the close (%d)" % up.connections())
    expect(proc.alive(), "sprigd died")
    proc.stop()


@test
def transport_silent_tcp_upstream_leaves_other_answers_alone(session):
    """An upstream that accepts TCP and never answers, beside a good one:
    every name is answered right and in time (through the good upstream),
    while the silent upstream holds its connection."""
    forward_ready(session)
    silent = TCPUpstream(session, 42, silent=True)
    good = TCPUpstream(session, 43)
    addr, rundir, proc = start(session, 32, [silent, good])
    for i in range(6):
        name = "s%d.both.test" % i
        t0 = time.time()
        r = ask(addr, name, tries=1)
        elapsed = time.time() - t0
        expect_answer(r, "A", [address_for(name)])
        expect(elapsed < ANSWER_SECONDS_MAX, "%s took %.1f s" % (name, elapsed))
    expect(silent.tcp_queries() >= 1, "the silent upstream was never asked over TCP")
    expect(not silent.lines("close"), "sprigd closed the silent connection before its idle time")
    expect(good.tcp_queries() == 6, "the good upstream answered %d of 6" % good.tcp_queries())
    expect(good.connections() == 1, "good upstream: %d connections" % good.connections())
    proc.stop()


@test
def transport_tcp_query_path_never_allocates(session):
    """DESIGN §2.1 for outgoing TCP: after warm-up, thousands of cache
    misses that each go out over UDP, come back truncated and are asked
    again over the shared TCP connection, pipelined, cause zero heap
    allocations in the release sprigd (LD_PRELOAD malloc counter)."""
    forward_ready(session)
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Bench"))
    import malloc_count
    from tests_forwarder import release_sprigd
    binary = release_sprigd(session)
    up = TCPUpstream(session, 44)
    h = session.get("zones")
    addr = "%s.1.%d" % (h.net, 33)
    rundir = session.rundir("sprigd-transport-alloc")
    so = malloc_count.build(rundir)
    live = os.path.join(rundir, "malloc.live")
    text = ("config sprig 'main'\n\tlist listen '%s:%d'\n\toption mode 'forward'\n\toption dnssec '0'\n"
            "\toption user ''\n\toption log_level 'notice'\n\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n\toption cache_size '256K'\n"
            "\nconfig upstream\n\toption address '%s'\n\toption port '%d'\n") % (
        addr, SPRIGD_PORT, rundir, rundir, up.addr, UPSTREAM_PORT)
    proc = servers.start_sprigd(binary, text, rundir, name="sprigd-transport-alloc",
                                env=malloc_count.preload_env(so, live=live))

    def perf(names, path):
        return servers.dnsperf_completed(addr, SPRIGD_PORT, names, path, clients=2, outstanding=16, seconds=60)

    perf(["w%d.alloc.test" % i for i in range(300)], os.path.join(rundir, "warm.txt"))
    before = malloc_count.read_live(live)
    answered = perf(["m%d.alloc.test" % i for i in range(TCP_ALLOC_QUERIES)], os.path.join(rundir, "misses.txt"))
    after = malloc_count.read_live(live)
    expect(before is not None and after is not None, "malloc counter not readable")
    expect(answered >= TCP_ALLOC_QUERIES * 9 // 10, "only %d of %d queries answered" % (answered, TCP_ALLOC_QUERIES))
    grown = after["allocations"] - before["allocations"]
    expect(grown == 0, "%d allocations during %d queries over TCP (before %s, after %s)" % (
        grown, answered, before, after))
    s = stats(session, rundir)
    expect(s.get("transport.tcp.queries", 0) >= answered, "transport.tcp.queries %s" % s.get("transport.tcp.queries"))
    expect(s.get("transport.tcp.reused", 0) >= answered - 5, "transport.tcp.reused %s" % s.get("transport.tcp.reused"))
    proc.stop()
