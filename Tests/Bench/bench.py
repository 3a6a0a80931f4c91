#!/usr/bin/env python3
"""Sprig benchmark harness (`make bench`): performance is measured, never asserted.

Owns: starting the servers under test on 127.77.0.0/24 (a C floor responder,
NSD as the upstream, Unbound, dnsmasq, sprigd and its Embedded build when they
answer), and for recursive mode the signed hierarchy of Tests/Integration
(NSDs on 127.53.0.x:53) with sprigd and Unbound (validating and not) resolving
from its root hints on 127.53.1.20-23, and validating forwarders (sprigd,
Unbound; 127.53.1.25-26) behind a warmed non-validating Unbound (127.53.1.24);
driving load with dnsperf and a timed one-at-a-time client, and reading CPU
time, RSS and heap-call counts from /proc
and the malloc_count preload. Runs in a private network namespace when root
(Tests/Integration/netns.sh). Writes out/bench/results.txt and results.json.
Never: fails because a number is "too slow"; it exits non-zero only when the
harness itself cannot run (missing tool, a server that will not start).

Adding a scenario: write `def scenario_x(lab, results)` and add it to
SCENARIOS; it gets the running servers in `lab.servers` and stores what it
measured under `results[...]`; `render_report` prints what it finds there.
Python 3 standard library only.
"""
import ctypes
import datetime
import fcntl
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import malloc_count  # noqa: E402  (Tests/Bench/malloc_count.py)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH_DIR = os.path.join(ROOT, "Tests", "Bench")
OUT_ROOT = os.path.join(ROOT, os.environ.get("OUT") or "out")   # the Makefile's $(OUT)
OUT = os.path.join(OUT_ROOT, "bench")
WORK = os.path.join(OUT, "run")      # configs, zone, logs, counter files of this run


def env_int(name, default):
    """An integer knob from the environment, so parts of the bench can be scaled."""
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Knobs (all documented in Tests/Bench/README.md).
SECONDS = env_int("BENCH_SECONDS", 10)                 # cache-hit run per server and round
ROUNDS = env_int("BENCH_ROUNDS", 2)                    # cache-hit rounds; the best one is reported
HIT_NAMES = env_int("BENCH_HIT_NAMES", 5000)           # distinct cached names; dnsmasq warns above 10000 entries
RANDOM_QUERIES = env_int("BENCH_RANDOM_QUERIES", 1000000)  # random-name load per resolver
RANDOM_SECONDS = env_int("BENCH_RANDOM_SECONDS", 45)   # time cap of each random-name load
OUTSTANDING = env_int("BENCH_OUTSTANDING", 100)        # dnsperf -q: queries in flight
SEED = env_int("BENCH_SEED", 1)                        # random names are reproducible
PORT = env_int("BENCH_PORT", 5300)                     # every server's UDP port
SERVER_CORE = os.environ.get("BENCH_SERVER_CORE", "0")  # taskset core of the server under test
CLIENT_CORE = os.environ.get("BENCH_CLIENT_CORE", "1")  # dnsperf and NSD
SCENARIO_NAMES = os.environ.get("BENCH_SCENARIOS", "verify_speed,cache_hit,footprint,cold_recursive,cold_sibling_glue,recursive_cache_hit,"
                                                  "recursive_footprint,cold_validating,validating_cache_hit,"
                                                  "cold_forward_validating,dot_forward,cold_auth_dot,sizes,flash_days")
SPRIGD = os.environ.get("BENCH_SPRIGD", os.path.join(ROOT, ".build", "release", "sprigd"))
# Another sprigd measured beside it in the same run (an older build, for before/after ratios under
# the same load): a path to its binary, or unset. Its rows are named "<resolver>-baseline".
SPRIGD_BASELINE = os.environ.get("BENCH_SPRIGD_BASELINE") or None
# The router build (Embedded Swift, static, no Swift runtime): `Board/build.sh x86_64`.
SPRIGD_EMBEDDED = os.environ.get("BENCH_SPRIGD_EMBEDDED", os.path.join(OUT_ROOT, "x86_64", "sprigd"))
BUILD = os.environ.get("BENCH_BUILD", "1") != "0"      # may build a missing Embedded sprigd
COLD_NAMES = env_int("BENCH_COLD_NAMES", 300)          # distinct names of the cold recursive run
COLD_ROUNDS = env_int("BENCH_COLD_ROUNDS", 2)          # cold runs per resolver (restarted each time)
SPRIG_CACHE_SIZE = os.environ.get("BENCH_SPRIG_CACHE_SIZE", "8M")   # every sprigd's cache_size
# Every sprigd's `option memory`, written out so that the pool sizes the
# bench measures (max_clients, max_outgoing, TCP) do not follow the
# built-in default when it changes (it became 'small' in #17 item 2);
# cache_size above still wins over the preset's cache.
SPRIG_MEMORY = os.environ.get("BENCH_SPRIG_MEMORY", "medium")
# Extra `option` lines for every sprigd (';' between them), to price a
# feature: BENCH_SPRIG_OPTIONS="cookies 0;error_reporting 0".
SPRIG_OPTIONS = [o.strip() for o in os.environ.get("BENCH_SPRIG_OPTIONS", "").split(";") if o.strip()]
REC_SECONDS = env_int("BENCH_REC_SECONDS", 5)          # recursive cache-hit run per resolver and round
REC_RANDOM_QUERIES = env_int("BENCH_REC_RANDOM_QUERIES", 200000)  # random wildcard names per recursive resolver
REC_RANDOM_SECONDS = env_int("BENCH_REC_RANDOM_SECONDS", 20)      # time cap of each recursive random load
# flash_days: the XCTest simulation, built in this scratch path (the default, `make unit`'s, is usually built already).
FLASH_SCRATCH = os.environ.get("BENCH_FLASH_SCRATCH") or os.path.join(ROOT, ".build")
FLASH_TIMEOUT_SECONDS = env_int("BENCH_FLASH_TIMEOUT", 1200)  # test build (from nothing ~10 min on 2 cores) + run
VERIFY_BUDGET_MS = env_int("BENCH_VERIFY_MS", 300)     # verify_speed: least time per batch and measurement, host
VERIFY_QEMU_BUDGET_MS = env_int("BENCH_VERIFY_QEMU_MS", 200)  # the same under qemu-user, per board
VERIFY_BOARDS = os.environ.get("BENCH_VERIFY_BOARDS", "aarch64,armv7hf,mipsel")  # Board/<name>.conf run under qemu
VERIFY_TIMEOUT_SECONDS = 120      # one verify_speed build or run; it takes ~10 s

NET = "127.77.0."
ADDRESS = {"nsd": NET + "2", "floor": NET + "10", "unbound": NET + "11",
           "dnsmasq": NET + "12", "sprigd": NET + "13", "sprigd-embedded": NET + "14", "sprigd-baseline": NET + "15"}
ZONE = "sprigbench."
HIT_SUFFIX = "hit." + ZONE        # h<i>.hit.sprigbench. A — the cache-hit set
RANDOM_SUFFIX = "rnd." + ZONE     # *.rnd.sprigbench. A — a wildcard: every random name resolves
RESOLVERS = ("unbound", "dnsmasq", "sprigd", "sprigd-embedded") + (("sprigd-baseline",) if SPRIGD_BASELINE else ())
START_TIMEOUT_SECONDS = 10        # a server that does not answer by then did not start
STOP_TIMEOUT_SECONDS = 5          # after SIGTERM, then SIGKILL
DNSPERF_TIMEOUT_SECONDS = 2       # dnsperf -t: a query older than this is lost
FLAT_TOLERANCE_KB = 256           # RSS growth within this (or 1%) counts as "flat"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_PDEATHSIG = 1              # prctl option, <linux/prctl.h>


# ---------------------------------------------------------------- processes

class Server:
    """One started process: the pid whose /proc entries are measured, its log, its address."""

    def __init__(self, name, popen, address, log_path, counter_path=None):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        self.address = address
        self.log_path = log_path
        self.counter_path = counter_path   # malloc_count live file, if preloaded
        self.on_stop = None                # called once after the process has ended (flash-write count)

    def alive(self):
        return self.popen.poll() is None

    def stop(self):
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(STOP_TIMEOUT_SECONDS)
        if self.on_stop:
            on_stop, self.on_stop = self.on_stop, None
            on_stop(self)


class Lab:
    """Every process the bench starts; `close` stops them all, newest first, even after errors."""

    def __init__(self):
        self.processes = []
        self.servers = {}      # name -> Server, only those that answered
        self.nsd = None        # the upstream, once started
        self.flash = []        # one entry per ended sprigd process: writes to its state_dir

    def start(self, name, argv, address, core, preload=False, env_extra=None):
        log_path = os.path.join(WORK, name + ".log")
        env = dict(os.environ)
        counter_path = None
        if preload:
            counter_path = os.path.join(WORK, name + ".malloc.live")
            # The bench reads the live file, so no dump signal is installed (signal 0).
            env.update(malloc_count.preload_env(os.path.join(WORK, "malloc_count.so"), live=counter_path,
                                                dump=os.path.join(WORK, name + ".malloc.txt"), dump_signal=0))
        env.update(env_extra or {})
        log = open(log_path, "w")
        # A sprigd's generated state_dir is WORK/<name> (sprig_config): watch it from before start.
        state_dir = os.path.join(WORK, name)
        watch = StateDirWatch(state_dir) if name.startswith("sprigd") and os.path.isdir(state_dir) else None
        began = time.monotonic()
        popen = subprocess.Popen(["taskset", "-c", core] + argv, stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=subprocess.STDOUT, env=env,
                                 cwd=WORK, preexec_fn=die_with_parent)
        log.close()
        server = Server(name, popen, address, log_path, counter_path)
        if watch:
            server.on_stop = lambda ended: self.flash.append(dict(
                watch.finish(), instance=ended.name, pid=ended.pid, state_dir=state_dir,
                alive_seconds=round(time.monotonic() - began, 1)))
        self.processes.append(server)
        return server

    def close(self):
        for server in reversed(self.processes):
            try:
                server.stop()
            except OSError:
                pass
        self.processes = []


def die_with_parent():
    """Child side of fork: SIGKILL this process if the bench itself dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


# ---------------------------------------------------------------- flash writes (inotify through ctypes)

IN_CLOSE_WRITE = 0x00000008       # <sys/inotify.h>: a file opened for writing was closed
IN_MOVED_TO = 0x00000080          # a file was renamed into the directory (an atomic replace)
IN_NONBLOCK = 0o4000              # = O_NONBLOCK
INOTIFY_EVENT_HEADER = struct.Struct("iIII")   # wd, mask, cookie, len
INOTIFY_READ_BYTES = 65536        # one read; the loop below drains the queue in bounded reads
INOTIFY_READS_MAX = 1000          # 65 MB of events: far more than any sprigd writes in a run


class StateDirWatch:
    """Counts the files written (IN_CLOSE_WRITE) and renamed into (IN_MOVED_TO) one sprigd
    state_dir, from before the process starts until after it ended: every write is an event in
    the kernel's queue, so nothing is missed between polls and sprigd itself is not slowed
    (unlike strace). Python has no inotify module; libc's is called through ctypes."""

    def __init__(self, directory):
        self.fd = -1
        self.error = None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            self.fd = libc.inotify_init1(IN_NONBLOCK)
            if self.fd < 0 or libc.inotify_add_watch(self.fd, directory.encode(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
                self.error = "inotify: %s" % os.strerror(ctypes.get_errno())
        except (OSError, AttributeError) as error:
            self.error = "inotify: %s" % error

    def finish(self):
        """{"writes": files written and closed, "renames": replaces, "files": {name: writes}}; closes the watch."""
        if self.error or self.fd < 0:
            if self.fd >= 0:
                os.close(self.fd)
            return {"error": self.error or "inotify unavailable"}
        counts = {"writes": 0, "renames": 0, "files": {}}
        try:
            for _ in range(INOTIFY_READS_MAX):   # bounded; ends when the queue is empty
                try:
                    data = os.read(self.fd, INOTIFY_READ_BYTES)
                except BlockingIOError:
                    break
                offset = 0
                while offset + INOTIFY_EVENT_HEADER.size <= len(data):
                    _, mask, _, length = INOTIFY_EVENT_HEADER.unpack_from(data, offset)
                    start = offset + INOTIFY_EVENT_HEADER.size
                    name = data[start:start + length].rstrip(b"\0").decode(errors="replace")
                    offset = start + length
                    if mask & IN_CLOSE_WRITE:
                        counts["writes"] += 1
                        counts["files"][name] = counts["files"].get(name, 0) + 1
                    if mask & IN_MOVED_TO:
                        counts["renames"] += 1
                        counts["files"]["-> " + name] = counts["files"].get("-> " + name, 0) + 1
        finally:
            os.close(self.fd)
            self.fd = -1
        return counts


# ---------------------------------------------------------------- /proc readers

def cpu_seconds(pid):
    """utime + stime of a process from /proc/PID/stat, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # fields 14 and 15 of stat(5)


def tree_cpu_seconds(pid):
    """CPU seconds of a process and its direct children (NSD serves from a forked child)."""
    total = cpu_seconds(pid)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    total += cpu_seconds(int(entry))
        except (OSError, ValueError, IndexError):
            continue   # the process went away while we looked
    return total


def memory_kb(pid):
    """VmRSS and VmHWM of a process in kB, from /proc/PID/status."""
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return {"rss_kb": values.get("VmRSS"), "hwm_kb": values.get("VmHWM")}


def allocations(server):
    counts = malloc_count.read_live(server.counter_path) if server.counter_path else None
    return counts["allocations"] if counts else None


# ---------------------------------------------------------------- DNS probe and load

def dns_query(name, qtype=1, query_id=0x5350):
    header = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
    return header + labels + b"\x00" + struct.pack(">HH", qtype, 1)


def probe(address, name, timeout_seconds):
    """True once `address` answers a query for `name` with NOERROR, polling until the timeout."""
    deadline = time.monotonic() + timeout_seconds
    query = dns_query(name)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.25)
        while time.monotonic() < deadline:   # bounded by the deadline
            try:
                s.sendto(query, (address, PORT))
                reply, _ = s.recvfrom(4096)
                if reply[:2] == query[:2] and reply[2] & 0x80 and reply[3] & 0x0F == 0:
                    return True
            except OSError:
                time.sleep(0.1)
    return False


def dnsperf(address, datafile, seconds, max_runs=None, outstanding=OUTSTANDING):
    """One bounded dnsperf run on the client core; returns its parsed statistics."""
    argv = ["taskset", "-c", CLIENT_CORE, "dnsperf", "-s", address, "-p", str(PORT),
            "-d", datafile, "-l", str(seconds), "-q", str(outstanding),
            "-t", str(DNSPERF_TIMEOUT_SECONDS), "-c", "1", "-T", "1"]
    if max_runs:
        argv += ["-n", str(max_runs)]
    limit = seconds + DNSPERF_TIMEOUT_SECONDS + 30
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=limit)
    return parse_dnsperf(done.stdout)


def parse_dnsperf(text):
    def number(pattern):
        m = re.search(pattern, text)
        return float(m.group(1)) if m else None
    stats = {
        "sent": number(r"Queries sent:\s+(\d+)"),
        "completed": number(r"Queries completed:\s+(\d+)"),
        "lost": number(r"Queries lost:\s+(\d+)"),
        "run_seconds": number(r"Run time \(s\):\s+([\d.]+)"),
        "qps": number(r"Queries per second:\s+([\d.]+)"),
        "avg_latency_s": number(r"Average Latency \(s\):\s+([\d.]+)"),
    }
    m = re.search(r"Response codes:\s+(.*)", text)
    stats["rcodes"] = m.group(1).strip() if m else ""
    for key in ("sent", "completed", "lost"):
        if stats[key] is not None:
            stats[key] = int(stats[key])
    if stats["completed"] is None:
        stats["error"] = text.strip()[-400:]
    return stats


# ---------------------------------------------------------------- setup: files

def build_helpers():
    """gcc -O2 the floor responder and the malloc counter into the run directory."""
    cc = os.environ.get("CC", "gcc")
    subprocess.run([cc, "-O2", "-Wall", "-o", os.path.join(WORK, "floor"),
                    os.path.join(BENCH_DIR, "floor.c")], check=True)
    malloc_count.build(WORK, cc)


def check_malloc_counter():
    """Runs the counter's self-check (exact counts on a known program, then dnsmasq); returns its verdict."""
    done = subprocess.run([sys.executable, os.path.join(BENCH_DIR, "check_malloc_count.py"),
                           os.path.join(WORK, "malloc_check")], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60)
    lines = done.stdout.strip().splitlines()
    verdict = lines[-1].split(": ", 1)[-1] if lines else "no output"
    if done.returncode != 0:
        print(done.stdout)
    return verdict


def write_zone():
    lines = ["$ORIGIN %s" % ZONE, "$TTL 86400",
             "@ SOA ns.%s hostmaster.%s 1 3600 600 86400 86400" % (ZONE, ZONE),
             "@ NS ns.%s" % ZONE, "ns A %s" % ADDRESS["nsd"],
             "*.rnd A 192.0.2.2"]
    lines += ["h%d.hit A 192.0.2.%d" % (i, 1 + i % 250) for i in range(HIT_NAMES)]
    with open(os.path.join(WORK, "sprigbench.zone"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(WORK, "hit.queries"), "w") as f:
        f.write("".join("h%d.%s A\n" % (i, HIT_SUFFIX) for i in range(HIT_NAMES)))


def random_names_files(count=RANDOM_QUERIES, suffix=RANDOM_SUFFIX, tag="random"):
    """`count` random names r<12 hex>.<suffix> (a wildcard), in two halves; cached across runs."""
    paths = [os.path.join(OUT, "%s-%d-seed%d.%d.queries" % (tag, count, SEED, half)) for half in (1, 2)]
    if not all(os.path.exists(p) for p in paths):
        rng = random.Random(SEED)
        for index, path in enumerate(paths):
            half_count = count // 2 if index == 0 else count - count // 2
            with open(path + ".tmp", "w") as f:
                for _ in range(half_count):
                    f.write("r%012x.%s A\n" % (rng.getrandbits(48), suffix))
            os.rename(path + ".tmp", path)
    return paths


# ---------------------------------------------------------------- setup: servers

def start_nsd(lab):
    conf = os.path.join(WORK, "nsd.conf")
    with open(conf, "w") as f:
        f.write("""server:
  ip-address: {addr}
  port: {port}
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "{work}"
  database: ""
  zonelistfile: "{work}/nsd.zonelist"
  xfrdfile: "{work}/nsd.xfrd"
  xfrdir: "{work}"
  pidfile: "{work}/nsd.pid"
  logfile: "{work}/nsd.messages"
  verbosity: 0
  do-ip6: no
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: "{zone}"
  zonefile: "sprigbench.zone"
""".format(addr=ADDRESS["nsd"], port=PORT, work=WORK, zone=ZONE))
    server = lab.start("nsd", ["nsd", "-d", "-c", conf], ADDRESS["nsd"], CLIENT_CORE)
    return require_answer(server, "h0." + HIT_SUFFIX)


def start_floor(lab):
    server = lab.start("floor", [os.path.join(WORK, "floor"), ADDRESS["floor"], str(PORT)],
                       ADDRESS["floor"], SERVER_CORE)
    return require_answer(server, "h0." + HIT_SUFFIX)


def unbound_config(name, address, lines):
    """A one-thread Unbound on `address`:PORT, iterator only, with `lines`
    after server: (more server options, then forward-zone sections)."""
    return """server:
  interface: {addr}
  port: {port}
  outgoing-interface: {addr}
  num-threads: 1
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{work}"
  pidfile: "{work}/{name}.pid"
  logfile: ""
  use-syslog: no
  verbosity: 0
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  module-config: "iterator"
  so-reuseport: no
  prefetch: no
{lines}remote-control:
  control-enable: no
""".format(addr=address, port=PORT, work=WORK, name=name, lines=lines)


def start_unbound(lab):
    """Unbound forwarding sprigbench. to NSD; one thread; caches sized by default (4m + 4m)."""
    conf = os.path.join(WORK, "unbound.conf")
    with open(conf, "w") as f:
        f.write(unbound_config("unbound", ADDRESS["unbound"], """forward-zone:
  name: "{zone}"
  forward-addr: {upstream}@{port}
""".format(zone=ZONE, upstream=ADDRESS["nsd"], port=PORT)))
    server = lab.start("unbound", ["unbound", "-d", "-c", conf], ADDRESS["unbound"],
                       SERVER_CORE, preload=True)
    return require_answer(server, "h0." + HIT_SUFFIX)


def start_dnsmasq(lab):
    """dnsmasq forwarding to NSD, cache big enough for every cache-hit name."""
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--bind-interfaces", "--listen-address=" + ADDRESS["dnsmasq"],
            "--port=%d" % PORT, "--server=%s#%d" % (ADDRESS["nsd"], PORT),
            "--cache-size=%d" % max(150, HIT_NAMES * 2), "--dns-forward-max=1000",
            "--user=" + user, "--pid-file=", "--log-facility=-"]
    server = lab.start("dnsmasq", argv, ADDRESS["dnsmasq"], SERVER_CORE, preload=True)
    return require_answer(server, "h0." + HIT_SUFFIX)


def sprig_config(name, address, mode_lines):
    """UCI text for one sprigd: its own listen address, state dir and control socket
    (several sprigd run at once; the default /var/run/sprig.sock would be shared)."""
    rundir = os.path.join(WORK, name)
    os.makedirs(rundir, exist_ok=True)
    return """# Written by Tests/Bench/bench.py
config sprig 'main'
\tlist listen '{addr}:{port}'
\toption user ''
\toption log_level 'warning'
\toption state_dir '{rundir}'
\toption control_socket '{rundir}/sprig.sock'
\toption memory '{memory}'
\toption cache_size '{cache}'
""".format(addr=address, port=PORT, rundir=rundir, memory=SPRIG_MEMORY, cache=SPRIG_CACHE_SIZE) + "".join(
        "\toption %s '%s'\n" % tuple(o.split(None, 1)) for o in SPRIG_OPTIONS) + mode_lines


def forward_config(name, address):
    """Forward mode to the bench's NSD, no DNSSEC. The default cache_size 8M matches Unbound's
    default caches (4m messages + 4m RRsets)."""
    return sprig_config(name, address, """\toption mode 'forward'
\toption dnssec '0'

config upstream
\toption address '{upstream}'
\toption port '{port}'
\toption transport 'udp'
""".format(upstream=ADDRESS["nsd"], port=PORT))


def start_sprigd(lab, name="sprigd", binary=SPRIGD):
    """sprigd (or the Embedded build) in forward mode to NSD when the binary exists and
    answers; else None."""
    if not os.path.exists(binary):
        print("%s: no binary at %s — skipped" % (name, binary))
        return None
    conf = os.environ.get("BENCH_SPRIGD_CONFIG") if name == "sprigd" else None
    if not conf:
        conf = os.path.join(WORK, name + ".conf")
        with open(conf, "w") as f:
            f.write(forward_config(name, ADDRESS[name]))
    # The Embedded build is static: LD_PRELOAD (the allocation counter) does not apply to it.
    server = lab.start(name, [binary, "-c", conf], ADDRESS[name], SERVER_CORE,
                       preload=name == "sprigd")
    if probe(server.address, "h0." + HIT_SUFFIX, 3) and server.alive():
        return server
    print("%s: not answering yet — skipped" % name)
    server.stop()
    return None


def embedded_binary(results):
    """out/x86_64/sprigd, built with `Board/build.sh x86_64` (~1 min) when missing and
    BENCH_BUILD is not 0; None (with a line in Skipped) when there is none."""
    if not os.path.exists(SPRIGD_EMBEDDED) and BUILD and "BENCH_SPRIGD_EMBEDDED" not in os.environ:
        print("sprigd-embedded: %s missing — building it (Board/build.sh x86_64)" % SPRIGD_EMBEDDED)
        try:
            subprocess.run(["bash", os.path.join(ROOT, "Board", "build.sh"), "x86_64"], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=600)
        except subprocess.TimeoutExpired:
            pass
    if os.path.exists(SPRIGD_EMBEDDED):
        return SPRIGD_EMBEDDED
    results.setdefault("skipped", []).append(
        "sprigd-embedded: no %s (make embedded-check) — skipped" % SPRIGD_EMBEDDED)
    return None


def require_answer(server, name):
    if probe(server.address, name, START_TIMEOUT_SECONDS) and server.alive():
        return server
    server.stop()
    with open(server.log_path) as f:
        tail = f.read()[-1500:]
    raise RuntimeError("%s did not answer on %s:%d; log:\n%s" % (server.name, server.address, PORT, tail))


def start_all(lab, results):
    """Starts every server; records idle RSS right after start."""
    lab.nsd = start_nsd(lab)
    embedded = embedded_binary(results)
    starters = (("floor", start_floor), ("unbound", start_unbound),
                ("dnsmasq", start_dnsmasq), ("sprigd", start_sprigd),
                ("sprigd-embedded", (lambda lab: start_sprigd(lab, "sprigd-embedded", embedded))
                 if embedded else None),
                ("sprigd-baseline", (lambda lab: start_sprigd(lab, "sprigd-baseline", SPRIGD_BASELINE))
                 if SPRIGD_BASELINE else None))
    for name, starter in starters:
        server = starter(lab) if starter else None
        if server:
            lab.servers[name] = server
    time.sleep(0.5)
    footprint = results.setdefault("footprint", {})
    for name, server in lab.servers.items():
        footprint.setdefault(name, {})["idle"] = memory_kb(server.pid)


def warm_up(lab, results):
    """One pass over the cache-hit names through each resolver, so every name is cached."""
    hit_file = os.path.join(WORK, "hit.queries")
    footprint = results["footprint"]
    for name in RESOLVERS:
        server = lab.servers.get(name)
        if not server:
            continue
        stats = dnsperf(server.address, hit_file, 60, max_runs=1, outstanding=20)
        footprint[name]["warm"] = memory_kb(server.pid)
        footprint[name]["warm_up"] = stats


# ---------------------------------------------------------------- scenarios

def upstreams_cpu_seconds(upstreams):
    return sum(tree_cpu_seconds(upstream.pid) for upstream in upstreams)


def measure_cache_hit(server, hit_file, upstreams, seconds=SECONDS):
    """One timed run; upstream (NSD) CPU shows whether the resolver really answered from cache."""
    upstream_before = upstreams_cpu_seconds(upstreams)
    cpu_before, allocs_before = cpu_seconds(server.pid), allocations(server)
    stats = dnsperf(server.address, hit_file, seconds)
    cpu_after, allocs_after = cpu_seconds(server.pid), allocations(server)
    row = dict(stats, cpu_seconds=round(cpu_after - cpu_before, 3),
               upstream_cpu_seconds=round(upstreams_cpu_seconds(upstreams) - upstream_before, 3))
    answered = stats.get("completed") or 0
    if row["cpu_seconds"] > 0 and answered:
        row["queries_per_cpu_second"] = answered / row["cpu_seconds"]
        row["cpu_us_per_query"] = 1e6 * row["cpu_seconds"] / answered
    if allocs_before is not None and allocs_after is not None and answered:
        row["allocations_per_query"] = (allocs_after - allocs_before) / answered
    print("cache-hit %-8s answered %9s  cpu %6.2f s  %s q/CPU-s" % (
        server.name, answered, row["cpu_seconds"], int(row.get("queries_per_cpu_second", 0))))
    return row


def best_round(runs):
    """The run with the most queries per CPU-second: other processes only ever add cost."""
    good = [run for run in runs if "queries_per_cpu_second" in run]
    if not good:
        return runs[-1]
    best = dict(max(good, key=lambda run: run["queries_per_cpu_second"]))
    best["rounds_queries_per_cpu_second"] = [round(run.get("queries_per_cpu_second", 0)) for run in runs]
    return best


def scenario_cache_hit(lab, results):
    """BENCH_ROUNDS interleaved rounds of dnsperf for SECONDS against each server; the best round counts."""
    hit_file = os.path.join(WORK, "hit.queries")
    runs = {}
    for _ in range(ROUNDS):
        for name in ("floor",) + RESOLVERS:
            server = lab.servers.get(name)
            if not server:
                continue
            try:
                runs.setdefault(name, []).append(measure_cache_hit(server, hit_file, [lab.nsd]))
            except (OSError, subprocess.SubprocessError) as error:   # e.g. the server died mid-run
                runs.setdefault(name, []).append({"error": "%s: %s" % (type(error).__name__, error)})
                print("cache-hit %-8s failed: %s" % (name, runs[name][-1]["error"]))
    rows = results.setdefault("cache_hit", {})
    for name, server_runs in runs.items():
        rows[name] = best_round(server_runs)
    floor = rows.get("floor", {}).get("cpu_us_per_query")
    for row in rows.values():
        if floor is not None and "cpu_us_per_query" in row:
            row["cpu_us_above_floor"] = row["cpu_us_per_query"] - floor
    results["sprig_ratios"] = sprig_ratios(rows, "sprigd")
    results["sprig_embedded_ratios"] = sprig_ratios(rows, "sprigd-embedded")
    results["baseline_ratios"] = baseline_ratios(rows, ("sprigd",))


def baseline_ratios(rows, names):
    """Each sprigd against its baseline build in the same run (BENCH_SPRIGD_BASELINE): q/CPU-s and
    latencies, new / baseline."""
    ratios = {}
    for name in names:
        mine, base = rows.get(name, {}), rows.get(name + "-baseline", {})
        for key in ("queries_per_cpu_second", "median_ms", "p90_ms"):
            if mine.get(key) and base.get(key):
                ratios["%s_%s" % (name, key)] = mine[key] / base[key]
    return ratios


def sprig_ratios(rows, sprig_name):
    """One sprigd's q/CPU-s and cost above the floor relative to Unbound's and dnsmasq's."""
    sprig, ratios = rows.get(sprig_name, {}), {}
    for other in ("unbound", "dnsmasq"):
        theirs = rows.get(other, {})
        if "queries_per_cpu_second" in sprig and "queries_per_cpu_second" in theirs:
            ratios["qps_per_cpu_vs_" + other] = sprig["queries_per_cpu_second"] / theirs["queries_per_cpu_second"]
            if theirs.get("cpu_us_above_floor") and sprig.get("cpu_us_above_floor") is not None:
                ratios["cost_above_floor_vs_" + other] = sprig["cpu_us_above_floor"] / theirs["cpu_us_above_floor"]
    return ratios


def measure_random_load(server, halves, entry, seconds=RANDOM_SECONDS):
    """Two bounded dnsperf runs (first and second half of the names) with RSS in between:
    growth in the second half shows whether memory is bounded or keeps climbing."""
    entry["before_random"] = memory_kb(server.pid)
    allocs_before, cpu_before = allocations(server), cpu_seconds(server.pid)
    runs = []
    for index, half in enumerate(halves):
        runs.append(dnsperf(server.address, half, max(1, seconds // 2), max_runs=1))
        if index == 0:
            entry["mid_random"] = memory_kb(server.pid)
    allocs_after, cpu_after = allocations(server), cpu_seconds(server.pid)
    entry["after_random"] = memory_kb(server.pid)
    entry["random_load"] = stats = {
        key: sum(run.get(key) or 0 for run in runs) for key in ("sent", "completed", "lost")}
    stats["rcodes"] = " | ".join(run.get("rcodes", "") for run in runs)
    stats["qps"] = [run.get("qps") for run in runs]
    answered = stats["completed"]
    entry["random_cpu_seconds"] = round(cpu_after - cpu_before, 3)
    if answered:
        entry["random_cpu_us_per_query"] = 1e6 * entry["random_cpu_seconds"] / answered
    if allocs_before is not None and allocs_after is not None and answered:
        entry["allocations_per_query_random"] = (allocs_after - allocs_before) / answered
    before, middle, after = (entry[k]["rss_kb"] for k in ("before_random", "mid_random", "after_random"))
    entry["rss_growth_kb"] = after - before
    entry["rss_growth_second_half_kb"] = after - middle
    entry["rss_flat"] = after - before <= max(FLAT_TOLERANCE_KB, before // 100)
    print("random    %-8s answered %9s  RSS %d -> %d -> %d kB" % (server.name, answered, before, middle, after))


def scenario_footprint(lab, results):
    """RANDOM_QUERIES random names (wildcard: all resolve, all distinct) through each resolver."""
    halves = random_names_files()
    footprint = results.setdefault("footprint", {})
    for name in RESOLVERS:
        server = lab.servers.get(name)
        if not server:
            continue
        entry = footprint.setdefault(name, {})
        try:
            measure_random_load(server, halves, entry)
        except (OSError, subprocess.SubprocessError) as error:   # e.g. the server died mid-run
            entry["error"] = "%s: %s" % (type(error).__name__, error)
            print("random    %-8s failed: %s" % (name, entry["error"]))


def file_size(path):
    return os.path.getsize(path) if os.path.exists(path) else None


def stripped_size(path):
    """Size after `strip` of a copy (the original is left alone); None without the file."""
    if not os.path.exists(path):
        return None
    copy = os.path.join(WORK, "stripped-" + os.path.basename(path))
    shutil.copyfile(path, copy)
    if subprocess.run(["strip", copy], stderr=subprocess.DEVNULL).returncode != 0:
        return None
    return os.path.getsize(copy)


def scenario_sizes(lab, results):
    """Binary sizes: each out/<board>/sprigd, the host sprigd, and the system Unbound/dnsmasq."""
    sizes = {}
    board_root = OUT_ROOT
    for board in sorted(os.listdir(board_root)) if os.path.isdir(board_root) else []:
        path = os.path.join(board_root, board, "sprigd")
        if board != "bench" and os.path.isfile(path):
            sizes["sprigd " + board] = {"path": path, "bytes": file_size(path)}
    for label, path in (("sprigd host", SPRIGD),
                        ("unbound", shutil.which("unbound") or "/usr/sbin/unbound"),
                        ("dnsmasq", shutil.which("dnsmasq") or "/usr/sbin/dnsmasq")):
        if os.path.exists(path):
            sizes[label] = {"path": path, "bytes": file_size(path), "stripped_bytes": stripped_size(path)}
    results["sizes"] = sizes


# ---------------------------------------------------------------- signature verification speed

VERIFY_ALGORITHMS = (8, 13, 14, 15)
# The backend before issue 14 and now, per algorithm (Ed25519 was and is libsodium).
VERIFY_OLD = {8: "mbedtls", 13: "mbedtls", 14: "mbedtls", 15: "libsodium"}
VERIFY_NEW = {8: "nettle", 13: "nettle", 14: "nettle", 15: "libsodium"}
VERIFY_LIBRARIES = ("mbedtls", "nettle", "libsodium")
# Static archives of a board link, in link order (verify_speed.c's header).
VERIFY_ARCHIVES = ("libhogweed.a", "libnettle.a", "libgmp.a", "libsodium.a", "libmbedcrypto.a")


def board_settings(board):
    """CROSS, MULTIARCH, BOARD_CFLAGS, QEMU of Board/<board>.conf (shell-sourced, as Board/build.sh does)."""
    conf = os.path.join(ROOT, "Board", board + ".conf")
    if not os.path.isfile(conf):
        return None
    text = subprocess.run(["bash", "-c", '. "$1"; printf "%s\\n" "$CROSS" "$MULTIARCH" "$BOARD_CFLAGS" "$QEMU"',
                           "conf", conf], stdout=subprocess.PIPE, text=True, check=True).stdout
    cross, multiarch, cflags, qemu = (text.split("\n") + [""] * 4)[:4]
    return {"cross": cross, "multiarch": multiarch, "cflags": cflags.split(), "qemu": qemu}


def build_verify_speed(board=None):
    """Compiles verify_speed.c for the host (board None) or statically for a board; (path, None) or
    (None, why not)."""
    import verify_vectors  # noqa: E402  (Tests/Bench/verify_vectors.py)
    verify_vectors.write_header(os.path.join(WORK, "verify_vectors.h"))
    sources = [os.path.join(BENCH_DIR, "verify_speed.c"), os.path.join(ROOT, "Sources", "CNettle", "verify.c"),
               os.path.join(ROOT, "Sources", "CNettle", "crypto_arena.c")]
    includes = ["-I", os.path.join(ROOT, "Sources", "CNettle", "include"), "-I", BENCH_DIR, "-I", WORK]
    if board is None:
        out = os.path.join(WORK, "verify_speed")
        argv = [os.environ.get("CC", "gcc"), "-O2"] + includes + sources + [
            "-o", out, "-lhogweed", "-lnettle", "-lgmp", "-lsodium", "-lmbedcrypto"]
    else:
        settings = board_settings(board)
        if not settings or not settings["qemu"]:
            return None, "no qemu board %s" % board
        cc = settings["cross"] + "gcc"
        archives = [os.path.join("/usr/lib", settings["multiarch"], a) for a in VERIFY_ARCHIVES]
        missing = [t for t in (cc, settings["qemu"]) if shutil.which(t) is None] + [
            a for a in archives if not os.path.exists(a)]
        if missing:
            return None, "missing %s (Tests/tools/deps.sh --all)" % " ".join(missing)
        # Only these libraries' headers, never the host's whole /usr/include (Board/build.sh does the same).
        headers = os.path.join(WORK, "verify-include-" + board)
        os.makedirs(headers, exist_ok=True)
        for name, target in (("nettle", "/usr/include/nettle"), ("sodium", "/usr/include/sodium"),
                             ("sodium.h", "/usr/include/sodium.h"), ("mbedtls", "/usr/include/mbedtls"),
                             ("gmp.h", os.path.join("/usr/include", settings["multiarch"], "gmp.h"))):
            link = os.path.join(headers, name)
            if not os.path.lexists(link):
                os.symlink(target, link)
        out = os.path.join(WORK, "verify_speed-" + board)
        argv = [cc, "-O2", "-static"] + settings["cflags"] + includes + ["-isystem", headers] + sources + archives + [
            "-o", out]
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=VERIFY_TIMEOUT_SECONDS)
    if done.returncode != 0:
        return None, "build failed: " + " | ".join(error_lines(done.stdout))
    return out, None


def run_verify_speed(argv):
    """{algorithm: {library: µs}} and the arena line of one verify_speed run, or an error string."""
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=VERIFY_TIMEOUT_SECONDS)
    if done.returncode != 0:
        return None, None, "run failed: " + " | ".join(error_lines(done.stdout))
    table, arena = {}, None
    for line in done.stdout.splitlines():
        fields = line.split()
        if len(fields) == 5 and fields[0] == "verify":
            table.setdefault(fields[1], {})[fields[2]] = float(fields[3])
        elif len(fields) == 4 and fields[0] == "arena":
            arena = {"calls": int(fields[1]), "fallbacks": int(fields[2]), "peak_bytes": int(fields[3])}
    return table, arena, None


def verify_ratios(table):
    """{algorithm: old µs / new µs} (above 1: the new backend is faster)."""
    ratios = {}
    for algorithm in VERIFY_ALGORITHMS:
        row = table.get(str(algorithm), {})
        old, new = row.get(VERIFY_OLD[algorithm]), row.get(VERIFY_NEW[algorithm])
        ratios[str(algorithm)] = old / new if old and new else None
    return ratios


def scenario_verify_speed(lab, results):
    """µs per verification of one real RRSIG for algorithms 8, 13, 14, 15 through mbedTLS (the old
    backend), nettle (the new one, through Sources/CNettle) and libsodium, on the host (server core)
    and under qemu-user per board (emulated: only the ratios mean something)."""
    entry = results["verify_speed"] = {"host": None, "boards": {}}
    path, why = build_verify_speed()
    if path:
        table, arena, why = run_verify_speed(["taskset", "-c", SERVER_CORE, path, str(VERIFY_BUDGET_MS)])
        if table:
            entry["host"] = {"us": table, "ratios": verify_ratios(table), "arena": arena}
    if why:
        entry["host_error"] = why
        print("verify    host: %s" % why)
    for board in [b.strip() for b in VERIFY_BOARDS.split(",") if b.strip()]:
        path, why = build_verify_speed(board)
        table = arena = None
        if path:
            settings = board_settings(board)
            table, arena, why = run_verify_speed(["taskset", "-c", SERVER_CORE, settings["qemu"], path,
                                                  str(VERIFY_QEMU_BUDGET_MS)])
        entry["boards"][board] = {"us": table, "ratios": verify_ratios(table), "arena": arena} if table \
            else {"error": why}
        print("verify    %-8s %s" % (board, "done" if table else why))


# ---------------------------------------------------------------- recursive mode: the signed hierarchy

INTEGRATION_DIR = os.path.join(ROOT, "Tests", "Integration")
REC_NET = "127.53.1."      # resolver range of the integration address plan (127.53.1.13-254 are free)
REC_ADDRESS = {"sprigd": REC_NET + "20", "unbound-val": REC_NET + "21", "unbound-noval": REC_NET + "22",
               "sprigd-val": REC_NET + "23", "unbound-upstream": REC_NET + "24", "sprigd-fwd-val": REC_NET + "25",
               "unbound-fwd-val": REC_NET + "26", "sprigd-baseline": REC_NET + "27",
               "sprigd-val-baseline": REC_NET + "28", "sprigd-fwd-val-baseline": REC_NET + "29"}
REC_RESOLVERS = ("sprigd", "unbound-val", "unbound-noval") + (("sprigd-baseline",) if SPRIGD_BASELINE else ())
VAL_RESOLVERS = ("sprigd-val", "unbound-val") + (("sprigd-val-baseline",) if SPRIGD_BASELINE else ())
# Validating forwarders (cold_forward_validating): sprigd mode forward + dnssec 1 vs Unbound validator +
# forward-zone, both forwarding to unbound-upstream, a non-validating recursive Unbound kept warm.
FWD_VAL_RESOLVERS = ("sprigd-fwd-val", "unbound-fwd-val") + (("sprigd-fwd-val-baseline",) if SPRIGD_BASELINE else ())
UPSTREAM_WARM_SECONDS = 120   # the upstream's warm pass gives up after this (a few seconds when healthy)
UPSTREAM_CONTROL_TIMEOUT_SECONDS = 5   # one unbound-control / sprigd control-socket exchange
CONTROL_REPLY_BYTES_MAX = 65536        # sprigd's stats reply is a few KiB (the sprig CLI's own limit)
AUTH_PORT = 53             # referrals carry no ports: iteration only works on 53
COLD_TIMEOUT_SECONDS = 5   # a cold query unanswered by then is lost (resolvers give up after ~5 s)
WILDCARD_ZONE_SUFFIX = "wild.a.example."   # *.wild.a.example. A: every name under it resolves
# The kinds of cold names: (label, query name pattern, expected rcode).
COLD_KINDS = (
    ("in-bailiwick", "h{i}.a.example.", "NOERROR"),          # NS ns.a.example. with glue
    ("out-of-bailiwick", "h{i}.b.example.", "NOERROR"),      # NS ns.a.example.: no glue of its own
    ("deep", "h{i}.x.y.z.a.example.", "NOERROR"),           # 3 more referrals below a.example.
    ("cname-chain", "ch{i}.chain.a.example.", "NOERROR"),    # -> ch{i}.b.example. -> w{i}.wild.ecdsa.example.
    ("nxdomain", "nx{i}.a.example.", "NXDOMAIN"),
    ("wildcard", "w{i}." + WILDCARD_ZONE_SUFFIX, "NOERROR"),
)
# The validating set: the cold kinds plus names in the other signed zones (RSA, Ed25519, NSEC3),
# so that every DNSSEC algorithm the hierarchy uses and NSEC3 denial are validated. Every zone
# these names touch is signed and chained to the root DS: each answer must carry AD.
VALIDATING_KINDS = COLD_KINDS + (
    ("ecdsa", "h{i}.ecdsa.example.", "NOERROR"),          # ECDSA P-256 (13), a sibling of a.example.
    ("rsa", "h{i}.rsa.example.", "NOERROR"),              # RSA/SHA-256 (8), 2048-bit key
    ("ed25519", "h{i}.ed25519.example.", "NOERROR"),      # Ed25519 (15)
    ("nsec3", "h{i}.nsec3.example.", "NOERROR"),          # NSEC3 (opt-out) zone, positive
    ("nsec3-nxdomain", "nx{i}.nsec3.example.", "NXDOMAIN"),  # NXDOMAIN proved by NSEC3
)
# nsec3.example. is signed with opt-out (hierarchy.py): the NSEC3 covering the next closer name
# of nx<i> has the opt-out flag, so the proof cannot exclude an unsigned delegation there and
# the NXDOMAIN is validated but insecure (RFC 5155 8.3 / 9.2) — a correct answer has no AD.
INSECURE_KINDS = {"nsec3-nxdomain"}
RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class Recursive:
    """The signed hierarchy (one NSD per address on port 53) and the recursive resolvers."""

    def __init__(self, hierarchy, nsd, names, val_names):
        self.hierarchy = hierarchy
        self.nsd = nsd               # [Server], every one answering
        self.names = names           # [(name, kind, expected rcode)], the cold set
        self.resolvers = {}          # name -> the running Server (the latest start)
        self.footprint = {}          # name -> {"idle": ..., "warm": ...} of that instance
        self.warm = set()            # (resolver, name set) whose running instance has resolved every name
        self.hit_file = os.path.join(WORK, "recursive-hit.queries")
        with open(self.hit_file, "w") as f:
            f.write("".join("%s A\n" % name for name, _, _ in names))
        self.val_names = val_names   # the validating cold set (VALIDATING_KINDS)
        self.upstream = None         # unbound-upstream of cold_forward_validating, once started and warmed
        self.upstream_warm = None    # what its warm pass got (counts, seconds)
        self.val_hit_file = os.path.join(WORK, "validating-hit.queries")
        with open(self.val_hit_file, "w") as f:
            f.write("".join("%s A\n" % name for name, _, _ in val_names))

    def name_set(self, tag):
        """("cold" or "val") -> (names, dnsperf file)."""
        return (self.names, self.hit_file) if tag == "cold" else (self.val_names, self.val_hit_file)


def cold_name_plan(count, kinds=COLD_KINDS):
    """`count` distinct names of `kinds`, interleaved, and the records the cold and the validating
    sets need per zone (the larger of the two, so one hierarchy serves both)."""
    per_kind = -(-count // len(kinds))
    names = [(pattern.format(i=i), kind, rcode) for i in range(per_kind)
             for kind, pattern, rcode in kinds][:count]
    records = {"a.example.": [], "b.example.": [], "x.y.z.a.example.": [], "ecdsa.example.": [],
               "rsa.example.": [], "ed25519.example.": [], "nsec3.example.": [], "sib.": []}
    for i in range(max(-(-count // len(COLD_KINDS)), -(-count // len(VALIDATING_KINDS)))):
        address = "198.51.100.%d" % (1 + i % 250)
        records["a.example."] += ["h%d A %s" % (i, address), "ch%d.chain CNAME ch%d.b.example." % (i, i)]
        records["b.example."] += ["h%d A %s" % (i, address), "ch%d CNAME w%d.wild.ecdsa.example." % (i, i)]
        for zone in ("x.y.z.a.example.", "ecdsa.example.", "rsa.example.", "ed25519.example.", "nsec3.example.", "sib."):
            records[zone] += ["h%d A %s" % (i, address)]
    return names, records


def integration_modules():
    """Tests/Integration/hierarchy.py and servers.py (zones, signing, NSD configs)."""
    if INTEGRATION_DIR not in sys.path:
        sys.path.insert(0, INTEGRATION_DIR)
    import hierarchy   # noqa: E402
    import servers     # noqa: E402
    return hierarchy, servers


def skip(results, reason):
    print("skipped: " + reason)
    results.setdefault("skipped", []).append(reason)


def recursive_lab(lab, results):
    """Builds the hierarchy and starts its NSDs once (on the client core); None when it cannot."""
    if hasattr(lab, "recursive"):
        return lab.recursive
    lab.recursive = None
    if os.geteuid() != 0:
        skip(results, "recursive scenarios: need root (the hierarchy's NSDs listen on port 53)")
        return None
    hierarchy, servers = integration_modules()
    names, records = cold_name_plan(COLD_NAMES)
    val_names, _ = cold_name_plan(COLD_NAMES, VALIDATING_KINDS)
    h = hierarchy.Hierarchy(os.path.join(WORK, "hierarchy"))
    for zone, extra in records.items():
        h.zones[zone].records += extra
    began = time.monotonic()
    h.build()
    try:
        servers.check_port_free({s.addr for s in h.servers.values()} | set(REC_ADDRESS.values()), AUTH_PORT)
    except RuntimeError as error:
        skip(results, "recursive scenarios: %s" % error)
        return None
    # The control socket counts the queries each NSD got (cold_sibling_glue).
    nsd = [start_bench_nsd(lab, h, key, server, AUTH_PORT, control=True) for key, server in h.servers.items()]
    for proc, server in zip(nsd, h.servers.values()):
        if not wait_answers(proc.address, AUTH_PORT, lambda: proc.alive(), server.zones[0]):
            raise RuntimeError("%s did not answer on %s:53; see %s/run/nsd-%s/nsd.log" % (
                proc.name, proc.address, h.workdir, proc.name[4:]))
    results.setdefault("recursive_setup", {})["hierarchy_seconds"] = round(time.monotonic() - began, 1)
    print("hierarchy: %d zones signed, %d NSD on 127.53.0.x:53 (%.0f s); %d cold names, %d validating names" % (
        len(h.zones), len(nsd), time.monotonic() - began, len(names), len(val_names)))
    lab.recursive = Recursive(h, nsd, names, val_names)
    lab.recursive.nsd_configs = [os.path.join(h.workdir, "run", "nsd-" + key, "nsd.conf") for key in h.servers]
    return lab.recursive


def start_bench_nsd(lab, h, key, server, port, tls=None, control=False):
    """One NSD of the bench hierarchy serving `server`'s zones on its address and `port`
    (over TLS with `tls`, servers.nsd_config), response rate limiting off: the loads send
    thousands of queries a second. `control`: its control socket on, in its run folder."""
    _, servers = integration_modules()
    name = "nsd-" + key if tls is None else "nsd-tls-" + key
    rundir = os.path.join(h.workdir, "run", name)
    os.makedirs(rundir, exist_ok=True)
    text = servers.nsd_config(rundir, server.addr, port, [(z, h.zones[z].zonefile) for z in server.zones], tls=tls)
    text = text.replace("server:\n", "server:\n  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n", 1)
    if control:
        text = text.replace("  control-enable: no", "  control-enable: yes\n  control-interface: %s/nsd.ctl" % rundir)
    conf = os.path.join(rundir, "nsd.conf")
    with open(conf, "w") as f:
        f.write(text)
    return lab.start(name, ["nsd", "-d", "-c", conf], server.addr, CLIENT_CORE)


def status_query():
    """An opcode-STATUS query: every server answers it (NOTIMP) without resolving anything,
    so waiting for it leaves the cache cold."""
    return struct.pack(">HHHHHH", 0x5351, 0x1000, 0, 0, 0, 0)


def wait_answers(address, port, alive, zone=None):
    """True once address:port answers (an SOA query for `zone`, or the STATUS query)."""
    if zone is None:
        query = status_query()
    elif zone == ".":   # dns_query spells names with at least one label
        query = struct.pack(">HHHHHH", 0x5352, 0, 1, 0, 0, 0) + b"\x00" + struct.pack(">HH", 6, 1)
    else:
        query = dns_query(zone, qtype=6)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() < deadline and alive():   # bounded by the deadline
            try:
                s.sendto(query, (address, port))
                reply, _ = s.recvfrom(4096)
                if reply[:2] == query[:2]:
                    return True
            except OSError:
                time.sleep(0.05)
    return False


def recursive_unbound_config(name, validate, rec):
    """Unbound resolving from the hierarchy's root hints: one thread, default caches,
    validating (validator + iterator, the root DS as trust anchor) or iterator only."""
    rundir = os.path.join(WORK, name)
    os.makedirs(rundir, exist_ok=True)
    h = rec.hierarchy
    text = """server:
  interface: {addr}
  port: {port}
  num-threads: 1
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{rundir}"
  pidfile: "{rundir}/unbound.pid"
  logfile: ""
  use-syslog: no
  verbosity: 0
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  module-config: "{modules}"
  root-hints: "{hints}"
  qname-minimisation: yes
  so-reuseport: no
  prefetch: no
""".format(addr=REC_ADDRESS[name], port=PORT, rundir=rundir, hints=h.root_hints_path,
           modules="validator iterator" if validate else "iterator")
    if validate:
        text += '  trust-anchor-file: "%s"\n' % h.trust_anchor_path
    return text + "remote-control:\n  control-enable: no\n"


def recursive_sprig_config(rec, validate=False, name=None):
    """sprigd iterating from the hierarchy's root hints: `dnssec 0` (sprigd-recursive), or
    validating (sprigd-val-recursive) with the hierarchy's root DS as its only trust anchor
    (builtin_root_anchors '0': the compiled-in root KSKs are left out, as Unbound is given only
    the hierarchy's anchor); what sprigd persists about anchors (anchors.state) lands in its
    watched state_dir. The hierarchy is served on loopback, which sprigd queries only with
    query_loopback '1'."""
    name = name or ("sprigd-val" if validate else "sprigd")
    if not validate:
        return sprig_config(name + "-recursive", REC_ADDRESS[name], """\toption mode 'recursive'
\toption query_loopback '1'
\toption root_hints '{hints}'
\toption dnssec '0'
\toption do_ip6 '0'
""".format(hints=rec.hierarchy.root_hints_path))
    return sprig_config(name + "-recursive", REC_ADDRESS[name], """\toption mode 'recursive'
\toption query_loopback '1'
\toption root_hints '{hints}'
\tlist trust_anchor '{anchor}'
\toption builtin_root_anchors '0'
\toption dnssec '1'
\toption do_ip6 '0'
""".format(hints=rec.hierarchy.root_hints_path, anchor=rec.hierarchy.trust_anchor))


UNBOUND_CONTROL_OFF = "remote-control:\n  control-enable: no\n"


def upstream_unbound_config(rec):
    """unbound-upstream: the recursive, NON-validating Unbound (iterator only, the hierarchy's
    root hints) that the validating forwarders ask. It passes RRSIGs, NSEC(3), DS and DNSKEY
    on (the iterator always asks the authorities with DO). Its control channel is on (a unix
    socket in its run dir, no certificates) so the bench can read how many queries each
    forwarder sent it and how long it spent resolving them (≈0 once warm)."""
    rundir = os.path.join(WORK, "unbound-upstream")
    text = recursive_unbound_config("unbound-upstream", False, rec)
    return text.replace(UNBOUND_CONTROL_OFF, """remote-control:
  control-enable: yes
  control-interface: "{rundir}/control.sock"
  control-use-cert: no
""".format(rundir=rundir))


def forward_validating_unbound_config(rec):
    """unbound-fwd-val: validator + iterator, the root DS as its trust anchor, everything
    forwarded to unbound-upstream (`forward-zone: "."`, so no root hints and no iteration)."""
    text = recursive_unbound_config("unbound-fwd-val", True, rec)
    text = "".join(line for line in text.splitlines(True) if not line.strip().startswith("root-hints:"))
    return text + """forward-zone:
  name: "."
  forward-addr: {upstream}@{port}
""".format(upstream=REC_ADDRESS["unbound-upstream"], port=PORT)


def forward_validating_sprig_config(rec, name="sprigd-fwd-val"):
    """sprigd-fwd-val: forward mode, dnssec 1 (RD+CD+DO to the upstream, DS/DNSKEY fetched through
    it, its AD ignored), the hierarchy's root DS as its only trust anchor (`list trust_anchor`
    adds to the compiled-in root keys; builtin_root_anchors '0' leaves them out), one UDP
    upstream: unbound-upstream (on loopback: forward mode needs no query_loopback)."""
    return sprig_config(name, REC_ADDRESS[name], """\toption mode 'forward'
\tlist trust_anchor '{anchor}'
\toption builtin_root_anchors '0'
\toption dnssec '1'

config upstream
\toption address '{upstream}'
\toption port '{port}'
\toption transport 'udp'
""".format(anchor=rec.hierarchy.trust_anchor, upstream=REC_ADDRESS["unbound-upstream"], port=PORT))


def sprigd_binary(name):
    """The binary of a sprigd row: the baseline build for "...-baseline" rows."""
    return SPRIGD_BASELINE if name.endswith("-baseline") else SPRIGD


def resolver_launch(rec, name):
    """(process name, config path, argv, config text) of one resolver of the recursive lab."""
    sprig_argv, unbound_argv = [sprigd_binary(name), "-c"], ["unbound", "-d", "-c"]
    if name in FWD_VAL_RESOLVERS:
        conf = os.path.join(WORK, name + ".conf")
        if name.startswith("sprigd"):
            return name, conf, sprig_argv, forward_validating_sprig_config(rec, name)
        return name, conf, unbound_argv, forward_validating_unbound_config(rec)
    if name.startswith("sprigd"):
        return (name + "-recursive", os.path.join(WORK, name + "-recursive.conf"), sprig_argv,
                recursive_sprig_config(rec, validate=name.startswith("sprigd-val"), name=name))
    return (name + "-recursive", os.path.join(WORK, name + ".conf"), unbound_argv,
            recursive_unbound_config(name, name == "unbound-val", rec))


def start_recursive_resolver(lab, rec, name):
    """A fresh process (so a cold cache) of one resolver of the recursive lab (the recursive
    ones and the validating forwarders); None when sprigd is missing."""
    old = rec.resolvers.pop(name, None)
    if old:
        old.stop()
    rec.warm -= {entry for entry in rec.warm if entry[0] == name}
    if name.startswith("sprigd") and not os.path.exists(sprigd_binary(name)):
        return None
    process_name, conf, argv, text = resolver_launch(rec, name)
    with open(conf, "w") as f:
        f.write(text)
    server = lab.start(process_name, argv + [conf], REC_ADDRESS[name], SERVER_CORE, preload=True)
    if not wait_answers(server.address, PORT, server.alive):
        server.stop()
        with open(server.log_path) as f:
            tail = f.read()[-1000:]
        if name.startswith("sprigd"):
            print("%s recursive: not answering — skipped; log:\n%s" % (name, tail))
            return None
        raise RuntimeError("%s did not answer on %s:%d; log:\n%s" % (name, server.address, PORT, tail))
    time.sleep(0.5)
    rec.resolvers[name] = server
    rec.footprint[name] = {"idle": memory_kb(server.pid)}
    return server


AD_FLAG = 0x0020   # header AD bit: in a query, "tell me whether you validated it" (RFC 6840 5.7), no EDNS needed


def timed_queries(address, names, ad=False, after_each=None):
    """Each name alone (RD set; AD too when `ad`), waiting for its answer:
    [(seconds or None, rcode, answer count, AD set in the reply)]. `after_each()`, if given,
    runs after each query is done (answered or not), outside the timed part."""
    out = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((address, PORT))
        for index, (name, _, _) in enumerate(names):
            query = dns_query(name, query_id=index & 0xFFFF)
            if ad:
                query = query[:3] + bytes([query[3] | AD_FLAG]) + query[4:]
            began = time.perf_counter()
            s.send(query)
            reply = await_reply(s, query, began + COLD_TIMEOUT_SECONDS)
            if isinstance(reply, str):
                out.append((None, reply, 0, False))
            else:
                out.append((time.perf_counter() - began, reply_rcode(reply), struct.unpack(">H", reply[6:8])[0],
                            bool(reply[3] & AD_FLAG)))
            if after_each:
                after_each()
    return out


def await_reply(s, query, deadline):
    """The reply to `query` on the connected socket `s` by `deadline` (perf_counter), or
    "timeout" / "unreachable" (ICMP port unreachable: the server died); stray late answers
    to earlier queries are skipped."""
    while True:   # bounded by the deadline
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return "timeout"
        s.settimeout(remaining)
        try:
            reply = s.recv(65535)
        except socket.timeout:
            return "timeout"
        except OSError:
            return "unreachable"
        if len(reply) >= 12 and reply[:2] == query[:2]:
            return reply


def reply_rcode(reply):
    return RCODE_NAMES.get(reply[3] & 0x0F, str(reply[3] & 0x0F))


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * fraction // 1))
    return sorted_values[int(rank) - 1]


def latency_summary(latencies_seconds):
    ms = sorted(1000 * v for v in latencies_seconds)
    return {"median_ms": percentile(ms, 0.5), "p90_ms": percentile(ms, 0.9), "max_ms": ms[-1] if ms else None}


def measure_cold(server, names, kinds=COLD_KINDS, expect_ad=False, after_each=None):
    """One cold pass over `names` on the client core: latency summary, per kind, and wrong answers
    (with `expect_ad`, the queries carry AD and an answer without AD is wrong: every name is secure).
    `after_each` as in timed_queries."""
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {int(CLIENT_CORE)})
    try:
        replies = timed_queries(server.address, names, ad=expect_ad, after_each=after_each)
    finally:
        os.sched_setaffinity(0, affinity)
    answered = [r[0] for r in replies if r[0] is not None]
    row = dict(latency_summary(answered), answered=len(answered), lost=len(replies) - len(answered),
               first_ms=None if replies[0][0] is None else 1000 * replies[0][0])
    row["wrong"] = wrong = []   # rcode other than expected, or a NOERROR without answers
    row["no_ad"] = 0     # answered with the right rcode and records but without AD (secure name)
    row["extra_ad"] = 0  # AD on an answer that cannot be secure (INSECURE_KINDS)
    for (name, kind, expected), (seconds, rcode, answer_count, ad) in zip(names, replies):
        if seconds is None:
            continue
        if rcode != expected or (expected == "NOERROR" and answer_count == 0):
            wrong.append("%s %s/%d" % (name, rcode, answer_count))
        elif expect_ad and ad != (kind not in INSECURE_KINDS):
            wrong.append("%s %s/%d %s" % (name, rcode, answer_count, "AD on an insecure answer" if ad else "no AD"))
            row["extra_ad" if ad else "no_ad"] += 1
    row["wrong_count"] = len(wrong)
    del wrong[10:]   # a sample is enough
    timed = sorted(((r[0], n[0]) for r, n in zip(replies, names) if r[0] is not None), reverse=True)
    row["slowest"] = ["%s %.2f ms" % (name, 1000 * seconds) for seconds, name in timed[:3]]
    row["by_kind_median_ms"] = {}
    for kind, _, _ in kinds:
        values = [r[0] for r, n in zip(replies, names) if n[1] == kind and r[0] is not None]
        row["by_kind_median_ms"][kind] = latency_summary(values)["median_ms"]
    print("cold      %-14s answered %4d  median %6.2f ms  p90 %6.2f ms  max %7.2f ms  wrong %d" % (
        server.name, row["answered"], row["median_ms"] or 0, row["p90_ms"] or 0, row["max_ms"] or 0,
        row["wrong_count"]))
    return row


def warm_recursive(lab, rec, name, tag="cold"):
    """The running (or a new) instance of `name` with every name of the set `tag` resolved once."""
    server = rec.resolvers.get(name) or start_recursive_resolver(lab, rec, name)
    if server and (name, tag) not in rec.warm:
        timed_queries(server.address, rec.name_set(tag)[0], ad=tag == "val")
        rec.warm.add((name, tag))
        if tag == "cold":
            rec.footprint[name]["warm"] = memory_kb(server.pid)
    return server


def best_cold_round(server_runs, round_keys):
    """The run with the lowest median (the last one when none has a median), with `round_keys`
    of every run under "rounds"."""
    good = [run for run in server_runs if run.get("median_ms") is not None]
    best = dict(min(good, key=lambda run: run["median_ms"]) if good else server_runs[-1])
    best["rounds"] = [{k: run.get(k) for k in round_keys} for run in server_runs]
    return best


VALIDATING_ROUND_KEYS = ("median_ms", "p90_ms", "max_ms", "lost", "wrong_count", "no_ad", "extra_ad",
                         "heap_calls_first", "heap_calls_per_lookup")


def measure_cold_counting(server, names):
    """measure_cold over the validating set, plus the resolver's heap calls (malloc_count) read
    after every lookup: in the first lookup (a host build's Swift runtime instantiates generic
    type metadata once, lazily, the first time a code path runs), per answered lookup after it
    (signature checks included: Sprig's goal is 0), and which lookups made any."""
    counts = [allocations(server)]
    run = measure_cold(server, names, VALIDATING_KINDS, expect_ad=True,
                       after_each=lambda: counts.append(allocations(server)))
    if None in counts or len(counts) != len(names) + 1:
        run["heap_calls_first"] = run["heap_calls_per_lookup"] = None
        return run
    deltas = [later - earlier for earlier, later in zip(counts, counts[1:])]
    run["heap_calls_first"] = deltas[0]
    run["heap_calls_after_first"] = sum(deltas[1:])
    run["heap_calls_per_lookup"] = run["heap_calls_after_first"] / (run["answered"] - 1) \
        if run["answered"] > 1 else None
    run["heap_lookups"] = sum(1 for delta in deltas if delta)
    run["heap_lookup_sample"] = ["%s %d" % (name[0], delta) for name, delta in zip(names, deltas) if delta][:5]
    return run


def scenario_cold_recursive(lab, results):
    """COLD_ROUNDS interleaved rounds; each resolver restarted (cold cache) and then asked every
    cold name once, one at a time. The round with the lowest median is reported."""
    rec = recursive_lab(lab, results)
    if not rec:
        return
    runs = {}
    for _ in range(COLD_ROUNDS):
        for name in REC_RESOLVERS:
            before = authoritative_queries(rec)
            server = start_recursive_resolver(lab, rec, name)
            if not server:
                continue
            row = measure_cold(server, rec.names)
            # Queries the NSDs got, priming included, per name resolved.
            row["queries_per_name"] = (authoritative_queries(rec) - before) / len(rec.names)
            runs.setdefault(name, []).append(row)
            rec.warm.add((name, "cold"))
            rec.footprint[name]["warm"] = memory_kb(server.pid)
    rows = results.setdefault("cold_recursive", {})
    for name, server_runs in runs.items():
        rows[name] = best_cold_round(server_runs, ("median_ms", "p90_ms", "max_ms", "lost", "wrong_count",
                                                   "queries_per_name"))
    results["cold_ratios"] = ratios = {}
    sprig = rows.get("sprigd", {})
    for other in ("unbound-noval", "unbound-val"):
        theirs = rows.get(other, {})
        for key in ("median_ms", "p90_ms"):
            if sprig.get(key) and theirs.get(key):
                ratios["%s_vs_%s" % (key, other)] = sprig[key] / theirs[key]


SIBLING_ROUNDS = env_int("BENCH_SIBLING_ROUNDS", 5)   # cold starts per resolver (cold_sibling_glue)
SIBLING_RESOLVERS = ("sprigd", "unbound-noval", "sprigd-val", "unbound-val")


def authoritative_queries(rec):
    """Queries every NSD of the hierarchy has received so far (`nsd-control stats_noreset`)."""
    total = 0
    for conf in rec.nsd_configs:
        text = subprocess.run(["nsd-control", "-c", conf, "stats_noreset"], capture_output=True,
                              text=True, timeout=10).stdout
        match = re.search(r"^num\.queries=(\d+)$", text, re.M)
        if not match:
            raise RuntimeError("nsd-control %s: no num.queries in %r" % (conf, text[:200]))
        total += int(match.group(1))
    return total


def scenario_cold_sibling_glue(lab, results):
    """Queries sent per cold resolution where the servers are known by sibling glue (RFC 9471):
    the TLD sib.'s only NS, ns-sib.example., is named under another TLD and its address comes only
    as glue in the root's referral. Each round restarts the resolver (cold cache, priming
    included), asks h<round>.sib. A once, and counts the queries every NSD received from it."""
    rec = recursive_lab(lab, results)
    if not rec:
        return
    rows = results.setdefault("cold_sibling_glue", {})
    for name in SIBLING_RESOLVERS:
        counts, latencies, wrong = [], [], 0
        for i in range(SIBLING_ROUNDS):
            old = rec.resolvers.pop(name, None)
            if old:
                old.stop()
            before = authoritative_queries(rec)
            server = start_recursive_resolver(lab, rec, name)
            if not server:
                break
            seconds, rcode, answer_count, _ = timed_queries(server.address, [("h%d.sib." % i, "sibling", "NOERROR")])[0]
            time.sleep(0.5)   # background look-ups the answer set off count too
            counts.append(authoritative_queries(rec) - before)
            if seconds is None or rcode != "NOERROR" or answer_count == 0:
                wrong += 1
            else:
                latencies.append(seconds)
        if counts:
            rows[name] = dict(latency_summary(latencies), queries_per_resolution=sum(counts) / len(counts),
                              queries=counts, wrong=wrong)
            print("sibling   %-14s queries %s  median %s ms  wrong %d" % (
                name, counts, fmt(rows[name]["median_ms"], "{:.2f}"), wrong))
    rec.warm -= {entry for entry in rec.warm if entry[0] in SIBLING_RESOLVERS}


def render_cold_sibling_glue(results, out):
    rows = results.get("cold_sibling_glue")
    if not rows:
        return
    out.append("Cold resolution through sibling glue (RFC 9471): h<i>.sib., whose TLD's only NS is named under "
               "example.; %d cold starts per resolver, priming included" % SIBLING_ROUNDS)
    out.append("%-14s %12s %9s %8s %6s   %s" % ("resolver", "queries/res", "median", "p90", "wrong", "queries per round"))
    for name in SIBLING_RESOLVERS:
        row = rows.get(name)
        if row is None:
            out.append("%-14s %s" % (name, "not run"))
            continue
        out.append("%-14s %12s %9s %8s %6s   %s" % (
            name, fmt(row.get("queries_per_resolution"), "{:.1f}"), fmt(row.get("median_ms"), "{:.3f}"),
            fmt(row.get("p90_ms"), "{:.3f}"), fmt(row.get("wrong")), " ".join(str(q) for q in row["queries"])))
    for mine, theirs in (("sprigd", "unbound-noval"), ("sprigd-val", "unbound-val")):
        a, b = rows.get(mine, {}), rows.get(theirs, {})
        if a.get("queries_per_resolution") and b.get("queries_per_resolution"):
            out.append("%s/%s: queries x%s, median latency x%s" % (
                mine, theirs, fmt(a["queries_per_resolution"] / b["queries_per_resolution"], "{:.2f}"),
                fmt(a["median_ms"] / b["median_ms"] if a.get("median_ms") and b.get("median_ms") else None, "{:.2f}")))
    out.append("")


def scenario_recursive_cache_hit(lab, results):
    """Like cache_hit, against the recursive resolvers, looping over the warmed cold names
    (positive, CNAME-chain and NXDOMAIN answers alike) for REC_SECONDS."""
    rec = recursive_lab(lab, results)
    if not rec:
        return
    runs = {}
    for _ in range(ROUNDS):
        for name in REC_RESOLVERS:
            server = warm_recursive(lab, rec, name)
            if not server:
                continue
            try:
                runs.setdefault(name, []).append(measure_cache_hit(server, rec.hit_file, rec.nsd, REC_SECONDS))
            except (OSError, subprocess.SubprocessError) as error:
                runs.setdefault(name, []).append({"error": "%s: %s" % (type(error).__name__, error)})
                print("rec-hit   %-14s failed: %s" % (name, runs[name][-1]["error"]))
    rows = results.setdefault("recursive_cache_hit", {})
    for name, server_runs in runs.items():
        rows[name] = best_round(server_runs)
    ratios = results["recursive_cache_hit_ratios"] = {}
    sprig = rows.get("sprigd", {})
    for other in ("unbound-noval", "unbound-val"):
        theirs = rows.get(other, {})
        if "queries_per_cpu_second" in sprig and "queries_per_cpu_second" in theirs:
            ratios["qps_per_cpu_vs_" + other] = sprig["queries_per_cpu_second"] / theirs["queries_per_cpu_second"]


def scenario_recursive_footprint(lab, results):
    """RSS of each recursive resolver idle, after the cold names, and over REC_RANDOM_QUERIES
    random names under *.wild.a.example. (every one a cache miss the leaf NSD answers)."""
    rec = recursive_lab(lab, results)
    if not rec:
        return
    halves = random_names_files(REC_RANDOM_QUERIES, WILDCARD_ZONE_SUFFIX, "recursive-random")
    footprint = results.setdefault("recursive_footprint", {})
    for name in REC_RESOLVERS:
        server = warm_recursive(lab, rec, name)
        if not server:
            continue
        entry = footprint.setdefault(name, {})
        entry.update(rec.footprint.get(name, {}))
        try:
            measure_random_load(server, halves, entry, REC_RANDOM_SECONDS)
        except (OSError, subprocess.SubprocessError) as error:
            entry["error"] = "%s: %s" % (type(error).__name__, error)
            print("random    %-14s failed: %s" % (name, entry["error"]))


def scenario_cold_validating(lab, results):
    """cold_recursive for the validating pair (sprigd dnssec 1, Unbound validator + iterator) over
    the validating name set; queries carry AD and an answer without AD counts as wrong."""
    rec = recursive_lab(lab, results)
    if not rec:
        return
    runs = {}
    for _ in range(COLD_ROUNDS):
        for name in VAL_RESOLVERS:
            server = start_recursive_resolver(lab, rec, name)
            if not server:
                continue
            runs.setdefault(name, []).append(measure_cold_counting(server, rec.val_names))
            rec.warm.add((name, "val"))
    rows = results.setdefault("cold_validating", {})
    for name, server_runs in runs.items():
        rows[name] = best_cold_round(server_runs, VALIDATING_ROUND_KEYS)
    results["cold_validating_ratios"] = ratios = {}
    sprig, theirs = rows.get("sprigd-val", {}), rows.get("unbound-val", {})
    for key in ("median_ms", "p90_ms", "max_ms"):
        if sprig.get(key) and theirs.get(key):
            ratios[key] = sprig[key] / theirs[key]


def scenario_validating_cache_hit(lab, results):
    """recursive_cache_hit for the validating pair, looping over the warmed validating names."""
    rec = recursive_lab(lab, results)
    if not rec:
        return
    runs = {}
    for _ in range(ROUNDS):
        for name in VAL_RESOLVERS:
            server = warm_recursive(lab, rec, name, "val")
            if not server:
                continue
            try:
                runs.setdefault(name, []).append(measure_cache_hit(server, rec.val_hit_file, rec.nsd, REC_SECONDS))
            except (OSError, subprocess.SubprocessError) as error:
                runs.setdefault(name, []).append({"error": "%s: %s" % (type(error).__name__, error)})
                print("val-hit   %-14s failed: %s" % (name, runs[name][-1]["error"]))
    rows = results.setdefault("validating_cache_hit", {})
    for name, server_runs in runs.items():
        rows[name] = best_round(server_runs)
    sprig, theirs = rows.get("sprigd-val", {}), rows.get("unbound-val", {})
    if "queries_per_cpu_second" in sprig and "queries_per_cpu_second" in theirs:
        results["validating_cache_hit_ratio"] = sprig["queries_per_cpu_second"] / theirs["queries_per_cpu_second"]


CD_FLAG = 0x0010        # header CD bit: checking disabled (RFC 4035 3.2.2)
OPT_TYPE = 41           # the EDNS pseudo-RR (RFC 6891)
EDNS_DO = 0x8000        # DO bit, in the OPT TTL's flags half (RFC 3225)
EDNS_BUFFER_BYTES = 1232   # advertised UDP size, as the DNS flag day 2020 value most resolvers use
DNSKEY_TYPE, DS_TYPE = 48, 43


def wire_name(name):
    """Uncompressed wire form of a domain name; "." is the root."""
    labels = [part for part in name.rstrip(".").split(".") if part]
    return b"".join(bytes([len(label)]) + label.encode() for label in labels) + b"\x00"


def dnssec_query(name, qtype, query_id):
    """A query as a validating forwarder sends it to its upstream: RD and CD set, EDNS with DO."""
    header = struct.pack(">HHHHHH", query_id, 0x0100 | CD_FLAG, 1, 0, 0, 1)
    opt = b"\x00" + struct.pack(">HHIH", OPT_TYPE, EDNS_BUFFER_BYTES, EDNS_DO, 0)
    return header + wire_name(name) + struct.pack(">HH", qtype, 1) + opt


def upstream_warm_queries(rec):
    """What warms unbound-upstream: every validating name (A), then the DNSKEY set of every
    zone of the hierarchy and the DS set of every zone but the root — all the forwarders'
    validation fetches."""
    queries = [(name, 1) for name, _, _ in rec.val_names]
    for zone in rec.hierarchy.zones:
        queries.append((zone, DNSKEY_TYPE))
        if zone != ".":
            queries.append((zone, DS_TYPE))
    return queries


def warm_upstream(server, queries):
    """Asks `server` every (name, qtype) once, one at a time, as a forwarder would (RD, CD, DO);
    bounded by COLD_TIMEOUT_SECONDS each and UPSTREAM_WARM_SECONDS in all. Returns the tally."""
    tally = {"queries": len(queries), "asked": 0, "rcodes": {}, "lost": 0}
    began = time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((server.address, PORT))
        for index, (name, qtype) in enumerate(queries):
            if time.monotonic() - began > UPSTREAM_WARM_SECONDS:
                tally["gave_up"] = "after %d s" % UPSTREAM_WARM_SECONDS
                break
            query = dnssec_query(name, qtype, index & 0xFFFF)
            s.send(query)
            reply = await_reply(s, query, time.perf_counter() + COLD_TIMEOUT_SECONDS)
            tally["asked"] += 1
            if isinstance(reply, str):
                tally["lost"] += 1
            else:
                rcode = reply_rcode(reply)
                tally["rcodes"][rcode] = tally["rcodes"].get(rcode, 0) + 1
    tally["seconds"] = round(time.monotonic() - began, 2)
    return tally


def start_upstream(lab, rec):
    """unbound-upstream (on the client core, like the NSDs it asks), started and warmed once."""
    if rec.upstream:
        return rec.upstream
    conf = os.path.join(WORK, "unbound-upstream.conf")
    with open(conf, "w") as f:
        f.write(upstream_unbound_config(rec))
    server = lab.start("unbound-upstream", ["unbound", "-d", "-c", conf], REC_ADDRESS["unbound-upstream"],
                       CLIENT_CORE)
    if not wait_answers(server.address, PORT, server.alive):
        server.stop()
        with open(server.log_path) as f:
            tail = f.read()[-1000:]
        raise RuntimeError("unbound-upstream did not answer on %s:%d; log:\n%s" % (server.address, PORT, tail))
    rec.upstream = server
    rec.upstream_warm = warm_upstream(server, upstream_warm_queries(rec))
    print("upstream  unbound-upstream warmed: %(asked)d of %(queries)d queries in %(seconds).2f s, "
          "rcodes %(rcodes)s, lost %(lost)d" % rec.upstream_warm)
    return server


def upstream_counters(rec):
    """unbound-upstream's counters since the previous call (`unbound-control stats`, which
    resets them: name -> number); {} when they cannot be read."""
    conf = os.path.join(WORK, "unbound-upstream.conf")
    try:
        done = subprocess.run(["unbound-control", "-c", conf, "stats"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=UPSTREAM_CONTROL_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError):
        return {}
    return parse_counters(done.stdout, "=") if done.returncode == 0 else {}


def sprig_counters(socket_path):
    """A running sprigd's counters over its control socket (what `sprig stats -s` prints:
    one `name value` a line; name -> number); {} when they cannot be read."""
    chunks, size = [], 0
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(UPSTREAM_CONTROL_TIMEOUT_SECONDS)
            s.connect(socket_path)
            s.sendall(b"stats\n")
            while size < CONTROL_REPLY_BYTES_MAX:   # bounded: by bytes and by the timeout per read
                chunk = s.recv(CONTROL_REPLY_BYTES_MAX - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except OSError:
        pass
    return parse_counters(b"".join(chunks).decode("utf-8", "replace"), None)


def parse_counters(text, separator):
    counters = {}
    for line in text.splitlines():
        parts = line.split(separator, 1) if separator else line.split(None, 1)
        if len(parts) == 2:
            try:
                counters[parts[0].strip()] = float(parts[1].strip())
            except ValueError:
                pass
    return counters


def counter(counters, key):
    return int(counters[key]) if key in counters else None


def resolving_ms(counters):
    """Milliseconds Unbound spent on the queries it did not answer from its message cache
    (its average recursion time x those replies). Unbound counts an answer rebuilt from its
    RRset cache as a cache miss too (total.num.cachemiss), taking about 0 ms; only a question
    to an authority takes time — so about 0 here means warm."""
    keys = ("total.recursion.time.avg", "total.num.recursivereplies")
    if not all(k in counters for k in keys):
        return None
    return 1000 * counters[keys[0]] * counters[keys[1]]


def scenario_cold_forward_validating(lab, results):
    """cold_validating for validating FORWARDERS: sprigd (mode forward, dnssec 1) and Unbound
    (validator + iterator, forward-zone ".") both forward to unbound-upstream, a recursive
    non-validating Unbound warmed once with every validating name and every zone's DNSKEY
    and DS, so each round measures the forwarders' own work (validation, DS/DNSKEY fetches
    answered from the upstream's cache), not iteration. Each forwarder is restarted before
    each of COLD_ROUNDS rounds; queries carry AD. Per round: the queries the upstream
    received and its cache misses (its counters), and sprigd's own upstream.queries."""
    rec = recursive_lab(lab, results)
    if not rec:
        return
    start_upstream(lab, rec)
    runs = {}
    for _ in range(COLD_ROUNDS):
        for name in FWD_VAL_RESOLVERS:
            upstream_counters(rec)   # resets them: the reading below is this round's
            server = start_recursive_resolver(lab, rec, name)
            if not server:
                continue
            run = measure_cold_counting(server, rec.val_names)
            upstream = upstream_counters(rec)
            run["upstream_queries"] = counter(upstream, "total.num.queries")
            run["upstream_cache_misses"] = counter(upstream, "total.num.cachemiss")
            run["upstream_resolving_ms"] = resolving_ms(upstream)
            if name.startswith("sprigd"):
                own = sprig_counters(os.path.join(WORK, name, "sprig.sock"))
                run["own_upstream_queries"] = int(own["upstream.queries"]) if "upstream.queries" in own else None
            runs.setdefault(name, []).append(run)
            rec.warm.add((name, "val"))
    rows = results.setdefault("cold_forward_validating", {})
    for name, server_runs in runs.items():
        rows[name] = best_cold_round(server_runs, VALIDATING_ROUND_KEYS + (
            "upstream_queries", "upstream_cache_misses", "upstream_resolving_ms", "own_upstream_queries"))
    results["cold_forward_validating_upstream_warm"] = rec.upstream_warm
    results["cold_forward_validating_ratios"] = ratios = {}
    sprig, theirs = rows.get("sprigd-fwd-val", {}), rows.get("unbound-fwd-val", {})
    for key in ("median_ms", "p90_ms", "max_ms", "upstream_queries"):
        if sprig.get(key) and theirs.get(key):
            ratios[key] = sprig[key] / theirs[key]


# ---------------------------------------------------------------- flash writes per simulated day

FLASH_TEST = "FlashWriteSimulationTests"   # Tests/ResolverTests/FlashWriteSimulationTests.swift


def run_bounded(argv, timeout_seconds):
    """(exit code or None on timeout, stdout+stderr text, seconds) of `argv` run in the repo;
    on timeout its whole process group (swift-build, the compilers) is killed."""
    began = time.monotonic()
    popen = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, start_new_session=True)
    try:
        text, _ = popen.communicate(timeout=max(1, timeout_seconds))
        code = popen.returncode
    except subprocess.TimeoutExpired:
        kill_session(popen.pid)
        text, _ = popen.communicate()
        code = None
    return code, text or "", time.monotonic() - began


def kill_session(session_id, rounds=5):
    """SIGKILLs every process of the session `session_id` (started with start_new_session):
    swift-build puts each compiler in a process group of its own, so killpg is not enough."""
    for _ in range(rounds):
        members = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 4 and int(fields[3]) == session_id:   # state ppid pgrp session
                members.append(int(entry))
        if not members:
            return
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.2)


def error_lines(text, count=5):
    lines = [line.strip() for line in text.splitlines() if "error:" in line]
    return lines[:count] or [line.strip() for line in text.splitlines() if line.strip()][-count:]


def scenario_flash_days(lab, results):
    """Runs the XCTest that drives the engine through simulated days (virtual time: a KSK
    rollover, an NTP sync on day 0, a clean shutdown, persistence called as
    EventLoop.housekeeping calls it) and keeps its per-day flash-write counts. Builds the
    tests first when needed (timed). A failing build or test is reported, never fatal."""
    entry = results["flash_days"] = {"test": FLASH_TEST, "scratch": os.path.relpath(FLASH_SCRATCH, ROOT)}
    swift = os.environ.get("SWIFT") or "swift"
    deadline = time.monotonic() + FLASH_TIMEOUT_SECONDS
    print("flash_days: building the tests (%s) ..." % entry["scratch"], flush=True)
    code, text, seconds = run_bounded([swift, "build", "--build-tests", "--scratch-path", FLASH_SCRATCH],
                                      deadline - time.monotonic())
    entry["build_seconds"] = round(seconds, 1)
    if code != 0:
        entry["error"] = "swift build --build-tests %s after %.0f s: %s" % (
            "timed out (BENCH_FLASH_TIMEOUT)" if code is None else "failed (exit %d)" % code, seconds, " | ".join(error_lines(text)))
        print("flash_days: " + entry["error"], flush=True)
        return
    code, text, seconds = run_bounded([swift, "test", "--skip-build", "--scratch-path", FLASH_SCRATCH,
                                       "--filter", FLASH_TEST], deadline - time.monotonic())
    entry["test_seconds"] = round(seconds, 1)
    entry["passed"] = code == 0
    for line in text.splitlines():
        if line.startswith("FLASH_SIM "):
            try:
                entry["simulation"] = json.loads(line[len("FLASH_SIM "):])
            except ValueError as error:
                entry["error"] = "unreadable FLASH_SIM line: %s" % error
        elif line.startswith("flash writes per simulated day:"):
            entry["summary"] = line.strip()
    if code != 0:
        entry["error"] = "swift test %s after %.0f s: %s" % (
            "timed out (BENCH_FLASH_TIMEOUT)" if code is None else "failed (exit %d)" % code, seconds, " | ".join(error_lines(text)))
    print("flash_days: build %.0f s, test %.0f s: %s" % (
        entry["build_seconds"], entry["test_seconds"], entry.get("error") or entry.get("summary", "no summary line")),
        flush=True)


# ---------------------------------------------------------------- scenario: DoT to a forwarder

DOT_PORT = env_int("BENCH_DOT_PORT", 8853)             # the DoT front's TLS port
DOT_NAMES = env_int("BENCH_DOT_NAMES", 300)            # cold names per resolver, one at a time
DOT_SECONDS = env_int("BENCH_DOT_SECONDS", 10)         # steady load for queries per handshake
DOT_TLS_NAME = "dot.sprigbench"                        # the front's certificate name (made by the bench)
DOT_IDLE_SECONDS = 11     # > sprigd's 10 s idle close (TransportLimits.idleTimeoutMs): the next query resumes
DOT_ADDRESS = {"dot-front": NET + "20", "sprigd-dot": NET + "21", "sprigd-plain": NET + "22",
               "unbound-dot": NET + "23", "unbound-plain": NET + "24"}
DOT_RESOLVERS = ("sprigd-dot", "sprigd-plain", "unbound-dot", "unbound-plain")
DOT_KINDS = (("rnd", "", "NOERROR"),)


def dot_pki():
    """A CA and a P-256 certificate for DOT_TLS_NAME (openssl), in WORK/dot-pki: (ca, cert, key)."""
    rundir = os.path.join(WORK, "dot-pki")
    os.makedirs(rundir, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

    def run(argv):
        subprocess.run(argv, cwd=rundir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)

    run(["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                                            "-subj", "/CN=Sprig Bench CA"])
    run(["openssl", "req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=" + DOT_TLS_NAME])
    with open(os.path.join(rundir, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n" % DOT_TLS_NAME)
    run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"])
    return tuple(os.path.join(rundir, f) for f in ("ca.pem", "server.pem", "server.key"))


def start_dot_front(lab, cert, key):
    """The forwarder: Unbound serving DoT on DOT_PORT and plain DNS on PORT, forwarding
    sprigbench. to NSD. Every resolver of the scenario forwards to it (over TLS or plain)."""
    address = DOT_ADDRESS["dot-front"]
    text = unbound_config("dot-front", address, """  interface: {addr}@{dot}
  tls-port: {dot}
  tls-service-key: "{key}"
  tls-service-pem: "{cert}"
  incoming-num-tcp: 64
forward-zone:
  name: "{zone}"
  forward-addr: {nsd}@{port}
""".format(addr=address, dot=DOT_PORT, key=key, cert=cert, zone=ZONE, nsd=ADDRESS["nsd"], port=PORT))
    conf = os.path.join(WORK, "dot-front.conf")
    with open(conf, "w") as f:
        f.write(text)
    server = lab.start("dot-front", ["unbound", "-d", "-c", conf], address, CLIENT_CORE)
    return require_answer(server, "h0." + HIT_SUFFIX)


def start_dot_resolver(lab, name, ca):
    """One resolver of the comparison, forwarding to the DoT front over TLS or plain UDP."""
    address, front = DOT_ADDRESS[name], DOT_ADDRESS["dot-front"]
    conf = os.path.join(WORK, name + ".conf")
    if name.startswith("sprigd"):
        upstream = ("\toption port '%d'\n\toption transport 'tls'\n\toption tls_name '%s'\n" % (DOT_PORT, DOT_TLS_NAME)
                    if name == "sprigd-dot" else "\toption port '%d'\n\toption transport 'udp'\n" % PORT)
        ca_line = "\toption tls_ca_file '%s'\n" % ca if name == "sprigd-dot" else ""
        text = sprig_config(name, address, "\toption mode 'forward'\n\toption dnssec '0'\n%s"
                            "\nconfig upstream\n\toption address '%s'\n%s" % (ca_line, front, upstream))
        argv = [SPRIGD, "-c", conf]
    else:
        tls = name == "unbound-dot"
        forward = ("  tls-cert-bundle: \"%s\"\nforward-zone:\n  name: \"%s\"\n  forward-addr: %s@%d#%s\n"
                   "  forward-tls-upstream: yes\n" % (ca, ZONE, front, DOT_PORT, DOT_TLS_NAME) if tls else
                   "forward-zone:\n  name: \"%s\"\n  forward-addr: %s@%d\n" % (ZONE, front, PORT))
        text = unbound_config(name, address, forward)
        argv = ["unbound", "-d", "-c", conf]
    with open(conf, "w") as f:
        f.write(text)
    server = lab.start(name, argv, address, SERVER_CORE)
    # Answered locally by both (RFC 6761): no upstream connection exists before the measurement.
    if probe(address, "localhost.", START_TIMEOUT_SECONDS) and server.alive():
        return server
    server.stop()
    return None


def dot_names(tag, count):
    """`count` names under the wildcard, new to every cache (the front's too)."""
    return [("%s%d.%s" % (tag, i, RANDOM_SUFFIX), "rnd", "NOERROR") for i in range(count)]


def dot_steady_load(server, tag):
    """DOT_SECONDS of dnsperf with names new to sprigd's cache: every query goes upstream."""
    path = os.path.join(WORK, "%s.queries" % tag)
    with open(path, "w") as f:
        f.write("".join("%s%d.%s A\n" % (tag, i, RANDOM_SUFFIX) for i in range(200000)))
    return dnsperf(server.address, path, DOT_SECONDS, max_runs=1, outstanding=20)


def scenario_dot_forward(lab, results):
    """DoT to a forwarder (issue 16): an Unbound DoT front; sprigd and Unbound each forward to it
    over TLS and over plain UDP. Cold latency (fresh names, one at a time) DoT vs plain, the first
    query (TCP + full TLS handshake), queries per handshake under steady load, and the first
    query after an idle close (a resumed handshake)."""
    if not os.path.exists(SPRIGD):
        results.setdefault("skipped", []).append("dot_forward: no sprigd at %s — skipped" % SPRIGD)
        return
    if lab.nsd is None:
        write_zone()
        lab.nsd = start_nsd(lab)
    ca, cert, key = dot_pki()
    start_dot_front(lab, cert, key)
    rows = results.setdefault("dot_forward", {})
    for name in DOT_RESOLVERS:
        server = start_dot_resolver(lab, name, ca)
        if not server:
            results.setdefault("skipped", []).append("dot_forward: %s did not answer — skipped" % name)
            continue
        # The first query opens the upstream connection (TCP + a full TLS handshake over DoT).
        row = measure_cold(server, dot_names("c-%s-" % name, DOT_NAMES), kinds=DOT_KINDS)
        rows[name] = row
        if name != "sprigd-dot":
            continue
        socket_path = os.path.join(WORK, name, "sprig.sock")
        row["load"] = dot_steady_load(server, "l-%s-" % name)
        time.sleep(DOT_IDLE_SECONDS)
        after_idle = measure_cold(server, dot_names("i-%s-" % name, 1), kinds=DOT_KINDS)
        row["after_idle_ms"] = after_idle.get("first_ms")
        c = sprig_counters(socket_path)
        for key in ("handshakes", "resumed", "resumptions_declined", "queries", "reused", "failures"):
            row["tls_" + key] = counter(c, "upstream.0.tls." + key)
        row["tls_memory_high_water"] = counter(c, "transport.tls.memory_high_water")
        row["tls_memory_per_connection"] = counter(c, "transport.tls.memory_per_connection")
        row["tls_session_bytes"] = counter(c, "transport.tls.sessions.bytes_high_water")
        if row["tls_handshakes"]:
            row["queries_per_handshake"] = (row["tls_queries"] or 0) / row["tls_handshakes"]
        print("dot       %-14s queries %s, handshakes %s (resumed %s): %.0f queries per handshake" % (
            name, row["tls_queries"], row["tls_handshakes"], row["tls_resumed"], row.get("queries_per_handshake", 0)))
    ratios = results.setdefault("dot_forward_ratios", {})
    for tls, plain in (("sprigd-dot", "sprigd-plain"), ("unbound-dot", "unbound-plain"), ("sprigd-dot", "unbound-dot"),
                       ("sprigd-plain", "unbound-plain")):
        for key in ("median_ms", "p90_ms", "first_ms"):
            mine, theirs = rows.get(tls, {}).get(key), rows.get(plain, {}).get(key)
            if mine and theirs:
                ratios["%s_vs_%s_%s" % (tls, plain, key)] = mine / theirs
    sprig = rows.get("sprigd-dot", {})
    if sprig.get("after_idle_ms") and sprig.get("first_ms"):
        ratios["sprigd-dot_resumed_vs_full_first_ms"] = sprig["after_idle_ms"] / sprig["first_ms"]


def render_dot_forward(results, out):
    rows = results.get("dot_forward")
    if not rows:
        return
    out.append("DoT to a FORWARDER: an Unbound DoT front (%s, TLS on %d, plain on %d) forwarding to NSD; each resolver "
               "asks %d fresh names one at a time" % (DOT_ADDRESS["dot-front"], DOT_PORT, PORT, DOT_NAMES))
    out.append("(the front is cold for each of them too); -dot forwards over TLS (sprigd: transport 'tls', tls_name; "
               "Unbound: forward-tls-upstream), -plain over UDP; ms")
    out.append("  %-14s %8s %8s %8s %10s %6s" % ("resolver", "median", "p90", "max", "first q", "lost"))
    for name in DOT_RESOLVERS:
        row = rows.get(name)
        if not row:
            continue
        out.append("  %-14s %8s %8s %8s %10s %6s" % (
            name, fmt(row.get("median_ms"), "{:.2f}"), fmt(row.get("p90_ms"), "{:.2f}"), fmt(row.get("max_ms"), "{:.2f}"),
            fmt(row.get("first_ms"), "{:.2f}"), fmt(row.get("lost"))))
    sprig = rows.get("sprigd-dot", {})
    load = sprig.get("load") or {}
    out.append("sprigd-dot under %d s of steady load (%s answered, %s q/s): %s queries over %s handshakes = %s queries "
               "per handshake; %s resumed, %s declined, %s queries on a reused connection, %s failed connections" % (
                   DOT_SECONDS, fmt(load.get("completed")), fmt(load.get("qps")), fmt(sprig.get("tls_queries")),
                   fmt(sprig.get("tls_handshakes")), fmt(sprig.get("queries_per_handshake")), fmt(sprig.get("tls_resumed")),
                   fmt(sprig.get("tls_resumptions_declined")), fmt(sprig.get("tls_reused")), fmt(sprig.get("tls_failures"))))
    out.append("sprigd-dot first query after a %d s idle close (resumed TLS session): %s ms; mbedTLS memory per "
               "connection %s bytes reserved, %s used at most; saved session %s bytes" % (
                   DOT_IDLE_SECONDS, fmt(sprig.get("after_idle_ms"), "{:.2f}"), fmt(sprig.get("tls_memory_per_connection")),
                   fmt(sprig.get("tls_memory_high_water")), fmt(sprig.get("tls_session_bytes"))))
    ratios = results.get("dot_forward_ratios") or {}

    def r(key):
        return fmt(ratios.get(key), "{:.2f}")

    out.append("DoT/plain latency (lower is better): Sprig median x%s, p90 x%s, first query x%s; Unbound median x%s, "
               "p90 x%s, first query x%s" % (
                   r("sprigd-dot_vs_sprigd-plain_median_ms"), r("sprigd-dot_vs_sprigd-plain_p90_ms"),
                   r("sprigd-dot_vs_sprigd-plain_first_ms"), r("unbound-dot_vs_unbound-plain_median_ms"),
                   r("unbound-dot_vs_unbound-plain_p90_ms"), r("unbound-dot_vs_unbound-plain_first_ms")))
    out.append("Sprig/Unbound over DoT: median x%s, p90 x%s, first query x%s (plain: median x%s); Sprig resumed/full "
               "first query x%s" % (
                   r("sprigd-dot_vs_unbound-dot_median_ms"), r("sprigd-dot_vs_unbound-dot_p90_ms"),
                   r("sprigd-dot_vs_unbound-dot_first_ms"), r("sprigd-plain_vs_unbound-plain_median_ms"),
                   r("sprigd-dot_resumed_vs_full_first_ms")))
    out.append("")


# ---------------------------------------------------------------- scenario: DoT to authoritative servers

AUTH_DOT_PORT = 853   # RFC 7858 §3.1: the only port either resolver looks at for an authoritative server's DoT
AUTH_DOT_ADDRESS = {"sprigd-auth-plain": REC_NET + "40", "sprigd-auth-odot": REC_NET + "41",
                    "pdns-plain": REC_NET + "42", "pdns-dot": REC_NET + "43"}
AUTH_DOT_RESOLVERS = tuple(AUTH_DOT_ADDRESS)
AUTH_DOT_ROUNDS = env_int("BENCH_AUTH_DOT_ROUNDS", 2)   # cold starts per resolver; the lowest median is shown
# PowerDNS Recursor 4.8 has no RFC 9539 probing: `dot-to-auth-names` (names or suffixes) sends every
# query to those NS names over DoT on port 853; `dot-to-port-853` (default yes) only covers addresses
# configured with port 853 (forwarders). Every NS name of the hierarchy ends in "example".
AUTH_DOT_PDNS_NAMES = "example"
AUTH_DOT_COUNTERS = ("dot-outqueries", "all-outqueries", "tcp-outqueries")


def start_auth_dot_twins(lab, rec, cert, key):
    """A second NSD per hierarchy server, on its address and port 853 with TLS (tls-port,
    tls-service-key/-pem: OpenSSL), serving the same zones: every authoritative server now
    offers DoT. True once each accepts TCP on 853."""
    h = rec.hierarchy
    procs = [start_bench_nsd(lab, h, name, server, AUTH_DOT_PORT, tls=(cert, key))
             for name, server in h.servers.items()]
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    waiting = list(procs)
    while waiting and time.monotonic() < deadline:   # bounded by the deadline
        proc = waiting[0]
        try:
            socket.create_connection((proc.address, AUTH_DOT_PORT), timeout=0.2).close()
            waiting.pop(0)
        except OSError:
            time.sleep(0.05)
    return not waiting


def auth_dot_pdns_config(name, rundir, hints):
    """PowerDNS Recursor iterating from the hierarchy's root hints, one thread, no DNSSEC (as
    the sprigd rows), loopback servers allowed (dont-query empty), no security polling (it
    would ask the internet); pdns-dot: DoT to every NS name of the hierarchy."""
    lines = ["local-address=%s" % AUTH_DOT_ADDRESS[name], "local-port=%d" % PORT,
             "hint-file=%s" % hints, "dont-query=", "allow-from=127.0.0.0/8", "dnssec=off",
             "daemon=no", "write-pid=no", "socket-dir=%s" % rundir, "threads=1",
             "pdns-distributes-queries=no", "disable-syslog=yes", "loglevel=3", "qname-minimization=yes",
             "security-poll-suffix=", "dot-to-port-853=yes"]
    if name == "pdns-dot":
        lines.append("dot-to-auth-names=%s" % AUTH_DOT_PDNS_NAMES)
    return "\n".join(lines) + "\n"


def start_auth_dot_resolver(lab, rec, name):
    """A fresh (cold) resolver of the comparison; None when it does not answer."""
    rundir = os.path.join(WORK, name)
    os.makedirs(rundir, exist_ok=True)
    address = AUTH_DOT_ADDRESS[name]
    if name.startswith("sprigd"):
        policy = "opportunistic" if name == "sprigd-auth-odot" else "off"
        text = sprig_config(name, address, """\toption mode 'recursive'
\toption query_loopback '1'
\toption root_hints '{hints}'
\toption dnssec '0'
\toption do_ip6 '0'

config auth_transport
\toption domain '.'
\toption policy '{policy}'
""".format(hints=rec.hierarchy.root_hints_path, policy=policy))
        conf = os.path.join(WORK, name + ".conf")
        argv = [SPRIGD, "-c", conf]
    else:
        text = auth_dot_pdns_config(name, rundir, rec.hierarchy.root_hints_path)
        conf = os.path.join(rundir, "recursor.conf")
        argv = ["pdns_recursor", "--config-dir=%s" % rundir]
    with open(conf, "w") as f:
        f.write(text)
    server = lab.start(name, argv, address, SERVER_CORE)
    # pdns ignores opcode STATUS; both answer localhost. themselves (RFC 6761): the cache stays cold.
    if probe(address, "localhost.", START_TIMEOUT_SECONDS) and server.alive():
        time.sleep(0.5)
        return server
    server.stop()
    return None


def auth_dot_counters(name, server):
    """What went over DoT: sprigd's RFC 9539 table summed over servers, or pdns' metrics."""
    if name.startswith("sprigd"):
        c = sprig_counters(os.path.join(WORK, name, "sprig.sock"))
        row = {key: int(sum(v for k, v in c.items() if k.startswith("auth_dot.server.") and k.endswith("." + key)))
               for key in ("tls_queries", "plain_queries")}
        row["servers_over_dot"] = sum(1 for k, v in c.items() if k.startswith("auth_dot.server.")
                                      and k.endswith(".state") and v == 2)
        for key in ("auth_dot.fallbacks", "auth.tls.handshakes", "auth.tls.resumed", "upstream.queries"):
            row[key] = counter(c, key)
        return row
    done = subprocess.run(["rec_control", "--socket-dir=%s" % os.path.join(WORK, name), "get"] + list(AUTH_DOT_COUNTERS),
                          capture_output=True, text=True, timeout=10)
    values = done.stdout.split()
    return {key: int(v) for key, v in zip(AUTH_DOT_COUNTERS, values) if v.isdigit()}


def scenario_cold_auth_dot(lab, results):
    """Cold recursive latency with DoT to the authoritative servers against plain DNS (issue 16):
    every hierarchy server also serves DoT on port 853; sprigd with '.' opportunistic (RFC 9539:
    the first query to a server plain with a probe beside it, DoT once it succeeded) and with '.'
    off, PowerDNS Recursor 4.8 with DoT to every NS name (dot-to-auth-names) and plain. Each is
    restarted (cold) and asked every cold name once, one at a time; AUTH_DOT_ROUNDS rounds."""
    if not os.path.exists(SPRIGD):
        return skip(results, "cold_auth_dot: no sprigd at %s" % SPRIGD)
    if not shutil.which("pdns_recursor") and not os.path.exists("/usr/sbin/pdns_recursor"):
        return skip(results, "cold_auth_dot: no pdns_recursor (Debian package pdns-recursor; make deps)")
    rec = recursive_lab(lab, results)
    if not rec:
        return
    _, cert, key = dot_pki()
    if not start_auth_dot_twins(lab, rec, cert, key):
        return skip(results, "cold_auth_dot: the NSD DoT twins did not open port %d" % AUTH_DOT_PORT)
    runs = {}
    for _ in range(AUTH_DOT_ROUNDS):
        for name in AUTH_DOT_RESOLVERS:
            server = start_auth_dot_resolver(lab, rec, name)
            if not server:
                skip(results, "cold_auth_dot: %s did not answer" % name)
                continue
            row = measure_cold(server, rec.names)
            row.update(auth_dot_counters(name, server))
            runs.setdefault(name, []).append(row)
            server.stop()
    rows = results.setdefault("cold_auth_dot", {})
    for name, server_runs in runs.items():
        rows[name] = best_cold_round(server_runs, ("median_ms", "p90_ms", "max_ms", "lost", "wrong_count"))
    ratios = results.setdefault("cold_auth_dot_ratios", {})
    for mine, theirs in (("sprigd-auth-odot", "sprigd-auth-plain"), ("pdns-dot", "pdns-plain"),
                         ("sprigd-auth-odot", "pdns-dot"), ("sprigd-auth-plain", "pdns-plain")):
        for key in ("median_ms", "p90_ms", "first_ms"):
            a, b = rows.get(mine, {}).get(key), rows.get(theirs, {}).get(key)
            if a and b:
                ratios["%s_vs_%s_%s" % (mine, theirs, key)] = a / b


def render_cold_auth_dot(results, out):
    rows = results.get("cold_auth_dot")
    if not rows:
        return
    out.append("DoT to AUTHORITATIVE servers, cold: %d names through the hierarchy, every server also serving DoT on "
               "port %d (NSD tls-port); each resolver restarted, %d rounds, the lowest median shown; ms" % (
                   COLD_NAMES, AUTH_DOT_PORT, AUTH_DOT_ROUNDS))
    out.append("sprigd-auth-odot: '.' opportunistic (RFC 9539); sprigd-auth-plain: '.' off; pdns-dot: PowerDNS "
               "Recursor 4.8 dot-to-auth-names=%s (+ dot-to-port-853=yes); pdns-plain: the same without; no DNSSEC" %
               AUTH_DOT_PDNS_NAMES)
    out.append("  %-18s %8s %5s %5s %9s %8s %8s %8s   %s" % ("resolver", "answered", "wrong", "lost", "first", "median",
                                                          "p90", "max", "queries to the authorities: over DoT / all"))
    for name in AUTH_DOT_RESOLVERS:
        row = rows.get(name)
        if not row:
            continue
        if name.startswith("sprigd"):
            transport = "%s DoT / %s all; %s servers on DoT, %s handshakes, %s fallbacks" % (
                fmt(row.get("tls_queries")), fmt(row.get("upstream.queries")), fmt(row.get("servers_over_dot")),
                fmt(row.get("auth.tls.handshakes")), fmt(row.get("auth_dot.fallbacks")))
        else:
            transport = "%s DoT / %s all (%s TCP)" % (fmt(row.get("dot-outqueries")), fmt(row.get("all-outqueries")),
                                                      fmt(row.get("tcp-outqueries")))
        out.append("  %-18s %8s %5s %5s %9s %8s %8s %8s   %s" % (
            name, fmt(row.get("answered")), fmt(row.get("wrong_count")), fmt(row.get("lost")),
            fmt(row.get("first_ms"), "{:.2f}"), fmt(row.get("median_ms"), "{:.3f}"), fmt(row.get("p90_ms"), "{:.3f}"),
            fmt(row.get("max_ms"), "{:.2f}"), transport))
        if row.get("wrong"):
            out.append("WARNING: %s gave unexpected answers, e.g. %s" % (name, ", ".join(row["wrong"][:4])))
    ratios = results.get("cold_auth_dot_ratios") or {}

    def r(key):
        return fmt(ratios.get(key), "{:.2f}")

    out.append("DoT/plain (lower is better): Sprig median x%s, p90 x%s, first x%s; pdns median x%s, p90 x%s, first x%s" % (
        r("sprigd-auth-odot_vs_sprigd-auth-plain_median_ms"), r("sprigd-auth-odot_vs_sprigd-auth-plain_p90_ms"),
        r("sprigd-auth-odot_vs_sprigd-auth-plain_first_ms"), r("pdns-dot_vs_pdns-plain_median_ms"),
        r("pdns-dot_vs_pdns-plain_p90_ms"), r("pdns-dot_vs_pdns-plain_first_ms")))
    out.append("Sprig/pdns: over DoT median x%s, p90 x%s, first x%s; plain median x%s, p90 x%s" % (
        r("sprigd-auth-odot_vs_pdns-dot_median_ms"), r("sprigd-auth-odot_vs_pdns-dot_p90_ms"),
        r("sprigd-auth-odot_vs_pdns-dot_first_ms"), r("sprigd-auth-plain_vs_pdns-plain_median_ms"),
        r("sprigd-auth-plain_vs_pdns-plain_p90_ms")))
    out.append("Every round (median/p90 ms): " + ", ".join(
        "%s %s" % (name, " ".join("%s/%s" % (fmt(x.get("median_ms"), "{:.2f}"), fmt(x.get("p90_ms"), "{:.2f}"))
                                  for x in row.get("rounds", [])))
        for name, row in rows.items()))
    out.append("")


SCENARIOS = {"verify_speed": scenario_verify_speed, "cache_hit": scenario_cache_hit, "footprint": scenario_footprint,
             "cold_recursive": scenario_cold_recursive, "cold_sibling_glue": scenario_cold_sibling_glue, "recursive_cache_hit": scenario_recursive_cache_hit,
             "recursive_footprint": scenario_recursive_footprint, "sizes": scenario_sizes,
             "cold_validating": scenario_cold_validating, "validating_cache_hit": scenario_validating_cache_hit,
             "cold_forward_validating": scenario_cold_forward_validating, "flash_days": scenario_flash_days,
             "dot_forward": scenario_dot_forward, "cold_auth_dot": scenario_cold_auth_dot}
NEEDS_SERVERS = {"cache_hit", "footprint"}


# ---------------------------------------------------------------- report

def fmt(value, spec="{:,.0f}"):
    return "-" if value is None else spec.format(value)


def not_all_noerror(rcodes):
    """True when a dnsperf "Response codes" line shows anything but NOERROR."""
    return bool(rcodes) and any(not part.strip().startswith("NOERROR") for part in rcodes.split(","))


def cache_hit_table(rows, names, out, missing_note):
    """The cache-hit table: one line per server of `names` (missing_note(name) when absent)."""
    out.append("%-16s %11s %9s %8s %12s %9s %11s %8s %7s %9s" % (
        "server", "answered", "qps wall", "CPU s", "q/CPU-s", "CPU us/q", "us/q >floor", "allocs/q", "lost",
        "NSD CPU s"))
    for name in names:
        row = rows.get(name)
        if row is None:
            out.append("%-16s %s" % (name, missing_note(name)))
            continue
        if "error" in row:
            out.append("%-16s failed: %s" % (name, row["error"]))
            continue
        out.append("%-16s %11s %9s %8.2f %12s %9s %11s %8s %7s %9s" % (
            name, fmt(row.get("completed")), fmt(row.get("qps")), row["cpu_seconds"],
            fmt(row.get("queries_per_cpu_second")), fmt(row.get("cpu_us_per_query"), "{:.2f}"),
            fmt(row.get("cpu_us_above_floor"), "{:.2f}"), fmt(row.get("allocations_per_query"), "{:.2f}"),
            fmt(row.get("lost")), fmt(row.get("upstream_cpu_seconds"), "{:.2f}")))
    out.append("q/CPU-s of every round: " + ", ".join(
        "%s %s" % (name, "/".join(fmt(v) for v in row.get("rounds_queries_per_cpu_second", [])))
        for name, row in rows.items()))


def forward_missing_note(name):
    if name == "sprigd":
        return "not answering yet — skipped"
    if name == "sprigd-embedded":
        return "no out/x86_64/sprigd or not answering — skipped"
    return "not run"


def render_cache_hit(results, out):
    rows = results.get("cache_hit")
    if not rows:
        return
    out.append("Cache-hit load: dnsperf %d s per server, best of %d interleaved rounds, %d names cached, %d in flight; "
               "server on core %s, dnsperf on core %s" % (SECONDS, ROUNDS, HIT_NAMES, OUTSTANDING, SERVER_CORE,
                                                          CLIENT_CORE))
    cache_hit_table(rows, ("floor",) + RESOLVERS, out, forward_missing_note)
    for name, row in rows.items():
        if not_all_noerror(row.get("rcodes")):
            out.append("WARNING: %s answered %s — a fast error is not a fast answer" % (name, row["rcodes"]))
    for key, label in (("sprig_ratios", "Sprig"), ("sprig_embedded_ratios", "Sprig Embedded")):
        ratios = results.get(key) or {}
        if ratios:
            out.append("%s q/CPU-s vs Unbound: x%s, vs dnsmasq: x%s; cost above floor vs Unbound: x%s, vs dnsmasq: x%s" % (
                label, fmt(ratios.get("qps_per_cpu_vs_unbound"), "{:.2f}"),
                fmt(ratios.get("qps_per_cpu_vs_dnsmasq"), "{:.2f}"),
                fmt(ratios.get("cost_above_floor_vs_unbound"), "{:.2f}"),
                fmt(ratios.get("cost_above_floor_vs_dnsmasq"), "{:.2f}")))
        else:
            out.append("%s ratios: n/a (not measured)" % label)
    out.append("NSD CPU s: the upstream's CPU during the run; about 0 means every answer came from the cache.")
    out.append("Ratios: q/CPU-s higher is better; cost above floor (us/q) lower is better.")
    out.append("sprigd = host build (.build/release, full Swift runtime); sprigd-embedded = the router build "
               "(out/x86_64/sprigd: Embedded Swift, static; the allocation counter cannot see it).")
    out.append("Goals on this machine (issue): floor ~199k, Unbound ~163k q/CPU-s (~1.1 us/q above floor).")
    out.append("")


def footprint_table(footprint, names, out):
    out.append("%-16s %15s %15s %15s %15s %10s %6s %10s %10s %9s %9s" % (
        "server", "idle", "after warm-up", "before random", "after random", "answered", "flat?", "growth kB",
        "2nd half", "CPU us/q", "allocs/q"))

    def pair(entry, key):
        m = entry.get(key)
        return "%d/%d" % (m["rss_kb"], m["hwm_kb"]) if m else "-"
    for name in names:
        entry = footprint.get(name)
        if not entry:
            continue
        flat = entry.get("rss_flat")
        out.append("%-16s %15s %15s %15s %15s %10s %6s %10s %10s %9s %9s" % (
            name, pair(entry, "idle"), pair(entry, "warm"), pair(entry, "before_random"),
            pair(entry, "after_random"), fmt((entry.get("random_load") or {}).get("completed")),
            "-" if flat is None else ("yes" if flat else "NO"), fmt(entry.get("rss_growth_kb")),
            fmt(entry.get("rss_growth_second_half_kb")),
            fmt(entry.get("random_cpu_us_per_query"), "{:.1f}"),
            fmt(entry.get("allocations_per_query_random"), "{:.2f}")))
        if "error" in entry:
            out.append("%-16s random load failed: %s" % ("", entry["error"]))
        rcodes = (entry.get("random_load") or {}).get("rcodes", "")
        if any(not_all_noerror(part) for part in rcodes.split(" | ")):
            out.append("WARNING: %s answered the random names with %s" % (name, rcodes))


def render_footprint(results, out):
    footprint = results.get("footprint")
    if not footprint:
        return
    if "footprint" in results["settings"]["scenarios"]:
        out.append("Footprint, VmRSS/VmHWM in kB; random load: up to %s random names (wildcard), capped at %d s" % (
            fmt(RANDOM_QUERIES), RANDOM_SECONDS))
    else:
        out.append("Footprint, VmRSS/VmHWM in kB (footprint scenario not run: no random load)")
    out.append("flat? = RSS grew at most max(%d kB, 1%%) over the random load; 2nd half = RSS growth (kB) "
               "during its second half (bounded caches stop growing)" % FLAT_TOLERANCE_KB)
    footprint_table(footprint, ("floor",) + RESOLVERS, out)
    out.append("Caches: Unbound 4m msg + 4m RRset (defaults), sprigd memory '%s' with cache_size %s (both builds), "
               "dnsmasq --cache-size=%d entries." % (
                   SPRIG_MEMORY, SPRIG_CACHE_SIZE, max(150, HIT_NAMES * 2)))
    out.append("")


def render_cold_recursive(results, out):
    rows = results.get("cold_recursive")
    if not rows:
        return
    out.append("Cold-cache recursive resolution: %d distinct names (%s, interleaved) through the signed "
               "hierarchy on 127.53.0.x:53;" % (COLD_NAMES, ", ".join(k for k, _, _ in COLD_KINDS)))
    out.append("one query at a time (client on core %s, resolver on core %s), each resolver restarted before each of "
               "%d rounds; the round with the lowest median is shown; ms" % (CLIENT_CORE, SERVER_CORE, COLD_ROUNDS))
    out.append("%-14s %8s %6s %5s %9s %9s %8s %8s   %s" % (
        "resolver", "answered", "wrong", "lost", "first", "median", "p90", "max",
        "median by kind: " + " / ".join(k for k, _, _ in COLD_KINDS)))
    for name in REC_RESOLVERS:
        row = rows.get(name)
        if row is None:
            out.append("%-14s %s" % (name, "not run (no sprigd, or it did not answer)"))
            continue
        kinds = row.get("by_kind_median_ms") or {}
        out.append("%-14s %8s %6s %5s %9s %9s %8s %8s   %s" % (
            name, fmt(row.get("answered")), fmt(row.get("wrong_count")), fmt(row.get("lost")),
            fmt(row.get("first_ms"), "{:.2f}"), fmt(row.get("median_ms"), "{:.3f}"),
            fmt(row.get("p90_ms"), "{:.3f}"), fmt(row.get("max_ms"), "{:.2f}"),
            " / ".join(fmt(kinds.get(k), "{:.2f}") for k, _, _ in COLD_KINDS)))
        if row.get("wrong"):
            out.append("WARNING: %s gave unexpected answers, e.g. %s" % (name, ", ".join(row["wrong"][:4])))
        if row.get("slowest"):
            out.append("%-14s slowest: %s" % ("", ", ".join(row["slowest"])))
    ratios = results.get("cold_ratios") or {}
    if ratios:
        out.append("Sprig/Unbound latency (lower is better): vs unbound-noval median x%s, p90 x%s; "
                   "vs unbound-val median x%s, p90 x%s" % tuple(
                       fmt(ratios.get("%s_vs_%s" % (k, o)), "{:.2f}")
                       for o in ("unbound-noval", "unbound-val") for k in ("median_ms", "p90_ms")))
    out.append("Queries to authoritative servers per cold name (each round; priming included): " + ", ".join(
        "%s %s" % (name, " ".join(fmt(r.get("queries_per_name"), "{:.2f}") for r in row.get("rounds", [])))
        for name, row in rows.items()))
    out.append("Every round (median/p90 ms): " + ", ".join(
        "%s %s" % (name, " ".join("%s/%s" % (fmt(r.get("median_ms"), "{:.2f}"), fmt(r.get("p90_ms"), "{:.2f}"))
                                  for r in row.get("rounds", [])))
        for name, row in rows.items()))
    out.append("first = the first name (full walk from the root). sprigd runs here with dnssec 0: "
               "unbound-noval (module-config \"iterator\") is the fair comparison (validating pair: cold_validating);")
    out.append("unbound-val (validator + iterator, root DS anchor) shows the cost of validation (DO, DNSKEY/DS "
               "fetches, signature checks) — and may answer NXDOMAIN from cached NSEC (aggressive-nsec).")
    out.append("")


def render_recursive_cache_hit(results, out):
    rows = results.get("recursive_cache_hit")
    if not rows:
        return
    out.append("Recursive cache-hit load: dnsperf %d s per resolver, best of %d interleaved rounds, the %d warmed cold "
               "names (NOERROR, CNAME chains, NXDOMAIN), %d in flight" % (REC_SECONDS, ROUNDS, COLD_NAMES, OUTSTANDING))
    cache_hit_table(rows, REC_RESOLVERS, out, lambda name: "not run (no sprigd, or it did not answer)")
    for name, row in rows.items():
        bad = [part.strip() for part in (row.get("rcodes") or "").split(",")
               if part.strip() and not part.strip().startswith(("NOERROR", "NXDOMAIN"))]
        if bad:
            out.append("WARNING: %s answered %s — a fast error is not a fast answer" % (name, row["rcodes"]))
    ratios = results.get("recursive_cache_hit_ratios") or {}
    out.append("Sprig q/CPU-s vs unbound-noval: x%s, vs unbound-val: x%s (higher is better); NSD CPU s = all "
               "8 hierarchy NSDs" % (fmt(ratios.get("qps_per_cpu_vs_unbound-noval"), "{:.2f}"),
                                     fmt(ratios.get("qps_per_cpu_vs_unbound-val"), "{:.2f}")))
    out.append("")


def render_cold_validating(results, out):
    rows = results.get("cold_validating")
    if not rows:
        return
    out.append("Cold-cache VALIDATING resolution: %d distinct names (%s, interleaved), every zone signed and chained "
               "to the root DS;" % (COLD_NAMES, ", ".join(k for k, _, _ in VALIDATING_KINDS)))
    out.append("sprigd-val = sprigd dnssec 1 (trust anchor = the hierarchy's root DS), unbound-val = validator + iterator; "
               "queries carry AD (RFC 6840 5.7),")
    out.append("a secure answer without AD is wrong, and so is AD on %s (NSEC3 opt-out NXDOMAIN: insecure by RFC 5155); "
               "restarted before each of %d rounds, lowest-median round shown; ms" % (
                   "/".join(sorted(INSECURE_KINDS)), COLD_ROUNDS))
    validating_table(rows, VAL_RESOLVERS, out)
    out.append("heap1 = the resolver's heap calls (malloc_count: malloc, calloc, realloc, posix_memalign, ...) in the "
               "round's first lookup (the host build's Swift runtime instantiates type metadata once,")
    out.append("lazily, when a code path first runs); heap/q = its heap calls per answered lookup after that one "
               "(signature checks included; Sprig's goal: 0)")
    ratios = results.get("cold_validating_ratios") or {}
    out.append("Sprig/Unbound validating latency (lower is better): median x%s, p90 x%s, max x%s" % tuple(
        fmt(ratios.get(k), "{:.2f}") for k in ("median_ms", "p90_ms", "max_ms")))
    out.append("Queries to authoritative servers per cold name (each round; priming included): " + ", ".join(
        "%s %s" % (name, " ".join(fmt(r.get("queries_per_name"), "{:.2f}") for r in row.get("rounds", [])))
        for name, row in rows.items()))
    out.append("Every round (median/p90 ms): " + ", ".join(
        "%s %s" % (name, " ".join("%s/%s" % (fmt(r.get("median_ms"), "{:.2f}"), fmt(r.get("p90_ms"), "{:.2f}"))
                                  for r in row.get("rounds", [])))
        for name, row in rows.items()))
    out.append("")


def validating_table(rows, names, out, extra_header="", extra=lambda row: ""):
    """The cold validating table (one line per resolver of `names`, then its kinds, slowest
    names and wrong answers); `extra(row)` adds columns headed `extra_header`."""
    out.append("%-15s %8s %6s %5s %6s %5s %9s %9s %8s %8s %6s %9s%s" % (
        "resolver", "answered", "wrong", "noAD", "xtraAD", "lost", "first", "median", "p90", "max", "heap1",
        "heap/q", extra_header))
    for name in names:
        row = rows.get(name)
        if row is None:
            out.append("%-15s %s" % (name, "not run (no sprigd, or it did not answer)"))
            continue
        out.append("%-15s %8s %6s %5s %6s %5s %9s %9s %8s %8s %6s %9s%s" % (
            name, fmt(row.get("answered")), fmt(row.get("wrong_count")), fmt(row.get("no_ad")),
            fmt(row.get("extra_ad")), fmt(row.get("lost")),
            fmt(row.get("first_ms"), "{:.2f}"), fmt(row.get("median_ms"), "{:.3f}"),
            fmt(row.get("p90_ms"), "{:.3f}"), fmt(row.get("max_ms"), "{:.2f}"),
            fmt(row.get("heap_calls_first")), fmt(row.get("heap_calls_per_lookup"), "{:,.2f}"), extra(row)))
        if row.get("wrong"):
            out.append("WARNING: %s gave unexpected answers, e.g. %s" % (name, ", ".join(row["wrong"][:4])))
        kinds = row.get("by_kind_median_ms") or {}
        out.append("%-15s median by kind: %s" % ("", ", ".join(
            "%s %s" % (k, fmt(kinds.get(k), "{:.2f}")) for k, _, _ in VALIDATING_KINDS)))
        if row.get("slowest"):
            out.append("%-15s slowest: %s" % ("", ", ".join(row["slowest"])))
        if row.get("heap_lookups") is not None:
            out.append("%-15s lookups with heap calls: %s of %s%s" % (
                "", fmt(row["heap_lookups"]), fmt(row.get("answered")),
                " (name calls: %s)" % ", ".join(row["heap_lookup_sample"]) if row.get("heap_lookup_sample") else ""))


def render_cold_forward_validating(results, out):
    rows = results.get("cold_forward_validating")
    if not rows:
        return
    warm = results.get("cold_forward_validating_upstream_warm") or {}
    out.append("Cold-cache VALIDATING FORWARDERS: the %d validating names of cold_validating, forwarded to "
               "unbound-upstream (%s: recursive Unbound, iterator only, no validation)," % (
                   COLD_NAMES, REC_ADDRESS["unbound-upstream"]))
    out.append("warmed once before the rounds with every name (A) and every zone's DNSKEY and DS, asked with RD+CD+DO "
               "(%s of %s asked in %s s, rcodes %s, lost %s);" % (
                   fmt(warm.get("asked")), fmt(warm.get("queries")), fmt(warm.get("seconds"), "{:.2f}"),
                   ", ".join("%s %d" % kv for kv in sorted((warm.get("rcodes") or {}).items())) or "-",
                   fmt(warm.get("lost"))) + (" WARM PASS GAVE UP %s;" % warm["gave_up"] if warm.get("gave_up") else ""))
    out.append("sprigd-fwd-val = sprigd mode forward, dnssec 1 (RD+CD+DO upstream, validates itself); unbound-fwd-val = "
               "validator + iterator, forward-zone \".\"; both anchored at the root DS only;")
    out.append("queries carry AD, wrong/noAD/xtraAD as in cold_validating; each forwarder restarted before each of %d "
               "rounds, lowest-median round shown; ms" % COLD_ROUNDS)
    validating_table(rows, FWD_VAL_RESOLVERS, out, "  %6s %8s %6s" % ("up q", "up ms", "own q"),
                     lambda row: "  %6s %8s %6s" % (fmt(row.get("upstream_queries")),
                                                     fmt(row.get("upstream_resolving_ms"), "{:.2f}"),
                                                     fmt(row.get("own_upstream_queries"))))
    ratios = results.get("cold_forward_validating_ratios") or {}
    out.append("Sprig/Unbound validating-forwarder latency (lower is better): median x%s, p90 x%s, max x%s; "
               "upstream queries x%s" % tuple(
                   fmt(ratios.get(k), "{:.2f}") for k in ("median_ms", "p90_ms", "max_ms", "upstream_queries")))
    out.append("Every round (median/p90 ms, up q): " + ", ".join(
        "%s %s" % (name, " ".join("%s/%s %s" % (fmt(r.get("median_ms"), "{:.2f}"), fmt(r.get("p90_ms"), "{:.2f}"),
                                                fmt(r.get("upstream_queries")))
                                  for r in row.get("rounds", [])))
        for name, row in rows.items()))
    out.append("up q = queries unbound-upstream received during the round (its counters); up ms = time it spent "
               "resolving during the round (about 0 = every answer from its cache, the rounds compare like with like);")
    out.append("own q = sprigd's own upstream.queries counter (control socket). unbound-fwd-val also sends one "
               "RFC 8145 key-tag query (_ta-<tag>. NULL, its default trust-anchor-signaling) per start, not warmed.")
    out.append("")


def render_validating_cache_hit(results, out):
    rows = results.get("validating_cache_hit")
    if not rows:
        return
    out.append("Validating cache-hit load: dnsperf %d s per resolver (no DO, no AD in the queries), best of %d "
               "interleaved rounds, the %d warmed validating names, %d in flight" % (
                   REC_SECONDS, ROUNDS, COLD_NAMES, OUTSTANDING))
    cache_hit_table(rows, VAL_RESOLVERS, out, lambda name: "not run (no sprigd, or it did not answer)")
    for name, row in rows.items():
        bad = [part.strip() for part in (row.get("rcodes") or "").split(",")
               if part.strip() and not part.strip().startswith(("NOERROR", "NXDOMAIN"))]
        if bad:
            out.append("WARNING: %s answered %s — a fast error is not a fast answer" % (name, row["rcodes"]))
    out.append("Sprig (dnssec 1) q/CPU-s vs unbound-val: x%s (higher is better); NSD CPU s = all 8 hierarchy NSDs" % (
        fmt(results.get("validating_cache_hit_ratio"), "{:.2f}")))
    out.append("")


def render_flash_writes(results, out):
    """Files each sprigd process wrote into its state_dir (flash on a router), counted by inotify,
    then the per-day figures of the simulated days (scenario flash_days)."""
    flash = results.get("flash_writes")
    if not flash and not results.get("flash_days"):
        return
    if flash:
        render_flash_process_writes(flash, out)
    render_flash_days(results.get("flash_days"), out)
    out.append("")


def render_flash_process_writes(flash, out):
    out.append("Flash writes (files written and closed in each sprigd's state_dir, inotify, from before start to after "
               "stop; a clock.floor replace = clock.floor.tmp written + renamed; policy: <= 1 per day + 1 at shutdown):")
    by_instance = {}
    for entry in flash:
        by_instance.setdefault(entry["instance"], []).append(entry)
    total = sum(entry.get("writes", 0) for entry in flash)
    for instance, entries in by_instance.items():
        writes = [entry.get("writes") for entry in entries]
        files = {}
        for entry in entries:
            for name, count in (entry.get("files") or {}).items():
                files[name] = files.get(name, 0) + count
        errors = sorted({entry["error"] for entry in entries if entry.get("error")})
        # Policy per file (clock.floor, anchors.state): a run is far under a day, so at most
        # the first daily write and the one at shutdown.
        worst = max((max((entry.get("files") or {}).values(), default=0) for entry in entries), default=None)
        out.append("  %-22s %d processes (up %s s in all): writes per process %s; files %s%s%s" % (
            instance, len(entries), fmt(sum(e.get("alive_seconds", 0) for e in entries), "{:.0f}"),
            " ".join(fmt(w) for w in writes), ", ".join("%s x%d" % kv for kv in sorted(files.items())) or "none",
            "; " + "; ".join(errors) if errors else "",
            "  <-- OVER POLICY: a file written more than twice in one process (a run is far under a day)"
            if worst is not None and worst > 2 else ""))
    out.append("flash writes: %d during the run, %d sprigd processes (policy: <= 1 per day + 1 at shutdown, per file)" % (
        total, len(flash)))


def render_flash_days(entry, out):
    """Per-day writes of each file over the simulated days (Tests/ResolverTests/FlashWriteSimulationTests.swift)."""
    if not entry:
        return
    timing = "build %s s, test %s s" % (fmt(entry.get("build_seconds"), "{:.0f}"), fmt(entry.get("test_seconds"), "{:.0f}"))
    sim = entry.get("simulation")
    out.append("Flash writes per simulated day (flash_days: XCTest %s, the engine in virtual time with persistence "
               "called as EventLoop.housekeeping calls it; %s):" % (entry["test"], timing))
    if entry.get("error"):
        out.append("  " + entry["error"])
    if not sim:
        return
    days = sim["days"]
    for label, key in (("clock.floor", "clock_floor"), ("anchors.state", "anchors_state")):
        per_day = sim[key + "_per_day"]
        shutdown = sim[key + "_shutdown"]
        worst = max(per_day, default=0)
        out.append("  %-14s %.2f/day (%d writes in %d days, at most %d on a day) + %d at shutdown; per day %s+%d%s" % (
            label, sum(per_day) / float(days), sum(per_day), days, worst, shutdown,
            ("," if worst > 9 else "").join(str(n) for n in per_day), shutdown,
            "  <-- OVER POLICY: day %s" % ", ".join(str(d) for d, n in enumerate(per_day) if n > 1)
            if worst > 1 or shutdown > 1 else ""))
    out.append("  scenario: boot at 1970 (untrusted), NTP sync on day 0, KSK rollover (new key published day %d, "
               "old key withdrawn day %d), 1 clean shutdown; trusted KSKs per day %s" % (
                   sim["key_published_day"], sim["old_key_withdrawn_day"],
                   "".join(str(n) for n in sim.get("trusted_keys_per_day", []))))
    if sim.get("anchors_state_writes"):
        out.append("  anchors.state writes (day+time since boot: key states, V valid A add-pending M missing R revoked): "
                   + ", ".join(sim["anchors_state_writes"]))
    out.append("  " + (entry.get("summary") or "-") + ("" if entry.get("passed") else "  <-- TEST FAILED"))


def render_recursive_footprint(results, out):
    footprint = results.get("recursive_footprint")
    if not footprint:
        return
    out.append("Recursive footprint, VmRSS/VmHWM in kB: idle (fresh start), after the %d cold names, and over up to %s "
               "random names r<hex>.%s (all cache misses), capped at %d s" % (
                   COLD_NAMES, fmt(REC_RANDOM_QUERIES), WILDCARD_ZONE_SUFFIX, REC_RANDOM_SECONDS))
    footprint_table(footprint, REC_RESOLVERS, out)
    out.append("CPU us/q here includes the whole iterative miss (query to the leaf NSD, its answer, caching).")
    out.append("")


VERIFY_LABELS = {8: "RSA-2048/SHA-256", 13: "ECDSA P-256", 14: "ECDSA P-384", 15: "Ed25519"}


def render_verify_speed(results, out):
    entry = results.get("verify_speed")
    if not entry:
        return
    out.append("Signature verification, µs per verify (Tests/Bench/verify_speed.c, C -O2, one real RRSIG per "
               "algorithm, fastest of 3 batches of >= %d ms; host, server core)" % VERIFY_BUDGET_MS)
    out.append("old = Sprig's backend before issue 14 (mbedTLS; libsodium for 15), new = now (nettle through "
               "Sources/CNettle; libsodium for 15)")
    host = entry.get("host")
    out.append("%-22s %10s %10s %10s   %s" % ("algorithm", "mbedtls", "nettle", "libsodium", "old/new"))
    for algorithm in VERIFY_ALGORITHMS:
        row = (host or {}).get("us", {}).get(str(algorithm), {})
        out.append("%-22s %10s %10s %10s   x%s" % (
            "%d %s" % (algorithm, VERIFY_LABELS[algorithm]),
            *[fmt(row.get(lib), "{:,.1f}") for lib in VERIFY_LIBRARIES],
            fmt((host or {}).get("ratios", {}).get(str(algorithm)), "{:.2f}")))
    if entry.get("host_error"):
        out.append("host: " + entry["host_error"])
    if host and host.get("arena"):
        out.append("new backend's arena over the whole run: %s calls, %s fallbacks to libc, peak %s bytes live" % (
            fmt(host["arena"]["calls"]), fmt(host["arena"]["fallbacks"]), fmt(host["arena"]["peak_bytes"])))
    boards = entry.get("boards") or {}
    if boards:
        out.append("Under qemu-user (emulated, so ratios only; >= %d ms batches): old/new per algorithm, and "
                   "nettle/libsodium for Ed25519 (why 15 stays on libsodium)" % VERIFY_QEMU_BUDGET_MS)
        out.append("%-10s %s %12s" % ("board", " ".join("%9s" % ("alg %d" % a) for a in VERIFY_ALGORITHMS),
                                      "15 ntl/sod"))
        for board, row in boards.items():
            if row.get("error"):
                out.append("%-10s %s" % (board, row["error"]))
                continue
            ed = row["us"].get("15", {})
            ed_ratio = ed["nettle"] / ed["libsodium"] if ed.get("nettle") and ed.get("libsodium") else None
            out.append("%-10s %s %12s" % (board, " ".join(
                "%9s" % ("x" + fmt(row["ratios"].get(str(a)), "{:.2f}")) for a in VERIFY_ALGORITHMS),
                "x" + fmt(ed_ratio, "{:.2f}")))
    out.append("")


def render_sizes(results, out):
    sizes = results.get("sizes")
    if sizes is None:
        return
    out.append("Binary size in bytes (stripped = size after `strip` of a copy)")
    if not any(k.startswith("sprigd ") and k != "sprigd host" for k in sizes):
        out.append("  (no out/<board>/sprigd yet: build with `make board BOARD=...`)")
    for label, entry in sizes.items():
        out.append("  %-22s %12s %12s  %s" % (label, fmt(entry["bytes"]),
                                               fmt(entry.get("stripped_bytes")), entry["path"]))
    out.append("")


def render_baseline(results, out):
    """New build against BENCH_SPRIGD_BASELINE in the same run: new / baseline for every scenario
    that measured both (q/CPU-s: higher is better; latencies: lower is better)."""
    if not SPRIGD_BASELINE:
        return
    out.append("Before/after in this run: %s (new) against %s (baseline), new / baseline" % (SPRIGD, SPRIGD_BASELINE))
    for scenario, name, keys in (("cache_hit", "sprigd", ("queries_per_cpu_second",)),
                                 ("recursive_cache_hit", "sprigd", ("queries_per_cpu_second",)),
                                 ("validating_cache_hit", "sprigd-val", ("queries_per_cpu_second",)),
                                 ("cold_recursive", "sprigd", ("median_ms", "p90_ms", "queries_per_name")),
                                 ("cold_validating", "sprigd-val", ("median_ms", "p90_ms")),
                                 ("cold_forward_validating", "sprigd-fwd-val", ("median_ms", "p90_ms"))):
        rows = results.get(scenario) or {}
        mine, base = rows.get(name) or {}, rows.get(name + "-baseline") or {}
        parts = []
        for key in keys:
            if mine.get(key) and base.get(key):
                parts.append("%s %s / %s = x%.3f" % (key, fmt(mine[key], "{:,.3f}"), fmt(base[key], "{:,.3f}"),
                                                     mine[key] / base[key]))
        out.append("  %-24s %s" % (scenario, "; ".join(parts) if parts else "not measured for both"))
    out.append("")


def render_report(results):
    out = ["Sprig benchmark — %s, %d CPUs, seed %d, load average %s at start, %s at end; network: %s" % (
        results["started"], os.cpu_count(), SEED, results.get("loadavg_start"), results.get("loadavg_end"),
        results.get("network")),
        "(other processes on the machine lower every number a little; compare runs made under similar load)", ""]
    render_verify_speed(results, out)
    render_cache_hit(results, out)
    render_footprint(results, out)
    render_cold_recursive(results, out)
    render_cold_sibling_glue(results, out)
    render_recursive_cache_hit(results, out)
    render_recursive_footprint(results, out)
    render_cold_validating(results, out)
    render_validating_cache_hit(results, out)
    render_cold_forward_validating(results, out)
    render_dot_forward(results, out)
    render_cold_auth_dot(results, out)
    render_baseline(results, out)
    render_flash_writes(results, out)
    render_sizes(results, out)
    if results.get("malloc_count_check"):
        out.append("malloc_count self-check (Tests/Bench/check_malloc_count.py): " + results["malloc_count_check"])
    if results.get("skipped"):
        out.append("Skipped: " + "; ".join(results["skipped"]))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

RECURSIVE_SCENARIOS = {"cold_recursive", "recursive_cache_hit", "recursive_footprint", "cold_validating",
                       "validating_cache_hit", "cold_forward_validating", "cold_auth_dot"}


def enter_private_network():
    """Re-runs the bench inside a private network namespace (Tests/Integration/netns.sh: only
    `lo`, when root and unshare work), so its servers neither collide with nor see anything
    on the host: a system resolver on port 53, another engineer's bench on 127.77.0.x.
    BENCH_NETNS=0 keeps the host's network."""
    if os.environ.get("BENCH_NETNS", "1") != "1" or os.environ.get("SPRIG_IT_IN_NETNS") or os.geteuid() != 0:
        return
    os.environ["BENCH_NETNS"] = "0"   # once: netns.sh falls back to the host when it must
    sys.stdout.flush()
    os.execvp("bash", ["bash", os.path.join(INTEGRATION_DIR, "netns.sh"), sys.executable, os.path.abspath(__file__)])


def hold_run_lock():
    """One bench at a time per output directory: a second run would delete the first one's
    out/bench/run/ (query files, counters) and share its CPUs. Exits with a clear line when
    another run holds the lock; the lock goes away with the process."""
    os.makedirs(OUT, exist_ok=True)
    lock = open(os.path.join(OUT, ".lock"), "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.seek(0)
        sys.exit("bench: another bench run (pid %s) is using %s; wait for it to finish" % (
            lock.read().strip() or "?", OUT))
    lock.seek(0)
    lock.truncate()
    lock.write("%d\n" % os.getpid())
    lock.flush()
    return lock


def check_tools(wanted=()):
    tools = ["dnsperf", "nsd", "unbound", "dnsmasq", "taskset", "gcc"]
    if RECURSIVE_SCENARIOS.intersection(wanted):
        tools += ["ldns-keygen", "ldns-signzone", "ldns-key2ds"]
    missing = [t for t in tools if shutil.which(t) is None and not os.path.exists("/usr/sbin/" + t)]
    if missing:
        sys.exit("bench: missing tools: %s (run `make deps`)" % " ".join(missing))
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"


def main():
    wanted = [s.strip() for s in SCENARIO_NAMES.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SCENARIOS]
    if unknown:
        sys.exit("bench: unknown scenario(s) %s; known: %s" % (unknown, ", ".join(SCENARIOS)))
    check_tools(wanted)
    enter_private_network()
    lock = hold_run_lock()   # noqa: F841  (held until the process exits)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    # SIGTERM/SIGHUP to the bench end it through the `finally` below, stopping every server.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    results = {"started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
               "settings": {"seconds": SECONDS, "hit_names": HIT_NAMES, "random_queries": RANDOM_QUERIES,
                            "random_seconds": RANDOM_SECONDS, "rounds": ROUNDS, "outstanding": OUTSTANDING, "seed": SEED,
                            "port": PORT, "server_core": SERVER_CORE, "client_core": CLIENT_CORE,
                            "sprig_cache_size": SPRIG_CACHE_SIZE, "cold_names": COLD_NAMES, "cold_rounds": COLD_ROUNDS, "rec_seconds": REC_SECONDS,
                            "rec_random_queries": REC_RANDOM_QUERIES, "rec_random_seconds": REC_RANDOM_SECONDS,
                            "scenarios": wanted},
               "network": "private namespace" if os.environ.get("SPRIG_IT_IN_NETNS") else "host"}
    results["loadavg_start"] = "%.1f" % os.getloadavg()[0]
    began = time.monotonic()
    lab = Lab()
    try:
        build_helpers()
        results["malloc_count_check"] = check_malloc_counter()
        if NEEDS_SERVERS.intersection(wanted):
            write_zone()
            start_all(lab, results)
            if "sprigd" not in lab.servers:
                results.setdefault("skipped", []).append("sprigd: not answering yet — skipped")
            warm_up(lab, results)
        for name in wanted:
            SCENARIOS[name](lab, results)
    finally:
        lab.close()
        results["flash_writes"] = lab.flash
    results["wall_seconds"] = round(time.monotonic() - began, 1)
    results["loadavg_end"] = "%.1f" % os.getloadavg()[0]
    report = render_report(results) + "Wall time: %.0f s\n" % results["wall_seconds"]
    with open(os.path.join(OUT, "results.txt"), "w") as f:
        f.write(report)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
    print()
    print(report, end="")
    print("Written: out/bench/results.txt, out/bench/results.json")


if __name__ == "__main__":
    main()
