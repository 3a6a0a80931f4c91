"""Python side of the malloc_count LD_PRELOAD counter (Tests/Bench/malloc_count.c).

Owns: building the shared object, the environment that preloads it, and
reading its two outputs (the live counter file and the text dump). Used by
the bench and by tests that assert "no allocations on the query path".
Never: starts or stops the measured process itself. Standard library only.

    import malloc_count as mc
    so = mc.build("/tmp/x")                       # -> /tmp/x/malloc_count.so
    env = mc.preload_env(so, live="/tmp/x/d.live", dump="/tmp/x/d.txt")
    p = subprocess.Popen([...], env={**os.environ, **env})
    before = mc.read_live("/tmp/x/d.live")["allocations"]
    ... send queries ...
    after = mc.read_live("/tmp/x/d.live")["allocations"]
"""
import os
import signal
import struct
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "malloc_count.c")
LIVE_MAGIC = b"MALCNT01"
# Order of the uint64 counters in the live file (and of the dump's lines).
COUNTERS = ("malloc", "calloc", "realloc", "reallocarray", "posix_memalign",
            "aligned_alloc", "memalign", "valloc", "pvalloc", "free")
DUMP_WAIT_SECONDS = 5   # how long dump_now waits for the process to write its dump


def build(out_dir, cc="gcc"):
    """Compiles malloc_count.c into out_dir; returns the .so path."""
    os.makedirs(out_dir, exist_ok=True)
    so = os.path.join(out_dir, "malloc_count.so")
    subprocess.run([cc, "-O2", "-Wall", "-shared", "-fPIC", "-o", so, SOURCE], check=True)
    return so


def preload_env(so, live=None, dump=None, dump_signal="USR2"):
    """Environment entries that preload the counter; merge them into the child's environment."""
    env = {"LD_PRELOAD": so, "MALLOC_COUNT_SIGNAL": str(dump_signal)}
    if live:
        env["MALLOC_COUNT_LIVE"] = live
    if dump:
        env["MALLOC_COUNT_FILE"] = dump
    return env


def _with_total(counts):
    counts["allocations"] = sum(v for k, v in counts.items() if k in COUNTERS and k != "free")
    return counts


def read_live(path):
    """Current counters from a live file as a dict (plus "allocations"); None if not there (yet)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    size = len(LIVE_MAGIC) + 8 * len(COUNTERS)
    if len(data) < size or data[:len(LIVE_MAGIC)] != LIVE_MAGIC:
        return None
    values = struct.unpack("<%dQ" % len(COUNTERS), data[len(LIVE_MAGIC):size])
    return _with_total(dict(zip(COUNTERS, values)))


def read_dump(path):
    """A text dump as a dict: pid, sequence, each counter, allocations; None if absent."""
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except OSError:
        return None
    counts = {}
    for line in lines:
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            counts[key] = int(value)
    return counts


def dump_now(pid, path, dump_signal=signal.SIGUSR2):
    """Asks `pid` for a dump with a signal and waits until a newer dump is in `path`."""
    previous = read_dump(path) or {}
    old = previous.get("sequence", 0) if previous.get("pid") == pid else 0
    os.kill(pid, dump_signal)
    deadline = time.monotonic() + DUMP_WAIT_SECONDS
    while time.monotonic() < deadline:   # bounded wait for the rename
        counts = read_dump(path)
        if counts and counts.get("pid") == pid and counts.get("sequence", 0) > old:
            return counts
        time.sleep(0.01)
    raise TimeoutError("no malloc_count dump from pid %d in %s" % (pid, path))
