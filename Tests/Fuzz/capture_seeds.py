#!/usr/bin/env python3
"""Captures real DNS responses as seeds for the message fuzzer.

    Tests/Integration/netns.sh python3 Tests/Fuzz/capture_seeds.py [--out DIR]

Starts the integration tests' signed hierarchy on loopback (NSD, as
Tests/Integration/hierarchy.py builds it: ECDSA, RSA, Ed25519 and Ed448 keys,
NSEC and NSEC3 with opt-out, wildcards, CNAME and DNAME, a big TXT, DELEG
records as unknown types) and a validating Unbound in front of it. Asks each
zone's server, with DO and without RD, for the zone's apex records, its
records, names that do not exist (NSEC/NSEC3 denials), wildcard answers and
the referrals below it; asks Unbound the same questions with RD (recursive
answers, CNAME chains across zones, SERVFAIL with EDE). A response truncated
over UDP is asked again over TCP. Every response is written as it came off
the wire to DIR (default Tests/Fuzz/corpus/FuzzMessage), one per shape
(flags, rcode and the record types of each section: the fuzzer mutates the
rest), named `capture-<server>-<qname>-<type>`, replacing earlier captures
(keys and signatures change at every run; the shapes do not).

Needs root (the servers bind port 53 on 127.53.x) and the packages of
Tests/tools/deps.sh; run it when the hierarchy gains a shape worth fuzzing.
"""
import argparse
import glob
import os
import random
import shutil
import socket
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Integration"))
sys.dont_write_bytecode = True

import harness  # noqa: E402
import servers  # noqa: E402

TYPES = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "DS": 43,
         "NSEC3PARAM": 51, "DNSKEY": 48, "ANY": 255, "DELEG": 61440}
UDP_PAYLOAD = 1232          # RFC 9715's recommendation, what sprigd offers
TIMEOUT_SECONDS = 2
SEED_BYTES_MAX = 65535      # the fuzzer's -max_len


def query(qname, qtype, rd):
    """A query with EDNS (DO set), in wire form."""
    flags = 0x0100 if rd else 0
    wire = struct.pack("!HHHHHH", random.randrange(1 << 16), flags, 1, 0, 0, 1)
    for label in qname.rstrip(".").split("."):
        if label:
            wire += bytes([len(label)]) + label.encode()
    wire += b"\x00" + struct.pack("!HH", qtype, 1)
    return wire + b"\x00" + struct.pack("!HHIH", 41, UDP_PAYLOAD, 0x8000, 0)


def ask(addr, port, message):
    """The response over UDP, or over TCP when it came truncated; None on silence."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(TIMEOUT_SECONDS)
        try:
            s.sendto(message, (addr, port))
            data, _ = s.recvfrom(65535)
        except OSError:
            return None
    if len(data) < 12 or not data[2] & 0x02:
        return data
    with socket.create_connection((addr, port), timeout=TIMEOUT_SECONDS) as t:
        t.sendall(struct.pack("!H", len(message)) + message)
        length = b""
        while len(length) < 2:
            chunk = t.recv(2 - len(length))
            if not chunk:
                return data
            length += chunk
        want = struct.unpack("!H", length)[0]
        body = b""
        while len(body) < want:
            chunk = t.recv(want - len(body))
            if not chunk:
                return data
            body += chunk
        return body


def skip_name(data, at):
    """The offset after the name at `at` (a pointer ends it)."""
    while at < len(data):
        length = data[at]
        if length & 0xC0 == 0xC0:
            return at + 2
        at += 1 + length
        if length == 0:
            return at
    return len(data)


def shape(data):
    """What makes a response different for the parser: flags, rcode and the
    types in each section, in order (the names, keys and signatures not)."""
    counts = struct.unpack("!HHHH", data[4:12])
    at = skip_name(data, 12) + 4
    sections = []
    for count in counts[1:]:
        types = []
        for _ in range(count):
            at = skip_name(data, at)
            if at + 10 > len(data):
                break
            rrtype, _, _, rdlength = struct.unpack("!HHIH", data[at:at + 10])
            types.append(rrtype)
            at += 10 + rdlength
        sections.append(tuple(types))
    return (data[2] & 0x87, data[3] & 0x0F, tuple(sections))


def questions(hierarchy, zone):
    """(qname, type) pairs for `zone`: apex, each record, denials, referrals."""
    apex = zone.name
    out = [(apex, "SOA"), (apex, "NS"), (apex, "DNSKEY"), (apex, "NSEC3PARAM"), (apex, "ANY")]
    for record in zone.records:
        owner, rrtype = record.split()[:2]
        name = owner.replace("*", "any") + "." + (apex if apex != "." else "")
        if rrtype.startswith("TYPE"):
            rrtype = "DELEG" if rrtype == "TYPE61440" else "A"
        out.append((name, rrtype if rrtype in TYPES else "A"))
    out += [("no-such-name." + apex.lstrip("."), "A"), (apex, "MX")]
    for child in hierarchy.order:
        if child != apex and hierarchy.zones[child].server and child.endswith(apex) \
                and child.count(".") == apex.count(".") + 1 - (apex == "."):
            out += [("www." + child, "A"), (child, "DS")]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus", "FuzzMessage"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("capture_seeds needs root: NSD and Unbound bind port 53 on 127.53.x")
    random.seed(53)
    args.sprigd = None
    args.sprigd_ready = set()
    servers.install_cleanup()
    workdir = tempfile.mkdtemp(prefix="sprig-capture-")
    session = harness.Session(workdir, args)
    captured = {}
    shapes = set()
    try:
        h = session.get("hierarchy")
        resolver = session.get("unbound")
        for zone_name in h.order:
            zone = h.zones[zone_name]
            addr = h.server_addr_for(zone_name)
            for qname, rrtype in questions(h, zone):
                label = (qname.rstrip(".") or "root") + "-" + rrtype
                for who, a, port, rd in ((zone.server, addr, 53, False),
                                         ("resolver", resolver.addr, resolver.port, True)):
                    key = "capture-%s-%s" % (who, label)
                    if key in captured:
                        continue
                    data = ask(a, port, query(qname, TYPES[rrtype], rd))
                    if data is None or not 12 <= len(data) <= SEED_BYTES_MAX or shape(data) in shapes:
                        continue    # one seed per shape: the fuzzer mutates the rest
                    shapes.add(shape(data))
                    captured[key] = data
    finally:
        servers.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    if not captured:
        raise SystemExit("capture_seeds: no server answered")
    os.makedirs(args.out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "capture-*")):
        os.remove(old)
    for key, data in sorted(captured.items()):
        with open(os.path.join(args.out, key.replace("/", "_")), "wb") as f:
            f.write(data)
    print("capture_seeds: %d responses in %s" % (len(captured), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
