"""Hostile traffic through the running daemon (issue 19): a seeded stream of
mutated, truncated and garbage queries -- meta-types, odd classes and
opcodes, broken EDNS, compression loops, responses, random bytes, over UDP
and TCP -- at a recursive, validating sprigd on loopback. Afterwards every
name of the hierarchy resolves with the same rcode and AD bit as before
(the CASES table, plus one name never asked before in every zone), the
process is alive, and its RSS is flat. The figures are printed.

Bounds: SPRIG_HOSTILE_QUERIES (default 4000) and SPRIG_HOSTILE_SECONDS
(default 3) -- whichever comes first; `make fuzz` (Tests/Fuzz/run.sh) runs
it longer. SPRIG_HOSTILE_SEED picks the stream (default 19); a failure
names it.
"""
import os
import random
import socket
import struct
import time

from harness import Resolver, Skip, expect, sprigd_recursive_config, test
import servers
from tests_hierarchy import CASES, Case
from tests_sprigd import SPRIG_OVERRIDES, ready

HOSTILE_ADDR_OCTET = 17          # <net>.1.17: a sprigd of its own (README address plan)
QUERIES_DEFAULT = 4000
SECONDS_DEFAULT = 3.0
SEED_DEFAULT = 19
BURST = 40                       # datagrams per burst, then a short pause
BURST_PAUSE_SECONDS = 0.02       # ~2,000 queries/s: beyond max_clients at times, on purpose
TCP_SHARE = 50                   # one query in this many goes over a TCP connection
DRAIN_QUIET_SECONDS = 1.5        # after the stream: stop reading after this long without data
DRAIN_MAX_SECONDS = 8.0          # ... or this long in all (request deadline 5 s)
RSS_FLAT_KB = 512                # RSS growth still "flat" (no pool grows after start-up)
PROBE_TIMEOUT_SECONDS = 3.0
PROBE_TRIES = 2

RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
               5: "REFUSED", 16: "BADVERS"}

BIND_CASES = [
    Case("bind9_www", "www.bind9.example.", "A", "NOERROR", ["192.0.2.90"], "secure"),
    Case("bind9_later", "later.bind9.example.", "A", "NOERROR", ["192.0.2.92"], "secure"),
]


# -- wire ---------------------------------------------------------------------------

TYPES = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "DS": 43, "DNSKEY": 48}


def encode_name(name):
    wire = b""
    for label in name.strip(".").split("."):
        if label:
            wire += bytes([len(label)]) + label.encode()
    return wire + b"\x00"


def build_query(qid, name, qtype, flags=0x0100, qclass=1, edns=True, do=True, version=0,
                payload=1232, options=b""):
    wire = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    wire += encode_name(name) + struct.pack("!HH", qtype, qclass)
    if edns:
        ttl = (version << 16) | (0x8000 if do else 0)
        wire += b"\x00" + struct.pack("!HHIH", 41, payload, ttl, len(options)) + options
    return wire


def ask(addr, port, name, qtype):
    """(rcode name, AD) of one recursive query with EDNS and DO; TCP after TC."""
    qid = random.getrandbits(16)
    query = build_query(qid, name, TYPES[qtype])
    for _ in range(PROBE_TRIES):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(PROBE_TIMEOUT_SECONDS)
            s.sendto(query, (addr, port))
            try:
                while True:
                    data, _ = s.recvfrom(65535)
                    if len(data) >= 12 and data[:2] == query[:2]:
                        break
            except socket.timeout:
                continue
        if data[2] & 0x02:   # TC
            data = ask_tcp(addr, port, query)
        return RCODE_NAMES.get(data[3] & 0x0F, str(data[3] & 0x0F)), bool(data[3] & 0x20)
    return "TIMEOUT", False


def ask_tcp(addr, port, query):
    with socket.create_connection((addr, port), timeout=PROBE_TIMEOUT_SECONDS) as c:
        c.sendall(struct.pack("!H", len(query)) + query)
        size = struct.unpack("!H", recv_exactly(c, 2))[0]
        return recv_exactly(c, size)


def recv_exactly(c, n):
    data = b""
    while len(data) < n:
        chunk = c.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


# -- the stream ---------------------------------------------------------------------

class Stream:
    """Seeded hostile queries: a third well-formed with hostile contents, a
    third mutations of well-formed ones, the rest structural damage and
    garbage."""

    def __init__(self, seed, names):
        self.rng = random.Random(seed)
        self.names = names

    def qtype(self):
        r = self.rng
        pick = r.randrange(10)
        if pick < 3:
            return r.randrange(128, 256)                    # meta-types, TKEY/TSIG, AXFR, ANY
        if pick == 3:
            return r.choice([0, 41, 251, 252, 253, 254, 255])
        if pick == 4:
            return r.randrange(0, 65536)
        return r.choice(list(TYPES.values()) + [5, 12, 33, 39, 46, 47, 50, 64, 65])

    def name(self):
        r = self.rng
        base = r.choice(self.names)
        if r.randrange(3) == 0:
            base = "%s.%s" % ("".join(r.choice("abcxyz0129-_*") for _ in range(r.randrange(1, 20))), base)
        if r.randrange(20) == 0:
            base = ".".join(["a" * 63] * 4)                  # 255+ bytes: too long
        return base

    def options(self):
        r = self.rng
        out = b""
        for _ in range(r.randrange(0, 4)):
            code = r.choice([8, 10, 12, 15, 18, r.randrange(0, 65536)])
            value = bytes(r.getrandbits(8) for _ in range(r.choice([0, 1, 8, 16, 40, r.randrange(0, 300)])))
            out += struct.pack("!HH", code, len(value)) + value
        return out

    def wellformed(self):
        r = self.rng
        flags = 0x0100 * r.randrange(2) | 0x0010 * r.randrange(2) | 0x0020 * r.randrange(2)
        if r.randrange(15) == 0:
            flags |= r.randrange(1, 16) << 11                 # opcode other than QUERY
        if r.randrange(30) == 0:
            flags |= 0x8000                                   # a response
        return build_query(r.getrandbits(16), self.name(), self.qtype(), flags=flags,
                           qclass=1 if r.randrange(8) else r.choice([0, 3, 4, 254, 255, r.getrandbits(16)]),
                           edns=r.randrange(5) != 0, do=r.randrange(2) == 0,
                           version=0 if r.randrange(8) else r.randrange(1, 256),
                           payload=r.choice([0, 1, 511, 512, 1232, 4096, 65535]), options=self.options())

    def mutated(self):
        r = self.rng
        wire = bytearray(self.wellformed())
        for _ in range(r.randrange(1, 9)):
            kind = r.randrange(5)
            if kind == 0 and wire:
                i = r.randrange(len(wire))
                wire[i] ^= 1 << r.randrange(8)
            elif kind == 1 and wire:
                wire[r.randrange(len(wire))] = r.getrandbits(8)
            elif kind == 2:
                del wire[r.randrange(len(wire) + 1):]          # truncated
            elif kind == 3:
                wire += bytes(r.getrandbits(8) for _ in range(r.randrange(1, 40)))
            elif len(wire) >= 12:
                struct.pack_into("!H", wire, r.choice([4, 6, 8, 10]), r.choice([0, 2, 255, 65535]))
        return bytes(wire)

    def damaged(self):
        r = self.rng
        qid = r.getrandbits(16)
        kind = r.randrange(6)
        if kind == 0:    # compression pointer loop in the question
            return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack("!HH", 1, 1)
        if kind == 1:    # a label longer than 63
            return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"\x50" + b"a" * 80 + b"\x00\x00\x01\x00\x01"
        if kind == 2:    # two OPT records (RFC 6891 6.1.1: FORMERR)
            q = build_query(qid, self.name(), 1)
            return q[:10] + b"\x00\x02" + q[12:] + q[-11:]
        if kind == 3:    # header only, claiming records
            return struct.pack("!HHHHHH", qid, 0x0100, r.randrange(0, 3), r.randrange(0, 3),
                               r.randrange(0, 3), r.randrange(0, 3))
        if kind == 4:    # runt
            return bytes(r.getrandbits(8) for _ in range(r.randrange(0, 12)))
        return bytes(r.getrandbits(8) for _ in range(r.randrange(12, 600)))

    def next(self):
        pick = self.rng.randrange(3)
        return self.wellformed() if pick == 0 else self.mutated() if pick == 1 else self.damaged()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def run_stream(addr, port, stream, count_max, seconds_max, rng):
    """Sends the stream; returns (sent_udp, sent_tcp, answers by rcode, seconds)."""
    answers = {}
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]   # four "devices"
    for s in socks:
        s.setblocking(False)
    sent_udp = sent_tcp = 0
    start = time.monotonic()

    def drain():
        for s in socks:
            while True:
                try:
                    data = s.recv(65535)
                except (BlockingIOError, InterruptedError):
                    break
                if len(data) >= 4:
                    name = RCODE_NAMES.get(data[3] & 0x0F, "RCODE%d" % (data[3] & 0x0F))
                    answers[name] = answers.get(name, 0) + 1
                else:
                    answers["runt"] = answers.get("runt", 0) + 1
    try:
        while sent_udp + sent_tcp < count_max and time.monotonic() - start < seconds_max:
            for _ in range(BURST):
                wire = stream.next()
                if rng.randrange(TCP_SHARE) == 0:
                    try:
                        with socket.create_connection((addr, port), timeout=0.5) as c:
                            frame = wire if rng.randrange(4) == 0 else struct.pack("!H", len(wire)) + wire
                            c.sendall(frame)
                    except OSError:
                        pass
                    sent_tcp += 1
                    continue
                try:
                    rng.choice(socks).sendto(wire, (addr, port))
                except OSError:
                    pass
                sent_udp += 1
            drain()
            time.sleep(BURST_PAUSE_SECONDS)
        quiet_since = time.monotonic()
        stop = quiet_since + DRAIN_MAX_SECONDS
        while time.monotonic() < stop and time.monotonic() - quiet_since < DRAIN_QUIET_SECONDS:
            before = sum(answers.values())
            drain()
            if sum(answers.values()) != before:
                quiet_since = time.monotonic()
            time.sleep(0.05)
    finally:
        for s in socks:
            s.close()
    return sent_udp, sent_tcp, answers, time.monotonic() - start


def probes(h, seed, tag):
    """(label, name, type) for every CASES row and one name never asked
    before in every zone of the hierarchy."""
    out = [(c.label, c.qname, c.qtype) for c in CASES + BIND_CASES]
    for zone in h.order:
        suffix = "" if zone == "." else zone
        out.append(("fresh:" + zone, "hostile-%s-%d.%s" % (tag, seed, suffix), "A"))
    return out


def resolve_all(resolver, probe_list):
    return {label: ask(resolver.addr, resolver.port, name, qtype) for label, name, qtype in probe_list}


@test
def hostile_stream_leaves_every_name_as_it_was(session, bind):
    ready("recursive")(session)
    if "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd dnssec not declared ready")
    h = session.get("hierarchy")
    seed = int(os.environ.get("SPRIG_HOSTILE_SEED", SEED_DEFAULT))
    count_max = int(os.environ.get("SPRIG_HOSTILE_QUERIES", QUERIES_DEFAULT))
    seconds_max = float(os.environ.get("SPRIG_HOSTILE_SECONDS", SECONDS_DEFAULT))
    addr = "%s.1.%d" % (h.net, HOSTILE_ADDR_OCTET)
    rundir = session.rundir("sprigd-hostile")
    # Without aggressive NSEC (RFC 8198) every fresh name afterwards is asked
    # of its zone's servers, not synthesised from NSECs cached before.
    text = sprigd_recursive_config(h, addr, 53, rundir, log_level="info") + "\toption aggressive_nsec '0'\n"
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-hostile")
    resolver = Resolver("sprigd-hostile", addr, 53, proc)

    before = resolve_all(resolver, probes(h, seed, "pre"))
    for label, (rcode, ad) in before.items():   # the baseline itself must be right
        case = next((c for c in CASES + BIND_CASES if c.label == label), None)
        case = SPRIG_OVERRIDES.get(label, case)
        if case:
            expect(rcode == case.rcode and ad == (case.security == "secure"),
                   "before the stream, %s: %s AD=%s (seed %d)" % (label, rcode, ad, seed))
    rss_before = rss_kb(proc.pid)

    names = [c.qname for c in CASES + BIND_CASES] + [z for z in h.order if z != "."]
    rng = random.Random(seed ^ 0x5EED)
    sent_udp, sent_tcp, answers, took = run_stream(addr, 53, Stream(seed, names), count_max, seconds_max, rng)

    expect(proc.alive(), "sprigd died during the stream (seed %d):\n%s" % (seed, proc.log_tail()))
    after = resolve_all(resolver, probes(h, seed, "post"))
    rss_after = rss_kb(proc.pid)
    changed = ["%s: %s AD=%s -> %s AD=%s" % (label, before[label][0], before[label][1], *after[label])
               for label in before if before[label] != after[label]]
    answered = sum(answers.values())
    print("hostile: seed %d: %d queries in %.1f s (%d UDP, %d TCP); %d UDP answers: %s; "
          "no answer: %d" % (seed, sent_udp + sent_tcp, took, sent_udp, sent_tcp, answered,
                             ", ".join("%s %d" % kv for kv in sorted(answers.items(), key=lambda kv: -kv[1])),
                             sent_udp - answered))
    print("hostile: names still correct afterwards: %d of %d; RSS %d kB before, %d kB after" % (
        len(before) - len(changed), len(before), rss_before, rss_after))
    expect(not changed, "after the stream (seed %d): %s" % (seed, "; ".join(changed)))
    expect(proc.alive(), "sprigd died after the stream (seed %d)" % seed)
    expect(rss_after - rss_before <= RSS_FLAT_KB, "RSS grew %d kB (%d -> %d), seed %d" % (
        rss_after - rss_before, rss_before, rss_after, seed))
    proc.stop()
