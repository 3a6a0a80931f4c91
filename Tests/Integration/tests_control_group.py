"""`option control_group` through the running daemon (issue 17 item 7,
issue 20 item 6): the operator's commands are for root and the configured
group only.

- the control socket is born root:GROUP, mode 0660 (os.stat), and stays
  so after sprigd drops to `nobody`;
- a user in the group, by its primary gid or by a supplementary group
  (SO_PEERGROUPS), reads stats and flushes the cache; a user outside it
  cannot connect, and through a socket widened by hand (0666) every
  command of its, `stats` included, gets `error: ... needs root or a
  member of group ...`;
- a hostile client from the group (garbage, a long line, silent and
  half-closed connections, a burst) neither crashes nor hangs DNS;
- an unknown group refuses the config with file:line, in
  `sprig check-config` and in sprigd, which never starts;
- a socket that cannot be given to the group (sprigd run as a user outside
  it) fails closed: sprigd exits non-zero, no socket left behind.

The test group is made with groupadd and removed with groupdel, even on
failure. Addresses: <net>.2.66 (dnsmasq upstream), .67 (sprigd), .68 (the
sprigd that must not start). Gate: sprigd forward mode; root; `nobody`;
groupadd, groupdel and setpriv.
"""
import os
import pwd
import grp
import shutil
import socket
import stat
import subprocess
import time

from harness import Skip, expect, test
from tests_forwarder import Upstream, ask, config_text, forward_ready
import servers

UPSTREAM_OCTET, SPRIGD_OCTET, FAILING_OCTET = 66, 67, 68
TOOL_SECONDS = 10          # every subprocess (groupadd, sprig, sprigd that must fail) is bounded
HOSTILE_BURST = 100        # connections in the burst from a group member
HOSTILE_SECONDS = 5        # the hostile client's whole run


def gate():
    if os.geteuid() != 0:
        raise Skip("needs root (groupadd, setpriv)")
    for tool in ("groupadd", "groupdel", "setpriv"):
        if not shutil.which(tool):
            raise Skip("no %s" % tool)
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user 'nobody' on this machine")


class TestGroup:
    """A system group made for one test and removed after it (groupdel in
    __exit__, so a failing test leaves no group behind)."""

    def __init__(self, suffix):
        self.name = "sprigit%d%s" % (os.getpid() % 100000, suffix)

    def __enter__(self):
        subprocess.run(["groupadd", self.name], check=True, capture_output=True, timeout=TOOL_SECONDS)
        self.gid = grp.getgrnam(self.name).gr_gid
        return self

    def __exit__(self, *exc):
        subprocess.run(["groupdel", self.name], capture_output=True, timeout=TOOL_SECONDS)
        return False


class NoUpstream:
    """An upstream address for a config whose sprigd must never start."""

    def __init__(self, session):
        self.addr = "%s.2.%d" % (session.get("zones").net, UPSTREAM_OCTET)

    def stop(self):
        pass


def as_user(uid, gid, groups, argv):
    """argv run with these real and effective ids and supplementary groups."""
    ids = ["--reuid=%d" % uid, "--regid=%d" % gid]
    ids += ["--groups=%s" % ",".join(str(g) for g in groups)] if groups else ["--clear-groups"]
    return subprocess.run(["setpriv"] + ids + argv, capture_output=True, text=True, timeout=TOOL_SECONDS)


def reachable_by_others(path):
    """The work dir is 0700: let other users reach the socket's folder."""
    d = os.path.dirname(path)
    while d not in ("/", "/tmp"):
        os.chmod(d, os.stat(d).st_mode | 0o011)
        d = os.path.dirname(d)


# A client from the group that tries to break the control channel; every
# step is bounded by its socket timeout and the whole run by
# HOSTILE_SECONDS. Prints how many replies it got.
HOSTILE_CLIENT = r"""
import socket, sys, time
path, burst, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + seconds
def one(data, shut=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(path)
        if data:
            s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        return s.recv(65536)
    except OSError:
        return b""
    finally:
        s.close()
replies = 0
for data, shut in ((b"\xff" * 64 + b"\n", False), (b"flush " + b"a" * 4000 + b"\n", False),
                   (b"stats", True), (b"", True), (b"flush\x00x\n", False), (b"\n\n\n", False)):
    replies += len(one(data, shut)) > 0
held = []
for _ in range(burst):
    if time.monotonic() > end:
        break
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
        s.send(b"dump-cache\n")
    except OSError:
        pass
    held.append(s)
for s in held:
    s.close()
print(replies)
"""


@test
def control_group_members_use_the_socket_and_others_are_refused(session):
    """A sprigd with control_group (and user 'nobody'): the socket is
    root:GROUP 0660; a member by supplementary group reads stats and
    flushes, a member by primary gid reads stats; a non-member cannot
    connect, and through a socket widened by hand its stats, flush and
    clock-synced are refused; a hostile member does not stop DNS."""
    forward_ready(session)
    nobody = gate()
    up = Upstream(session, UPSTREAM_OCTET, 300, ["--address=/group.test/192.0.2.86"])
    addr = "%s.2.%d" % (session.get("zones").net, SPRIGD_OCTET)
    rundir = session.rundir("sprigd-control-group")
    state = os.path.join(rundir, "state")
    os.makedirs(state, exist_ok=True)
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    proc = None
    with TestGroup("ops") as group:
        try:
            text = config_text(addr, rundir, up, "\toption control_group '%s'" % group.name).replace(
                "\toption user ''\n", "\toption user 'nobody'\n").replace(
                "\toption state_dir '%s'\n" % rundir, "\toption state_dir '%s'\n" % state)
            proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-control-group")
            sock = os.path.join(rundir, "sprig.sock")
            st = os.stat(sock)
            expect(stat.S_ISSOCK(st.st_mode) and st.st_uid == 0 and st.st_gid == group.gid
                   and stat.S_IMODE(st.st_mode) == 0o660,
                   "control socket: uid %d gid %d (group %d) mode %o"
                   % (st.st_uid, st.st_gid, group.gid, stat.S_IMODE(st.st_mode)))
            with open("/proc/%d/status" % proc.pid) as f:
                uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
            expect(all(int(u) == nobody.pw_uid for u in uids), "sprigd did not drop to nobody: %s" % uids)
            reachable_by_others(sock)
            r = ask(addr, "www.group.test")
            expect(r.rcode == "NOERROR" and "192.0.2.86" in r.text, "before: %s" % r.summary())

            def cli(uid, gid, groups, *args):
                return as_user(uid, gid, groups, [sprig] + list(args) + ["-s", sock])

            # A member by a supplementary group (SO_PEERGROUPS).
            member = cli(nobody.pw_uid, nobody.pw_gid, [group.gid], "stats")
            expect(member.returncode == 0 and "queries.udp" in member.stdout,
                   "supplementary member's stats: %d %r" % (member.returncode, member.stderr))
            flushed = cli(nobody.pw_uid, nobody.pw_gid, [group.gid], "flush")
            expect(flushed.returncode == 0 and flushed.stdout.startswith("flushed ")
                   and int(flushed.stdout.split()[1]) >= 1,
                   "member's flush: %d %r %r" % (flushed.returncode, flushed.stdout, flushed.stderr))
            # A member by its primary gid (SO_PEERCRED).
            primary = cli(nobody.pw_uid, group.gid, [], "stats")
            expect(primary.returncode == 0 and "queries.udp" in primary.stdout,
                   "primary-gid member's stats: %d %r" % (primary.returncode, primary.stderr))

            # Outside the group: the socket's mode keeps it out.
            outside = cli(nobody.pw_uid, nobody.pw_gid, [], "stats")
            expect(outside.returncode != 0 and "queries.udp" not in outside.stdout
                   and "control_group" in outside.stderr,
                   "non-member reached the socket: %d %r %r" % (outside.returncode, outside.stdout, outside.stderr))
            # Widened by hand: sprigd's own check (SO_PEERCRED) refuses every command.
            os.chmod(sock, 0o666)
            for args in (("stats",), ("flush",), ("flush", "group.test"), ("clock-synced",), ("dump-cache",)):
                denied = cli(nobody.pw_uid, nobody.pw_gid, [], *args)
                expect(denied.returncode == 1 and "queries.udp" not in denied.stdout
                       and "needs root or a member of group '%s'" % group.name in denied.stderr,
                       "non-member's %s: %d %r %r" % (" ".join(args), denied.returncode, denied.stdout, denied.stderr))
            os.chmod(sock, 0o660)

            # A hostile member: DNS is answered meanwhile and after.
            ask(addr, "www.group.test")
            started = time.monotonic()
            hostile = subprocess.Popen(
                ["setpriv", "--reuid=%d" % nobody.pw_uid, "--regid=%d" % nobody.pw_gid, "--groups=%d" % group.gid,
                 "python3", "-c", HOSTILE_CLIENT, sock, str(HOSTILE_BURST), str(HOSTILE_SECONDS)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                during = ask(addr, "www.group.test")
                out, err = hostile.communicate(timeout=HOSTILE_SECONDS + TOOL_SECONDS)
            finally:
                if hostile.poll() is None:
                    hostile.kill()
                    hostile.wait()
            expect(hostile.returncode == 0, "hostile client failed: %r" % err[-400:])
            expect(during.rcode == "NOERROR", "during the hostile client: %s" % during.summary())
            after = ask(addr, "www.group.test")
            expect(after.rcode == "NOERROR" and "192.0.2.86" in after.text,
                   "after the hostile client: %s" % after.summary())
            expect(proc.alive(), "sprigd died under a hostile member")
            again = cli(nobody.pw_uid, nobody.pw_gid, [group.gid], "stats")
            expect(again.returncode == 0 and "queries.udp" in again.stdout,
                   "member's stats after the hostile client: %r" % again.stderr)
            print("    hostile member: %s error replies of 6 lines, %d-connection burst, %.1f s; DNS answered"
                  % (out.strip(), HOSTILE_BURST, time.monotonic() - started))
        finally:
            if proc is not None and proc.alive():
                proc.stop()
            up.stop()


@test
def unknown_control_group_refuses_the_config_with_its_line(session):
    """control_group naming a group this system lacks: `sprig check-config`
    and sprigd both say FILE:LINE: option 'control_group': no group named
    ...; sprigd exits non-zero before serving and leaves no socket."""
    forward_ready(session)
    gate()
    missing = "sprignosuch%d" % (os.getpid() % 100000)
    try:
        grp.getgrnam(missing)
        raise Skip("group %s exists" % missing)
    except KeyError:
        pass
    up = NoUpstream(session)
    addr = "%s.2.%d" % (session.get("zones").net, FAILING_OCTET)
    rundir = session.rundir("sprigd-unknown-group")
    text = config_text(addr, rundir, up, "\toption control_group '%s'" % missing)
    conf = os.path.join(rundir, "sprig.conf")
    with open(conf, "w") as f:
        f.write(text)
    line = text.splitlines().index("\toption control_group '%s'" % missing) + 1
    want = "%s:%d: option 'control_group': no group named '%s'" % (conf, line, missing)
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    try:
        checked = subprocess.run([sprig, "check-config", conf], capture_output=True, text=True, timeout=TOOL_SECONDS)
        expect(checked.returncode == 1 and want in checked.stderr,
               "check-config: %d %r" % (checked.returncode, checked.stderr))
        try:
            started = subprocess.run([session.get("sprigd_binary"), "-c", conf],
                                     capture_output=True, text=True, timeout=TOOL_SECONDS)
            rc, err = started.returncode, started.stderr
        except subprocess.TimeoutExpired:
            rc, err = None, "(still running after %d s: it served)" % TOOL_SECONDS
        expect(rc not in (None, 0) and want in err and "started" not in err,
               "sprigd with an unknown group: exit %s\n%s" % (rc, err[-800:]))
        expect(not os.path.exists(os.path.join(rundir, "sprig.sock")), "a control socket was left")
    finally:
        up.stop()


@test
def control_socket_that_cannot_be_given_to_the_group_fails_closed(session):
    """sprigd started as `nobody` (not root) with a control_group nobody is
    not in: the socket cannot be made root:GROUP 0660 (chown refused), so
    sprigd exits non-zero with the reason rather than serve with a socket
    of another group or mode, and leaves no socket file."""
    forward_ready(session)
    nobody = gate()
    up = NoUpstream(session)
    addr = "%s.2.%d" % (session.get("zones").net, FAILING_OCTET)
    rundir = session.rundir("sprigd-group-fails-closed")
    reachable_by_others(os.path.join(rundir, "x"))
    os.chown(rundir, nobody.pw_uid, nobody.pw_gid)
    with TestGroup("cl") as group:
        try:
            text = config_text(addr, rundir, up, "\toption control_group '%s'" % group.name)
            conf = os.path.join(rundir, "sprig.conf")
            with open(conf, "w") as f:
                f.write(text)
            os.chmod(conf, 0o644)
            try:
                ran = as_user(nobody.pw_uid, nobody.pw_gid, [], [session.get("sprigd_binary"), "-c", conf])
                rc, err = ran.returncode, ran.stderr
            except subprocess.TimeoutExpired:
                rc, err = None, "(still running after %d s: it served)" % TOOL_SECONDS
            expect(rc not in (None, 0), "sprigd served with a socket it could not give to the group (exit %s):\n%s"
                   % (rc, err[-800:]))
            expect("cannot make the control socket" in err and group.name in err and "started" not in err,
                   "no reason given, or it started:\n%s" % err[-800:])
            expect(not os.path.exists(os.path.join(rundir, "sprig.sock")), "a control socket was left")
        finally:
            up.stop()
