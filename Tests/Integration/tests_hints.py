"""In-tree hints (draft-kolkman-dns-in-tree-hints §2.1) end to end.

A hierarchy of its own (so the session's zones are never re-signed under
other tests): a signed root at <net>.0.80, the signed TLD `tld.` at
<net>.0.81 and the hinted, signed domain `corp.tld.` at <net>.0.82 with
its in-domain server ns1.corp.tld. sprigd gets a `config hint` for
corp.tld. (its nameserver and its DS as anchor); Unbound, from the same
root hints and root anchor, has none. Then the TLD is re-signed without
the delegation (withdrawn), and with a DS for a key corp.tld. does not
have (wrong DS): sprigd still answers with AD, Unbound fails.
Config refusals: a hint without an in-domain nameserver or without an
anchor stops `sprig check-config` and sprigd with file:line.
"""
import os
import shutil
import subprocess
import time

import hierarchy as hiermod
import servers
from harness import (Resolver, Skip, expect, expect_answer, expect_flag, expect_rcode, fixture,
                     sprigd_recursive_config, test, RESOLVER_PORT, REPO)

ROOT_OCTET, TLD_OCTET, CORP_OCTET = 80, 81, 82       # <net>.0.X: this file's servers
UNBOUND_OCTET, SPRIGD_OCTET = 30, 31                 # <net>.1.X: this file's resolvers
HINTED = "corp.tld."
WWW = "www.corp.tld."
WWW_ADDR = "192.0.2.180"
IN_TREE_EXPIRY = "2099-01-01T00:00:00Z"   # §3.1 signalling: committed for long
STATUS_POLLS = 40                         # x 0.25 s: the first checks run at start
# What `sprig hints status` says of the parent in each phase (§2.1).
PARENT_VIEW = {"honest": "parent consistent", "withdrawn": "parent withdrawn",
               "wrong-ds": "parent conflict"}   # the parent's DS lacks the hint's anchor DS


class HintHierarchy(hiermod.Hierarchy):
    """Root, tld., corp.tld.; `parent` says what tld. publishes for corp.tld.:
    honest (NS, glue, DS), withdrawn (nothing), wrong-ds (NS, glue, a DS
    that matches no key of corp.tld.)."""

    def __init__(self, workdir, net=hiermod.DEFAULT_NET):
        self.workdir = workdir
        self.net = net
        plan = [hiermod.Server("root", ROOT_OCTET, ["."], "hint test root"),
                hiermod.Server("htld", TLD_OCTET, ["tld."], "hint test TLD"),
                hiermod.Server("hcorp", CORP_OCTET, [HINTED], "hinted domain, in-domain server")]
        for s in plan:
            s.addr = "%s.0.%d" % (net, s.last_octet)
        self.servers = {s.key: s for s in plan}
        zones = [hiermod.Zone(".", "root"), hiermod.Zone("tld.", "htld"),
                 hiermod.Zone(HINTED, "hcorp", ns_names=["ns1.corp.tld."],
                              records=["www A " + WWW_ADDR, '_in-tree TXT "%s"' % IN_TREE_EXPIRY])]
        self.zones = {z.name: z for z in zones}
        self.order = [z.name for z in zones]
        self.zone_dir = os.path.join(workdir, "zones")
        self.key_dir = os.path.join(workdir, "keys")
        self.root_hints_path = os.path.join(workdir, "root.hints")
        self.trust_anchor_path = os.path.join(workdir, "root.ds")
        self.trust_anchor = None
        self.parent = "honest"

    def write_root_hints(self):
        with open(self.root_hints_path, "w") as f:
            f.write(".                        3600000      NS    A.ROOT-SERVERS.EXAMPLE.\n")
            f.write("A.ROOT-SERVERS.EXAMPLE.  3600000      A     %s\n" % self.servers["root"].addr)

    def zone_text(self, zone):
        text = super().zone_text(zone)
        if zone.name != "tld.":
            return text
        lines = []
        for line in text.splitlines():
            owner = line.split()[0] if line.split() else ""
            about_child = owner == HINTED or owner.endswith("." + HINTED)
            if about_child and self.parent == "withdrawn":
                continue
            if about_child and self.parent == "wrong-ds" and line.split()[3:4] == ["DS"]:
                line = hiermod.Hierarchy.published_ds(_Mismatch(), line)
            lines.append(line)
        return "\n".join(lines) + "\n"

    @property
    def hint_anchor(self):
        """The valid DS of corp.tld. as a `list trust_anchor` value."""
        f = self.zones[HINTED].ds_records[0].split()
        return "%s IN DS %s %s %s %s" % (HINTED, f[4], f[5], f[6], f[7])

    def republish_parent(self, parent):
        """Re-signs tld. as `parent` says and restarts its NSD."""
        self.parent = parent
        self.write_and_sign(self.zones["tld."])
        self.nsd["htld"].stop()
        server = self.servers["htld"]
        self.nsd["htld"] = servers.start_nsd(os.path.join(self.workdir, "run", "nsd-htld-" + parent),
                                             "nsd-htld-" + parent, server.addr,
                                             [("tld.", self.zones["tld."].zonefile)])


class _Mismatch:
    ds = "mismatch"


@fixture
def hint_hierarchy(session):
    if hiermod.AUTH_PORT != 53:
        raise Skip("iterative resolution needs the authoritative servers on port 53")
    h = HintHierarchy(os.path.join(session.workdir, "hints")).build()
    h.nsd = servers.start_hierarchy_servers(h)
    return h


def hint_section(h, nameserver=None, anchor=True):
    text = "\nconfig hint 'corp'\n\toption domain '%s'\n" % HINTED
    text += "\tlist nameserver '%s'\n" % (nameserver or "ns1.corp.tld. %s" % h.servers["hcorp"].addr)
    if anchor:
        text += "\tlist trust_anchor '%s'\n" % h.hint_anchor
    return text


def start_pair(session, h, phase):
    """A fresh Unbound (no hints) and a fresh sprigd (the hint) for a phase:
    empty caches, so each answer comes from the hierarchy as it is now."""
    unbound_addr = "%s.1.%d" % (h.net, UNBOUND_OCTET)
    u = servers.start_unbound(session.rundir("hints-unbound-" + phase), "hints-unbound-" + phase,
                              unbound_addr, RESOLVER_PORT, root_hints=h.root_hints_path,
                              trust_anchor_file=h.trust_anchor_path)
    addr = "%s.1.%d" % (h.net, SPRIGD_OCTET)
    rundir = session.rundir("hints-sprigd-" + phase)
    binary = session.get("sprigd_binary")
    p = servers.start_sprigd(binary, sprigd_recursive_config(h, addr, RESOLVER_PORT, rundir) + hint_section(h),
                             rundir, name="hints-sprigd-" + phase)
    return Resolver("unbound", unbound_addr, RESOLVER_PORT, u), Resolver("sprigd", addr, RESOLVER_PORT, p)


def gate(session):
    missing = {"recursive", "dnssec"} - session.args.sprigd_ready
    if missing:
        raise Skip("sprigd %s not declared ready (--sprigd-ready)" % ",".join(sorted(missing)))


@test
def hinted_domain_survives_parent_withdrawal_and_wrong_ds(session, hint_hierarchy):
    """§2.1: the hint's NS set and anchor are used instead of the parent's
    NS and DS. Three phases of the parent, each with fresh resolvers."""
    gate(session)
    h = hint_hierarchy
    try:
        for phase in ("honest", "withdrawn", "wrong-ds"):
            if phase != "honest":
                h.republish_parent(phase)
            unbound, sprigd = start_pair(session, h, phase)
            try:
                u = unbound.query(WWW, "A", dnssec=True)
                s = sprigd.query(WWW, "A", dnssec=True)
                expect_rcode(s, "NOERROR")
                expect_answer(s, "A", [WWW_ADDR])
                expect_flag(s, "ad")
                status = hints_status(session, sprigd, PARENT_VIEW[phase])
                expect(PARENT_VIEW[phase] in status and "_in-tree committed" in status
                       and status.startswith("corp.tld. in use;"),
                       "%s: sprig hints status: %r" % (phase, status))
                if phase == "honest":
                    expect_rcode(u, "NOERROR")
                    expect_flag(u, "ad")
                else:   # the same run, a resolver without the hint: the domain is gone or bogus
                    expect(u.rcode in ("NXDOMAIN", "SERVFAIL") and not u.rdatas("A"),
                           "%s: Unbound without a hint should fail: %s" % (phase, u.summary()))
            finally:
                sprigd.stop()
                unbound.stop()
    finally:
        if h.parent != "honest":
            h.republish_parent("honest")


def hints_status(session, sprigd, wanted):
    """`sprig hints status` of this sprigd, polled (bounded) until it shows
    `wanted`: the parent check and the _in-tree fetch run at start."""
    sprig = os.path.join(os.path.dirname(session.get("sprigd_binary")), "sprig")
    socket = os.path.join(os.path.dirname(sprigd.process.log_path), "sprig.sock")
    out = ""
    for _ in range(STATUS_POLLS):
        code, out, err = run_tool([sprig, "hints", "status", "-s", socket])
        if code == 0 and wanted in out and "_in-tree committed" in out and "parent not checked" not in out:
            break
        time.sleep(0.25)
    return out


def run_tool(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


@test
def hint_without_in_domain_ns_or_anchor_is_refused(session, sprigd_binary):
    """Config time: each refusal names its file:line, in `sprig check-config`
    and in sprigd (which does not start)."""
    sprig = os.path.join(os.path.dirname(sprigd_binary), "sprig")
    if not os.path.exists(sprig):
        raise Skip("no sprig binary next to %s" % sprigd_binary)
    rundir = session.rundir("hints-refused")
    base = ("config sprig 'main'\n\toption mode 'recursive'\n\toption user ''\n"
            "\tlist listen '127.0.0.1:5399'\n")
    anchor = "\tlist trust_anchor 'corp.tld. IN DS 1 13 2 %s'\n" % ("ab" * 32)
    cases = {
        "no-in-domain-ns": (base + "config hint\n\toption domain 'corp.tld'\n"
                            "\tlist nameserver 'ns.elsewhere.net 192.0.2.1'\n" + anchor,
                            7, "has no in-domain nameserver"),
        "no-anchor": (base + "config hint\n\toption domain 'corp.tld'\n"
                      "\tlist nameserver 'ns1.corp.tld 192.0.2.1'\n", 5, "has no trust anchor"),
    }
    for name, (text, line, message) in cases.items():
        path = os.path.join(rundir, name + ".conf")
        with open(path, "w") as f:
            f.write(text)
        for argv in ([sprig, "check-config", path], [sprigd_binary, "-c", path, "--print-footprint"]):
            code, out, err = run_tool(argv)
            expect(code == 1, "%s %s: exit %d, expected 1 (%s)" % (os.path.basename(argv[0]), name, code, err))
            expect("%s:%d: " % (path, line) in err and message in err,
                   "%s %s: expected %s:%d: ...%s..., got: %s" % (os.path.basename(argv[0]), name, path, line,
                                                               message, err))


NS2_OCTET = 83   # <net>.0.83: ns2.corp.tld., in the child's NS set only (learning)


def start_hint_sprigd(session, h, rundir_name):
    addr = "%s.1.%d" % (h.net, SPRIGD_OCTET)
    rundir = session.rundir(rundir_name)
    binary = session.get("sprigd_binary")
    p = servers.start_sprigd(binary, sprigd_recursive_config(h, addr, RESOLVER_PORT, rundir) + hint_section(h),
                             rundir, name=rundir_name)
    return Resolver("sprigd", addr, RESOLVER_PORT, p), rundir


@test
def learned_ns_set_is_persisted_and_used_after_restart(session, hint_hierarchy):
    """§2.1 learning: corp.tld.'s own (signed) NS set gains ns2.corp.tld.;
    the hint follows it, the learned state is written to state_dir, and a
    restart with ns1 dead resolves through ns2 with AD. A corrupt learned
    file gives one log line and the configured hint."""
    gate(session)
    h = hint_hierarchy
    zone = h.zones[HINTED]
    ns2_addr = "%s.0.%d" % (h.net, NS2_OCTET)
    ns2 = None
    sprigd = None
    try:
        zone.ns_names = ["ns1.corp.tld.", "ns2.corp.tld."]
        zone.ns_addrs = {"ns2.corp.tld.": NS2_OCTET}
        h.write_and_sign(zone)
        h.nsd["hcorp"].stop()
        h.nsd["hcorp"] = servers.start_nsd(os.path.join(h.workdir, "run", "nsd-hcorp-learn"), "nsd-hcorp-learn",
                                           h.servers["hcorp"].addr, [(HINTED, zone.zonefile)])
        ns2 = servers.start_nsd(os.path.join(h.workdir, "run", "nsd-hcorp-ns2"), "nsd-hcorp-ns2", ns2_addr,
                                [(HINTED, zone.zonefile)])
        sprigd, rundir = start_hint_sprigd(session, h, "hints-learn")
        status = hints_status(session, sprigd, "learned: ns1.corp.tld. ns2.corp.tld.")
        expect("learned: ns1.corp.tld. ns2.corp.tld." in status, "not learned: %r" % status)
        status = hints_status(session, sprigd, "parent re-delegation")
        expect("parent re-delegation" in status, "the parent still lists ns1 only: %r" % status)
        sprigd.stop()
        sprigd = None
        learned = os.path.join(rundir, "hints.learned")
        expect(os.path.exists(learned), "no %s after a clean shutdown" % learned)

        h.nsd["hcorp"].stop()   # ns1 dead: only the learned ns2 can answer
        # A new run directory (its own log) holding the saved state, as
        # state_dir survives a router's restart.
        restart_dir = session.rundir("hints-learn-restart")
        shutil.copy(learned, os.path.join(restart_dir, "hints.learned"))
        sprigd, _ = start_hint_sprigd(session, h, "hints-learn-restart")
        r = sprigd.query(WWW, "A", dnssec=True)
        expect_rcode(r, "NOERROR")
        expect_answer(r, "A", [WWW_ADDR])
        expect_flag(r, "ad")
        sprigd.stop()
        sprigd = None

        corrupt_dir = session.rundir("hints-learn-corrupt")
        with open(os.path.join(corrupt_dir, "hints.learned"), "wb") as f:
            f.write(b"SPHT garbage, not a hint table")
        sprigd, rundir = start_hint_sprigd(session, h, "hints-learn-corrupt")
        with open(os.path.join(rundir, "sprigd.log")) as f:
            log = f.read()
        expect(log.count("is corrupt (not a valid hint table); using the configured hints") == 1,
               "one log line for the corrupt learned state: %s" % log[-2000:])
    finally:
        if sprigd:
            sprigd.stop()
        if ns2:
            ns2.stop()
        zone.ns_names = ["ns1.corp.tld."]
        zone.ns_addrs = {}
        h.write_and_sign(zone)
        h.nsd["hcorp"].stop()
        h.nsd["hcorp"] = servers.start_nsd(os.path.join(h.workdir, "run", "nsd-hcorp-restored"),
                                           "nsd-hcorp-restored", h.servers["hcorp"].addr, [(HINTED, zone.zonefile)])
