"""A bounded flood at the most dnsperf can send (issue 20 item 3).

A forwarding sprigd with small pools (cache 256 KiB, 64 client requests,
8 TCP clients) behind a dnsmasq that answers `*.flood.test` itself and
sends `*.slow.test` to a server that never answers. Four phases, each
SPRIG_FLOOD_SECONDS (4) of dnsperf with no rate limit:

  churn     UDP, every name new (cache churn: evictions)
  clients   UDP, 200 dnsperf sockets, names that never get an answer: every
            client slot is taken, newcomers are dropped and counted
  tcp       TCP, 64 connections against 8 slots
  mixed     UDP churn and TCP at once

Meanwhile a probe asks a cached name every 20 ms: the household's cached
names must keep being answered. After each phase sprigd is alive; at the
end RSS is what it was after the warm-up (DESIGN.md §2.1: every pool is
reserved at start), and the counters show the drops. The figures (sent,
answered, dropped by counter, RSS) are printed for the closing note.

Gate: sprigd forward mode; dnsperf and dnsmasq (Tests/tools/deps.sh).
"""
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import threading
import time

from harness import Skip, expect, test
from tests_forwarder import UPSTREAM_PORT, Upstream, config_text, forward_ready, release_sprigd, stats
from tests_hostile import build_query, rss_kb
import servers

UPSTREAM_OCTET, SPRIGD_OCTET, BLACKHOLE_OCTET = 60, 61, 62
SPRIGD_PORT = 5300
PHASE_SECONDS = int(os.environ.get("SPRIG_FLOOD_SECONDS", "4"))
NAMES_PER_PHASE = 400_000          # more than dnsperf sends in a phase: every name new
PROBE_INTERVAL_SECONDS = 0.02
PROBE_TIMEOUT_SECONDS = 0.5        # per try; a stub resolver tries again, so does the probe
PROBE_TRIES = 3
PROBE_ANSWERED_MIN = 0.9           # of probes answered, per phase (45% before the spare slot)
RSS_GROWTH_MAX_KB = 512            # after warm-up (page-cache noise, not pools)
CACHED = "cached.flood.test"
POOLS = ("\toption cache_size '256K'\n\toption max_clients '64'\n"
         "\toption max_tcp_clients '8'\n\toption tcp_idle_timeout_ms '2000'")


class Blackhole(servers.UDPResponder):
    """A UDP server that reads every query and never answers."""


class Probe:
    """Asks CACHED every PROBE_INTERVAL_SECONDS over UDP, as a stub resolver
    does (up to PROBE_TRIES tries, PROBE_TIMEOUT_SECONDS each: a datagram
    the kernel drops from a flooded socket queue is nobody's choice), and
    counts the names answered NOERROR with one record."""

    def __init__(self, addr):
        self.addr = addr
        self.sent = self.answered = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def ask(self, qid):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(PROBE_TIMEOUT_SECONDS)
        try:
            s.sendto(build_query(qid, CACHED, 1, edns=False), (self.addr, SPRIGD_PORT))
            data = s.recv(4096)
            ancount = struct.unpack(">H", data[6:8])[0]
            return data[:2] == struct.pack(">H", qid) and data[3] & 0x0f == 0 and ancount == 1
        except (socket.timeout, OSError):
            return False
        finally:
            s.close()

    def run(self):
        qid = 0
        while self.running:
            self.sent += 1
            for _ in range(PROBE_TRIES):
                qid = (qid + 1) & 0xffff
                if self.ask(qid):
                    self.answered += 1
                    break
            time.sleep(PROBE_INTERVAL_SECONDS)

    def stop(self):
        self.running = False
        self.thread.join(PROBE_TRIES * PROBE_TIMEOUT_SECONDS + 1)
        return self.sent, self.answered


def names_file(path, suffix, tag, count=NAMES_PER_PHASE):
    rng = random.Random(tag)
    with open(path, "w") as f:
        for i in range(count):
            f.write("%s%d-%08x.%s A\n" % (tag, i, rng.getrandbits(32), suffix))
    return path


def dnsperf(addr, path, seconds, clients, outstanding, tcp=False):
    """One bounded dnsperf run; returns (sent, completed, lost, rcodes).
    A run that sent nothing (dnsperf could not start its sockets) is tried
    once more; its output goes with the result for the failure message."""
    for _ in range(2):
        result = dnsperf_once(addr, path, seconds, clients, outstanding, tcp)
        if result[0] > 0:
            break
    return result


def dnsperf_once(addr, path, seconds, clients, outstanding, tcp):
    argv = ["dnsperf", "-s", addr, "-p", str(SPRIGD_PORT), "-d", path, "-n", "1", "-l", str(seconds),
            "-c", str(clients), "-q", str(outstanding), "-t", "2"] + (["-m", "tcp"] if tcp else [])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)

    def number(label):
        m = re.search(r"%s:\s+(\d+)" % label, p.stdout)
        return int(m.group(1)) if m else 0
    codes = re.search(r"Response codes:\s+(.*)", p.stdout)
    rcodes = dict((name, int(count)) for name, count in re.findall(r"([A-Z]+) (\d+)", codes.group(1))) if codes else {}
    return number("Queries sent"), number("Queries completed"), number("Queries lost"), rcodes, (
        p.stdout[-300:] + p.stderr[-300:])


@test
def flood_keeps_cached_names_answered_rss_flat_and_drops_counted(session):
    """Issue 20 item 3 (DESIGN.md §2.1, §2.6): floods of new names, of
    clients beyond max_clients and of TCP connections beyond
    max_tcp_clients. Cached names keep their answers, sprigd never dies,
    RSS stays flat, and every drop is in a counter."""
    forward_ready(session)
    if not shutil.which("dnsperf"):
        raise Skip("no dnsperf (Tests/tools/deps.sh)")
    h = session.get("zones")
    hole_addr = "%s.2.%d" % (h.net, BLACKHOLE_OCTET)
    hole = Blackhole(hole_addr, UPSTREAM_PORT)
    up = Upstream(session, UPSTREAM_OCTET, 3600, ["--address=/flood.test/192.0.2.80",
                                                  "--server=/slow.test/%s#%d" % (hole_addr, UPSTREAM_PORT)])
    addr = "%s.2.%d" % (h.net, SPRIGD_OCTET)
    rundir = session.rundir("sprigd-flood")
    text = config_text(addr, rundir, up, POOLS).replace("option log_level 'debug'", "option log_level 'notice'")
    proc = servers.start_sprigd(release_sprigd(session), text, rundir, name="sprigd-flood")
    try:
        churn = names_file(os.path.join(rundir, "churn.txt"), "flood.test", "c")
        slow = names_file(os.path.join(rundir, "slow.txt"), "slow.test", "s")
        tcp_names = names_file(os.path.join(rundir, "tcp.txt"), "flood.test", "t")
        warm = names_file(os.path.join(rundir, "warm.txt"), "flood.test", "w", count=20_000)
        # Warm-up: every pool touched once, then the probe's name cached.
        dnsperf(addr, warm, 2, 8, 200)
        dnsperf(addr, slow, 2, 50, 500)
        dnsperf(addr, warm, 2, 16, 64, tcp=True)
        time.sleep(2.5)    # the slow queries time out, idle TCP closes
        subprocess.run(["dig", "@" + addr, "-p", str(SPRIGD_PORT), CACHED, "+time=2", "+tries=1"],
                       capture_output=True, timeout=10)
        rss_before = rss_kb(proc.pid)
        before = stats(session, rundir)
        rows = []
        phases = [("churn", [(churn, 8, 500, False)]),
                  ("clients", [(slow, 200, 2000, False)]),
                  ("tcp", [(tcp_names, 64, 640, True)]),
                  ("mixed", [(churn, 8, 500, False), (tcp_names, 64, 640, True)])]
        for name, runs in phases:
            probe = Probe(addr)
            results = []
            threads = [threading.Thread(target=lambda r=r: results.append(dnsperf(addr, r[0], PHASE_SECONDS, *r[1:])))
                       for r in runs]
            for t in threads:
                t.start()
            for t in threads:
                t.join(PHASE_SECONDS + 90)
            probes_sent, probes_answered = probe.stop()
            expect(proc.alive(), "sprigd died in phase %s:\n%s" % (name, proc.log_tail()))
            sent = sum(r[0] for r in results)
            done = sum(r[1] for r in results)
            rcodes = {}
            for r in results:
                for code, count in r[3].items():
                    rcodes[code] = rcodes.get(code, 0) + count
            rows.append((name, sent, done, probes_sent, probes_answered, rss_kb(proc.pid), rcodes))
            if sent == 0:
                print("flood %s: dnsperf sent nothing: %s" % (name, " | ".join(r[4] for r in results)))
        time.sleep(2.5)   # pending slow queries time out before the last look
        after = stats(session, rundir)
        rss_after = rss_kb(proc.pid)
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after
                 if k.startswith(("drop.", "tcp.", "cache.evictions", "answers.", "upstream.timeouts"))}
        for name, sent, done, ps, pa, rss, rcodes in rows:
            print("flood %-7s: %7d sent, %7d answered (%.1f%%: %s); probe %d/%d; RSS %d kB" % (
                name, sent, done, 100.0 * done / max(1, sent),
                ", ".join("%s %d" % kv for kv in sorted(rcodes.items())), pa, ps, rss))
        print("flood counters: %s" % ", ".join("%s %d" % (k, v) for k, v in sorted(delta.items()) if v))
        print("flood RSS: %d kB after warm-up, %d kB after the floods; blackhole saw %d queries" % (
            rss_before, rss_after, hole.received))
        for name, sent, done, ps, pa, rss, _ in rows:
            expect(sent > 0, "phase %s: dnsperf sent nothing" % name)
            expect(ps > 0 and pa >= PROBE_ANSWERED_MIN * ps,
                   "phase %s: the cached name was answered %d of %d times" % (name, pa, ps))
        expect(rss_after - rss_before <= RSS_GROWTH_MAX_KB,
               "RSS grew %d kB (%d -> %d)" % (rss_after - rss_before, rss_before, rss_after))
        expect(delta.get("cache.evictions", 0) > 0, "the churn evicted nothing: %s" % delta)
        expect(delta.get("drop.no_client_slot", 0) > 0 or delta.get("drop.no_request_slot", 0) > 0,
               "client slots were never exhausted (no drop counted): %s" % delta)
        expect(delta.get("drop.tcp_full", 0) + delta.get("tcp.closed_for_room", 0) > 0,
               "64 TCP connections against 8 slots left no trace: %s" % delta)
        # Afterwards: cached and new names answer as before.
        for qname in (CACHED, "after-flood.flood.test"):
            p = subprocess.run(["dig", "@" + addr, "-p", str(SPRIGD_PORT), qname, "+short", "+time=2", "+tries=2"],
                               capture_output=True, text=True, timeout=15)
            expect(p.stdout.strip() == "192.0.2.80", "%s after the flood: %r" % (qname, p.stdout))
        proc.stop()
    finally:
        hole.stop()
        up.stop()
