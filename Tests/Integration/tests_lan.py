"""sprigd's local data (issue 17), end to end through the running daemon
with dig: special-use names (RFC 6761 §6.3 localhost, §6.4 invalid), RFC
6303 locally served zones and RFC 8375 home.arpa, and the local domain
(`option local_domain`), all answered with nothing upstream reachable.

Each test runs its own sprigd on <net>.4.x, forwarding to an upstream where
nothing listens (<net>.4.99): any name that is not local fails, so every
answer below came from sprigd itself.

Gate: sprigd forward mode.
"""
import os
import subprocess

from harness import expect, expect_answer, expect_flag, expect_rcode, test, Resolver
from tests_sprigd import ready
import servers

SPRIGD_PORT = 5340
DEAD_OCTET = 99   # <net>.4.99: an upstream address where nothing listens


def lan_sprigd(session, octet, extra_lines=(), name="sprigd-lan"):
    h = session.get("zones")
    addr = "%s.4.%d" % (h.net, octet)
    rundir = session.rundir("%s-%d" % (name, octet))
    text = ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'forward'\n"
            "\toption user ''\n"
            "\toption log_level 'debug'\n"
            "\toption dnssec '0'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n") % (addr, SPRIGD_PORT, rundir, rundir)
    text += "".join("\t%s\n" % l for l in extra_lines)
    text += "\nconfig upstream\n\toption address '%s.4.%d'\n\toption port '53'\n" % (h.net, DEAD_OCTET)
    p = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name=name)
    return Resolver(name, addr, SPRIGD_PORT, p), rundir


def stats(session, rundir):
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    out = subprocess.run([sprig, "stats", "-s", os.path.join(rundir, "sprig.sock")],
                         capture_output=True, text=True, timeout=10).stdout
    return dict(l.split()[:2] for l in out.splitlines() if len(l.split()) >= 2)


@test
def localhost_and_invalid_answer_with_no_upstream(session, sprigd_binary):
    """RFC 6761 §6.3: localhost. and names below it are 127.0.0.1 and ::1,
    answered at once although the only upstream is dead (before issue 17 a
    query for localhost went out and timed out with the WAN down); §6.4:
    invalid. gets NXDOMAIN. Nothing is sent upstream."""
    ready("forward")(session)
    r, rundir = lan_sprigd(session, 10)
    for name in ("localhost.", "www.localhost.", "LOCALHOST."):
        a = r.query(name, "A", rd=True)
        expect_rcode(a, "NOERROR")
        expect_answer(a, "A", ["127.0.0.1"])
        expect_flag(a, "aa")
        aaaa = r.query(name, "AAAA", rd=True)
        expect_answer(aaaa, "AAAA", ["::1"])
    mx = r.query("localhost.", "MX", rd=True)
    expect_rcode(mx, "NOERROR")
    expect(not mx.answer and mx.rrs("SOA", "authority"), "localhost MX: NODATA with SOA (%s)" % mx.summary())
    inv = r.query("printer.invalid.", "A", rd=True)
    expect_rcode(inv, "NXDOMAIN")
    expect(inv.rrs("SOA", "authority"), "invalid: no SOA (%s)" % inv.summary())
    ptr = r.query("1.0.0.127.in-addr.arpa.", "PTR", rd=True)
    expect_answer(ptr, "PTR", ["localhost."])
    # The upstream really is dead: a name that is not local fails.
    other = r.query("www.example.", "A", rd=True)
    expect(other.rcode in ("SERVFAIL", None), "www.example. answered with a dead upstream: %s" % other.summary())
    counters = stats(session, rundir)
    expect(int(counters.get("answers.local_data", "0")) >= 9,
           "local answers not counted: %s" % counters.get("answers.local_data"))
    # `sprig stats --json` (for LuCI or any web UI): the same counters, one JSON object.
    import json
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    out = subprocess.run([sprig, "stats", "--json", "-s", os.path.join(rundir, "sprig.sock")],
                         capture_output=True, text=True, timeout=10).stdout
    as_json = json.loads(out)
    expect(as_json.get("answers.local_data", 0) >= 9, "stats --json: %s" % out[:200])
    expect(all(isinstance(v, int) for v in as_json.values()) and len(as_json) >= 50, "stats --json: %s" % out[:200])
    r.stop()


@test
def locally_served_zones_and_local_domain(session, sprigd_binary):
    """RFC 6303: private reverse ranges get NXDOMAIN with their zone's SOA
    (MNAME the apex, RNAME nobody.invalid., MINIMUM 10800), the apex its
    SOA and NS; RFC 8375 home.arpa likewise; `option local_domain 'lan'` is
    answered authoritatively with its SOA, never forwarded."""
    ready("forward")(session)
    r, rundir = lan_sprigd(session, 11, ["option local_domain 'lan'"])
    for name, zone in (("20.1.168.192.in-addr.arpa.", "168.192.in-addr.arpa."),
                       ("5.0.0.10.in-addr.arpa.", "10.in-addr.arpa."),
                       ("1.0.17.172.in-addr.arpa.", "17.172.in-addr.arpa."),
                       ("4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", "d.f.ip6.arpa."),
                       ("nas.home.arpa.", "home.arpa.")):
        resp = r.query(name, "PTR", rd=True)
        expect_rcode(resp, "NXDOMAIN")
        expect_flag(resp, "aa")
        soa = resp.rrs("SOA", "authority")
        expect(len(soa) == 1 and soa[0].name == zone, "%s: SOA %s, expected %s" % (name, soa, zone))
        expect(soa[0].rdata.split()[:2] == [zone, "nobody.invalid."] and soa[0].rdata.split()[-1] == "10800",
               "%s: SOA rdata %s (RFC 6303 §3)" % (name, soa[0].rdata))
        ns = r.query(zone, "NS", rd=True)
        expect_answer(ns, "NS", [zone])
    lan = r.query("printer.lan.", "A", rd=True)
    expect_rcode(lan, "NXDOMAIN")
    expect_flag(lan, "aa")
    soa = lan.rrs("SOA", "authority")
    expect(len(soa) == 1 and soa[0].name == "lan.", "lan: SOA %s" % soa)
    expect_answer(r.query("lan.", "SOA", rd=True), "SOA", ["lan. nobody.invalid. 1 3600 1200 604800 60"])
    counters = stats(session, rundir)
    expect(int(counters.get("upstream.queries", "0")) == 0,
           "something was sent upstream: upstream.queries %s" % counters.get("upstream.queries"))
    r.stop()


def wait_for(predicate, what, seconds=10.0):
    """Polls `predicate` every 0.2 s (the table is re-read every 2 s)."""
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s" % what)


@test
def hosts_and_leases_are_served_and_reread_while_running(session, sprigd_binary):
    """`list hosts_file` and `list lease_file` (dnsmasq's lease format, and
    odhcpd's hosts format): names and their PTRs answered from the files;
    a lease file rewritten while sprigd runs is re-read with no restart
    (mtime/size/inode checked every 2 s), an expired or removed lease
    stops answering; malformed lines are logged with file:line and
    skipped; a missing file adds nothing. Nothing goes upstream."""
    ready("forward")(session)
    import time
    h = session.get("zones")
    rundir = session.rundir("sprigd-lan-files")
    hosts = os.path.join(rundir, "hosts")
    leases = os.path.join(rundir, "dhcp.leases")
    odhcpd = os.path.join(rundir, "odhcpd")
    with open(hosts, "w") as f:
        f.write("# router's own names\n192.168.1.1 router.lan router\nfd00::1 router\nbogus-line here\n")
    now = int(time.time())
    with open(leases, "w") as f:
        f.write("%d aa:bb:cc:dd:ee:01 192.168.1.50 laptop 01:aa:bb:cc:dd:ee:01\n" % (now + 3600))
        f.write("%d aa:bb:cc:dd:ee:02 192.168.1.51 oldphone *\n" % (now - 10))
    with open(odhcpd, "w") as f:
        f.write("fd00::50 tablet.lan tablet\n")
    r, rundir = lan_sprigd(session, 12, ["option local_domain 'lan'", "list hosts_file '%s'" % hosts,
                                         "list lease_file '%s'" % leases, "list lease_file '%s'" % odhcpd,
                                         "list lease_file '%s/missing.leases'" % rundir,
                                         "option local_names_max '64'"])
    wait_for(lambda: r.query("laptop.lan.", "A", rd=True).rcode == "NOERROR", "the first read")
    expect_answer(r.query("laptop.lan.", "A", rd=True), "A", ["192.168.1.50"])
    expect_answer(r.query("laptop.", "A", rd=True), "A", ["192.168.1.50"])   # a bare name, as dnsmasq answers
    expect_answer(r.query("router.lan.", "A", rd=True), "A", ["192.168.1.1"])
    expect_answer(r.query("router.lan.", "AAAA", rd=True), "AAAA", ["fd00::1"])
    expect_answer(r.query("tablet.lan.", "AAAA", rd=True), "AAAA", ["fd00::50"])
    expect_answer(r.query("1.1.168.192.in-addr.arpa.", "PTR", rd=True), "PTR", ["router.lan."])
    expect_answer(r.query("50.1.168.192.in-addr.arpa.", "PTR", rd=True), "PTR", ["laptop.lan."])
    expect_rcode(r.query("oldphone.lan.", "A", rd=True), "NXDOMAIN")   # expired lease
    log = r.process.log_tail(200)
    expect("hosts:4:" in log and "line skipped" in log, "bad line not logged with file:line:\n%s" % log)
    expect("missing.leases is missing" in log, "missing file not logged:\n%s" % log)
    # dnsmasq rewrites its lease file on every DHCP event (a new file renamed over the old).
    tmp = leases + ".new"
    with open(tmp, "w") as f:
        f.write("%d aa:bb:cc:dd:ee:03 192.168.1.60 phone *\n" % (now + 3600))
    os.rename(tmp, leases)
    wait_for(lambda: r.query("phone.lan.", "A", rd=True).rcode == "NOERROR", "the re-read after the change")
    expect_answer(r.query("phone.lan.", "A", rd=True), "A", ["192.168.1.60"])
    expect_rcode(r.query("laptop.lan.", "A", rd=True), "NXDOMAIN")   # its lease is gone
    expect_answer(r.query("60.1.168.192.in-addr.arpa.", "PTR", rd=True), "PTR", ["phone.lan."])
    expect_rcode(r.query("50.1.168.192.in-addr.arpa.", "PTR", rd=True), "NXDOMAIN")
    counters = stats(session, rundir)
    expect(int(counters.get("local_names.reloads", "0")) >= 2, "reloads: %s" % counters.get("local_names.reloads"))
    expect(int(counters.get("upstream.queries", "0")) == 0, "sent upstream: %s" % counters.get("upstream.queries"))
    expect(int(counters.get("local_names.bad_lines", "0")) >= 1, "bad lines: %s" % counters.get("local_names.bad_lines"))
    # A file that turns to garbage: logged, never a crash; the daemon still answers.
    with open(hosts, "wb") as f:
        f.write(bytes(range(256)) * 4)
    wait_for(lambda: r.query("router.lan.", "A", rd=True).rcode == "NXDOMAIN", "the garbage re-read")
    expect_answer(r.query("localhost.", "A", rd=True), "A", ["127.0.0.1"])
    r.stop()


@test
def rebinding_protection_strips_private_addresses(session, sprigd_binary):
    """DNS rebinding protection (`option rebind_protection '1'`): a public
    name whose upstream answer holds private or loopback addresses reaches
    the client without them (counted in rebind.removed); a name under
    `list rebind_allow` keeps them; local data (localhost., the LAN's
    names) is never filtered."""
    ready("forward")(session)
    from tests_forwarder import Upstream
    up = Upstream(session, 70, 300, ["--address=/evil.test/192.168.1.1", "--address=/mixed.test/127.0.0.1",
                                     "--address=/intranet.corp.test/10.0.0.5",
                                     "--address=/public.test/192.0.2.70"])
    h = session.get("zones")
    addr = "%s.4.%d" % (h.net, 13)
    rundir = session.rundir("sprigd-lan-rebind")
    text = ("config sprig 'main'\n\tlist listen '%s:%d'\n\toption mode 'forward'\n\toption user ''\n"
            "\toption dnssec '0'\n\toption state_dir '%s'\n\toption control_socket '%s/sprig.sock'\n"
            "\toption rebind_protection '1'\n\tlist rebind_allow 'corp.test'\n"
            "\nconfig upstream\n\toption address '%s'\n\toption port '53'\n") % (addr, SPRIGD_PORT, rundir, rundir, up.addr)
    p = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-lan-rebind")
    r = Resolver("sprigd-lan-rebind", addr, SPRIGD_PORT, p)
    evil = r.query("evil.test.", "A", rd=True)
    expect_rcode(evil, "NOERROR")
    expect(not evil.rrs("A"), "private address passed: %s" % evil.summary())
    expect(not r.query("mixed.test.", "A", rd=True).rrs("A"), "loopback address passed")
    expect_answer(r.query("intranet.corp.test.", "A", rd=True), "A", ["10.0.0.5"])
    expect_answer(r.query("public.test.", "A", rd=True), "A", ["192.0.2.70"])
    expect_answer(r.query("localhost.", "A", rd=True), "A", ["127.0.0.1"])
    counters = stats(session, rundir)
    expect(int(counters.get("rebind.removed", "0")) == 2, "rebind.removed %s" % counters.get("rebind.removed"))
    r.stop()
    up.stop()


@test
def block_lists_answer_nxdomain_with_ede_15_and_reload_on_sighup(session, sprigd_binary):
    """`list block_file` (hosts format and one domain per line): a listed
    domain and every name below it get NXDOMAIN with EDE 15 "Blocked" (RFC
    8914 §4.16), never asked of the upstream, counted; SIGHUP loads an
    edited list without a restart; a list over block_names_max is refused
    with file:line and the old list keeps answering."""
    ready("forward")(session)
    import signal
    import time
    h = session.get("zones")
    rundir = session.rundir("sprigd-lan-block")
    os.makedirs(rundir, exist_ok=True)
    hosts_list = os.path.join(rundir, "ads.hosts")
    domains = os.path.join(rundir, "trackers.txt")
    with open(hosts_list, "w") as f:
        f.write("# hosts-format block list\n0.0.0.0 ads.example.com\n127.0.0.1 localhost\n")
    with open(domains, "w") as f:
        f.write("tracker.example.net\n")
    r, rundir = lan_sprigd(session, 14, ["list block_file '%s'" % hosts_list, "list block_file '%s'" % domains,
                                         "option block_names_max '1024'"], name="sprigd-lan-block")
    for name in ("ads.example.com.", "x.ads.example.com.", "tracker.example.net."):
        resp = r.query(name, "A", rd=True)
        expect_rcode(resp, "NXDOMAIN")
        expect(any(code == 15 for code, _, _ in resp.ede), "%s: no EDE 15 (%s)" % (name, resp.ede))
    expect_answer(r.query("localhost.", "A", rd=True), "A", ["127.0.0.1"])
    counters = stats(session, rundir)
    expect(int(counters.get("block.answers", "0")) == 3, "block.answers %s" % counters.get("block.answers"))
    expect(int(counters.get("block.names", "0")) == 2, "block.names %s" % counters.get("block.names"))
    expect(int(counters.get("upstream.queries", "0")) == 0, "asked upstream: %s" % counters.get("upstream.queries"))

    def sighup_and_wait(what):
        before = r.process.log_tail(400).count(what)
        os.kill(r.process.pid, signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and r.process.log_tail(400).count(what) <= before:
            time.sleep(0.1)

    with open(domains, "w") as f:
        f.write("new.example.org\n")
    sighup_and_wait("block list: ")
    expect_rcode(r.query("new.example.org.", "A", rd=True), "NXDOMAIN")
    expect(r.query("tracker.example.net.", "A", rd=True).rcode != "NXDOMAIN", "removed entry still blocked")
    with open(domains, "w") as f:
        for i in range(1100):
            f.write("d%d.example\n" % i)
    sighup_and_wait("refused, keeping the current block list")
    log = r.process.log_tail(400)
    expect("trackers.txt:1024: block lists exceed block_names_max 1024" in log,
           "over-limit list not refused with file:line:\n%s" % log[-2000:])
    expect_rcode(r.query("new.example.org.", "A", rd=True), "NXDOMAIN")   # the old list still serves
    expect_rcode(r.query("ads.example.com.", "A", rd=True), "NXDOMAIN")
    r.stop()


@test
def state_dir_is_created_for_the_unprivileged_user(session, sprigd_binary):
    """Under procd sprigd starts as root: it creates `state_dir` when
    missing, gives it to `option user` and mode 0700 before dropping
    privileges, so the RFC 5011 state and the clock floor can be written."""
    ready("forward")(session)
    import pwd
    import stat
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        from harness import Skip
        raise Skip("no user nobody")
    if os.geteuid() != 0:
        from harness import Skip
        raise Skip("not root")
    h = session.get("zones")
    addr = "%s.4.%d" % (h.net, 15)
    rundir = session.rundir("sprigd-lan-state")
    os.makedirs(rundir, exist_ok=True)
    os.chmod(rundir, 0o755)
    state = os.path.join(rundir, "state")
    text = ("config sprig 'main'\n\tlist listen '%s:%d'\n\toption mode 'forward'\n\toption user 'nobody'\n"
            "\toption dnssec '0'\n\toption state_dir '%s'\n\toption control_socket '%s/sprig.sock'\n"
            "\nconfig upstream\n\toption address '%s.4.%d'\n") % (addr, SPRIGD_PORT, state, rundir, h.net, DEAD_OCTET)
    p = servers.start_sprigd(sprigd_binary, text, rundir, name="sprigd-lan-state")
    r = Resolver("sprigd-lan-state", addr, SPRIGD_PORT, p)
    expect_answer(r.query("localhost.", "A", rd=True), "A", ["127.0.0.1"])
    st = os.stat(state)
    expect(stat.S_ISDIR(st.st_mode), "state_dir not created")
    expect(st.st_uid == nobody.pw_uid, "state_dir owner %d, expected nobody (%d)" % (st.st_uid, nobody.pw_uid))
    expect(stat.S_IMODE(st.st_mode) == 0o700, "state_dir mode %o" % stat.S_IMODE(st.st_mode))
    r.stop()
