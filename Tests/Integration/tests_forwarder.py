"""sprigd as a household forwarder (issue 3), end to end against real
upstreams: cache hits, TCP and pipelining, TC -> TCP retry, serve-stale when
the upstream is gone, SIGHUP reload, the client ACL, garbage packets.

Each test gets its own upstream (a dnsmasq answering a few local names,
logging every query it receives) and its own sprigd, on <net>.2.x.
"""
import os
import random
import signal
import socket
import struct
import subprocess
import time

from harness import Skip, expect, expect_answer, expect_rcode, fixture, test
import dig
import servers

SPRIGD_PORT = 5300
UPSTREAM_PORT = 53


class Upstream:
    """A dnsmasq that answers `records` itself and logs each query."""

    def __init__(self, session, octet, local_ttl, records):
        h = session.get("zones")
        self.addr = "%s.2.%d" % (h.net, octet)
        self.rundir = session.rundir("upstream-%d" % octet)
        self.log = os.path.join(self.rundir, "queries.log")
        argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                "--no-hosts", "--no-poll", "--bind-interfaces",
                "--listen-address=%s" % self.addr, "--port=%d" % UPSTREAM_PORT,
                "--user=root", "--group=root", "--pid-file=%s/dnsmasq.pid" % self.rundir,
                "--log-queries", "--log-facility=%s" % self.log,
                "--local-ttl=%d" % local_ttl] + records
        self.proc = servers.Process("upstream-%d" % octet, argv,
                                    os.path.join(self.rundir, "stdout.log"),
                                    addr=self.addr, port=UPSTREAM_PORT, cwd=self.rundir)
        servers.wait_until_answers(self.proc, qname="probe.invalid.", rd=True)

    def queries_for(self, name):
        """How many queries for `name` reached this upstream."""
        try:
            with open(self.log) as f:
                return sum(1 for line in f if "query[" in line and " %s from" % name in line)
        except FileNotFoundError:
            return 0

    def stop(self):
        self.proc.stop()


def start(session, octet, upstream, extra="", name="sprigd", dnssec=False):
    h = session.get("zones")
    addr = "%s.2.%d" % (h.net, octet)
    rundir = session.rundir("%s-%d" % (name, octet))
    text = config_text(addr, rundir, upstream, extra, dnssec)
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name=name)
    return addr, rundir, proc


def config_text(addr, rundir, upstream, extra="", dnssec=False):
    # dnsmasq's local names are unsigned: validation is tested in tests_sprigd.py.
    return ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'forward'\n"
            "\toption dnssec '" + ("1" if dnssec else "0") + "'\n"
            "\toption user ''\n"
            "\toption log_level 'debug'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n"
            "%s\n"
            "config upstream\n"
            "\toption address '%s'\n"
            "\toption port '%d'\n") % (addr, SPRIGD_PORT, rundir, rundir, extra,
                                       upstream.addr, UPSTREAM_PORT)


def stats(session, rundir):
    """`sprig stats` of the sprigd whose control socket is in rundir."""
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    p = subprocess.run([sprig, "stats", "-s", os.path.join(rundir, "sprig.sock")],
                       capture_output=True, text=True, timeout=10)
    expect(p.returncode == 0, "sprig stats failed: %s" % p.stderr)
    return {k: int(v) for k, v in (line.split() for line in p.stdout.splitlines() if line)}


def ask(addr, name, rrtype="A", **options):
    return dig.dig(addr, name, rrtype, port=SPRIGD_PORT, dnssec=False, **options)


def forward_ready(session):
    if "forward" not in session.args.sprigd_ready:
        raise Skip("sprigd forward mode not declared ready (--sprigd-ready forward)")


@test
def forward_validation_behind_a_dnssec_stripping_upstream_says_why(session):
    """dnssec '1' (the compiled-in root anchors) behind a dnsmasq that knows no
    DNSSEC: the root keys never come, so a name under the root cannot be
    validated. SERVFAIL with EDE 9 (DNSKEY Missing), a counter, and one log
    line that tells the household what to change."""
    forward_ready(session)
    up = Upstream(session, 26, 300, ["--address=/strip.test/192.0.2.36"])
    addr, rundir, proc = start(session, 27, up, dnssec=True)
    r = ask(addr, "www.strip.test")
    expect_rcode(r, "SERVFAIL")
    expect(9 in {code for code, _, _ in r.ede}, "EDE %s, expected 9 (DNSKEY Missing)" % r.ede)
    expect(stats(session, rundir).get("dnssec.anchor_keys_unusable", 0) >= 1, "anchor_keys_unusable not counted")
    servers.wait_for_log_line(proc, "upstream must pass DNSSEC records on")
    proc.stop()


@test
def forward_cache_hit_reaches_upstream_once(session):
    forward_ready(session)
    up = Upstream(session, 10, 300, ["--address=/hit.test/192.0.2.31"])
    addr, rundir, proc = start(session, 11, up)
    for i in range(5):
        r = ask(addr, "www.hit.test" if i % 2 else "WWW.Hit.Test")
        expect_rcode(r, "NOERROR")
        expect_answer(r, "A", ["192.0.2.31"])
    expect(up.queries_for("www.hit.test") == 1,
           "upstream saw %d queries, want 1" % up.queries_for("www.hit.test"))
    s = stats(session, rundir)
    expect(s.get("cache.hits", 0) >= 4, "cache.hits %s" % s.get("cache.hits"))
    r = ask(addr, "www.hit.test", tcp=True)
    expect_answer(r, "A", ["192.0.2.31"])
    proc.stop()


@test
def forward_tcp_pipelining_answers_every_query(session):
    forward_ready(session)
    up = Upstream(session, 12, 300, ["--address=/pipe.test/192.0.2.32"])
    addr, rundir, proc = start(session, 13, up)
    queries = [build_query(0x1000 + i, "n%d.pipe.test" % i) for i in range(5)]
    with socket.create_connection((addr, SPRIGD_PORT), timeout=5) as s:
        s.sendall(b"".join(struct.pack("!H", len(q)) + q for q in queries))
        ids = set()
        buf = b""
        deadline = time.time() + 5
        while len(ids) < len(queries) and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                msg, buf = buf[2:2 + n], buf[2 + n:]
                ids.add(struct.unpack("!H", msg[:2])[0])
                expect(msg[3] & 0x0F == 0, "rcode %d" % (msg[3] & 0x0F))
    expect(ids == {0x1000 + i for i in range(5)}, "answers for ids %s" % sorted(ids))
    proc.stop()


@test
def forward_truncated_upstream_answer_is_retried_over_tcp(session):
    forward_ready(session)
    fwd = session.get("sprigd_forwarder")
    r = fwd.query("big.a.example.", "TXT", tcp=True)
    expect_rcode(r, "NOERROR")
    expect(len(r.rrs("TXT")) >= 1 and not r.tc, "incomplete big TXT over TCP: %s" % r.summary())
    s = stats(session, session.rundir("sprigd-forwarder"))
    expect(s.get("upstream.tcp_retries", 0) >= 1, "upstream.tcp_retries %s" % s.get("upstream.tcp_retries"))
    udp = fwd.query("big.a.example.", "TXT", ignore_tc=True, bufsize=512)
    expect(udp.tc, "a 512-byte client must get TC: %s" % udp.summary())


@test
def forward_serves_stale_when_upstream_is_gone(session):
    """RFC 8767: TTL 1 s data, upstream stopped, expired: answer within ~2 s
    with TTL 30 and EDE 3; then at once while refreshes back off."""
    forward_ready(session)
    up = Upstream(session, 14, 1, ["--address=/stale.test/192.0.2.41"])
    addr, rundir, proc = start(session, 15, up)
    expect_answer(ask(addr, "www.stale.test"), "A", ["192.0.2.41"])
    up.stop()
    time.sleep(2.2)   # the 1 s TTL has run out
    t0 = time.time()
    r = ask(addr, "www.stale.test", timeout=6, tries=1)
    elapsed = time.time() - t0
    expect_rcode(r, "NOERROR")
    expect_answer(r, "A", ["192.0.2.41"])
    expect(r.answer[0].ttl == 30, "stale TTL %s, want 30" % r.answer[0].ttl)
    expect(any(code == 3 for code, _, _ in r.ede), "no EDE 3 (Stale Answer): %s" % r.ede)
    expect(elapsed < 4.0, "stale answer took %.1f s" % elapsed)
    # Wait for the refresh to give up, then stale data comes at once.
    time.sleep(6)
    t0 = time.time()
    r = ask(addr, "www.stale.test", timeout=6, tries=1)
    expect(time.time() - t0 < 1.0, "no immediate stale answer during back-off")
    expect_answer(r, "A", ["192.0.2.41"])
    s = stats(session, rundir)
    expect(s.get("cache.stale_answers", 0) >= 2, "cache.stale_answers %s" % s.get("cache.stale_answers"))
    proc.stop()


@test
def forward_acl_refuses_and_sighup_reloads(session):
    forward_ready(session)
    up = Upstream(session, 16, 300, ["--address=/acl.test/192.0.2.51"])
    addr, rundir, proc = start(session, 17, up, extra="\tlist allow '10.0.0.0/8'")
    expect_rcode(ask(addr, "www.acl.test"), "REFUSED")
    expect(up.queries_for("www.acl.test") == 0, "a refused query reached the upstream")
    conf = os.path.join(rundir, "sprig.conf")
    with open(conf, "w") as f:
        f.write(config_text(addr, rundir, up, "\tlist allow '127.0.0.0/8'"))
    os.kill(proc.pid, signal.SIGHUP)
    servers.wait_for_log_line(proc, "reloaded")
    expect_answer(ask(addr, "www.acl.test"), "A", ["192.0.2.51"])
    # A broken config is rejected with file:line errors; the old one stays.
    with open(conf, "a") as f:
        f.write("\toption cache_size 'lots'\n")
    os.kill(proc.pid, signal.SIGHUP)
    servers.wait_for_log_line(proc, "keeping the running configuration")
    with open(proc.log_path) as f:
        log = f.read()
    expect("sprig.conf:" in log and "cache_size" in log, "no file:line error in the log:\n" + log[-800:])
    expect_answer(ask(addr, "www.acl.test"), "A", ["192.0.2.51"])
    proc.stop()


@test
def forward_tls_upstream_added_by_reload_fails_closed_until_restart(session):
    """Never plain DNS where TLS was asked for (issue 16): sprigd started
    without a tls upstream reserved no TLS memory, so a SIGHUP that turns
    the upstream into transport 'tls' is taken with a warning that it needs
    a restart, and until then that upstream's queries fail (SERVFAIL): the
    upstream's query log shows none of them in plain. (DoT itself:
    tests_dot.py.)"""
    forward_ready(session)
    up = Upstream(session, 30, 300, ["--address=/tls.test/192.0.2.83"])
    addr = "%s.2.%d" % (session.get("zones").net, 31)
    rundir = session.rundir("sprigd-tls")
    tls = config_text(addr, rundir, up) + "\toption transport 'tls'\n"
    proc = servers.start_sprigd(session.get("sprigd_binary"), config_text(addr, rundir, up), rundir, name="sprigd-tls")
    expect_answer(ask(addr, "www.tls.test"), "A", ["192.0.2.83"])
    with open(os.path.join(rundir, "sprig.conf"), "w") as f:
        f.write(tls)
    os.kill(proc.pid, signal.SIGHUP)
    servers.wait_for_log_line(proc, "need a restart")
    r = ask(addr, "www2.tls.test")
    expect_rcode(r, "SERVFAIL")
    expect(up.queries_for("www2.tls.test") == 0, "the upstream got %d plain queries" % up.queries_for("www2.tls.test"))
    s = stats(session, rundir)
    expect(s.get("transport.refused.no_tls_slot", 0) >= 1, "no_tls_slot %s" % s.get("transport.refused.no_tls_slot"))
    proc.stop()


@test
def forward_idle_tcp_connections_make_room_for_a_real_client(session):
    """RFC 7766 §6.2.3: 100 connections opened and never used (more than
    max_tcp_clients, 8 here) must not lock a real TCP client out until the
    idle timeout: the connection idle longest is closed for the newcomer
    (tcp.closed_for_room), and the real client's query is answered."""
    forward_ready(session)
    up = Upstream(session, 32, 300, ["--address=/idle.test/192.0.2.84"])
    addr, rundir, proc = start(session, 33, up, extra="\toption max_tcp_clients '8'\n\toption tcp_idle_timeout_ms '60000'")
    idle = []
    try:
        for _ in range(100):   # bounded: 100 connections, each closed below
            s = socket.create_connection((addr, SPRIGD_PORT), timeout=2)
            idle.append(s)
        time.sleep(0.2)
        r = ask(addr, "www.idle.test", tcp=True)
        expect_answer(r, "A", ["192.0.2.84"])
        s = stats(session, rundir)
        expect(s.get("tcp.closed_for_room", 0) >= 90, "tcp.closed_for_room %s" % s.get("tcp.closed_for_room"))
    finally:
        for s in idle:
            s.close()
    proc.stop()


@test
def forward_survives_garbage_and_answers_formerr(session):
    forward_ready(session)
    up = Upstream(session, 18, 300, ["--address=/junk.test/192.0.2.61"])
    addr, rundir, proc = start(session, 19, up)
    rng = random.Random(4242)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(500):
            s.sendto(bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600))), (addr, SPRIGD_PORT))
        s.sendto(b"\x00" * 2000, (addr, SPRIGD_PORT))          # oversize
        # A readable header claiming a question that is not there: FORMERR.
        # (Sent a few times: the flood may still fill the socket buffer.)
        s.settimeout(1)
        got = None
        for _ in range(5):
            s.sendto(struct.pack("!HHHHHH", 0xBEEF, 0x0100, 1, 0, 0, 0), (addr, SPRIGD_PORT))
            try:
                while got is None:
                    data, _ = s.recvfrom(4096)
                    if data[:2] == b"\xbe\xef":
                        got = data
            except socket.timeout:
                continue
            break
        expect(got is not None and got[3] & 0x0F == 1, "no FORMERR for a header-only query: %r" % got)
    for _ in range(20):
        try:
            with socket.create_connection((addr, SPRIGD_PORT), timeout=2) as c:
                c.sendall(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300))))
        except OSError:
            pass
    expect(proc.alive(), "sprigd died on garbage:\n" + proc.log_tail())
    expect_answer(ask(addr, "www.junk.test"), "A", ["192.0.2.61"])
    expect_answer(ask(addr, "www.junk.test", tcp=True), "A", ["192.0.2.61"])
    s = stats(session, rundir)
    expect(s.get("drop.oversize", 0) >= 1, "oversize datagram not counted")
    proc.stop()


def build_query(qid, name, qtype=1):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.strip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", qtype, 1)


def release_sprigd(session):
    """The optimised sprigd (the allocation seal is a property of release
    code; debug builds allocate for unspecialised generics)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for path in (os.environ.get("SPRIGD_RELEASE", ""), os.path.join(root, ".build", "release", "sprigd")):
        if path and os.access(path, os.X_OK):
            return path
    raise Skip("no release sprigd (swift build -c release --product sprigd)")


@test
def forward_query_path_never_allocates(session):
    """DESIGN §2.1: after warm-up, 100,000 queries (cache hits and misses,
    evictions included) cause zero heap allocations, counted by an
    LD_PRELOAD malloc counter."""
    forward_ready(session)
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Bench"))
    import malloc_count
    binary = release_sprigd(session)
    up = Upstream(session, 20, 300, ["--address=/alloc.test/192.0.2.71"])
    h = session.get("zones")
    addr = "%s.2.%d" % (h.net, 21)
    rundir = session.rundir("sprigd-alloc")
    so = malloc_count.build(rundir)
    live = os.path.join(rundir, "malloc.live")
    text = config_text(addr, rundir, up, "\toption cache_size '256K'")
    proc = servers.start_sprigd(binary, text, rundir, name="sprigd-alloc",
                                env=malloc_count.preload_env(so, live=live))

    def perf(names, path):
        return servers.dnsperf_completed(addr, SPRIGD_PORT, names, path, clients=4, outstanding=200, seconds=120)

    warm = ["w%d.alloc.test" % i for i in range(2000)]
    perf(warm + warm, os.path.join(rundir, "warm.txt"))
    before = malloc_count.read_live(live)
    # 50,000 hits on warmed names interleaved with 50,000 new names (misses
    # that go upstream, fill the cache and force evictions in 256 KiB).
    mixed = []
    for i in range(50000):
        mixed.append(warm[i % len(warm)])
        mixed.append("m%d.alloc.test" % i)
    answered = perf(mixed, os.path.join(rundir, "mixed.txt"))
    after = malloc_count.read_live(live)
    expect(before is not None and after is not None, "malloc counter not readable")
    expect(answered >= 90000, "only %d of 100,000 queries answered" % answered)
    grown = after["allocations"] - before["allocations"]
    expect(grown == 0, "%d allocations during %d queries (before %s, after %s)" % (
        grown, answered, before, after))
    s = stats(session, rundir)
    expect(s.get("cache.evictions", 0) > 0, "the load did not evict: %s" % s.get("cache.evictions"))
    proc.stop()


@test
def forward_binds_as_root_then_runs_as_user(session):
    """Binds the listeners as root, then switches to `option user` for good."""
    forward_ready(session)
    if os.geteuid() != 0:
        raise Skip("needs root to test dropping privileges")
    import pwd
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user 'nobody' on this machine")
    up = Upstream(session, 22, 300, ["--address=/priv.test/192.0.2.81"])
    h = session.get("zones")
    addr = "%s.2.%d" % (h.net, 23)
    rundir = session.rundir("sprigd-priv")
    os.chmod(rundir, 0o755)
    text = config_text(addr, rundir, up).replace("\toption user ''\n", "\toption user 'nobody'\n")
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-priv")
    with open("/proc/%d/status" % proc.pid) as f:
        ids = {l.split(":")[0]: l.split()[1:] for l in f if l.startswith(("Uid:", "Gid:"))}
    expect(all(int(u) == nobody.pw_uid for u in ids["Uid"]), "still running as uid %s" % ids["Uid"])
    expect(all(int(g) == nobody.pw_gid for g in ids["Gid"]), "still running as gid %s" % ids["Gid"])
    expect_answer(ask(addr, "www.priv.test"), "A", ["192.0.2.81"])
    proc.stop()


@test
def forward_user_root_keeps_root_and_serves(session):
    """`option user 'root'` means no privilege drop (as ''): sprigd starts,
    stays root, says so once in its log, and answers. It used to stop with
    "cannot switch to user 'root': Operation not permitted"."""
    forward_ready(session)
    if os.geteuid() != 0:
        raise Skip("needs root to start with option user 'root'")
    up = Upstream(session, 28, 300, ["--address=/root.test/192.0.2.82"])
    addr = "%s.2.%d" % (session.get("zones").net, 29)
    rundir = session.rundir("sprigd-root")
    text = config_text(addr, rundir, up).replace("\toption user ''\n", "\toption user 'root'\n")
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-root")
    with open("/proc/%d/status" % proc.pid) as f:
        uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
    expect(all(int(u) == 0 for u in uids), "not root any more: uid %s" % uids)
    expect_answer(ask(addr, "www.root.test"), "A", ["192.0.2.82"])
    proc.stop()
    with open(os.path.join(rundir, "sprigd.log")) as f:
        log = f.read()
    expect(log.count("has uid 0: sprigd keeps root privileges") == 1, "the log does not say once that root is kept:\n" + log)


@test
def forward_silent_control_client_never_stalls_dns(session):
    """A local client that connects to the control socket and sends nothing
    is served through the event loop, not waited for: it stays connected
    while DNS is answered, is dropped after the 2 s idle limit, and stats
    work again afterwards."""
    forward_ready(session)
    up = Upstream(session, 24, 300, ["--address=/ctl.test/192.0.2.91"])
    addr, rundir, proc = start(session, 25, up)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(os.path.join(rundir, "sprig.sock"))
    t0 = time.time()
    for i in range(5):
        expect_answer(ask(addr, "n%d.ctl.test" % i), "A", ["192.0.2.91"])
    expect(time.time() - t0 < 2.0, "DNS slowed by an idle control client: %.2f s" % (time.time() - t0))
    time.sleep(max(0.0, 0.5 - (time.time() - t0)))
    silent.setblocking(False)
    try:
        data = silent.recv(16)
        expect(False, "the control client was answered or closed at once (%r): a blocking read?" % data)
    except BlockingIOError:
        pass                                   # still connected, nothing sent: as it should be
    silent.setblocking(True)
    silent.settimeout(5)
    expect(silent.recv(16) == b"", "the idle control client was not disconnected")
    silent.close()
    expect(stats(session, rundir).get("queries.udp", 0) >= 5, "stats after the idle client")
    proc.stop()
