"""kill -9 during every flash write (issue 20 item 2, DESIGN.md §2.7).

sprigd keeps three files in state_dir: `anchors.state` (RFC 5011 trust
point state, "S5AT", CRC-32 trailer), `clock.floor` (the last known-good
wall time, "SCLK", 20 bytes) and `cookie.secret` (DNS cookie secrets,
"SPRIGCK1", 73 bytes, written when missing and at monthly rotation). Both are replaced with Platform's crash-safe write
(temporary file, fsync, rename, fsync of the folder). Here a shim
(killpoint.c, LD_PRELOAD) counts every libc call that changes a file in
state_dir (open for writing, write, fsync, close, rename, unlink) and sends
SIGKILL before the N-th: each trial crashes sprigd at a different step of
its writes, and a clean run first tells how many steps there are.

After every trial both files must be readable (magic, size, CRC) and never
older than what the last clean write left (the clock floor and the trust
point's last refresh never go back), and the next start must not call them
corrupt. libfaketime moves the wall clock on by an hour per trial so each
clean write has something new to say.

The checks prove they can fail: after the trials, the shim turns the write
into an in-place one (SPRIG_KILLPOINT_IN_PLACE) and the same sweep must
catch the torn file a kill then leaves.

SPRIG_FLASH_TRIALS (default 100) sets the number of trials.
Gate: sprigd recursive and dnssec modes; gcc and libfaketime.
"""
import binascii
import glob
import os
import shutil
import signal
import struct
import subprocess
import time

from harness import Resolver, Skip, expect, test
from tests_router_policies import main_section, needs, stats
import servers

FLASH_OCTET, FLASH_PORT = 34, 5334
TRIALS = int(os.environ.get("SPRIG_FLASH_TRIALS", "100"))
HOUR_PER_TRIAL_SECONDS = 3700     # > 1 h: each trial's clean write carries a later time
START_WAIT_SECONDS = 10.0         # bounded like every start-up wait
OBSERVE_WAIT_SECONDS = 10.0       # the anchor's DNSKEY set seen after the first query
POLL_SECONDS = 0.05


def build_shim(workdir):
    """killpoint.so from killpoint.c (gcc is in Tests/tools/deps.sh)."""
    gcc = shutil.which("gcc")
    if not gcc:
        raise Skip("no gcc to build killpoint.so")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "killpoint.c")
    out = os.path.join(workdir, "killpoint.so")
    subprocess.run([gcc, "-shared", "-fPIC", "-O1", "-o", out, source, "-ldl"], check=True,
                   capture_output=True, timeout=60)
    return out


def crc_ok(data):
    return len(data) >= 8 and binascii.crc32(data[:-4]) & 0xffffffff == struct.unpack(">I", data[-4:])[0]


def read_floor(path):
    """The clock floor in `path`, None when absent; raises on a bad file."""
    if not os.path.exists(path):
        return None
    data = open(path, "rb").read()
    if len(data) != 20 or data[:4] != b"SCLK" or data[4] != 1 or not crc_ok(data):
        raise AssertionError("clock.floor is unreadable: %s" % data.hex())
    return struct.unpack(">q", data[8:16])[0]


def read_last_refresh(path):
    """The first trust point's last-refresh time in `path`, None when
    absent; raises on a bad file (format: AnchorStateFile.swift)."""
    if not os.path.exists(path):
        return None
    data = open(path, "rb").read()
    if len(data) < 12 or data[:4] != b"S5AT" or data[4] != 1 or not crc_ok(data):
        raise AssertionError("anchors.state is unreadable: %s" % data[:64].hex())
    if data[5] == 0:
        return 0
    owner_length = data[8]
    at = 9 + owner_length
    return struct.unpack(">q", data[at:at + 8])[0]


def check_cookie_secret(path):
    """cookie.secret, when present, is whole (its own checksum is checked
    by sprigd, which logs "corrupt" at start otherwise)."""
    if os.path.exists(path):
        data = open(path, "rb").read()
        if len(data) != 73 or data[:8] != b"SPRIGCK1":
            raise AssertionError("cookie.secret is unreadable: %d bytes, %s" % (len(data), data[:8]))


STATE_FILES = ("anchors.state", "clock.floor", "cookie.secret")


def leftovers(state_dir):
    return sorted(f for f in os.listdir(state_dir) if f not in STATE_FILES)


class Trial:
    """One sprigd run against state_dir, killed at step `kill_at` (0: never)."""

    def __init__(self, binary, rundir, env, name):
        self.proc = servers.Sprigd(name, [binary, "-c", os.path.join(rundir, "sprig.conf")],
                                   os.path.join(rundir, "sprigd.log"), cwd=rundir, env=env)
        self.started = self.wait_for("started", START_WAIT_SECONDS)

    def wait_for(self, text, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in open(self.proc.log_path, "rb").read().decode(errors="replace"):
                return True
            if not self.proc.alive():
                return False
            time.sleep(POLL_SECONDS)
        return False


@test
def kill_9_during_every_flash_write_leaves_readable_state_never_older(session, sprigd_binary, zones):
    """100 trials (SPRIG_FLASH_TRIALS), each killing sprigd with SIGKILL
    before a different step of its state writes (DESIGN.md §2.7; RFC 5011
    §2.3 state must survive restarts): the files always parse, the clock
    floor and the anchor's last refresh never go back, and the next start
    reads them without calling them corrupt."""
    needs(session, "dnssec")
    libs = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    if not libs:
        raise Skip("no libfaketime (Debian package faketime)")
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, FLASH_OCTET)
    rundir = session.rundir("sprigd-flash-writes")
    shim = build_shim(rundir)
    state_dir = os.path.join(rundir, "state")
    os.makedirs(state_dir, exist_ok=True)
    text = main_section(h, addr, FLASH_PORT, rundir, [
        "option query_loopback '1'", "option dnssec '1'", "option clock_trusted '1'",
        "list trust_anchor '%s'" % h.trust_anchor, "option builtin_root_anchors '0'"]).replace(
        "option state_dir '%s'" % rundir, "option state_dir '%s'" % state_dir)
    with open(os.path.join(rundir, "sprig.conf"), "w") as f:
        f.write(text)
    count_file = os.path.join(rundir, "steps")
    floor_path = os.path.join(state_dir, "clock.floor")
    anchors_path = os.path.join(state_dir, "anchors.state")
    cookie_path = os.path.join(state_dir, "cookie.secret")

    def run(trial, kill_at, in_place=False):
        """Starts sprigd with the clock `trial` hours on, queries, waits for
        the anchor to be observed, stops it (SIGTERM) unless the shim kills
        it first. `in_place`: the shim turns the crash-safe write into an
        in-place one (killpoint.c). Returns (log text, killed)."""
        env = {"LD_PRELOAD": "%s %s" % (libs[0], shim), "FAKETIME": "+%d" % (trial * HOUR_PER_TRIAL_SECONDS),
               "FAKETIME_DONT_FAKE_MONOTONIC": "1", "SPRIG_KILLPOINT_DIR": state_dir,
               "SPRIG_KILLPOINT_AT": str(kill_at), "SPRIG_KILLPOINT_COUNT": count_file}
        if in_place:
            env["SPRIG_KILLPOINT_IN_PLACE"] = "1"
        log_path = os.path.join(rundir, "sprigd.log")
        if os.path.exists(log_path):
            os.unlink(log_path)
        t = Trial(sprigd_binary, rundir, env, "sprigd-flash-%d" % trial)
        if t.started:
            Resolver("sprigd-flash", addr, FLASH_PORT, t.proc).query("www.ecdsa.example.", "A")
            deadline = time.monotonic() + OBSERVE_WAIT_SECONDS
            while t.proc.alive() and time.monotonic() < deadline:
                if int(stats(sprigd_binary, rundir).get("dnssec.anchor_observations", "0")) >= 1:
                    break
                time.sleep(POLL_SECONDS * 4)
        status = t.proc.stop(signal.SIGKILL) if not t.proc.alive() else None
        if status is None:
            t.proc.popen.send_signal(signal.SIGTERM)
            try:
                t.proc.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            status = t.proc.stop(signal.SIGKILL)
        log = open(log_path, "rb").read().decode(errors="replace")
        return log, status == -signal.SIGKILL

    # Two clean runs: how many write steps a start, an observation and a
    # shutdown take with no state yet (both files written: the anchor
    # state is written only when it changes, RFC 5011 §2.3 timestamps
    # alone do not dirty it) and with state kept (the clock floor only).
    log, killed = run(0, 0)
    expect(not killed, "the first clean run was killed:\n%s" % log[-2000:])
    fresh_steps = int(open(count_file).read().strip())
    log, killed = run(1, 0)
    expect(not killed, "the second clean run was killed:\n%s" % log[-2000:])
    kept_steps = int(open(count_file).read().strip())
    expect(fresh_steps > kept_steps >= 4, "write steps: %d with no state, %d with state kept" % (
        fresh_steps, kept_steps))
    floor, refresh = read_floor(floor_path), read_last_refresh(anchors_path)
    expect(floor is not None and refresh is not None, "the clean runs left no state: %s" % os.listdir(state_dir))

    def check(where, log, fresh, floor, refresh):
        """What a trial left: (what is wrong or None, clock floor, last refresh)."""
        if "corrupt" in log:
            return ("%s: the start called the state corrupt:\n%s" % (
                where, "\n".join(l for l in log.splitlines() if "corrupt" in l)), None, None)
        try:
            new_floor, new_refresh = read_floor(floor_path), read_last_refresh(anchors_path)
            check_cookie_secret(cookie_path)
        except AssertionError as e:
            return "%s: %s" % (where, e), None, None
        if new_floor is None or new_floor < floor:
            return "%s: clock floor went back %s -> %s" % (where, floor, new_floor), new_floor, new_refresh
        if not fresh and (new_refresh is None or new_refresh < refresh):
            return "%s: anchor last refresh went back %s -> %s" % (where, refresh, new_refresh), new_floor, new_refresh
        return None, new_floor, new_refresh

    # Even trials start without anchors.state and cookie.secret, so the
    # kill lands in their first writes (or the floor's); odd trials keep
    # them and kill the floor's rewrite. Each sweeps its kill point over
    # every step.
    killed_count, outcomes = 0, {}
    for trial in range(2, TRIALS + 2):
        fresh = trial % 2 == 0
        kill_at = 1 + (trial // 2) % (fresh_steps if fresh else kept_steps)
        if fresh:
            os.unlink(anchors_path)
            if os.path.exists(cookie_path):
                os.unlink(cookie_path)
            refresh = None
        log, killed = run(trial, kill_at)
        killed_count += killed
        where = "trial %d (%s, kill at step %d)" % (trial, "no anchor state" if fresh else "state kept", kill_at)
        problem, new_floor, new_refresh = check(where, log, fresh, floor, refresh)
        expect(problem is None, problem)
        outcome = ("floor new" if new_floor > floor else "floor kept",
                   "anchors absent" if new_refresh is None else "anchors new" if fresh else "anchors kept")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        floor = new_floor
        if new_refresh is None:   # the next trial needs a complete anchor state to keep
            log, killed = run(trial, 0)
            expect(not killed and "corrupt" not in log, "%s: the clean restart:\n%s" % (where, log[-2000:]))
            new_refresh = read_last_refresh(anchors_path)
            floor = read_floor(floor_path)
        refresh = new_refresh
    # A last clean start reads what the trials left, without complaint, and
    # the temporary files of killed writes do not pile up.
    log, killed = run(TRIALS + 2, 0)
    expect(not killed and "corrupt" not in log, "the last clean start:\n%s" % log[-2000:])
    expect(len(leftovers(state_dir)) <= len(STATE_FILES), "temporary files pile up in state_dir: %s" % leftovers(state_dir))

    # The checks have teeth: the same sweep against a writer that is not
    # crash-safe (the shim writes in place, killpoint.c) must be caught.
    floor, refresh = read_floor(floor_path), read_last_refresh(anchors_path)
    caught = None
    for kill_at in range(1, kept_steps + 1):
        trial = TRIALS + 3 + kill_at
        log, killed = run(trial, kill_at, in_place=True)
        problem, _, _ = check("in-place writer, kill at step %d" % kill_at, log, False, floor, refresh)
        if problem:
            caught = problem
            break
        floor, refresh = read_floor(floor_path), read_last_refresh(anchors_path)
    expect(caught is not None, "an in-place writer killed at each of %d steps went unnoticed" % kept_steps)
    print("flash writes: %d trials over %d/%d write steps (no state/state kept), %d killed; outcomes %s; "
          "an in-place writer is caught (%s)" % (
              TRIALS, fresh_steps, kept_steps, killed_count,
              ", ".join("%s/%s %d" % (k[0], k[1], v) for k, v in sorted(outcomes.items())), caught.split(": ", 1)[-1][:80]))
