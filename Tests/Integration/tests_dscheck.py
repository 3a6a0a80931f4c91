"""`sprig ds-check` against a loopback hierarchy of its own (issue 18 item 3;
draft-ietf-dnsop-ds-automation-04 §2, RFC 7344, RFC 8078 §4).

A signed root (NSD, <net>.183.1) delegates the signed TLD `dsc.` (NSD,
<net>.183.2), which delegates each case below to two servers, ns1 (NSD,
<net>.183.3) and ns2 (NSD, <net>.183.4), with the DS of the child's first
key (K1) as the parent's current DS:

- good.dsc.      CDS and CDNSKEY of K1 on both servers: every check passes;
- split.dsc.     ns1 publishes CDS/CDNSKEY of K1, ns2 of K2: servers disagree;
- mismatch.dsc.  CDS of K1, CDNSKEY of K2 (both keys in the DNSKEY RRset):
                 CDS and CDNSKEY disagree;
- delete.dsc.    CDS 0 0 0 00 and CDNSKEY 0 3 0 AA== (RFC 8078 §4): a delete
                 request, signed under the current DS: accepted;
- orphan.dsc.    CDS/CDNSKEY of a key that is not in the DNSKEY RRset: the
                 resulting DS set would break the delegation (continuity);
- none.dsc.      signed, no CDS/CDNSKEY: nothing is requested;
- mixed.dsc.     the delete CDS beside a real CDS: ambiguous;
- idle.dsc.      CDS/CDNSKEY of K2, which is in the DNSKEY RRset but signs
                 nothing: no valid path (the Validator's RRSIG check says so);
- bootstrap.dsc. consistent, but the parent has no DS: not authenticated in-band;
- cdnskeyonly.dsc. CDNSKEY alone: accepted with a warning;
- privalg.dsc.   the only CDS has algorithm 253: not designated;
- halfdead.dsc.  ns2's address answers nothing: the servers check fails;
- stripped.dsc.  CDS of K1 but no CDNSKEY, and the zone's NSEC records
                 removed after signing (a broken signer, or what an on-path
                 attacker who drops records shows): the empty CDNSKEY answer
                 has no denial of existence, so the denial check fails;
- nodsproof.dsc. like bootstrap (no DS at the parent), but the parent's NSEC
                 at the name removed: the missing DS is not proven, bogus;
- dot.dsc.       consistent; its NS names are the ones the DoT certificate names;
- outns.dsc.     consistent, its servers named nsa/nsb.good.dsc. without glue:
                 their addresses are looked up in good.dsc.

A second signed TLD, `dsc3.` (same server), uses NSEC3 with opt-out, and
its children good, none, cdnskeyonly and bootstrap use NSEC3: the same
verdicts, each absence proven by NSEC3, bootstrap's by an opt-out span.

Empty answers are believed only with their NSEC/NSEC3 proof validated
(none.dsc., cdnskeyonly.dsc., bootstrap.dsc. prove theirs). `--json` gives
the same verdicts as a JSON array.

Transport (`config auth_transport`, as sprigd applies it): ns1 and ns2
also serve their zones over DoT (a second NSD on port 853 of each, with a
certificate for ns1.dot.dsc and ns2.dot.dsc from a test CA). Strict by CA bundle + NS
name, or by pin, passes over DoT; a wrong CA or pin fails closed; `list
server` makes one server strict; a strict zone without DoT fails the walk,
never asked in plain; an opportunistic '.' falls back to plain.

The parent's current DS is validated from the config's trust anchor (the
test root's DS); a config with a wrong anchor makes that chain bogus.

Zones are signed with ldns-signzone, CDS made with ldns-key2ds. sprig
finds the servers from the root hints of its config (query_loopback '1').

Gate: the private network namespace (NSD on port 53 of <net>.183.x).
"""
import base64
import glob
import hashlib
import os
import subprocess
import time

from harness import REPO, Skip, expect, fixture, test
import hierarchy as hiermod
import servers

NET_OCTET = 183                 # <net>.183.x: this file's own servers
ROOT, TLD, NS1, NS2 = 1, 2, 3, 4
TTL = 300
SPRIG_TIMEOUT_SECONDS = 60      # bounded by the client's own timeouts far below this


def find_sprig():
    if os.environ.get("SPRIG"):
        return os.environ["SPRIG"]
    candidates = [p for mode in ("debug", "release") for pat in (".build*/%s/sprig", ".build*/*/%s/sprig")
                  for p in glob.glob(os.path.join(REPO, pat % mode)) if os.path.isfile(p) and os.access(p, os.X_OK)]
    if not candidates:
        raise Skip("no sprig binary (swift build --product sprig, or SPRIG=)")
    return max(candidates, key=os.path.getmtime)


def run(cmd, cwd=None):
    return hiermod.run(cmd, cwd=cwd)


class Key:
    def __init__(self, keydir, zone):
        base = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", zone], cwd=keydir).strip()
        self.base = os.path.join(keydir, base)
        with open(self.base + ".key") as f:
            self.dnskey = [l for l in f.read().splitlines() if " DNSKEY " in l or "\tDNSKEY\t" in l][0]
        self.ds = run(["ldns-key2ds", "-n", "-2", self.base + ".key"]).strip()

    def cds(self):
        f = self.ds.split()        # owner ttl IN DS tag alg type digest
        return "@ IN CDS %s" % " ".join(f[4:])

    def cdnskey(self):
        f = self.dnskey.split()    # owner ttl IN DNSKEY flags proto alg key...
        i = f.index("DNSKEY")
        return "@ IN CDNSKEY %s" % " ".join(f[i + 1:])

    def ds_line(self):
        f = self.ds.split()
        return "%s %d IN DS %s" % (f[0], TTL, " ".join(f[4:]))


def zone_text(origin, ns, lines):
    primary = ns[0][0] if ns else "ns." + origin
    out = ["$ORIGIN %s" % origin, "$TTL %d" % TTL,
           "@ IN SOA %s hostmaster.%s 1 3600 900 604800 300" % (primary, "dsc." if origin == "." else origin)]
    for name, addr in ns:
        out.append("@ IN NS %s" % name)
        if name.endswith(origin) or origin == ".":
            out.append("%s IN A %s" % (name, addr))
    return "\n".join(out + list(lines)) + "\n"


# NSEC3 as RFC 9276 §3.1 advises: no extra iterations, no salt.
NSEC3 = ["-n", "-t", "0"]


def sign(path, origin, keys, keydir, denial=()):
    now = int(time.time())
    signed = path + ".signed"
    run(["ldns-signzone", "-f", signed, "-o", origin, "-i", str(now - 3600), "-e", str(now + 14 * 86400)]
        + list(denial) + [path] + [k.base for k in keys], cwd=keydir)
    return signed


def sign_opt_out(path, origin, key, keydir):
    """NSEC3 with opt-out (RFC 5155 §6) and no NSEC3 for insecure
    delegations (dnssec-signzone -A: ldns-signzone's -p sets the flag but
    keeps every delegation in the chain, so no span would be exercised)."""
    with open(path, "a") as f:
        f.write(key.dnskey + "\n")
    signed = path + ".signed"
    run(["dnssec-signzone", "-q", "-z", "-3", "-", "-A", "-H", "0", "-o", origin, "-f", signed, "-K", keydir,
         path, key.base], cwd=keydir)
    return signed


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


# Each case: (CDS/CDNSKEY lines on ns1, on ns2, keys in the DNSKEY RRset).
# K1 is the current key (its DS is in dsc.); K2 a second key; K3 never published.
def case_records(k1, k2, k3):
    both = lambda k: [k.cds(), k.cdnskey()]
    return {
        "good": (both(k1), both(k1), [k1]),
        "split": (both(k1), both(k2), [k1]),
        "mismatch": ([k1.cds(), k2.cdnskey()], [k1.cds(), k2.cdnskey()], [k1, k2]),
        "delete": (["@ IN CDS 0 0 0 00", "@ IN CDNSKEY 0 3 0 AA=="],
                   ["@ IN CDS 0 0 0 00", "@ IN CDNSKEY 0 3 0 AA=="], [k1]),
        "orphan": (both(k3), both(k3), [k1]),
        "none": ([], [], [k1]),
        "mixed": (["@ IN CDS 0 0 0 00", k1.cds()], ["@ IN CDS 0 0 0 00", k1.cds()], [k1]),
        # K2 is in the DNSKEY RRset (added by hand) but signs nothing.
        "idle": (both(k2) + [k2.dnskey], both(k2) + [k2.dnskey], [k1]),
        "bootstrap": (both(k1), both(k1), [k1]),
        "cdnskeyonly": ([k1.cdnskey()], [k1.cdnskey()], [k1]),
        # CDS of K1 with the algorithm field 253 (PRIVATEDNS): not designated.
        "privalg": ([k1.cds().replace(" 13 2 ", " 253 2 ", 1)], [k1.cds().replace(" 13 2 ", " 253 2 ", 1)], [k1]),
        "halfdead": (both(k1), both(k1), [k1]),
        "stripped": ([k1.cds()], [k1.cds()], [k1]),
        "nodsproof": (both(k1), both(k1), [k1]),
        "outns": (both(k1), both(k1), [k1]),
        "dot": (both(k1), both(k1), [k1]),
    }


CASES = ("good", "split", "mismatch", "delete", "orphan", "none", "mixed", "idle", "bootstrap",
         "cdnskeyonly", "privalg", "halfdead", "stripped", "nodsproof", "outns", "dot")
# Under dsc3. (NSEC3 with opt-out), children signed with NSEC3: the same
# verdicts as under dsc., each absence proven by NSEC3 instead.
CASES3 = ("good", "none", "bootstrap", "cdnskeyonly")
NO_DS_AT_PARENT = {"bootstrap", "nodsproof"}    # signed child, unsigned delegation
NO_NSEC = {"stripped"}             # the child's NSEC records removed after signing
NO_NSEC_AT_PARENT = {"nodsproof"}  # the parent's NSEC at the child's name removed
DEAD = 99                          # <net>.183.99: nothing listens (halfdead's ns2)
DOT_PORT = 853                     # dot.dsc.'s servers also serve it over TLS (RFC 7858)
TLS_PIN = "sha256/" + "A" * 43 + "="   # well-formed; no server's key matches it


class DoTPKI:
    """A test CA and one certificate for ns1.dot.dsc and ns2.dot.dsc (the
    NS names DoT is authenticated by, RFC 8310 §8.1), with its SPKI pin
    (RFC 7858 §4.2)."""

    def __init__(self, d):
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        run(["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
             "-subj", "/CN=Sprig ds-check Test CA"], cwd=d)
        run(["openssl", "req"] + ec + ["-keyout", "ns.key", "-out", "ns.csr", "-subj", "/CN=ns1.dot.dsc"], cwd=d)
        write(os.path.join(d, "ns.cnf"), "subjectAltName=DNS:ns1.dot.dsc,DNS:ns2.dot.dsc\nbasicConstraints=CA:FALSE\n")
        run(["openssl", "x509", "-req", "-in", "ns.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "ns.pem", "-days", "30", "-extfile", "ns.cnf"], cwd=d)
        self.ca, self.cert, self.key = (os.path.join(d, f) for f in ("ca.pem", "ns.pem", "ns.key"))
        pub = subprocess.run(["openssl", "x509", "-in", self.cert, "-noout", "-pubkey"],
                             capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                             capture_output=True, check=True).stdout
        self.pin = "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def without_nsec(signed, owner=None):
    """The signed zone file without NSEC records (and their RRSIGs): all of
    them, or those at `owner`."""
    kept = []
    with open(signed) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 5 and (owner is None or fields[0].lower() == owner):
                if fields[3] == "NSEC" or (fields[3] == "RRSIG" and fields[4] == "NSEC"):
                    continue
            kept.append(line)
    write(signed, "".join(kept))
    return signed


@fixture
def dscheck(session):
    """The hierarchy, built and started once (a failure is remembered, not
    retried by every test); returns the sprig config paths."""
    if not os.environ.get("SPRIG_IT_IN_NETNS"):
        raise Skip("needs the private network namespace (netns.sh): NSD on port 53 of <net>.%d.x" % NET_OCTET)
    net = hiermod.DEFAULT_NET
    addr = lambda octet: "%s.%d.%d" % (net, NET_OCTET, octet)
    rundir = session.rundir("dscheck")
    keydir = os.path.join(rundir, "keys")
    os.makedirs(keydir, exist_ok=True)
    root_key, tld_key, tld3_key = Key(keydir, "."), Key(keydir, "dsc."), Key(keydir, "dsc3.")
    ns1_files, ns2_files, tld_lines, tld3_lines = [], [], [], []
    for tld_name, case in [("dsc.", c) for c in CASES] + [("dsc3.", c) for c in CASES3]:
        origin = case + "." + tld_name
        denial = NSEC3 if tld_name == "dsc3." else ()
        parent_lines = tld3_lines if tld_name == "dsc3." else tld_lines
        k1, k2, k3 = Key(keydir, origin), Key(keydir, origin), Key(keydir, origin)
        on1, on2, dnskeys = case_records(k1, k2, k3)[case]
        ns = [("ns1." + origin, addr(NS1)), ("ns2." + origin, addr(DEAD if case == "halfdead" else NS2))]
        extra = []
        if case == "outns":      # glueless: its servers are named in good.dsc.
            ns = [("nsa.good.dsc.", addr(NS1)), ("nsb.good.dsc.", addr(NS2))]
        if case == "good":
            extra = ["nsa IN A %s" % addr(NS1), "nsb IN A %s" % addr(NS2)]
        for server, lines, files in (("ns1", on1, ns1_files), ("ns2", on2, ns2_files)):
            if case == "halfdead" and server == "ns2":
                continue
            plain = write(os.path.join(rundir, "%s%s.zone" % (origin, server)),
                          zone_text(origin, ns, ["www IN A 192.0.2.183"] + extra + lines))
            signed = sign(plain, origin, dnskeys, keydir, denial)
            files.append((origin, without_nsec(signed) if case in NO_NSEC else signed))
        parent_lines += ["%s IN NS %s" % (origin, n) for n, _ in ns]
        parent_lines += ["%s IN A %s" % (n, a) for n, a in ns if n.endswith(origin)]
        if case not in NO_DS_AT_PARENT:
            parent_lines.append(k1.ds_line())
    tld = sign(write(os.path.join(rundir, "dsc.zone"),
                     zone_text("dsc.", [("ns.dsc.", addr(TLD))], tld_lines)), "dsc.", [tld_key], keydir)
    tld3 = sign_opt_out(write(os.path.join(rundir, "dsc3.zone"),
                              zone_text("dsc3.", [("ns.dsc.", addr(TLD))], tld3_lines)), "dsc3.", tld3_key, keydir)
    for case in NO_NSEC_AT_PARENT:
        without_nsec(tld, case + ".dsc.")
    root = sign(write(os.path.join(rundir, "root.zone"),
                      zone_text(".", [("a.root-dsc.", addr(ROOT))],
                                ["dsc. IN NS ns.dsc.", "ns.dsc. IN A %s" % addr(TLD), tld_key.ds_line(),
                                 "dsc3. IN NS ns.dsc.", tld3_key.ds_line()])),
                ".", [root_key], keydir)
    servers.start_nsd(os.path.join(rundir, "nsd-root"), "nsd-dsc-root", addr(ROOT), [(".", root)])
    servers.start_nsd(os.path.join(rundir, "nsd-tld"), "nsd-dsc-tld", addr(TLD), [("dsc.", tld), ("dsc3.", tld3)])
    servers.start_nsd(os.path.join(rundir, "nsd-ns1"), "nsd-dsc-ns1", addr(NS1), ns1_files)
    servers.start_nsd(os.path.join(rundir, "nsd-ns2"), "nsd-dsc-ns2", addr(NS2), ns2_files)
    pki = DoTPKI(keydir)
    for octet, files in ((NS1, ns1_files), (NS2, ns2_files)):
        # The same server on port 853 over TLS: it now also speaks DoT.
        servers.start_nsd(os.path.join(rundir, "nsd-dot-%d" % octet), "nsd-dsc-dot-%d" % octet, addr(octet), files,
                          port=DOT_PORT, tls=(pki.cert, pki.key))
    hints = write(os.path.join(rundir, "root.hints"),
                  ". 3600000 NS a.root-dsc.\na.root-dsc. 3600000 A %s\n" % addr(ROOT))
    f = root_key.ds.split()
    text = ("config sprig 'main'\n\toption query_loopback '1'\n\toption root_hints '%s'\n"
            "\toption do_ip6 '0'\n\toption builtin_root_anchors '0'\n\tlist trust_anchor '. IN DS %s'\n")
    right = text % (hints, " ".join(f[4:]))
    configs = {"right": write(os.path.join(rundir, "sprig.conf"), right)}
    transport = "config auth_transport\n\toption domain '%s'\n\toption policy '%s'\n"
    configs["strict"] = write(os.path.join(rundir, "sprig-strict.conf"), right + transport % ("dsc.", "strict")
                              + "\tlist tls_pin '%s'\n" % TLS_PIN)
    configs["strict-ns"] = write(os.path.join(rundir, "sprig-strict-ns.conf"), right
                                 + transport % ("good.dsc.", "strict") + "\tlist tls_pin '%s'\n" % TLS_PIN)
    configs["opportunistic"] = write(os.path.join(rundir, "sprig-opportunistic.conf"),
                                     right + transport % (".", "opportunistic"))
    with_ca = lambda ca: right + "\toption tls_ca_file '%s'\n" % ca
    configs["dot-ca"] = write(os.path.join(rundir, "sprig-dot-ca.conf"),
                              with_ca(pki.ca) + transport % ("dot.dsc.", "strict"))
    configs["dot-other-ca"] = write(os.path.join(rundir, "sprig-dot-other-ca.conf"),
                                    with_ca(pki.cert) + transport % ("dot.dsc.", "strict"))
    configs["dot-pin"] = write(os.path.join(rundir, "sprig-dot-pin.conf"),
                               right + transport % ("dot.dsc.", "strict") + "\tlist tls_pin '%s'\n" % pki.pin)
    configs["dot-wrong-pin"] = write(os.path.join(rundir, "sprig-dot-wrong-pin.conf"),
                                     right + transport % ("dot.dsc.", "strict") + "\tlist tls_pin '%s'\n" % TLS_PIN)
    configs["dot-one-server"] = write(os.path.join(rundir, "sprig-dot-one-server.conf"),
                                      right + transport % ("dot.dsc.", "strict") + "\tlist tls_pin '%s'\n" % TLS_PIN
                                      + "\tlist server 'ns2.dot.dsc.'\n")
    digest = f[7]
    f[7] = ("0" if digest[0] != "0" else "1") + digest[1:]   # an anchor that matches no root key
    configs["wrong"] = write(os.path.join(rundir, "sprig-wrong-anchor.conf"), text % (hints, " ".join(f[4:])))
    return configs


def ds_check(configs, domain, anchor="right", json_output=False):
    """(exit status, {check: (status, reason)}, whole output)."""
    argv = [find_sprig(), "ds-check"] + (["--json"] if json_output else []) + ["-c", configs[anchor], domain]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=SPRIG_TIMEOUT_SECONDS)
    if os.environ.get("SPRIG_IT_SHOW"):
        print("$ sprig ds-check %s (exit %d)\n%s%s" % (domain, p.returncode, p.stdout, p.stderr))
    if json_output:
        return p.returncode, p.stdout, p.stderr
    verdicts = {}
    for line in p.stdout.splitlines():
        status, _, rest = line.partition(" ")
        check, _, reason = rest.partition(": ")
        verdicts[check] = (status, reason)
    return p.returncode, verdicts, p.stdout + p.stderr


def expect_verdict(verdicts, output, check, status, words=()):
    got = verdicts.get(check)
    expect(got is not None, "no %s verdict in:\n%s" % (check, output))
    expect(got[0] == status, "%s: %s, expected %s:\n%s" % (check, got[0], status, output))
    for w in words:
        expect(w in got[1], "%s: %r not in %r" % (check, w, got[1]))


@test
def dscheck_consistent_request_passes_every_check(dscheck):
    """good.dsc.: both servers publish CDS and CDNSKEY of the key that signs
    the DNSKEY RRset and that the parent's DS designates: exit 0."""
    rc, v, out = ds_check(dscheck, "good.dsc.")
    for check in ("delegation", "servers", "servers-agree", "request", "cds-cdnskey", "algorithms",
                  "continuity", "authenticated"):
        expect_verdict(v, out, check, "PASS")
    expect_verdict(v, out, "denial", "SKIP", ["both published"])
    expect_verdict(v, out, "delegation", "PASS", ["ns1.good.dsc.", "ns2.good.dsc."])
    expect(rc == 0, "exit %d:\n%s" % (rc, out))


@test
def dscheck_servers_that_disagree_fail(dscheck):
    """split.dsc.: ns2 publishes another key's CDS/CDNSKEY than ns1: the
    request is ambiguous (draft §2.1 item 1a): exit 1."""
    rc, v, out = ds_check(dscheck, "split.dsc.")
    expect_verdict(v, out, "servers", "PASS")
    expect_verdict(v, out, "servers-agree", "FAIL", ["CDS at ns2.split.dsc.", "CDNSKEY at ns2.split.dsc."])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_cds_and_cdnskey_that_disagree_fail(dscheck):
    """mismatch.dsc.: CDS designates K1, CDNSKEY is K2: exit 1."""
    rc, v, out = ds_check(dscheck, "mismatch.dsc.")
    expect_verdict(v, out, "servers-agree", "PASS")
    expect_verdict(v, out, "cds-cdnskey", "FAIL", ["matches no CDNSKEY", "has no CDS"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_delete_signal_is_recognised(dscheck):
    """delete.dsc.: CDS 0 0 0 00 and CDNSKEY 0 3 0 AA== (RFC 8078 §4),
    signed under the current DS: a valid delete request, exit 0."""
    rc, v, out = ds_check(dscheck, "delete.dsc.")
    expect_verdict(v, out, "request", "PASS", ["delete signal", "CDS 0 0 0 00", "CDNSKEY 0 3 0 AA=="])
    expect_verdict(v, out, "continuity", "SKIP")
    expect_verdict(v, out, "authenticated", "PASS")
    expect(rc == 0, "exit %d:\n%s" % (rc, out))


@test
def dscheck_delete_signal_beside_other_records_fails(dscheck):
    """mixed.dsc.: CDS 0 0 0 00 beside a real CDS: ambiguous, exit 1."""
    rc, v, out = ds_check(dscheck, "mixed.dsc.")
    expect_verdict(v, out, "request", "FAIL", ["ambiguous"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_ds_set_that_would_break_the_delegation_fails(dscheck):
    """orphan.dsc.: CDS/CDNSKEY of a key absent from the DNSKEY RRset: the
    resulting DS set validates nothing (draft §2.2.1), exit 1."""
    rc, v, out = ds_check(dscheck, "orphan.dsc.")
    expect_verdict(v, out, "cds-cdnskey", "PASS")
    expect_verdict(v, out, "continuity", "FAIL", ["no key of its DNSKEY RRset"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_designated_key_that_signs_nothing_fails(dscheck):
    """idle.dsc.: the designated key is published but does not sign the
    DNSKEY RRset: no RRSIG validates (RFC 6840 §5.11), exit 1."""
    rc, v, out = ds_check(dscheck, "idle.dsc.")
    expect_verdict(v, out, "cds-cdnskey", "PASS")
    expect_verdict(v, out, "continuity", "FAIL", ["no RRSIG by that key"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_current_ds_is_validated_from_the_trust_anchor(dscheck):
    """The parent's DS is validated from the config's anchor: with an anchor
    that matches no root key the chain is bogus and authenticated fails."""
    rc, v, out = ds_check(dscheck, "good.dsc.")
    expect_verdict(v, out, "authenticated", "PASS", ["validated from the trust anchor ."])
    rc, v, out = ds_check(dscheck, "good.dsc.", anchor="wrong")
    expect_verdict(v, out, "continuity", "PASS")
    expect_verdict(v, out, "authenticated", "FAIL", ["chain of trust", "DNSKEY RRset of ."])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_unsigned_delegation_is_not_authenticated(dscheck):
    """bootstrap.dsc.: signed, consistent, but no DS at the parent: the
    request cannot be authenticated in-band (RFC 9615 not checked): WARN,
    exit 0."""
    rc, v, out = ds_check(dscheck, "bootstrap.dsc.")
    expect_verdict(v, out, "continuity", "PASS")
    expect_verdict(v, out, "authenticated", "WARN", ["insecure", "RFC 9615", "proven by a validated NSEC"])
    expect(rc == 0, "exit %d:\n%s" % (rc, out))


@test
def dscheck_only_cdnskey_is_a_warning(dscheck):
    """cdnskeyonly.dsc.: CDNSKEY without CDS is accepted with the draft's
    advice to publish both (§2.1 item 3): WARN, exit 0."""
    rc, v, out = ds_check(dscheck, "cdnskeyonly.dsc.")
    expect_verdict(v, out, "denial", "PASS", ["CDS at ns1.cdnskeyonly.dsc.", "CDS at ns2.cdnskeyonly.dsc.",
                                               "proven by a validated NSEC"])
    expect_verdict(v, out, "cds-cdnskey", "WARN", ["only CDNSKEY"])
    expect_verdict(v, out, "continuity", "PASS")
    expect(rc == 0, "exit %d:\n%s" % (rc, out))


@test
def dscheck_algorithm_not_designated_fails(dscheck):
    """privalg.dsc.: the only CDS says algorithm 253, which is not MUST or
    RECOMMENDED for validation (RFC 8624 / RFC 9904): exit 1."""
    rc, v, out = ds_check(dscheck, "privalg.dsc.")
    expect_verdict(v, out, "algorithms", "FAIL", ["alg 253", "not assigned"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_unreachable_server_fails(dscheck):
    """halfdead.dsc.: ns2 does not answer: its request cannot be known,
    so the check fails (draft §2.1 item 1a, every nameserver), in bounded time."""
    rc, v, out = ds_check(dscheck, "halfdead.dsc.")
    expect_verdict(v, out, "servers", "FAIL", ["ns2.halfdead.dsc.", "no answer within the timeout"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_no_request_and_no_zone(dscheck):
    """none.dsc.: no CDS/CDNSKEY, exit 1 with the reason; a name that does
    not exist fails at the delegation; the root is refused."""
    rc, v, out = ds_check(dscheck, "none.dsc.")
    expect_verdict(v, out, "denial", "PASS", ["CDS at ns1.none.dsc.", "CDNSKEY at ns2.none.dsc."])
    expect_verdict(v, out, "request", "FAIL", ["neither CDS nor CDNSKEY"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "nothere.dsc.")
    expect_verdict(v, out, "delegation", "FAIL", ["does not exist"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, ".")
    expect_verdict(v, out, "delegation", "FAIL", ["root"])


@test
def dscheck_empty_answer_without_denial_fails(dscheck):
    """stripped.dsc.: CDS published, CDNSKEY answered empty with no NSEC: the
    absence is not proven (RFC 4035 §5.4), so ds-check does not reason
    about "CDS only": the denial check fails, exit 1, nothing after it."""
    rc, v, out = ds_check(dscheck, "stripped.dsc.")
    expect_verdict(v, out, "servers-agree", "PASS")
    expect_verdict(v, out, "denial", "FAIL", ["CDNSKEY at ns1.stripped.dsc.", "no NSEC or NSEC3", "stripped"])
    expect("cds-cdnskey" not in v and "request" not in v, "checks ran on an unproven answer:\n" + out)
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_missing_ds_without_denial_is_bogus(dscheck):
    """nodsproof.dsc.: the parent answers no DS, but its NSEC at the name is
    gone: an empty DS answer alone could be a stripped DS, so the chain is
    bogus and authenticated fails (where bootstrap.dsc. only warns)."""
    rc, v, out = ds_check(dscheck, "nodsproof.dsc.")
    expect_verdict(v, out, "continuity", "PASS")
    expect_verdict(v, out, "authenticated", "FAIL", ["chain of trust", "without a valid denial", "nodsproof.dsc."])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_json_gives_one_object_per_check(dscheck):
    """--json: the same verdicts as a JSON array of {check, verdict, reason},
    and the same exit status (0 for good.dsc., 1 for split.dsc.)."""
    import json
    for domain, status, failing in (("good.dsc.", 0, None), ("split.dsc.", 1, "servers-agree")):
        rc, stdout, stderr = ds_check(dscheck, domain, json_output=True)
        checks = json.loads(stdout)
        expect(isinstance(checks, list) and checks, "not a JSON array: %r" % stdout)
        for c in checks:
            expect(set(c) == {"check", "verdict", "reason"}, "keys %r" % sorted(c))
            expect(c["verdict"] in ("PASS", "WARN", "FAIL", "SKIP"), "verdict %r" % c["verdict"])
        _, text_verdicts, _ = ds_check(dscheck, domain)
        expect([c["check"] for c in checks] == list(text_verdicts), "JSON and text differ: %r" % stdout)
        if failing:
            expect(any(c["check"] == failing and c["verdict"] == "FAIL" for c in checks), stdout)
        expect(rc == status, "exit %d for %s: %s%s" % (rc, domain, stdout, stderr))


@test
def dscheck_strict_zone_without_dot_fails_closed_not_in_plain(dscheck):
    """auth_transport 'dsc.' strict (a pin): the walk must ask dsc.'s server,
    which has no DoT: the delegation check fails, naming the server and
    the reason, "not asked in plain" (seed 004: strict never falls back);
    exit 1. An opportunistic '.' falls back to plain DNS where no server
    offers DoT (RFC 9539 §4): every check passes."""
    rc, v, out = ds_check(dscheck, "good.dsc.", anchor="strict")
    expect_verdict(v, out, "delegation", "FAIL", ["strict DoT to ns.dsc. (", "not asked in plain"])
    expect("servers" not in v, "servers asked after a failed delegation:\n" + out)
    expect(rc == 1, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "good.dsc.", anchor="opportunistic")
    expect_verdict(v, out, "authenticated", "PASS")
    expect(rc == 0, "exit %d:\n%s" % (rc, out))


@test
def dscheck_strict_zone_of_a_nameserver_name_fails_closed(dscheck):
    """outns.dsc. passes every check, its glueless server names looked up
    in good.dsc.; with good.dsc. strict (a pin no key matches, no DoT there),
    that look-up fails closed and says why, instead of "no address"."""
    rc, v, out = ds_check(dscheck, "outns.dsc.")
    expect_verdict(v, out, "delegation", "PASS", ["nsa.good.dsc.", "nsb.good.dsc."])
    expect_verdict(v, out, "authenticated", "PASS")
    expect(rc == 0, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "outns.dsc.", anchor="strict-ns")
    expect_verdict(v, out, "delegation", "FAIL", ["no server of good.dsc. answered nsa.good.dsc.", "strict DoT to ns",
                                                  ".good.dsc. (", "matches no tls_pin", "not asked in plain"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_strict_dot_by_ca_and_ns_name(dscheck):
    """dot.dsc. strict, no pin: its servers are asked over DoT (port 853)
    and authenticated by the CA bundle (tls_ca_file) and the NS name they
    were reached by (RFC 8310 §8.1); every check passes, both servers over
    DoT. With a bundle that does not hold the CA, both fail closed."""
    rc, v, out = ds_check(dscheck, "dot.dsc.", anchor="dot-ca")
    for check in ("delegation", "request", "cds-cdnskey", "continuity", "authenticated"):
        expect_verdict(v, out, check, "PASS")
    expect_verdict(v, out, "servers", "PASS", ["(2 over DoT)"])
    expect(rc == 0, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "dot.dsc.", anchor="dot-other-ca")
    expect_verdict(v, out, "servers", "FAIL", ["strict DoT to ns1.dot.dsc. (", "strict DoT to ns2.dot.dsc. (",
                                               "does not verify", "not asked in plain"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_strict_dot_by_pin_and_per_server(dscheck):
    """dot.dsc. strict with the servers' SPKI pin (RFC 7858 §4.2): every
    check passes over DoT. A pin no key matches fails both servers closed;
    with `list server 'ns2.dot.dsc.'` only ns2 is strict (seed 004
    requirement 8): ns1 answers in plain, ns2 fails, and the check fails."""
    rc, v, out = ds_check(dscheck, "dot.dsc.", anchor="dot-pin")
    expect_verdict(v, out, "servers", "PASS", ["(2 over DoT)"])
    expect_verdict(v, out, "authenticated", "PASS")
    expect(rc == 0, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "dot.dsc.", anchor="dot-wrong-pin")
    expect_verdict(v, out, "servers", "FAIL", ["ns1.dot.dsc.", "ns2.dot.dsc.", "matches no tls_pin", "not asked in plain"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "dot.dsc.", anchor="dot-one-server")
    expect_verdict(v, out, "servers", "FAIL", ["strict DoT to ns2.dot.dsc. (", "matches no tls_pin"])
    expect("strict DoT to ns1" not in v["servers"][1], "ns1 was strict too:\n" + out)
    expect(rc == 1, "exit %d:\n%s" % (rc, out))


@test
def dscheck_nsec3_opt_out_parent_and_nsec3_children(dscheck):
    """dsc3. is signed with NSEC3 and opt-out (RFC 5155 §6), its children
    with NSEC3 (RFC 9276: no iterations, no salt). good.dsc3. passes every
    check; none.dsc3. and cdnskeyonly.dsc3. have their empty CDS/CDNSKEY
    answers proven by NSEC3 (RFC 5155 §8.5); bootstrap.dsc3. has no DS and
    no NSEC3 of its own at the parent: its insecure delegation is proven by
    the opt-out span that covers it (RFC 5155 §8.6, §9.2): WARN, not bogus."""
    rc, v, out = ds_check(dscheck, "good.dsc3.")
    for check in ("delegation", "servers", "servers-agree", "request", "cds-cdnskey", "algorithms",
                  "continuity", "authenticated"):
        expect_verdict(v, out, check, "PASS")
    expect(rc == 0, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "none.dsc3.")
    expect_verdict(v, out, "denial", "PASS", ["CDS at ns1.none.dsc3.", "proven by a validated NSEC3"])
    expect_verdict(v, out, "request", "FAIL", ["neither CDS nor CDNSKEY"])
    expect(rc == 1, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "cdnskeyonly.dsc3.")
    expect_verdict(v, out, "denial", "PASS", ["CDS at ns2.cdnskeyonly.dsc3.", "proven by a validated NSEC3"])
    expect_verdict(v, out, "cds-cdnskey", "WARN", ["only CDNSKEY"])
    expect(rc == 0, "exit %d:\n%s" % (rc, out))
    rc, v, out = ds_check(dscheck, "bootstrap.dsc3.")
    expect_verdict(v, out, "continuity", "PASS")
    expect_verdict(v, out, "authenticated", "WARN", ["insecure", "NSEC3 opt-out span"])
    expect(rc == 0, "exit %d:\n%s" % (rc, out))
