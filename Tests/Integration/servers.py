"""Launchers for the processes an integration run needs, and their cleanup.

Owns: generated configs for NSD, Unbound, dnsmasq and sprigd; starting each
in its own process group; waiting (bounded) until it answers; stopping every
process group at exit, on exceptions, SIGINT and SIGTERM.
Never: builds zones (hierarchy.py) or judges answers (the tests do).

Every process binds only to 127.x addresses. System-wide NSD/Unbound
services, if any, are neither used nor touched.
"""
import atexit
import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import time

from hierarchy import AUTH_PORT

START_TIMEOUT_SECONDS = 10.0   # a server that needs longer is broken
STOP_TIMEOUT_SECONDS = 5.0     # SIGTERM grace before SIGKILL
POLL_INTERVAL_SECONDS = 0.05
PROBE_TIMEOUT_SECONDS = 0.3    # one readiness probe
PR_SET_PDEATHSIG = 1

_running = []   # every Process not yet stopped, newest last
started = []    # every Process ever started (for the no-leftover check)


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if the harness itself dies hard."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


class Process:
    """A started server: its own process group, log file, and stop()."""

    def __init__(self, name, argv, log_path, addr=None, port=None, cwd=None, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.addr = addr
        self.port = port
        self.log = open(log_path, "ab")
        # A restart appends to the same log: readiness is judged only on
        # what this process writes (a "started" line from the previous run
        # once let a test query a daemon that was not up yet).
        self.log_start = self.log.seek(0, os.SEEK_END)
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                      stderr=subprocess.STDOUT, cwd=cwd,
                                      env=dict(os.environ, **env) if env else None,
                                      start_new_session=True, preexec_fn=_die_with_parent)
        self.exit_status = None
        _running.append(self)
        started.append(self)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def log_tail(self, line_count=15):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-line_count:])
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        """Signal the whole group, wait, SIGKILL what remains. Returns the
        main process's exit status (negative = killed by that signal)."""
        if self in _running:
            _running.remove(self)
        if self.popen.poll() is None:
            _signal_group(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        # Children of the main process (NSD's workers) share its group.
        _signal_group(self.popen.pid, signal.SIGKILL)
        self.exit_status = self.popen.returncode
        self.log.close()
        return self.exit_status


def _signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all():
    """Stops every running Process, newest first. Returns the errors (e.g.
    sprigd exiting non-zero on SIGTERM) instead of stopping half-way."""
    errors = []
    while _running:
        proc = _running[-1]
        try:
            proc.stop()
        except Exception as e:   # keep stopping the others
            errors.append("%s: %s" % (proc.name, e))
            if proc in _running:
                _running.remove(proc)
    return errors


def _on_signal(signum, _frame):
    stop_all()
    sys.stderr.write("\ninterrupted by signal %d; every server stopped\n" % signum)
    os._exit(128 + signum)


def install_cleanup():
    atexit.register(stop_all)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)


# -- readiness ---------------------------------------------------------------

def probe_query(qname, qtype=6, rd=False):
    """A minimal DNS query in wire format (default: SOA, no recursion)."""
    qid = os.getpid() & 0xFFFF
    flags = 0x0100 if rd else 0
    wire = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0)
    for label in qname.rstrip(".").split("."):
        if label:
            wire += bytes([len(label)]) + label.encode()
    return wire + b"\x00" + struct.pack("!HH", qtype, 1)


def answers(addr, port, qname=".", rd=False):
    """True when the server returns any DNS response over UDP."""
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(PROBE_TIMEOUT_SECONDS)
        s.sendto(probe_query(qname, rd=rd), (addr, port))
        data, _ = s.recvfrom(4096)
        return len(data) >= 12
    except OSError:
        return False
    finally:
        s.close()


def wait_until_answers(proc, qname=".", rd=False):
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if not proc.alive():
            Process.stop(proc)   # reap it; its exit status is the reason below
            raise RuntimeError("%s exited with %s during start-up; log %s:\n%s" % (
                proc.name, proc.popen.returncode, proc.log_path, proc.log_tail()))
        if answers(proc.addr, proc.port, qname, rd):
            return proc
        time.sleep(POLL_INTERVAL_SECONDS)
    Process.stop(proc)
    raise RuntimeError("%s did not answer on %s#%d within %.0fs; log %s:\n%s" % (
        proc.name, proc.addr, proc.port, START_TIMEOUT_SECONDS, proc.log_path, proc.log_tail()))


def _log_since_start(proc):
    try:
        with open(proc.log_path, "rb") as f:
            f.seek(getattr(proc, "log_start", 0))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def wait_for_log_line(proc, needle):
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if needle in _log_since_start(proc):
            return proc
        if not proc.alive():
            Process.stop(proc)   # reap it; its exit status is the reason below
            raise RuntimeError("%s exited with %s before logging %r; log %s:\n%s" % (
                proc.name, proc.popen.returncode, needle, proc.log_path, proc.log_tail()))
        time.sleep(POLL_INTERVAL_SECONDS)
    Process.stop(proc)
    raise RuntimeError("%s did not log %r within %.0fs; log %s:\n%s" % (
        proc.name, needle, START_TIMEOUT_SECONDS, proc.log_path, proc.log_tail()))


# -- pre-flight ----------------------------------------------------------------

def _proc_net_listeners(port):
    """(proto, addr) of every IPv4 socket bound to `port` (UDP, or TCP LISTEN)."""
    found = []
    for proto in ("udp", "tcp"):
        try:
            with open("/proc/net/" + proto) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            local, state = f[1], f[3]
            hex_addr, hex_port = local.split(":")
            if int(hex_port, 16) != port or (proto == "tcp" and state != "0A"):
                continue
            octets = [str(int(hex_addr[i:i + 2], 16)) for i in (6, 4, 2, 0)]
            found.append((proto, ".".join(octets)))
    return found


def check_port_free(addrs, port):
    """Raises RuntimeError naming what already holds port on a wildcard or
    one of addrs: the harness never stops services it did not start."""
    clash = sorted({"%s %s:%d" % (proto, a, port) for proto, a in _proc_net_listeners(port)
                    if a == "0.0.0.0" or a in addrs})
    if clash:
        raise RuntimeError(
            "port %d is already taken (%s) -- probably a system DNS service. The harness "
            "does not stop it: run through Tests/Integration/run.sh (private network "
            "namespace); a clash on 127.53.x alone also goes away with SPRIG_IT_NET=127.54"
            % (
                port, ", ".join(clash)))


# -- NSD -----------------------------------------------------------------------

def nsd_config(rundir, addr, port, zones, tls=None):
    """`tls`: (certificate, key): `port` serves DNS over TLS too (tls-port,
    tls-service-pem/-key; TCP on it is TLS only, UDP stays plain)."""
    lines = [
        "server:",
        "  ip-address: %s" % addr,
        "  port: %d" % port,
        "  do-ip6: no",
        "  server-count: 1",
        "  username: \"\"",
        "  chroot: \"\"",
        "  database: \"\"",
        "  zonesdir: \"%s\"" % rundir,
        "  pidfile: \"%s/nsd.pid\"" % rundir,
        "  xfrdfile: \"%s/xfrd.state\"" % rundir,
        "  xfrdir: \"%s\"" % rundir,
        "  zonelistfile: \"%s/zone.list\"" % rundir,
        "  logfile: \"%s/nsd.log\"" % rundir,
        "  verbosity: 1",
        "  hide-version: yes",
        "  minimal-responses: no",
        "remote-control:",
        "  control-enable: no",
    ]
    if tls:
        lines[3:3] = ["  tls-port: %d" % port, "  tls-service-pem: \"%s\"" % tls[0],
                      "  tls-service-key: \"%s\"" % tls[1]]
    for name, path in zones:
        lines += ["zone:", "  name: \"%s\"" % name, "  zonefile: \"%s\"" % path]
    return "\n".join(lines) + "\n"


def launch_nsd(rundir, name, addr, zones, port=AUTH_PORT, tls=None):
    """zones: [(zone name, zone file path)]; tls: see nsd_config. Returns a
    started, not yet ready, Process; pass it to wait_nsd()."""
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "nsd.conf")
    with open(conf, "w") as f:
        f.write(nsd_config(rundir, addr, port, zones, tls=tls))
    proc = Process(name, ["nsd", "-d", "-c", conf], os.path.join(rundir, "stdout.log"),
                   addr=addr, port=port, cwd=rundir)
    proc.rundir = rundir
    proc.first_zone = zones[0][0]
    return proc


def wait_nsd(proc):
    try:
        return wait_until_answers(proc, qname=proc.first_zone)
    except RuntimeError as e:
        raise RuntimeError("%s\nnsd.log:\n%s" % (e, _tail(os.path.join(proc.rundir, "nsd.log"))))


def start_nsd(rundir, name, addr, zones, port=AUTH_PORT, tls=None):
    """One NSD serving zones [(name, file)] on addr#port (over TLS too with
    `tls`, see nsd_config); a ready Process (its readiness probe is plain
    UDP, which a TLS port still answers)."""
    return wait_nsd(launch_nsd(rundir, name, addr, zones, port, tls=tls))


def _tail(path, line_count=15):
    try:
        with open(path) as f:
            return "\n".join(f.read().splitlines()[-line_count:])
    except OSError:
        return ""


def start_hierarchy_servers(hierarchy):
    """One NSD per NSD server in the address plan, started in parallel
    (BIND's: start_bind). Returns {server key: Process}, every one answering."""
    check_port_free({s.addr for s in hierarchy.servers.values()}, AUTH_PORT)
    procs = {}
    for key, server in hierarchy.servers.items():
        if server.software != "nsd":
            continue
        zones = [(z, hierarchy.zones[z].zonefile) for z in server.zones]
        rundir = os.path.join(hierarchy.workdir, "run", "nsd-" + key)
        procs[key] = launch_nsd(rundir, "nsd-" + key, server.addr, zones)
    for proc in procs.values():
        wait_nsd(proc)
    return procs


# -- BIND ----------------------------------------------------------------------

def bind_config(rundir, addr, port, zones, options=()):
    """named.conf: authoritative only, every file in rundir, queries logged
    (to stderr with -g, so to the Process log); `options`: more lines for
    the options block (e.g. "require-server-cookie yes;")."""
    lines = [
        "options {",
        "  directory \"%s\";" % rundir,
        "  listen-on port %d { %s; };" % (port, "none" if ":" in addr else addr),
        "  listen-on-v6 port %d { %s; };" % (port, addr if ":" in addr else "none"),
        "  pid-file \"%s/named.pid\";" % rundir,
        "  session-keyfile \"%s/session.key\";" % rundir,
        "  managed-keys-directory \"%s\";" % rundir,
        "  recursion no;",
        "  dnssec-validation no;",
        "  notify no;",
        "  allow-transfer { none; };",
        "  querylog yes;",
    ] + ["  " + o for o in options] + [
        "};",
    ]
    for name, path in zones:
        lines.append("zone \"%s\" { type primary; file \"%s\"; };" % (name, path))
    return "\n".join(lines) + "\n"


def has_interface_address(addr):
    """Whether `addr` is configured on an interface (`ip -4 addr`)."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True).stdout
    return any(f.split("/")[0] == addr for line in out.splitlines() for f in line.split()[3:4])


def ensure_loopback_address(addr):
    """BIND listens only on addresses an interface has (NSD and the resolvers
    bind any 127/8 address). In the private namespace (netns.sh) the address
    is added to lo; on the host network nothing is changed: False."""
    if has_interface_address(addr):
        return True
    if not os.environ.get("SPRIG_IT_IN_NETNS"):
        return False
    subprocess.run(["ip", "addr", "add", addr + "/32", "dev", "lo"], check=True)
    return True


def start_bind(rundir, name, addr, zones, port=AUTH_PORT, options=()):
    """BIND 9 (named -g, foreground) serving zones [(name, file)] on
    addr#port (ensure_loopback_address first); a ready Process whose log
    holds the query log."""
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "named.conf")
    with open(conf, "w") as f:
        f.write(bind_config(rundir, addr, port, zones, options))
    check = subprocess.run(["named-checkconf", conf], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError("named-checkconf %s: %s" % (conf, check.stdout + check.stderr))
    family = "-6" if ":" in addr else "-4"
    proc = Process(name, ["named", "-g", family, "-c", conf], os.path.join(rundir, "named.log"),
                   addr=addr, port=port, cwd=rundir)
    return wait_until_answers(proc, qname=zones[0][0])


# -- the fault server ----------------------------------------------------------

def start_fault_server(rundir, addr, port=AUTH_PORT):
    """fault_server.py on addr#port (faults.example.); a ready Process whose
    log has one line per query it saw."""
    os.makedirs(rundir, exist_ok=True)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fault_server.py")
    proc = Process("faults", [sys.executable, script, addr, str(port)], os.path.join(rundir, "faults.log"),
                   addr=addr, port=port, cwd=rundir)
    return wait_until_answers(proc, qname="ready.faults.example.")


# -- Unbound -------------------------------------------------------------------

def unbound_config(rundir, addr, port, root_hints=None, trust_anchor_file=None,
                   forward_to=None, validate=True, extra=""):
    modules = "validator iterator" if validate else "iterator"
    lines = [
        "server:",
        "  interface: %s" % addr,
        "  port: %d" % port,
        "  do-ip6: no",
        "  do-daemonize: no",
        "  username: \"\"",
        "  chroot: \"\"",
        "  directory: \"%s\"" % rundir,
        "  pidfile: \"%s/unbound.pid\"" % rundir,
        "  logfile: \"%s/unbound.log\"" % rundir,
        "  use-syslog: no",
        "  verbosity: 1",
        "  val-log-level: 2",
        "  log-servfail: yes",
        "  num-threads: 1",
        "  access-control: 127.0.0.0/8 allow",
        # Our authoritative servers are on loopback; Unbound skips those by default.
        "  do-not-query-localhost: no",
        "  module-config: \"%s\"" % modules,
        "  qname-minimisation: yes",
        "  edns-buffer-size: 1232",
        "  prefetch: no",
        "  minimal-responses: no",
        "  ede: yes",
    ]
    if root_hints:
        lines.append("  root-hints: \"%s\"" % root_hints)
    if validate and trust_anchor_file:
        lines.append("  trust-anchor-file: \"%s\"" % trust_anchor_file)
    if extra:
        lines.append(extra)
    lines += ["remote-control:", "  control-enable: no"]
    if forward_to:
        lines += ["forward-zone:", "  name: \".\""]
        lines += ["  forward-addr: %s@%d" % (a, p) for a, p in forward_to]
    return "\n".join(lines) + "\n"


def start_unbound(rundir, name, addr, port=53, **config):
    """A validating recursive Unbound (root_hints=, trust_anchor_file=) or a
    forwarder (forward_to=[(addr, port)], validate=False). Ready Process."""
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "unbound.conf")
    with open(conf, "w") as f:
        f.write(unbound_config(rundir, addr, port, **config))
    check = subprocess.run(["unbound-checkconf", conf], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError("unbound-checkconf %s: %s" % (conf, check.stdout + check.stderr))
    proc = Process(name, ["unbound", "-d", "-c", conf], os.path.join(rundir, "stdout.log"),
                   addr=addr, port=port, cwd=rundir)
    try:
        return wait_until_answers(proc, qname="localhost.", rd=True)
    except RuntimeError as e:
        raise RuntimeError("%s\nunbound.log:\n%s" % (e, _tail(os.path.join(rundir, "unbound.log"))))


# -- dnsmasq -------------------------------------------------------------------

def start_dnsmasq(rundir, name, addr, upstream_addr, upstream_port=53, port=53,
                  cache_size=10000):
    """dnsmasq forwarding everything to one upstream (for benchmarks)."""
    os.makedirs(rundir, exist_ok=True)
    argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--no-poll", "--bind-interfaces",
            "--listen-address=%s" % addr, "--port=%d" % port,
            "--server=%s#%d" % (upstream_addr, upstream_port),
            "--cache-size=%d" % cache_size, "--user=root", "--group=root",
            "--pid-file=%s/dnsmasq.pid" % rundir,
            "--log-facility=%s/dnsmasq.log" % rundir]
    proc = Process(name, argv, os.path.join(rundir, "stdout.log"), addr=addr, port=port,
                   cwd=rundir)
    return wait_until_answers(proc, qname="example.", rd=True)


# -- dnsperf ----------------------------------------------------------------------

def dnsperf_completed(addr, port, names, path, clients, outstanding, seconds):
    """Writes `names` (A questions) to `path` and sends each once with
    dnsperf (`clients` sockets, `outstanding` in flight, at most `seconds`);
    returns how many were answered (any rcode)."""
    with open(path, "w") as f:
        for n in names:
            f.write("%s A\n" % n)
    p = subprocess.run(["dnsperf", "-s", addr, "-p", str(port), "-d", path, "-n", "1",
                        "-c", str(clients), "-q", str(outstanding), "-l", str(seconds), "-t", "3"],
                       capture_output=True, text=True, timeout=seconds + 60)
    done = [l for l in p.stdout.splitlines() if "Queries completed" in l]
    return int(done[0].split()[2]) if done else 0


# -- small UDP responders written in the tests ------------------------------------

class UDPResponder:
    """A UDP socket served by a thread of its own: each datagram goes to
    `handle(data, peer)`, whose reply (bytes, or a list of them; None for
    none) is sent back. For the few peers no packaged server can play (a
    forger, a DELEG-aware parent, a server that never answers). stop()
    ends it within the 0.2 s poll."""

    POLL_SECONDS = 0.2

    def __init__(self, addr, port=53):
        import threading
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((addr, port))
        self.sock.settimeout(self.POLL_SECONDS)
        self.received = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()

    def handle(self, data, peer):
        return None

    def serve(self):
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.received += 1
            try:
                replies = self.handle(data, peer)
            except Exception:   # a malformed query: no answer (the test fails on its own)
                replies = None
            for reply in ([replies] if isinstance(replies, (bytes, bytearray)) else replies or []):
                self.sock.sendto(reply, peer)


# -- sprigd --------------------------------------------------------------------

SPRIGD_STARTED_LINE = "started"


class Sprigd(Process):
    """A running sprigd. stop() sends SIGTERM and raises unless it exits 0."""

    def stop(self, sig=signal.SIGTERM):
        status = super().stop(sig)
        if sig == signal.SIGTERM and status != 0:
            raise RuntimeError("sprigd exited with status %s after SIGTERM; log %s:\n%s" % (
                status, self.log_path, self.log_tail()))
        return status


def listen_from_uci(config_text):
    """(addr, port) of the first `list listen` line, default 127.0.0.1:53."""
    for line in config_text.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] == "list" and f[1] == "listen":
            value = f[2].strip("'\"")
            if ":" in value and value.count(":") == 1:
                a, p = value.split(":")
                return a, int(p)
            return value, 53
    return "127.0.0.1", 53


def start_sprigd(binary, uci_config_text, rundir, name="sprigd", extra_args=(), env=None):
    """Writes the config, runs `binary -c CONFIG` in the foreground with
    stderr in rundir/sprigd.log, waits for its "started" line. Returns Sprigd."""
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "sprig.conf")
    with open(conf, "w") as f:
        f.write(uci_config_text)
    addr, port = listen_from_uci(uci_config_text)
    proc = Sprigd(name, [binary, "-c", conf] + list(extra_args),
                  os.path.join(rundir, "sprigd.log"), addr=addr, port=port, cwd=rundir, env=env)
    return wait_for_log_line(proc, SPRIGD_STARTED_LINE)


LEFTOVER_WAIT_SECONDS = 3.0   # killed workers need a moment to be reaped


def _live_members(pgids):
    """PIDs, not zombies, whose process group is one of pgids (from /proc)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()   # state ppid pgrp ...
        if fields[0] != "Z" and int(fields[2]) in pgids:
            alive.append(int(entry))
    return alive


def leftover_pids(procs):
    """PIDs still alive in the process groups of `procs`, after a bounded wait."""
    pgids = {p.popen.pid for p in procs}
    deadline = time.monotonic() + LEFTOVER_WAIT_SECONDS
    while True:
        alive = _live_members(pgids)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(POLL_INTERVAL_SECONDS)
