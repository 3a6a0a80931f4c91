"""Issue 18 item 1 on loopback (draft-ietf-deleg-12, draft-ietf-dnsop-delext-11).

1. A parent that serves DELEG records (TYPE61440) from its zone file as
   RFC 3597 unknown-type records, through a DELEG-unaware NSD: sprigd with
   `option deleg` at its default '0' resolves through the NS beside the
   DELEG as before and relays DELEG and DELEGPARAM (TYPE65433) asked by type.
2. `option deleg '1'` end to end against a DELEG-aware parent (a Python
   responder below: no packaged authoritative server speaks DELEG yet): DE
   in every query, the DELEG followed, the NS beside it never asked, DE
   echoed to the client; with '0', no DE and the NS followed.
The rest (unusable DELEG, include-delegparam, limits, the DNSKEY-ADT
type-bitmap check) is covered in virtual time: ResolverTests/
DelegScenarioTests.swift and DelegADTTests.swift.
"""
from harness import expect, expect_answer, expect_rcode, test
import dig
import servers
from tests_sprigd import ready

DELEG_RDATA = "\\# 8 00010004C0000263"          # server-ipv4=192.0.2.99
DELEGPARAM_RDATA = "\\# 23 0004001305706172616D076578616D706C65036E657400"  # include-delegparam=param.example.net.


def generic(rdata):
    """dig's RFC 3597 text, hex upper-cased and spaces dropped, for comparing."""
    return rdata.replace(" ", "").upper()


@test
def nsd_serves_deleg_records_as_unknown_types(zones):
    """The premise: NSD loads TYPE61440/TYPE65433 from the zone file and
    serves them at plain names; at the delegation point the NS occludes the
    DELEG, so NSD (DELEG-unaware, RFC 3597) refers by NS."""
    leaf = zones.servers["leaf"].addr
    r = dig.dig(leaf, "info.deleg.example.", "TYPE61440", rd=False, dnssec=False)
    expect_rcode(r, "NOERROR")
    expect([generic(x) for x in r.rdatas("TYPE61440")] == [generic(DELEG_RDATA)], r.summary())
    r = dig.dig(leaf, "www.child.deleg.example.", "A", rd=False, dnssec=False)
    expect_rcode(r, "NOERROR")
    expect(r.rrs("NS", "authority"), "no NS referral from NSD: %s" % r.summary())
    expect(not r.rrs("TYPE61440", "authority"), "NSD put the DELEG in a referral: %s" % r.summary())


@test
def sprigd_with_deleg_off_resolves_through_the_ns_beside_a_deleg(session, sprigd):
    """A parent whose zone carries DELEG beside NS resolves as before with
    `option deleg` at its default '0'."""
    ready("recursive")(session)
    r = sprigd.query("www.child.deleg.example.", "A")
    expect_rcode(r, "NOERROR")
    expect_answer(r, "A", ["192.0.2.61"])


@test
def sprigd_relays_deleg_and_delegparam_asked_by_type(session, sprigd):
    """QTYPE=DELEG at a plain name and QTYPE=DELEGPARAM (65433): answered
    with the records' bytes unchanged (RFC 3597 relay)."""
    ready("recursive")(session)
    r = sprigd.query("info.deleg.example.", "TYPE61440")
    expect_rcode(r, "NOERROR")
    expect([generic(x) for x in r.rdatas("TYPE61440")] == [generic(DELEG_RDATA)], r.summary())
    r = sprigd.query("params.deleg.example.", "TYPE65433")
    expect_rcode(r, "NOERROR")
    expect([generic(x) for x in r.rdatas("TYPE65433")] == [generic(DELEGPARAM_RDATA)], r.summary())


# ---------------------------------------------------------------------------
# End to end with `option deleg '1'`: a DELEG-aware parent. No packaged
# authoritative server speaks DELEG yet, so the parent is a small Python
# responder (standard library only) acting as draft-ietf-deleg-12 §5.2 and
# delext-11 §4.1 say: to a query with the DE flag a referral carries the
# DELEG RRset and no NS; without DE, NS and glue only. The NS points at
# `legacy`, the DELEG at `modern`: each answers www.dtest. differently.

DELEG_NET_OCTET = 6                    # <net>.6.x: this file's own servers (README address plan)
ROOT_OCTET, MODERN_OCTET, LEGACY_OCTET = 1, 2, 3
ON_OCTET, OFF_OCTET = 10, 11           # the two sprigd, deleg '1' and '0'
ON_PORT, OFF_PORT = 5328, 5329
DE_FLAG = 0x2000                       # EDNS flag bit 2 (delext-11 §5.1)
TYPE_DELEG = 61440


def _name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


class DelegAwareServer(servers.UDPResponder):
    """A UDP authoritative responder. `role` 'root': the root zone with the
    delegation of dtest. (DELEG to modern, NS to legacy); 'child': dtest.
    answering www.dtest. A with `address`. Logs (qname, qtype, DE)."""

    def __init__(self, addr, role, net, address=None):
        self.addr, self.role, self.net, self.address = addr, role, net, address
        self.log = []
        super().__init__(addr, 53)

    def handle(self, data, peer):
        return self.respond(data)

    def respond(self, data):
        import struct
        qid, flags, qd = struct.unpack("!HHH", data[:6])
        i = 12
        labels = []
        while data[i] != 0:
            labels.append(data[i + 1:i + 1 + data[i]].decode().lower())
            i += 1 + data[i]
        qname = ".".join(labels) + "."
        qtype = struct.unpack("!H", data[i + 1:i + 3])[0]
        question = data[12:i + 5]
        de = False
        j = i + 5
        if len(data) >= j + 11 and data[j] == 0 and struct.unpack("!H", data[j + 1:j + 3])[0] == 41:
            de = bool(struct.unpack("!I", data[j + 5:j + 9])[0] & DE_FLAG)
        self.log.append((qname, qtype, de))
        answer, authority, additional, aa, rcode = self.records(qname, qtype, de)
        header = struct.pack("!HHHHHH", qid, 0x8000 | (0x0400 if aa else 0) | rcode, 1,
                             len(answer), len(authority), len(additional) + 1)
        opt = b"\x00" + struct.pack("!HHIH", 41, 1232, DE_FLAG if de else 0, 0)   # DE copied (delext-11 §4)
        return header + question + b"".join(answer + authority + additional) + opt

    @staticmethod
    def rr(owner, rtype, rdata, ttl=300):
        import struct
        return _name(owner) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata

    def soa(self, zone):
        import struct
        return self.rr(zone, 6, _name("ns.root.") + _name("hostmaster.root.") + struct.pack("!IIIII", 1, 3600, 900, 604800, 60))

    def records(self, qname, qtype, de):
        ip = lambda octet: bytes(int(x) for x in ("%s.%d.%d" % (self.net, DELEG_NET_OCTET, octet)).split("."))
        if self.role == "root":
            if qname == "." and qtype == 2:
                return [self.rr(".", 2, _name("ns.root."))], [], [self.rr("ns.root.", 1, ip(ROOT_OCTET))], True, 0
            if qname == "ns.root." and qtype == 1:
                return [self.rr("ns.root.", 1, ip(ROOT_OCTET))], [], [], True, 0
            if qname == "ns.legacy." and qtype == 1:
                return [self.rr("ns.legacy.", 1, ip(LEGACY_OCTET))], [], [], True, 0
            if qname == "dtest." or qname.endswith(".dtest."):
                if de:   # server-ipv4=<modern>: key 1, length 4
                    return [], [self.rr("dtest.", TYPE_DELEG, b"\x00\x01\x00\x04" + ip(MODERN_OCTET))], [], False, 0
                return ([], [self.rr("dtest.", 2, _name("ns.legacy."))],
                        [self.rr("ns.legacy.", 1, ip(LEGACY_OCTET))], False, 0)
            return [], [self.soa(".")], [], True, 3
        if qname == "www.dtest." and qtype == 1:
            return [self.rr("www.dtest.", 1, bytes(int(x) for x in self.address.split(".")))], [], [], True, 0
        if qname in ("dtest.", "www.dtest."):
            return [], [self.soa("dtest.")], [], True, 0
        return [], [self.soa("dtest.")], [], True, 3


def _start_deleg_tree(session):
    import os
    h = session.get("zones")
    net = h.net
    addr = lambda octet: "%s.%d.%d" % (net, DELEG_NET_OCTET, octet)
    servers_ = [DelegAwareServer(addr(ROOT_OCTET), "root", net),
                DelegAwareServer(addr(MODERN_OCTET), "child", net, "192.0.2.182"),
                DelegAwareServer(addr(LEGACY_OCTET), "child", net, "192.0.2.183")]
    hints = os.path.join(session.rundir("deleg-hints"), "root.hints")
    with open(hints, "w") as f:
        f.write(".\t3600000\tNS\tns.root.\nns.root.\t3600000\tA\t%s\n" % addr(ROOT_OCTET))
    return h, servers_, hints, addr


def _deleg_sprigd(session, sprigd_binary, h, hints, addr, octet, port, deleg):
    import servers as servers_module
    from harness import Resolver, _sprigd_main_section
    rundir = session.rundir("sprigd-deleg-%d" % octet)
    text = _sprigd_main_section(addr(octet), port, rundir, "recursive", "debug") + (
        "\toption query_loopback '1'\n\toption root_hints '%s'\n\toption dnssec '0'\n"
        "\toption qname_minimisation '1'\n\toption deleg '%d'\n") % (hints, 1 if deleg else 0)
    p = servers_module.start_sprigd(sprigd_binary, text, rundir, name="sprigd-deleg-%d" % octet)
    return Resolver("sprigd-deleg-%d" % octet, addr(octet), port, p)


@test
def sprigd_with_deleg_on_follows_a_deleg_referral_and_ignores_its_ns(session, sprigd_binary, zones):
    """`option deleg '1'` end to end: DE in every query sprigd sends, the
    parent's DELEG followed to its server, the NS target never asked, DE
    echoed to a client that set it. With '0': no DE, the NS followed."""
    ready("recursive")(session)
    h, fakes, hints, addr = _start_deleg_tree(session)
    on = off = None
    try:
        on = _deleg_sprigd(session, sprigd_binary, h, hints, addr, ON_OCTET, ON_PORT, True)
        r = on.query("www.dtest.", "A", dnssec=False, extra=("+ednsflags=0x2000",))
        expect_rcode(r, "NOERROR")
        expect_answer(r, "A", ["192.0.2.182"])
        root, modern, legacy = fakes
        expect(root.log and all(de for _, _, de in root.log), "a query to the parent without DE: %s" % root.log)
        expect(modern.log and all(de for _, _, de in modern.log), "a query to the DELEG server without DE: %s" % modern.log)
        expect(not legacy.log, "the NS beside the DELEG was followed: %s" % legacy.log)
        edns_line = [l for l in r.text.lower().splitlines() if "edns:" in l]
        expect(edns_line and ("mbz: 0x2000" in edns_line[0] or " de" in edns_line[0].split("udp")[0]),
               "DE not echoed to the client:\n%s" % r.text)
        on.stop()
        on = None
        root.log.clear()
        off = _deleg_sprigd(session, sprigd_binary, h, hints, addr, OFF_OCTET, OFF_PORT, False)
        r = off.query("www.dtest.", "A", dnssec=False)
        expect_rcode(r, "NOERROR")
        expect_answer(r, "A", ["192.0.2.183"])
        expect(root.log and not any(de for _, _, de in root.log), "DE sent with deleg '0': %s" % root.log)
    finally:
        for s in (on, off):
            if s:
                s.stop()
        for f in fakes:
            f.stop()
