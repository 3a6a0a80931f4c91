"""Privileges of the running daemon (issue 20 item 6, DESIGN.md §2.5).

- chroot '1': after binding, sprigd is confined to state_dir (its
  /proc/PID/root), runs as the configured user with no supplementary
  groups, answers, writes its state inside the jail at shutdown, and a
  SIGHUP says a restart is needed instead of failing half-way;
- the control socket is root's, mode 0600: a non-root user cannot connect;
- a privilege drop that cannot be made fails closed: in a user namespace
  where setgroups is denied, sprigd exits non-zero instead of serving.

Gate: sprigd forward mode; root; the user 'nobody'.
"""
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time

from harness import Skip, expect, test
from tests_forwarder import Upstream, ask, config_text, forward_ready
from tests_router_policies import stats as sprig_stats
import servers

UPSTREAM_OCTET, CHROOT_OCTET, FAIL_OCTET = 63, 64, 65


def nobody_or_skip():
    if os.geteuid() != 0:
        raise Skip("needs root to test privileges")
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user 'nobody' on this machine")


def status_ids(pid):
    with open("/proc/%d/status" % pid) as f:
        return {l.split(":")[0]: l.split()[1:] for l in f if l.startswith(("Uid:", "Gid:", "Groups:"))}


@test
def chroot_confines_sprigd_to_state_dir_as_the_user(session):
    """`option chroot '1'` with user 'nobody': the process root is
    state_dir, every uid/gid is nobody's and it has no supplementary groups,
    it answers, the clock floor is written inside state_dir at SIGTERM, a
    SIGHUP is refused with a log line (the config is out of reach), and the
    control socket (made before the drop) is root's, 0600, and refuses
    nobody."""
    forward_ready(session)
    nobody = nobody_or_skip()
    up = Upstream(session, UPSTREAM_OCTET, 300, ["--address=/jail.test/192.0.2.83"])
    addr = "%s.2.%d" % (session.get("zones").net, CHROOT_OCTET)
    rundir = session.rundir("sprigd-chroot")
    os.chmod(rundir, 0o755)
    state = os.path.join(rundir, "state")
    os.makedirs(state, exist_ok=True)
    os.chown(state, nobody.pw_uid, nobody.pw_gid)
    os.chmod(state, 0o700)
    text = config_text(addr, rundir, up, "\toption chroot '1'\n\toption clock_trusted '1'").replace(
        "\toption user ''\n", "\toption user 'nobody'\n").replace(
        "\toption state_dir '%s'\n" % rundir, "\toption state_dir '%s'\n" % state)
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-chroot")
    expect(os.readlink("/proc/%d/root" % proc.pid) == state,
           "process root is %s, not %s" % (os.readlink("/proc/%d/root" % proc.pid), state))
    ids = status_ids(proc.pid)
    expect(all(int(u) == nobody.pw_uid for u in ids["Uid"]), "uid %s" % ids["Uid"])
    expect(all(int(g) == nobody.pw_gid for g in ids["Gid"]), "gid %s" % ids["Gid"])
    expect(ids.get("Groups", []) == [], "supplementary groups kept: %s" % ids.get("Groups"))
    r = ask(addr, "www.jail.test")
    expect(r.rcode == "NOERROR" and "192.0.2.83" in r.text, "inside the jail: %s" % r.summary())

    sock = os.path.join(rundir, "sprig.sock")
    st = os.stat(sock)
    expect(stat.S_ISSOCK(st.st_mode) and st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600,
           "control socket: uid %d mode %o" % (st.st_uid, stat.S_IMODE(st.st_mode)))
    expect("queries.udp" in sprig_stats(session.get("sprigd_binary"), rundir), "root cannot read sprig stats")
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    if shutil.which("setpriv"):
        denied = subprocess.run(["setpriv", "--reuid=%d" % nobody.pw_uid, "--regid=%d" % nobody.pw_gid,
                                 "--clear-groups", sprig, "stats", "-s", sock],
                                capture_output=True, text=True, timeout=10)
        expect(denied.returncode != 0 and "queries.udp" not in denied.stdout,
               "nobody read the control socket: %r" % denied.stdout[:200])

    proc.popen.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "restart sprigd to apply" not in proc.log_tail(50) and time.monotonic() < deadline:
        time.sleep(0.05)
    expect("restart sprigd to apply" in proc.log_tail(50), "SIGHUP in the jail:\n%s" % proc.log_tail(20))
    r = ask(addr, "www.jail.test")
    expect(r.rcode == "NOERROR", "after SIGHUP: %s" % r.summary())
    proc.stop()
    floor = os.path.join(state, "clock.floor")
    expect(os.path.exists(floor) and os.stat(floor).st_uid == nobody.pw_uid,
           "no clock.floor written by nobody inside the jail: %s" % os.listdir(state))
    up.stop()


def run_in_userns_without_setgroups(argv, timeout):
    """Runs argv as uid 0 of a user namespace that maps uids and gids
    0-65535 onto the same ids outside and denies setgroups (as some
    container runtimes do): root there keeps group 0 among its groups and
    can switch uid and gid, but cannot clear its supplementary groups.
    Returns the CompletedProcess-like (returncode, stderr)."""
    p = subprocess.Popen(["unshare", "--user", "sh", "-c", 'read go; exec "$@"', "sh"] + argv,
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:   # the namespace exists once unshare has exec'd sh
            if os.readlink("/proc/%d/ns/user" % p.pid) != os.readlink("/proc/self/ns/user"):
                break
            time.sleep(0.02)
        with open("/proc/%d/uid_map" % p.pid, "w") as f:
            f.write("0 0 65536\n")
        with open("/proc/%d/setgroups" % p.pid, "w") as f:
            f.write("deny")
        with open("/proc/%d/gid_map" % p.pid, "w") as f:
            f.write("0 0 65536\n")
        _, err = p.communicate("go\n", timeout=timeout)
        return p.returncode, err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@test
def privilege_drop_that_cannot_be_made_fails_closed(session):
    """Where setgroups is denied (a user namespace, as in some containers),
    sprigd could switch to nobody but not shed root's group 0. It must exit
    non-zero with the reason, not serve with privileges it was told to give
    up (it used to ignore setgroups' EPERM and run with group 0)."""
    forward_ready(session)
    nobody_or_skip()
    if not shutil.which("unshare"):
        raise Skip("no unshare (util-linux)")
    up = Upstream(session, UPSTREAM_OCTET + 10, 300, ["--address=/closed.test/192.0.2.84"])
    addr = "%s.2.%d" % (session.get("zones").net, FAIL_OCTET)
    rundir = session.rundir("sprigd-fail-closed")
    os.chmod(rundir, 0o755)
    text = config_text(addr, rundir, up).replace("\toption user ''\n", "\toption user 'nobody'\n")
    conf = os.path.join(rundir, "sprig.conf")
    with open(conf, "w") as f:
        f.write(text)
    os.chmod(conf, 0o644)
    # Bounded: a sprigd that wrongly starts is stopped by the timeout.
    try:
        rc, err = run_in_userns_without_setgroups([session.get("sprigd_binary"), "-c", conf], timeout=10)
    except subprocess.TimeoutExpired:
        rc, err = None, "(still running after 10 s: it served)"
    expect(rc not in (None, 0), "sprigd served without dropping its groups (exit %s):\n%s" % (rc, err[-800:]))
    expect("cannot switch to user 'nobody'" in err, "no reason given:\n%s" % err[-800:])
    expect("started" not in err, "it started before failing:\n%s" % err[-800:])
    up.stop()
