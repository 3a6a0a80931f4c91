#!/usr/bin/env python3
"""Compile Config/root.hints + Config/root.key into Sources/Hints/RootTables.swift.

The output is a Sprig hint table (format: Sources/Hints/HintTableFormat.swift)
as a Swift `[UInt8]` literal; optimised Embedded builds keep it in read-only
data. Canonical form, identical to HintTableBuilder: names lowercased, servers
in the order of their NS records, each server's IPv4 then IPv6 addresses in
file order, duplicates dropped, anchors in file order.

Usage: gen-root-tables.py [--check] [HINTS KEY OUT]   (`make gen-root-tables`)
--check exits 1 if OUT differs from what would be written.
"""
import base64
import ipaddress
import re
import struct
import sys
import zlib

SERVERS_MAX = 32      # HintLimits.serversPerDomainMax
ADDRESSES_MAX = 4     # HintLimits.addressesPerServerMax
DIGEST_BYTES = {1: 20, 2: 32, 4: 48}


def records(path):
    """(line number, owner, type, rdata fields) for each record line."""
    for number, raw in enumerate(open(path, encoding="ascii"), 1):
        fields = raw.split(";", 1)[0].split()
        if not fields or fields[0].upper() == "$TTL":
            continue
        if fields[0].startswith("$") or "(" in raw.split(";", 1)[0]:
            sys.exit(f"{path}:{number}: unsupported syntax for the generator")
        owner, rest = fields[0], fields[1:]
        while rest and (rest[0].isdigit() or rest[0].upper() == "IN"):
            rest = rest[1:]
        if not rest:
            sys.exit(f"{path}:{number}: no record type")
        yield number, owner, rest[0].upper(), rest[1:]


def wire_name(text):
    text = text.lower().rstrip(".")
    out = b""
    for label in text.split(".") if text else []:
        if not re.fullmatch(r"[a-z0-9_-]{1,63}", label):
            sys.exit(f"name {text!r}: the generator accepts plain LDH labels only")
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def parse_hints(path):
    servers, glue = [], []
    for number, owner, rtype, data in records(path):
        if rtype == "NS":
            if owner != ".":
                sys.exit(f"{path}:{number}: NS owner must be '.'")
            name = wire_name(data[0])
            if all(s[0] != name for s in servers):
                servers.append((name, []))
        elif rtype in ("A", "AAAA"):
            address = ipaddress.ip_address(data[0])
            if address.version != (4 if rtype == "A" else 6):
                sys.exit(f"{path}:{number}: address family does not match {rtype}")
            glue.append((number, wire_name(owner), address))
        else:
            sys.exit(f"{path}:{number}: unexpected type {rtype}")
    for number, name, address in glue:
        match = [s for s in servers if s[0] == name]
        if not match:
            sys.exit(f"{path}:{number}: address for a name that is not a listed nameserver")
        if address not in match[0][1]:
            match[0][1].append(address)
    if not servers or len(servers) > SERVERS_MAX:
        sys.exit(f"{path}: {len(servers)} nameservers")
    for name, addresses in servers:
        if not addresses or len(addresses) > ADDRESSES_MAX:
            sys.exit(f"{path}: a nameserver has {len(addresses)} addresses")
    return servers


def parse_anchors(path):
    anchors = []
    for number, owner, rtype, data in records(path):
        if owner != ".":
            sys.exit(f"{path}:{number}: anchor owner must be '.'")
        if rtype == "DS":
            tag, alg, dtype, digest = int(data[0]), int(data[1]), int(data[2]), bytes.fromhex("".join(data[3:]))
            if DIGEST_BYTES.get(dtype) != len(digest):
                sys.exit(f"{path}:{number}: digest length does not match digest type")
            rdata = struct.pack(">HBB", tag, alg, dtype) + digest
            anchors.append((43, rdata))
        elif rtype == "DNSKEY":
            flags, proto, alg = int(data[0]), int(data[1]), int(data[2])
            rdata = struct.pack(">HBB", flags, proto, alg) + base64.b64decode("".join(data[3:]))
            anchors.append((48, rdata))
        else:
            sys.exit(f"{path}:{number}: unexpected type {rtype}")
    if not anchors:
        sys.exit(f"{path}: no trust anchors")
    return list(dict.fromkeys(anchors))


def table(servers, anchors):
    body = wire_name(".") + bytes([len(servers), len(anchors)])
    for name, addresses in servers:
        v4 = [a for a in addresses if a.version == 4]
        v6 = [a for a in addresses if a.version == 6]
        body += name + bytes([len(v4), len(v6)]) + b"".join(a.packed for a in v4 + v6)
    for rtype, rdata in anchors:
        body += struct.pack(">HH", rtype, len(rdata)) + rdata
    total = 16 + len(body)
    header = b"SPHT" + bytes([1, 0]) + struct.pack(">HII", 1, total, zlib.crc32(body))
    return header + body


def hints_version(path):
    match = re.search(r"related version of root zone:\s*(\d+)", open(path, encoding="ascii").read())
    return match.group(1) if match else "unknown"


def swift_source(data, hints_path, key_path, servers, anchors):
    tags = ", ".join(str(struct.unpack(">H", r[:2])[0]) for t, r in anchors if t == 43)
    lines = [
        "// GENERATED by Board/gen-root-tables.py (`make gen-root-tables`); do not edit.",
        f"// From {hints_path} (root zone version {hints_version(hints_path)}: {len(servers)} servers)",
        f"// and {key_path} (DS key tags {tags}). Format: HintTableFormat.swift.",
        "",
        "public enum RootTables {",
        f"    public static let byteCount = {len(data)}",
        f"    public static let checksum: UInt32 = 0x{zlib.crc32(data[16:]):08X}",
        "    /// The root hint table; optimised builds keep it in read-only data.",
        "    public static let bytes: [UInt8] = [",
    ]
    for i in range(0, len(data), 16):
        lines.append("        " + " ".join(f"0x{b:02X}," for b in data[i:i + 16]))
    lines += ["    ]", "}", ""]
    return "\n".join(lines)


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    hints, key, out = args if args else ("Config/root.hints", "Config/root.key", "Sources/Hints/RootTables.swift")
    servers, anchors = parse_hints(hints), parse_anchors(key)
    source = swift_source(table(servers, anchors), hints, key, servers, anchors)
    if check:
        current = open(out, encoding="ascii").read() if __import__("os").path.exists(out) else ""
        if current != source:
            sys.exit(f"{out} is out of date: run `make gen-root-tables`")
        print(f"{out} is up to date")
        return
    with open(out, "w", encoding="ascii") as f:
        f.write(source)
    print(f"wrote {out}: {len(servers)} servers, {len(anchors)} anchors")


if __name__ == "__main__":
    main(sys.argv[1:])
