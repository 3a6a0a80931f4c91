"""IPv6 end to end (issue 20 item 4).

- sprigd answers on `[::1]` over UDP and TCP;
- a wildcard listener (`0.0.0.0`, `[::]`) answers from the address the
  query was sent to (IP_PKTINFO, RFC 3542 §6 IPV6_PKTINFO): without it the
  kernel picks the source, and a client drops the answer (RFC 1035 §7.3:
  match the server's address);
- recursion over IPv6 to authoritative servers: a small hierarchy of its
  own, whose TLD `v6test.` has only an IPv6 nameserver (BIND, query log on
  a ULA address in the test's private namespace) and `v4test.` only IPv4
  (NSD), under a root on IPv4;
- `do_ip6 '0'`: not one query goes to the IPv6 server, `www.v6test.` fails
  and `www.v4test.` resolves.

Gate: sprigd recursive mode; the private network namespace (netns.sh),
where the test adds its fd53:: addresses to lo.
"""
import os
import socket
import struct
import subprocess

from harness import Resolver, Skip, expect, expect_rcode, test
from tests_hostile import build_query
from tests_router_policies import needs
import servers

SPRIGD_PORT = 5338
V4_NET_OCTET = 5                     # <net>.5.x: this file's own servers
ROOT_OCTET, V4TLD_OCTET = 1, 2
V6_ROOT = "fd53::1"                  # unused here; the plan's first address
V6_TLD = "fd53::2"                   # BIND, v6test.
V6_LISTEN = "fd53::38"               # sprigd's wildcard test
V4_LISTEN_OCTET = 38


def in_private_namespace():
    if not os.environ.get("SPRIG_IT_IN_NETNS"):
        raise Skip("needs the private network namespace (netns.sh): adds fd53:: addresses to lo")


def add_v6(addr):
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", "lo"], capture_output=True, text=True).stdout
    if (" %s/" % addr) not in out:
        subprocess.run(["ip", "-6", "addr", "add", addr + "/128", "dev", "lo", "nodad"], check=True)


def write_zone(path, origin, lines):
    with open(path, "w") as f:
        f.write("$ORIGIN %s\n$TTL 300\n@ IN SOA ns.%s hostmaster.%s 1 3600 900 604800 300\n" % (
            origin, origin if origin != "." else "root-v6.", origin if origin != "." else "root-v6."))
        f.write("\n".join(lines) + "\n")


def v6_hierarchy(session):
    """Root (NSD, IPv4) delegating v4test. (NSD, IPv4) and v6test. (BIND,
    IPv6 only). Returns (root hints path, BIND process)."""
    if "v6_hierarchy" in session.values:
        return session.values["v6_hierarchy"]
    h = session.get("hierarchy")
    rundir = session.rundir("v6-hierarchy")
    root_addr = "%s.%d.%d" % (h.net, V4_NET_OCTET, ROOT_OCTET)
    v4_addr = "%s.%d.%d" % (h.net, V4_NET_OCTET, V4TLD_OCTET)
    add_v6(V6_TLD)
    root = os.path.join(rundir, "root.zone")
    write_zone(root, ".", ["@ IN NS a.root-v6.", "a.root-v6. IN A %s" % root_addr,
                           "v4test. IN NS ns.v4test.", "ns.v4test. IN A %s" % v4_addr,
                           "v6test. IN NS ns.v6test.", "ns.v6test. IN AAAA %s" % V6_TLD])
    v4 = os.path.join(rundir, "v4test.zone")
    write_zone(v4, "v4test.", ["@ IN NS ns", "ns IN A %s" % v4_addr, "www IN A 192.0.2.104"])
    v6 = os.path.join(rundir, "v6test.zone")
    write_zone(v6, "v6test.", ["@ IN NS ns", "ns IN AAAA %s" % V6_TLD, "www IN A 192.0.2.106",
                               "www IN AAAA 2001:db8::106"])
    servers.start_nsd(os.path.join(rundir, "nsd-root"), "nsd-v6-root", root_addr, [(".", root)])
    servers.start_nsd(os.path.join(rundir, "nsd-v4test"), "nsd-v4test", v4_addr, [("v4test.", v4)])
    bind = servers.start_bind(os.path.join(rundir, "bind-v6test"), "bind-v6test", V6_TLD, [("v6test.", v6)])
    hints = os.path.join(rundir, "root.hints")
    with open(hints, "w") as f:
        f.write(". 3600000 NS a.root-v6.\na.root-v6. 3600000 A %s\n" % root_addr)
    session.values["v6_hierarchy"] = (hints, bind)
    return hints, bind


def sprigd_text(rundir, listens, hints, lines=()):
    return ("config sprig 'main'\n" + "".join("\tlist listen '%s'\n" % l for l in listens)
            + "\toption mode 'recursive'\n\toption user ''\n\toption log_level 'debug'\n"
            "\toption dnssec '0'\n\toption query_loopback '1'\n"
            "\toption state_dir '%s'\n\toption control_socket '%s/sprig.sock'\n"
            "\toption root_hints '%s'\n" % (rundir, rundir, hints) + "".join("\t%s\n" % l for l in lines))


def bind_queries(bind):
    """Queries BIND's query log holds (named -g: in its Process log)."""
    with open(bind.log_path, "rb") as f:
        return sum(1 for line in f.read().decode(errors="replace").splitlines() if "query: " in line)


@test
def recursion_over_ipv6_to_an_ipv6_only_nameserver_and_do_ip6_0(session):
    """A TLD whose only nameserver has only an AAAA record resolves through
    sprigd (queries seen in BIND's log, from an IPv6 source), and with
    `do_ip6 '0'` sprigd sends it nothing: SERVFAIL there, IPv4 names fine."""
    needs(session)
    in_private_namespace()
    hints, bind = v6_hierarchy(session)
    h = session.get("hierarchy")
    addr = "%s.1.%d" % (h.net, 39)
    for do_ip6 in ("1", "0"):
        name = "sprigd-v6-do-ip6-%s" % do_ip6
        rundir = session.rundir(name)
        p = servers.start_sprigd(session.get("sprigd_binary"),
                                 sprigd_text(rundir, ["%s:%d" % (addr, SPRIGD_PORT)], hints,
                                             ["option do_ip6 '%s'" % do_ip6]), rundir, name=name)
        r = Resolver(name, addr, SPRIGD_PORT, p)
        before = bind_queries(bind)
        v6 = r.query("www.v6test.", "A", dnssec=False)
        v4 = r.query("www.v4test.", "A", dnssec=False)
        after = bind_queries(bind)
        expect_rcode(v4, "NOERROR")
        expect("192.0.2.104" in v4.text, "www.v4test.: %s" % v4.summary())
        if do_ip6 == "1":
            expect_rcode(v6, "NOERROR")
            expect("192.0.2.106" in v6.text, "www.v6test. over IPv6: %s" % v6.summary())
            expect(after > before, "BIND on %s logged no query" % V6_TLD)
        else:
            expect_rcode(v6, "SERVFAIL")
            expect(after == before, "do_ip6 '0': %d queries reached the IPv6-only server" % (after - before))
        p.stop()


@test
def listeners_on_ipv6_loopback_answer_over_udp_and_tcp(session):
    """`[::1]:port` listens (UDP and TCP); dig over both gets the answer."""
    needs(session)
    in_private_namespace()
    hints, _ = v6_hierarchy(session)
    rundir = session.rundir("sprigd-v6-listen")
    p = servers.start_sprigd(session.get("sprigd_binary"),
                             sprigd_text(rundir, ["[::1]:%d" % SPRIGD_PORT], hints), rundir, name="sprigd-v6-listen")
    for tcp in (False, True):
        out = subprocess.run(["dig", "@::1", "-p", str(SPRIGD_PORT), "www.v4test.", "A", "+time=3", "+tries=2",
                              "+short"] + (["+tcp"] if tcp else []), capture_output=True, text=True, timeout=20)
        expect(out.stdout.strip() == "192.0.2.104", "dig @::1 (%s): %r %r" % (
            "TCP" if tcp else "UDP", out.stdout, out.stderr))
    p.stop()


def ask_from(family, server, port, qid):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.bind(("::1", 0) if family == socket.AF_INET6 else ("127.0.0.1", 0))
        s.sendto(build_query(qid, "www.v4test.", 1, edns=False), (server, port))
        data, source = s.recvfrom(4096)
        return data, source[0]
    finally:
        s.close()


@test
def wildcard_listener_answers_from_the_address_asked(session):
    """`0.0.0.0` and `[::]` listeners: a query sent to 127.53.1.38 (or
    fd53::38) from 127.0.0.1 (or ::1) is answered from 127.53.1.38 (or
    fd53::38), not from the address the kernel would pick (RFC 3542 §6.1)."""
    needs(session)
    in_private_namespace()
    hints, _ = v6_hierarchy(session)
    h = session.get("hierarchy")
    v4 = "%s.1.%d" % (h.net, V4_LISTEN_OCTET)
    add_v6(V6_LISTEN)
    rundir = session.rundir("sprigd-wildcard")
    p = servers.start_sprigd(session.get("sprigd_binary"),
                             sprigd_text(rundir, ["0.0.0.0:%d" % SPRIGD_PORT, "[::]:%d" % SPRIGD_PORT], hints),
                             rundir, name="sprigd-wildcard")
    for family, server in ((socket.AF_INET, v4), (socket.AF_INET6, V6_LISTEN), (socket.AF_INET, "127.0.0.1")):
        data, source = ask_from(family, server, SPRIGD_PORT, 0x5338)
        expect(source == server, "asked %s, answered from %s" % (server, source))
        expect(struct.unpack(">H", data[:2])[0] == 0x5338 and data[3] & 0x0f == 0,
               "asked %s: not a NOERROR answer: %s" % (server, data[:12].hex()))
    # dig checks the source too ("reply from unexpected source").
    out = subprocess.run(["dig", "@" + V6_LISTEN, "-p", str(SPRIGD_PORT), "www.v4test.", "+short", "+time=3",
                          "+tries=1"], capture_output=True, text=True, timeout=20)
    expect(out.stdout.strip() == "192.0.2.104", "dig @%s: %r" % (V6_LISTEN, out.stdout + out.stderr))
    p.stop()
