#!/usr/bin/env python3
"""Issue 17 benchmark: load time and memory for 1,000 DHCP leases and a
100,000-domain block list, sprigd against dnsmasq with the same files in
the same run, and RSS per memory preset against dnsmasq's default.
Measured, never asserted. Loopback only (127.0.0.1, ports 55xx).

Usage: python3 Tests/Bench/lan_bench.py [SPRIGD]   (default out/x86_64/sprigd)
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPRIGD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out/x86_64/sprigd")
PORT = 5591


def query(name, port, qtype=1, timeout=0.2):
    """rcode and answer count of a UDP query, or None."""
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        # Connected: a closed port answers ECONNREFUSED at once (ICMP),
        # so readiness is seen within the 5 ms poll, not a timeout.
        s.connect(("127.0.0.1", port))
        s.send(q)
        data = s.recv(4096)
        return data[3] & 0xF, struct.unpack(">H", data[6:8])[0]
    except OSError:
        return None
    finally:
        s.close()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_until(argv, probe, expect, seconds=60):
    """Starts argv; returns (process, seconds until probe() == expect)."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.monotonic() - start < seconds:
        if probe() == expect:
            return p, time.monotonic() - start
        time.sleep(0.005)
    p.kill()
    raise RuntimeError("%s never answered" % argv[0])


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()


def sprig_conf(work, lines):
    path = os.path.join(work, "sprig.conf")
    with open(path, "w") as f:
        f.write("config sprig 'main'\n\tlist listen '127.0.0.1:%d'\n\toption mode 'forward'\n\toption user ''\n"
                "\toption dnssec '0'\n\toption state_dir '%s'\n\toption control_socket '%s/s.sock'\n"
                "\toption log_syslog '0'\n" % (PORT, work, work))
        for l in lines:
            f.write("\t%s\n" % l)
        f.write("config upstream\n\toption address '127.0.0.1'\n\toption port '9'\n")
    return path


def dnsmasq(work, extra):
    return ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--bind-interfaces", "--listen-address=127.0.0.1", "--port=%d" % PORT, "--user=root", "--group=root",
            "--pid-file=%s/dnsmasq.pid" % work] + extra


def main():
    work = tempfile.mkdtemp(prefix="lan-bench-")
    now = int(time.time())
    leases = os.path.join(work, "dhcp.leases")
    leases_hosts = os.path.join(work, "leases.hosts")
    with open(leases, "w") as f, open(leases_hosts, "w") as g:
        for i in range(1000):
            ip = "10.1.%d.%d" % (i // 250, i % 250 + 1)
            f.write("%d 02:00:00:00:%02x:%02x %s host%d *\n" % (now + 3600, i // 256, i % 256, ip, i))
            g.write("%s host%d.lan host%d\n" % (ip, i, i))
    block = os.path.join(work, "block.hosts")
    with open(block, "w") as f:
        for i in range(100000):
            f.write("0.0.0.0 ad%d.tracker%d.example\n" % (i, i % 97))
    rows = []
    # 1,000 leases: until host999.lan answers.
    conf = sprig_conf(work, ["option local_domain 'lan'", "list lease_file '%s'" % leases, "option memory 'small'",
                             "option local_names_max '1024'"])
    p, t = run_until([SPRIGD, "-c", conf], lambda: query("host999.lan", PORT), (0, 1))
    rows.append(("sprigd, 1,000 leases (small, local_names_max 1024)", t, rss_kb(p.pid)))
    stop(p)
    p, t = run_until(dnsmasq(work, ["--addn-hosts=%s" % leases_hosts, "--cache-size=150"]),
                     lambda: query("host999.lan", PORT), (0, 1))
    rows.append(("dnsmasq, the same 1,000 names (addn-hosts)", t, rss_kb(p.pid)))
    stop(p)
    # 100,000-domain block list: until the last one is blocked.
    conf = sprig_conf(work, ["list block_file '%s'" % block, "option block_names_max '131072'", "option memory 'small'"])
    p, t = run_until([SPRIGD, "-c", conf], lambda: query("ad99999.tracker89.example", PORT), (3, 0))
    rows.append(("sprigd, 100,000-domain block list (memory small)", t, rss_kb(p.pid)))
    stop(p)
    p, t = run_until(dnsmasq(work, ["--addn-hosts=%s" % block, "--cache-size=150"]),
                     lambda: query("ad99999.tracker89.example", PORT), (0, 1))
    rows.append(("dnsmasq, the same list (addn-hosts, 0.0.0.0)", t, rss_kb(p.pid)))
    stop(p)
    # RSS per preset, against dnsmasq's OpenWrt default (150 names).
    for preset in ("tiny", "small", "medium", "large"):
        conf = sprig_conf(work, ["option memory '%s'" % preset])
        p, t = run_until([SPRIGD, "-c", conf], lambda: query("localhost", PORT), (0, 1))
        rows.append(("sprigd, memory %s, idle" % preset, t, rss_kb(p.pid)))
        stop(p)
    p, t = run_until(dnsmasq(work, ["--cache-size=150", "--address=/probe.test/192.0.2.1"]),
                     lambda: query("probe.test", PORT), (0, 1))
    rows.append(("dnsmasq --cache-size=150, idle", t, rss_kb(p.pid)))
    stop(p)
    flood = tiny_flood(work)
    shutil.rmtree(work, ignore_errors=True)
    print("%-52s %12s %10s" % ("run (%s)" % os.path.relpath(SPRIGD, ROOT), "ready (ms)", "RSS (KB)"))
    for name, t, rss in rows:
        print("%-52s %12.1f %10d" % (name, t * 1000, rss))
    print("\nmemory tiny under a random-name flood (forward to a dnsmasq answering every name):")
    print("  %d queries in %.0f s, %d answered; RSS KB per second: %s" % flood)


def tiny_flood(work, seconds=15):
    """RSS of a `memory 'tiny'` sprigd while random names pour in: every
    answer is a new cache entry, so the cache fills and evicts."""
    import random
    up = subprocess.Popen(["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                           "--bind-interfaces", "--listen-address=127.0.0.1", "--port=%d" % (PORT + 1),
                           "--user=root", "--group=root", "--pid-file=%s/up.pid" % work,
                           "--address=/#/192.0.2.1", "--cache-size=0"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = sprig_conf(work, ["option memory 'tiny'"])
    text = open(conf).read().replace("option port '9'", "option port '%d'" % (PORT + 1))
    open(conf, "w").write(text)
    p, _ = run_until([SPRIGD, "-c", conf], lambda: query("localhost", PORT), (0, 1))
    socks = []
    for _ in range(8):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", PORT))
        s.setblocking(False)
        socks.append(s)
    rng = random.Random(17)
    sent = answered = 0
    samples = []
    end = time.monotonic() + seconds
    next_sample = time.monotonic()
    while time.monotonic() < end:
        for s in socks:
            name = "r%d.flood%d.example" % (rng.getrandbits(40), rng.randrange(1000))
            q = struct.pack(">HHHHHH", rng.getrandbits(16), 0x0100, 1, 0, 0, 0)
            for label in name.split("."):
                q += bytes([len(label)]) + label.encode()
            q += b"\0" + struct.pack(">HH", 1, 1)
            try:
                s.send(q)
                sent += 1
            except OSError:
                pass
            try:
                while True:
                    s.recv(2048)
                    answered += 1
            except OSError:
                pass
        if time.monotonic() >= next_sample:
            samples.append(rss_kb(p.pid))
            next_sample += 1
    stop(p)
    stop(up)
    return sent, seconds, answered, " ".join(str(x) for x in samples)


if __name__ == "__main__":
    main()
