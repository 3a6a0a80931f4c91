"""The test DNS hierarchy: zone plan, zone files, DNSSEC signing.

Owns: which zones exist, on which loopback address each is served, their
records, their keys and signatures, the root hints and the root trust anchor.
Never: starts processes (servers.py does that) or queries anything.

Everything is generated fresh into a work directory on every run; nothing
is read from or written to the system's DNS configuration.
"""
import os
import subprocess
import time

# Authoritative servers listen on port 53 by default: a resolver following a
# referral learns addresses, never ports, so iteration only works on 53.
# Another port (SPRIG_IT_AUTH_PORT) suits direct-to-NSD tests only.
AUTH_PORT = int(os.environ.get("SPRIG_IT_AUTH_PORT", "53"))
DEFAULT_NET = os.environ.get("SPRIG_IT_NET", "127.53")  # first two octets
ZONE_TTL_SECONDS = 3600
BIG_TXT_STRING_COUNT = 12    # 12 x 200 bytes > 1232: forces TC over UDP
BIG_TXT_STRING_BYTES = 200
SIGNATURE_VALIDITY_SECONDS = 14 * 86400
CLOCK_SKEW_MARGIN_SECONDS = 3600   # inception in the past: tolerate skew
UNKNOWN_DS_ALGORITHM = 253         # PRIVATEDNS: no resolver can validate it
DEAD_ADDR_OCTET = 99               # <net>.0.99: a nameserver address where nothing listens
UNKNOWN_DS_DIGEST_TYPE = 200       # unassigned (IANA DS digest types): no resolver has it


class Server:
    """One authoritative server: a loopback address, the zones it serves, and
    the software that serves them (NSD, or BIND for what NSD does not show)."""

    def __init__(self, key, last_octet, zones, role, software="nsd"):
        self.key = key            # short id, e.g. "root"
        self.last_octet = last_octet
        self.zones = zones        # zone names (absolute, trailing dot)
        self.role = role
        self.software = software  # nsd | bind
        self.addr = None          # filled in by Hierarchy


class Zone:
    """One zone: records (relative to the zone), signing, and how its parent
    delegates to it."""

    def __init__(self, name, server, algorithm=13, records=(), nsec3=False,
                 opt_out=False, expired=False, ds="valid", ns_names=None,
                 ns_addrs=None, purpose="", key_bits=None, signed=True):
        self.name = name
        self.server = server        # Server.key
        self.algorithm = algorithm  # None = unsigned
        self.records = list(records)
        self.nsec3 = nsec3
        self.opt_out = opt_out
        self.expired = expired
        self.ds = ds                # valid | none | mismatch | unknown-alg | unknown-digest
        self.key_bits = key_bits    # RSA modulus size (None: 2048)
        self.signed = signed        # False: a key (and DS) exists, the zone is served unsigned
        self.ns_names = ns_names    # None = ["ns.<zone>"] with glue
        # NS name -> address where it is not the zone's server (DEAD_ADDR_OCTET:
        # nothing listens there). An NS name outside the zone but inside the
        # parent gets its address as sibling glue in the parent (RFC 9471).
        self.ns_addrs = dict(ns_addrs or {})
        self.purpose = purpose
        self.key_base = None        # path of the key without extension
        self.ds_records = []        # DS lines for the parent, as published
        self.zonefile = None        # signed (or plain) file NSD serves


# Address plan, last octet of <net>.0.X (resolvers live on <net>.1.X).
SERVERS = [
    Server("root", 1, ["."], "root zone"),
    Server("tld", 2, ["example.", "sib."], "TLDs example. and sib. (sib.'s server is named under example.)"),
    Server("leaf", 3, ["a.example.", "b.example.", "deleg.example."],
           "leaf zones; b.example. has an out-of-zone NS; deleg.example. holds DELEG records as unknown types"),
    Server("deep1", 4, ["z.a.example.", "child.deleg.example."], "deep delegation, level 1; the DELEG test's child"),
    Server("deep2", 5, ["y.z.a.example."], "deep delegation, level 2"),
    Server("deep3", 6, ["x.y.z.a.example."], "deep delegation, level 3"),
    Server("dnssec", 7, ["ecdsa.example.", "rsa.example.", "ed25519.example.",
                         "ed448.example.", "nsec3.example.", "insecure.example.",
                         "bogus-ds.example.", "expired.example.",
                         "unknown-alg.example.", "unknown-digest.example.",
                         "unsigned-alg.example.", "rsa512.example.", "deadlive.example.",
                         "dane.example.", "dane-ta.example."],
           "DNSSEC variants; the live half of deadlive; dane. (NS ns.rsa.example., whose TLSA is signed)"),
    Server("optout", 8, ["unsigned.nsec3.example."], "insecure child under NSEC3 opt-out"),
    # BIND answers FORMERR *with an OPT* to meta-type questions (TYPE128...):
    # the answer that turned EDNS off in issue 19. Started by the `bind`
    # fixture, for the tests that ask names there.
    Server("bind", 9, ["bind9.example."], "BIND 9.18: signed zone; FORMERR with OPT to meta-types",
           software="bind"),
    # A Python server that misbehaves on purpose (fault_server.py), started
    # by the `faults` fixture for tests_faults.py.
    Server("faults", 60, ["faults.example."], "fault injection: slow, garbage, wrong ID/port, TC, cut TCP, dead",
           software="fault"),
]

# Resolvers (last octet of <net>.1.X); sprigd gets <net>.1.10 and up.
RESOLVER_OCTETS = {"unbound": 1, "unbound_forwarder": 2, "dnsmasq": 3, "unbound_iterator": 4,
                   "sprigd": 10}


def big_txt_rdata():
    chunk = "x" * (BIG_TXT_STRING_BYTES - 4)
    return " ".join('"%02d: %s"' % (i, chunk) for i in range(BIG_TXT_STRING_COUNT))


def zone_plan():
    """The zones, parents before children."""
    return [
        Zone(".", "root", purpose="root; DS of its key is the trust anchor"),
        Zone("example.", "tld", records=[
            "a.root-servers A {root}",
        ], purpose="TLD; holds every delegation below"),
        Zone("a.example.", "leaf", records=[
            "www A 192.0.2.1",
            "www AAAA 2001:db8::1",
            "nodata A 192.0.2.2",
            "mx MX 10 www.a.example.",
            "*.wild A 192.0.2.3",
            "*.wild TXT \"wildcard\"",
            "big TXT " + big_txt_rdata(),
            "cname CNAME c1.b.example.",
            "deepcname CNAME host.x.y.z.a.example.",
            "loop1 CNAME loop2.a.example.",
            "loop2 CNAME loop1.a.example.",
            "dname DNAME b.example.",
            "gone CNAME nothere.b.example.",
        ], purpose="in-bailiwick delegation with glue; wildcard, NODATA, big TXT, CNAMEs, DNAME"),
        Zone("b.example.", "leaf", ns_names=["ns.a.example."], records=[
            "www A 192.0.2.20",
            "c1 CNAME www.ecdsa.example.",
        ], purpose="delegation whose NS (ns.a.example.) is outside the zone: no glue"),
        Zone("sib.", "tld", ns_names=["ns-sib.example."], records=["www A 192.0.2.50"],
             purpose="TLD whose only NS is named under another TLD (example.), which does not publish "
                     "its address: only the root's sibling glue (RFC 9471) reaches it"),
        Zone("deadlive.example.", "dnssec", ns_names=["ns1.deadlive.example.", "ns2.deadlive.example."],
             ns_addrs={"ns1.deadlive.example.": DEAD_ADDR_OCTET}, records=["www A 192.0.2.51"],
             purpose="two servers, the first dead (nothing listens at <net>.0.99): the live one answers"),
        Zone("z.a.example.", "deep1", records=["www A 192.0.2.4"],
             purpose="deep chain level 1"),
        Zone("y.z.a.example.", "deep2", records=["www A 192.0.2.5"],
             purpose="deep chain level 2"),
        Zone("x.y.z.a.example.", "deep3", records=[
            "host A 192.0.2.6",
            "host AAAA 2001:db8::6",
        ], purpose="deep chain level 3"),
        Zone("ecdsa.example.", "dnssec", algorithm=13, records=[
            "www A 192.0.2.13", "www AAAA 2001:db8::13", "*.wild A 192.0.2.113",
        ], purpose="secure, ECDSA P-256 (13)"),
        Zone("rsa.example.", "dnssec", algorithm=8, records=["www A 192.0.2.8"],
             purpose="secure, RSA/SHA-256 (8)"),
        Zone("ed25519.example.", "dnssec", algorithm=15, records=["www A 192.0.2.15"],
             purpose="secure, Ed25519 (15)"),
        Zone("ed448.example.", "dnssec", algorithm=16, records=["www A 192.0.2.16"],
             purpose="Ed448 (16): Sprig treats it as unsupported -> insecure; Unbound validates it"),
        Zone("nsec3.example.", "dnssec", algorithm=13, nsec3=True, opt_out=True, records=[
            "www A 192.0.2.33",
        ], purpose="NSEC3 with opt-out; unsigned.nsec3.example. is an opted-out insecure child"),
        Zone("unsigned.nsec3.example.", "optout", algorithm=None, ds="none",
             records=["www A 192.0.2.34"], purpose="unsigned child covered by NSEC3 opt-out"),
        Zone("insecure.example.", "dnssec", algorithm=None, ds="none",
             records=["www A 192.0.2.40"], purpose="unsigned child, no DS: insecure"),
        Zone("bogus-ds.example.", "dnssec", algorithm=13, ds="mismatch",
             records=["www A 192.0.2.41"], purpose="DS in parent does not match the key: bogus"),
        Zone("expired.example.", "dnssec", algorithm=13, expired=True,
             records=["www A 192.0.2.42"], purpose="signatures expired yesterday: bogus"),
        Zone("unknown-alg.example.", "dnssec", algorithm=13, ds="unknown-alg",
             records=["www A 192.0.2.43"],
             purpose="parent DS says algorithm 253 (unsupported everywhere): insecure"),
        Zone("faults.example.", "faults", algorithm=None, ds="none",
             purpose="unsigned, served by fault_server.py: each first label is a fault (tests_faults.py)"),
        Zone("bind9.example.", "bind", algorithm=13, records=[
            "www A 192.0.2.90", "new A 192.0.2.91", "later A 192.0.2.92",
        ], purpose="secure, served by BIND (issue 19: meta-type questions)"),
        Zone("unknown-digest.example.", "dnssec", algorithm=13, ds="unknown-digest",
             records=["www A 192.0.2.44"],
             purpose="parent DS says digest type 200 (unassigned): insecure (RFC 6840 5.2)"),
        Zone("unsigned-alg.example.", "dnssec", algorithm=13, ds="unknown-alg", signed=False,
             records=["www A 192.0.2.45"],
             purpose="DS of algorithm 253 for a zone served unsigned (no DNSKEY): insecure"),
        # draft-ietf-deleg-12 records served by a DELEG-unaware NSD as RFC 3597
        # unknown types (tests_deleg.py): DELEG (TYPE61440) beside the NS of
        # child.deleg.example. (occluded: NSD refers by NS), DELEG and
        # DELEGPARAM (TYPE65433, the draft's temporary code) at plain names.
        Zone("deleg.example.", "leaf", algorithm=None, ds="none", records=[
            "www A 192.0.2.60",
            "child TYPE61440 \\# 8 00010004c0000263",
            "info TYPE61440 \\# 8 00010004c0000263",
            "params TYPE65433 \\# 23 0004001305706172616d076578616d706c65036e657400",
        ], purpose="unsigned; a delegation carrying DELEG (unknown type to NSD) beside its NS"),
        Zone("child.deleg.example.", "deep1", algorithm=None, ds="none", records=["www A 192.0.2.61"],
             purpose="child of deleg.example., delegated by NS (and DELEG, unseen by NSD)"),
        Zone("rsa512.example.", "dnssec", algorithm=8, key_bits=512, records=["www A 192.0.2.9"],
             purpose="secure, RSA/SHA-256 with a 512-bit key (RFC 5702 2.1's floor)"),
        # Seed 004 strict DoT by DANE (tests_dot.py): dane.example.'s only
        # NS name lives in rsa.example., which publishes the signed TLSA
        # of that name's DoT certificate (DANE_NS_NAME, made at build).
        Zone("dane.example.", "dnssec", algorithm=13, ns_names=["ns.rsa.example."], records=["www A 192.0.2.30"],
             purpose="secure; its NS name's DoT key is in a signed TLSA (_853._tcp.ns.rsa.example. 3 1 1)"),
        Zone("dane-ta.example.", "dnssec", algorithm=13, ns_names=["ns.ecdsa.example."], records=["www A 192.0.2.31"],
             purpose="secure; its NS name's DoT CA is in a signed TLSA (_853._tcp.ns.ecdsa.example. 2 0 1)"),
    ]


# The NS name whose DoT certificate the hierarchy makes (self-signed: only
# DANE can authenticate it) and whose TLSA 3 1 1 rsa.example. publishes.
DANE_NS_NAME = "ns.rsa.example."
# The NS name whose DoT certificate comes from a CA of the hierarchy's own
# (no bundle has it), named by a TLSA 2 0 1 in ecdsa.example.
DANE_TA_NS_NAME = "ns.ecdsa.example."


def parent_of(name, zone_names):
    """Closest enclosing zone of `name` among zone_names (excluding itself)."""
    labels = name.rstrip(".").split(".")
    for i in range(1, len(labels) + 1):
        candidate = ".".join(labels[i:]) + "." if i < len(labels) else "."
        if candidate in zone_names:
            return candidate
    return None


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                   p.stderr.strip() or p.stdout.strip()))
    return p.stdout


ALGORITHM_NAMES = {8: "RSASHA256", 13: "ECDSAP256SHA256", 15: "ED25519", 16: "ED448"}


class Hierarchy:
    """Builds zones into `workdir`. After build(): servers have addresses,
    zones have zonefiles, and root_hints_path / trust_anchor_path exist."""

    def __init__(self, workdir, net=DEFAULT_NET):
        self.workdir = workdir
        self.net = net
        self.servers = {s.key: s for s in SERVERS}
        for s in SERVERS:
            s.addr = "%s.0.%d" % (net, s.last_octet)
        self.zones = {z.name: z for z in zone_plan()}
        self.order = [z.name for z in zone_plan()]
        self.zone_dir = os.path.join(workdir, "zones")
        self.key_dir = os.path.join(workdir, "keys")
        self.root_hints_path = os.path.join(workdir, "root.hints")
        self.trust_anchor_path = os.path.join(workdir, "root.ds")
        self.trust_anchor = None  # ". IN DS ..." line

    # -- addresses ---------------------------------------------------------
    def resolver_addr(self, key):
        return "%s.1.%d" % (self.net, RESOLVER_OCTETS[key])

    def server_addr_for(self, zone_name):
        return self.servers[self.zones[zone_name].server].addr

    def ns_addr(self, zone, ns):
        """The address of NS name `ns` of `zone`: its server's, or an override."""
        if ns in zone.ns_addrs:
            return "%s.0.%d" % (self.net, zone.ns_addrs[ns])
        return self.server_addr_for(zone.name)

    def ns_names(self, zone):
        if zone.ns_names:
            return zone.ns_names
        if zone.name == ".":
            return ["a.root-servers.example."]
        return ["ns." + zone.name]

    # -- build -------------------------------------------------------------
    def build(self):
        os.makedirs(self.zone_dir, exist_ok=True)
        os.makedirs(self.key_dir, exist_ok=True)
        for name in self.order:
            zone = self.zones[name]
            if zone.algorithm:
                self.make_key(zone)
        self.make_dane_certificate()
        # Children first so that each parent can carry its children's DS.
        for name in reversed(self.order):
            self.write_and_sign(self.zones[name])
        self.write_root_hints()
        self.write_trust_anchor()
        return self

    def make_key(self, zone):
        cmd = ["ldns-keygen", "-a", ALGORITHM_NAMES[zone.algorithm], "-k"]
        if zone.algorithm == 8:
            cmd += ["-b", str(zone.key_bits or 2048)]
        base = run(cmd + [zone.name], cwd=self.key_dir).strip()
        zone.key_base = os.path.join(self.key_dir, base)
        ds = run(["ldns-key2ds", "-n", "-2", zone.key_base + ".key"]).strip()
        zone.ds_records = [self.published_ds(zone, ds)]

    def make_dane_certificate(self):
        """A self-signed DoT certificate for DANE_NS_NAME, and its TLSA
        (DANE-EE, SPKI, SHA-256: RFC 7671 §5.1) in the name's zone. Only
        in a plan that has that zone (subclasses build smaller ones)."""
        if "rsa.example." not in self.zones:
            return
        self.dane_cert = os.path.join(self.key_dir, "dane-ns.pem")
        self.dane_key = os.path.join(self.key_dir, "dane-ns.key")
        name = DANE_NS_NAME.rstrip(".")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", self.dane_key, "-out", self.dane_cert, "-days", "30", "-subj", "/CN=%s" % name,
             "-addext", "subjectAltName=DNS:%s" % name])
        pub = subprocess.run(["openssl", "x509", "-in", self.dane_cert, "-noout", "-pubkey"],
                             capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                             capture_output=True, check=True).stdout
        import hashlib
        zone = self.zones["rsa.example."]
        zone.records.append("_853._tcp.ns TLSA 3 1 1 %s" % hashlib.sha256(der).hexdigest())
        self.make_dane_ta_certificate()

    def make_dane_ta_certificate(self):
        """DANE-TA (RFC 7671 §5.2): a CA of the hierarchy's own, a leaf for
        DANE_TA_NS_NAME it signs, served with the chain (leaf then CA), and
        TLSA 2 0 1 of the CA certificate in the name's zone."""
        name = DANE_TA_NS_NAME.rstrip(".")
        d = self.key_dir
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        run(["openssl", "req", "-x509"] + ec + ["-keyout", "dane-ta-ca.key", "-out", "dane-ta-ca.pem", "-days", "30",
             "-subj", "/CN=Sprig DANE-TA Test CA"], cwd=d)
        run(["openssl", "req"] + ec + ["-keyout", "dane-ta-leaf.key", "-out", "dane-ta-leaf.csr", "-subj", "/CN=%s" % name],
            cwd=d)
        with open(os.path.join(d, "dane-ta-leaf.cnf"), "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n" % name)
        run(["openssl", "x509", "-req", "-in", "dane-ta-leaf.csr", "-CA", "dane-ta-ca.pem", "-CAkey", "dane-ta-ca.key",
             "-CAcreateserial", "-out", "dane-ta-leaf.pem", "-days", "30", "-extfile", "dane-ta-leaf.cnf"], cwd=d)
        with open(os.path.join(d, "dane-ta-chain.pem"), "w") as out:
            for part in ["dane-ta-leaf.pem", "dane-ta-ca.pem"]:
                with open(os.path.join(d, part)) as f:
                    out.write(f.read())
        self.dane_ta_chain = os.path.join(d, "dane-ta-chain.pem")
        self.dane_ta_key = os.path.join(d, "dane-ta-leaf.key")
        der = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "dane-ta-ca.pem"), "-outform", "der"],
                             capture_output=True, check=True).stdout
        import hashlib
        self.zones["ecdsa.example."].records.append("_853._tcp.ns TLSA 2 0 1 %s" % hashlib.sha256(der).hexdigest())

    @staticmethod
    def published_ds(zone, ds_line):
        """The DS the parent publishes, deliberately broken for bogus tests."""
        f = ds_line.split()
        # owner ttl IN DS keytag alg digesttype digest
        if zone.ds == "mismatch":
            digest = f[7]
            f[7] = ("0" if digest[0] != "0" else "1") + digest[1:]
        elif zone.ds == "unknown-alg":
            f[5] = str(UNKNOWN_DS_ALGORITHM)
        elif zone.ds == "unknown-digest":
            f[6] = str(UNKNOWN_DS_DIGEST_TYPE)
        return " ".join(f)

    def zone_text(self, zone):
        names = set(self.zones)
        lines = ["$ORIGIN %s" % zone.name, "$TTL %d" % ZONE_TTL_SECONDS]
        primary = self.ns_names(zone)[0]
        lines.append("@ IN SOA %s hostmaster.%s 1 3600 900 604800 300" % (
            primary, "example." if zone.name == "." else zone.name))
        for ns in self.ns_names(zone):
            lines.append("@ IN NS %s" % ns)
        for ns in self.ns_names(zone):
            if self.in_zone(ns, zone.name):   # own NS host (glue at the root)
                lines.append("%s IN A %s" % (ns, self.ns_addr(zone, ns)))
        for r in zone.records:
            lines.append(r.format(root=self.servers["root"].addr))
        for child in self.zones.values():
            if child.name == zone.name or parent_of(child.name, names) != zone.name:
                continue
            for ns in self.ns_names(child):
                lines.append("%s IN NS %s" % (child.name, ns))
                if self.in_zone(ns, child.name):   # in-domain glue: needed
                    lines.append("%s IN A %s" % (ns, self.ns_addr(child, ns)))
                elif self.in_zone(ns, zone.name) and parent_of(ns, names) != zone.name:
                    # Sibling glue: the name lies under another delegation
                    # of this zone (occluded here; served as glue only).
                    lines.append("%s IN A %s" % (ns, self.ns_addr(child, ns)))
            if child.algorithm and child.ds != "none":
                lines.extend(child.ds_records)
        unique = list(dict.fromkeys(lines))   # one glue line where two delegations share a name
        return "\n".join(unique) + "\n"

    @staticmethod
    def in_zone(name, zone_name):
        return zone_name == "." or name == zone_name or name.endswith("." + zone_name)

    def file_stem(self, zone):
        return "root" if zone.name == "." else zone.name.rstrip(".")

    def write_and_sign(self, zone):
        plain = os.path.join(self.zone_dir, self.file_stem(zone) + ".zone")
        with open(plain, "w") as f:
            f.write(self.zone_text(zone))
        if not zone.algorithm or not zone.signed:
            zone.zonefile = plain
            return
        now = int(time.time())
        if zone.expired:
            inception, expiration = now - 30 * 86400, now - 86400
        else:
            inception = now - CLOCK_SKEW_MARGIN_SECONDS
            expiration = now + SIGNATURE_VALIDITY_SECONDS
        signed = plain + ".signed"
        cmd = ["ldns-signzone", "-f", signed, "-o", zone.name,
               "-i", str(inception), "-e", str(expiration)]
        if zone.nsec3:
            cmd += ["-n", "-s", "5eed", "-t", "0"]
            if zone.opt_out:
                cmd.append("-p")
        run(cmd + [plain, zone.key_base])
        zone.zonefile = signed

    def write_root_hints(self):
        root = self.servers["root"].addr
        with open(self.root_hints_path, "w") as f:
            f.write("; root hints for the generated test root (named.root format)\n")
            f.write(".                        3600000      NS    A.ROOT-SERVERS.EXAMPLE.\n")
            f.write("A.ROOT-SERVERS.EXAMPLE.  3600000      A     %s\n" % root)

    def write_trust_anchor(self):
        f = self.zones["."].ds_records[0].split()
        self.trust_anchor = ". IN DS %s %s %s %s" % (f[4], f[5], f[6], f[7])
        with open(self.trust_anchor_path, "w") as out:
            out.write(self.trust_anchor + "\n")

    def describe(self):
        """Human-readable address plan and zones (README and --plan)."""
        out = ["Authoritative servers (NSD unless named, port %d):" % AUTH_PORT]
        for s in SERVERS:
            software = "" if s.software == "nsd" else " (%s)" % s.software
            out.append("  %-12s %-10s %s%s" % (s.addr, s.key, " ".join(s.zones), software))
        out.append("Resolvers:")
        for k in RESOLVER_OCTETS:
            out.append("  %-12s %s" % (self.resolver_addr(k), k))
        out.append("Zones:")
        for n in self.order:
            z = self.zones[n]
            alg = "alg %d" % z.algorithm if z.algorithm else "unsigned"
            out.append("  %-26s %-9s %s" % (n, alg, z.purpose))
        return "\n".join(out)
