"""Queries through `dig` (and `kdig`) subprocesses and a parser of dig's output.

Owns: turning (server, name, type, options) into a parsed Response.
Never: decides what is right; tests do (with the helpers in harness.py).
No dnspython: this parses dig's presentation format, which is stable.
"""
import re
import subprocess

DIG_TIMEOUT_SECONDS = 3      # per try; every server here is on loopback
DIG_TRIES = 2                # one retry absorbs a dropped loopback packet
PROCESS_TIMEOUT_SECONDS = 20

# dig separates header fields with ",", kdig with ";".
_HEADER = re.compile(r"->>HEADER<<- opcode: (\w+)[,;] status: (\w+)[,;] id: (\d+)")
_FLAGS = re.compile(r";; [Ff]lags:([^;]*);")
_EDNS = re.compile(r"; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)")
_EDE = re.compile(r"; EDE: (\d+)(?: \(([^)]*)\))?(?::\s*(.*))?")
_SECTION = re.compile(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:")


class DigError(Exception):
    """dig got no response (timeout, refused connection, bad arguments)."""


class RR:
    def __init__(self, name, ttl, rrclass, rrtype, rdata):
        self.name = name.lower()
        self.ttl = ttl
        self.rrclass = rrclass
        self.type = rrtype
        self.rdata = rdata

    def __repr__(self):
        return "%s %d %s %s" % (self.name, self.ttl, self.type, self.rdata)


class Response:
    """A parsed dig answer. flags: set of lowercase flag names ("qr", "aa",
    "tc", "rd", "ra", "ad", "cd"); sections: lists of RR."""

    def __init__(self, text, argv):
        self.text = text
        self.argv = argv
        self.opcode = self.rcode = None
        self.id = None
        self.flags = set()
        self.edns_udp_size = None
        self.edns_flags = set()
        self.ede = []            # [(code int, name str, extra text str)]
        self.answer, self.authority, self.additional = [], [], []
        self.truncated_retry = ";; Truncated, retrying in TCP mode." in text
        self._parse(text)

    def _parse(self, text):
        section = None
        for line in text.splitlines():
            m = _HEADER.search(line)
            if m:
                self.opcode, self.rcode, self.id = m.group(1), m.group(2), int(m.group(3))
                continue
            m = _FLAGS.search(line)
            if m:
                self.flags = set(m.group(1).split())
                continue
            m = _EDNS.search(line)
            if m:
                self.edns_flags = set(m.group(2).split())
                self.edns_udp_size = int(m.group(3))
                continue
            m = _EDE.match(line)
            if m:
                self.ede.append((int(m.group(1)), m.group(2) or "", m.group(3) or ""))
                continue
            m = _SECTION.match(line)
            if m:
                section = getattr(self, m.group(1).lower())
                continue
            if not line.strip():
                section = None
                continue
            if line.startswith(";") or section is None:
                continue
            f = line.split(None, 4)
            if len(f) >= 4 and f[1].isdigit():
                section.append(RR(f[0], int(f[1]), f[2], f[3], f[4] if len(f) > 4 else ""))

    # -- convenient views ---------------------------------------------------
    @property
    def ad(self):
        return "ad" in self.flags

    @property
    def aa(self):
        return "aa" in self.flags

    @property
    def tc(self):
        return "tc" in self.flags

    def rrs(self, rrtype, section="answer"):
        return [r for r in getattr(self, section) if r.type == rrtype]

    def rdatas(self, rrtype, section="answer"):
        """Sorted rdata strings of one type, e.g. ["192.0.2.1"]."""
        return sorted(r.rdata for r in self.rrs(rrtype, section))

    def summary(self):
        ans = "; ".join("%s %s %s" % (r.name, r.type, r.rdata[:60]) for r in self.answer
                        if r.type != "RRSIG")
        return "%s flags=[%s] ede=%s answer=[%s]" % (
            self.rcode, " ".join(sorted(self.flags)), self.ede, ans)

    def __repr__(self):
        return "<Response %s>" % self.summary()


def dig(server, name, rrtype="A", port=53, *, rd=True, dnssec=True, cd=False,
        tcp=False, bufsize=None, edns=True, ignore_tc=False, extra=(),
        timeout=DIG_TIMEOUT_SECONDS, tries=DIG_TRIES):
    """One query with dig; returns Response or raises DigError.
    ignore_tc=True keeps a truncated UDP answer instead of retrying on TCP."""
    argv = ["dig", "@" + server, "-p", str(port), name, rrtype,
            "+time=%d" % timeout, "+tries=%d" % tries, "+nocmd", "+nottlunits",
            "+rec" if rd else "+norec", "+dnssec" if dnssec else "+nodnssec",
            "+cd" if cd else "+nocd", "+tcp" if tcp else "+notcp"]
    if not edns:
        argv.append("+noedns")
    if bufsize is not None:
        argv.append("+bufsize=%d" % bufsize)
    if ignore_tc:
        argv.append("+ignore")
    argv += list(extra)
    return _run(argv)


def kdig(server, name, rrtype="A", port=53, *, extra=()):
    """kdig for what dig lacks (e.g. +tls); its output format is dig-like."""
    argv = ["kdig", "@" + server, "-p", str(port), name, rrtype] + list(extra)
    return _run(argv)


def _run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=PROCESS_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise DigError("%s: no result within %ds" % (" ".join(argv), PROCESS_TIMEOUT_SECONDS))
    r = Response(p.stdout, argv)
    if p.returncode != 0 or r.rcode is None:
        last = (p.stdout.strip().splitlines() or [p.stderr.strip()])[-1:]
        raise DigError("%s -> exit %d: %s" % (" ".join(argv), p.returncode,
                                               " ".join(last) or p.stderr.strip()))
    return r
