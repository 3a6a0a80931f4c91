#!/usr/bin/env python3
"""Self-check of the malloc_count preload before anyone trusts its numbers.

1. A C program with a known number of heap calls between two signal dumps:
   the counted difference must be exact, in the text dump and the live file.
2. dnsmasq (a real, non-Swift server) under the preload: the live file and a
   signal dump (SIGWINCH, since dnsmasq owns USR1/USR2) both show its start-up
   allocations, and it writes a final dump when it exits on SIGTERM.
Exit status 0 when every check passed. Loopback 127.77.0.99 only; bounded waits.
Usage: python3 Tests/Bench/check_malloc_count.py [WORK_DIR]
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import malloc_count as mc  # noqa: E402

KNOWN_PROGRAM = r"""
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
/* Between the two dumps: 1000 malloc, 10 calloc, 10 realloc, 5 posix_memalign,
   5 aligned_alloc, and 1020 non-NULL frees (free(NULL) is not counted; realloc
   frees the calloc block itself, inside glibc). */
int main(void) {
    raise(SIGUSR2);
    void *keep[10];
    for (int i = 0; i < 1000; i++) free(malloc(16 + i));
    for (int i = 0; i < 10; i++) keep[i] = realloc(calloc(1, 8), 64);
    for (int i = 0; i < 5; i++) { void *p; if (posix_memalign(&p, 64, 100) == 0) free(p); }
    for (int i = 0; i < 5; i++) free(aligned_alloc(64, 128));
    for (int i = 0; i < 10; i++) free(keep[i]);
    free(NULL);
    raise(SIGUSR2);
    sleep(0);
    return 0;
}
"""
EXPECTED = {"malloc": 1000, "calloc": 10, "realloc": 10, "posix_memalign": 5,
            "aligned_alloc": 5, "free": 1020, "allocations": 1030}
DNSMASQ_ADDRESS = "127.77.0.99"
DNSMASQ_PORT = 5399
START_WAIT_SECONDS = 5


def check(condition, what, failures):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def check_known_program(work, so, failures):
    source, program = os.path.join(work, "known.c"), os.path.join(work, "known")
    with open(source, "w") as f:
        f.write(KNOWN_PROGRAM)
    subprocess.run(["gcc", "-O0", "-o", program, source], check=True)
    dump, live = os.path.join(work, "known.txt"), os.path.join(work, "known.live")
    # Exactness: counted calls = this run − a run of the same shape without the counted section.
    env = dict(os.environ, **mc.preload_env(so, live=live, dump=dump))
    subprocess.run([program], env=env, check=True, timeout=10)
    final = mc.read_dump(dump)
    live_counts = mc.read_live(live)
    check(final is not None and final.get("sequence") == 3, "known program: 2 signal dumps + exit dump", failures)
    check(live_counts is not None and all(live_counts[k] == final[k] for k in mc.COUNTERS),
          "known program: live file equals the exit dump", failures)
    empty_source, empty = os.path.join(work, "empty.c"), os.path.join(work, "empty")
    with open(empty_source, "w") as f:
        f.write("#include <signal.h>\n#include <unistd.h>\n"
                "int main(void){raise(SIGUSR2);raise(SIGUSR2);sleep(0);return 0;}\n")
    subprocess.run(["gcc", "-O0", "-o", empty, empty_source], check=True)
    empty_dump = os.path.join(work, "empty.txt")
    subprocess.run([empty], env=dict(os.environ, **mc.preload_env(so, dump=empty_dump)), check=True, timeout=10)
    base = mc.read_dump(empty_dump)
    for key, want in EXPECTED.items():
        got = final[key] - base[key] if final and base else None
        check(got == want, "known program: %s counted %s, expected %d" % (key, got, want), failures)


def answers(address, port):
    query = bytes.fromhex("53500100000100000000000009") + b"localhost" + bytes.fromhex("0000010001")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(query, (address, port))
            return len(s.recvfrom(512)[0]) > 0
        except OSError:
            return False


def check_dnsmasq(work, so, failures):
    dump, live = os.path.join(work, "dnsmasq.txt"), os.path.join(work, "dnsmasq.live")
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    env = dict(os.environ, **mc.preload_env(so, live=live, dump=dump, dump_signal="WINCH"))
    argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--bind-interfaces", "--listen-address=" + DNSMASQ_ADDRESS, "--port=%d" % DNSMASQ_PORT,
            "--user=" + user, "--pid-file=", "--log-facility=/dev/null"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_WAIT_SECONDS
        while time.monotonic() < deadline and not answers(DNSMASQ_ADDRESS, DNSMASQ_PORT):
            time.sleep(0.05)
        live_counts = mc.read_live(live)
        check(live_counts is not None and live_counts["malloc"] > 0,
              "dnsmasq: live file shows start-up mallocs (%s)" % (live_counts or {}).get("malloc"), failures)
        signalled = mc.dump_now(proc.pid, dump, signal.SIGWINCH)
        check(signalled["allocations"] >= live_counts["allocations"],
              "dnsmasq: SIGWINCH dump (%d allocations) agrees with the live file" % signalled["allocations"],
              failures)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    final = mc.read_dump(dump)
    check(final is not None and final.get("sequence", 0) >= 2 and final.get("pid") == proc.pid,
          "dnsmasq: exit dump written on SIGTERM", failures)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="malloc_count.")
    os.makedirs(work, exist_ok=True)
    so = mc.build(work)
    for name in os.listdir(work):   # stale dumps of an earlier run would fool the checks
        if name.endswith((".txt", ".live")):
            os.unlink(os.path.join(work, name))
    failures = []
    check_known_program(work, so, failures)
    check_dnsmasq(work, so, failures)
    print("malloc_count self-check: %s" % ("passed" if not failures else "FAILED: " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
