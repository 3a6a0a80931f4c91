"""DNS over TLS to forwarders (issue 16 item 2; RFC 7858, RFC 8310 §8.1,
RFC 8467 §4.1), end to end: sprigd forwarding over TLS to an Unbound that
serves DoT (tls-service-key/-pem, tls-port) on <net>.6.x:853 and resolves
from the test hierarchy's root hints.

The test makes its own CA and server certificate with openssl (name
dot.test, P-256). Shown: the right name answers and reuses one
connection; an SPKI pin alone answers; a wrong name or a wrong pin fails
closed with zero queries for that name in Unbound's query log (the TLS
handshake never finished, so no DNS byte went out); with a failing TLS
upstream first, the next upstream answers; a peer that accepts TCP and never
finishes the handshake delays no client beyond the retry to the next
upstream, and its connection ends at the handshake deadline.

Each test has its own sprigd on <net>.6.1x; the DoT Unbound is shared
(<net>.6.2 and .6.3, both TLS), the stalling peer is on <net>.6.4:853.
"""
import base64
import hashlib
import os
import socket
import subprocess
import threading
import time

from harness import Skip, expect, expect_answer, expect_rcode, fixture, test
import dig
import hierarchy as hiermod
import servers
from tests_forwarder import forward_ready, stats

SPRIGD_PORT = 5300
DOT_PORT = 853
TLS_NAME = "dot.test"
ANSWER_SECONDS_MAX = 3.0      # a query that had to leave a stalled upstream
HANDSHAKE_DEADLINE_SECONDS = 4.0   # TransportLimits.tlsHandshakeTimeoutMs


def run(argv, cwd):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), p.stderr))
    return p.stdout


class PKI:
    """A CA and one server certificate for TLS_NAME, made with openssl."""

    def __init__(self, rundir):
        os.makedirs(rundir, exist_ok=True)
        self.dir = rundir
        self.ca = os.path.join(rundir, "ca.pem")
        self.key = os.path.join(rundir, "server.key")
        self.cert = os.path.join(rundir, "server.pem")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        run(["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
             "-subj", "/CN=Sprig Test CA"], rundir)
        run(["openssl", "req"] + ec + ["-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=%s" % TLS_NAME], rundir)
        with open(os.path.join(rundir, "ext.cnf"), "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n" % TLS_NAME)
        run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "30", "-extfile", "ext.cnf"], rundir)
        # RFC 7858 §4.2: the pin is the SHA-256 of the DER SubjectPublicKeyInfo.
        pub = subprocess.run(["openssl", "x509", "-in", self.cert, "-noout", "-pubkey"],
                             capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                             capture_output=True, check=True).stdout
        self.pin = "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode()
        self.wrong_pin = "sha256/" + base64.b64encode(hashlib.sha256(b"not the key").digest()).decode()


class DoTUnbound:
    """Unbound resolving from the hierarchy, serving DoT on two addresses
    (and plain DNS on .2:53, for the readiness probe only)."""

    def __init__(self, session, pki):
        h = session.get("hierarchy")
        if hiermod.AUTH_PORT != 53:
            raise Skip("iterative resolution needs the authoritative servers on port 53")
        net = session.get("zones").net
        self.addrs = ["%s.6.2" % net, "%s.6.3" % net]
        self.rundir = session.rundir("dot-unbound")
        self.log = os.path.join(self.rundir, "unbound.log")
        extra = "\n".join(["  interface: %s@%d" % (a, DOT_PORT) for a in self.addrs] + [
            "  tls-port: %d" % DOT_PORT,
            "  tls-service-key: \"%s\"" % pki.key,
            "  tls-service-pem: \"%s\"" % pki.cert,
            "  log-queries: yes",
            "  incoming-num-tcp: 64",
        ])
        self.proc = servers.start_unbound(self.rundir, "dot-unbound", self.addrs[0], 53,
                                          root_hints=h.root_hints_path, validate=False, extra=extra)

    def queries_for(self, name):
        """Queries for `name` that reached Unbound (its query log)."""
        with open(self.log) as f:
            return sum(1 for line in f if " %s. " % name.lower() in line.lower())


@fixture
def dot_pki(session):
    return PKI(session.rundir("dot-pki"))


@fixture
def dot_unbound(session):
    return DoTUnbound(session, session.get("dot_pki"))


def upstream_text(addr, name=None, pin=None):
    text = "\nconfig upstream\n\toption address '%s'\n\toption port '%d'\n\toption transport 'tls'\n" % (addr, DOT_PORT)
    if name:
        text += "\toption tls_name '%s'\n" % name
    if pin:
        text += "\toption tls_pin '%s'\n" % pin
    return text


def start(session, octet, upstreams):
    """sprigd forwarding over TLS only, to `upstreams` (upstream_text pieces)."""
    net = session.get("zones").net
    pki = session.get("dot_pki")
    addr = "%s.6.%d" % (net, octet)
    rundir = session.rundir("sprigd-dot-%d" % octet)
    text = ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'forward'\n"
            "\toption dnssec '0'\n"
            "\toption user ''\n"
            "\toption log_level 'debug'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n"
            "\toption tls_ca_file '%s'\n") % (addr, SPRIGD_PORT, rundir, rundir, pki.ca)
    text += "".join(upstreams)
    proc = servers.start_sprigd(session.get("sprigd_binary"), text, rundir, name="sprigd-dot-%d" % octet)
    return addr, rundir, proc


def ask(addr, name, **options):
    return dig.dig(addr, name, "A", port=SPRIGD_PORT, dnssec=False, **options)


def nonzero(s, prefix):
    return {k: v for k, v in s.items() if k.startswith(prefix) and v}


@test
def dot_forwarder_right_name_answers_over_one_reused_connection(session):
    """RFC 8310 §8.1: the certificate chains to the test CA and names
    dot.test. Three names answered; one handshake (TLS 1.2 on mbedTLS
    2.28), the later queries reuse the connection (RFC 7858 §3.4); no UDP
    or plain TCP query left sprigd; every query reached Unbound."""
    forward_ready(session)
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 10, [upstream_text(up.addrs[0], name=TLS_NAME)])
    expect_answer(ask(addr, "www.a.example"), "A", ["192.0.2.1"])
    expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
    expect_answer(ask(addr, "www.rsa.example"), "A", ["192.0.2.8"])
    s = stats(session, rundir)
    expect(s.get("transport.tls.handshakes") == 1, "handshakes %s" % s.get("transport.tls.handshakes"))
    expect(s.get("upstream.0.tls.handshakes") == 1, "upstream.0 handshakes %s" % s.get("upstream.0.tls.handshakes"))
    expect(s.get("upstream.0.tls.reused", 0) >= 2, "upstream.0 reused %s" % s.get("upstream.0.tls.reused"))
    expect(s.get("transport.tls.version12", 0) + s.get("transport.tls.version13", 0) == 1, "one version counted")
    expect(s.get("transport.udp.queries") == 0, "no UDP query: %s" % s.get("transport.udp.queries"))
    expect(s.get("upstream.0.tls.failures") == 0, "failures %s" % s.get("upstream.0.tls.failures"))
    expect(not nonzero(s, "transport.tls.closed."), "connections ended: %s" % nonzero(s, "transport.tls.closed."))
    expect(s.get("transport.tls.alloc_failures") == 0, "mbedTLS allocations refused")
    expect(0 < s.get("transport.tls.memory_high_water", 0) <= s.get("transport.tls.memory_per_connection", 0),
           "mbedTLS memory per connection %s of %s" % (s.get("transport.tls.memory_high_water"),
                                                       s.get("transport.tls.memory_per_connection")))
    expect(up.queries_for("www.a.example") >= 1, "Unbound never saw www.a.example")
    proc.stop()


@test
def dot_forwarder_spki_pin_alone_answers(session):
    """RFC 7858 §4.2: no tls_name, the SPKI pin of the server's key."""
    forward_ready(session)
    pki = session.get("dot_pki")
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 11, [upstream_text(up.addrs[0], pin=pki.pin)])
    expect_answer(ask(addr, "www.sib"), "A", ["192.0.2.50"])
    s = stats(session, rundir)
    expect(s.get("upstream.0.tls.handshakes") == 1, "handshakes %s" % s.get("upstream.0.tls.handshakes"))
    expect(s.get("transport.tls.closed.pin_mismatch") == 0, "pin mismatch counted")
    proc.stop()


def expect_fails_closed(session, up, addr, rundir, name, counter):
    r = ask(addr, name)
    expect_rcode(r, "SERVFAIL")
    s = stats(session, rundir)
    expect(s.get(counter, 0) >= 1, "%s %s" % (counter, s.get(counter)))
    expect(s.get("upstream.0.tls.failures", 0) >= 1, "upstream.0 failures %s" % s.get("upstream.0.tls.failures"))
    expect(s.get("upstream.0.tls.handshakes") == 0, "a handshake was accepted")
    expect(s.get("transport.udp.queries") == 0, "plain UDP went out: %s" % s.get("transport.udp.queries"))
    expect(s.get("transport.tls.memory_left_at_close") == 0, "mbedTLS memory left behind")
    expect(up.queries_for(name) == 0, "Unbound received %d queries for %s" % (up.queries_for(name), name))


@test
def dot_forwarder_wrong_name_fails_closed_with_no_query_sent(session):
    """RFC 8310 §8.1: the certificate does not name wrong.test. SERVFAIL,
    transport.tls.closed.certificate, and Unbound never saw the name."""
    forward_ready(session)
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 12, [upstream_text(up.addrs[0], name="wrong.test")])
    expect_fails_closed(session, up, addr, rundir, "wrongname.a.example", "transport.tls.closed.certificate")
    proc.stop()


@test
def dot_forwarder_wrong_pin_fails_closed_with_no_query_sent(session):
    """RFC 7858 §4.2: the SPKI does not match the pin: SERVFAIL,
    transport.tls.closed.pin_mismatch, and Unbound never saw the name."""
    forward_ready(session)
    pki = session.get("dot_pki")
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 13, [upstream_text(up.addrs[0], pin=pki.wrong_pin)])
    expect_fails_closed(session, up, addr, rundir, "wrongpin.a.example", "transport.tls.closed.pin_mismatch")
    proc.stop()


@test
def dot_forwarder_failed_check_moves_to_the_next_upstream(session):
    """A wrong name on the first upstream fails that upstream closed; the
    second (right name, other address) answers. Never plain DNS."""
    forward_ready(session)
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 14, [upstream_text(up.addrs[0], name="wrong.test"),
                                             upstream_text(up.addrs[1], name=TLS_NAME)])
    for i in range(4):
        expect_answer(ask(addr, "www.a.example"), "A", ["192.0.2.1"])
    s = stats(session, rundir)
    expect(s.get("upstream.1.tls.handshakes") == 1, "upstream.1 handshakes %s" % s.get("upstream.1.tls.handshakes"))
    expect(s.get("upstream.0.tls.handshakes") == 0, "upstream.0 handshakes %s" % s.get("upstream.0.tls.handshakes"))
    expect(s.get("transport.udp.queries") == 0, "plain UDP went out")
    proc.stop()


class StallingPeer:
    """Accepts TCP on <net>.6.4:853 and never sends a byte (nor reads)."""

    def __init__(self, session):
        self.addr = "%s.6.4" % session.get("zones").net
        servers.ensure_loopback_address(self.addr)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.addr, DOT_PORT))
        self.sock.listen(64)
        self.accepted = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
                self.accepted.append(c)
            except socket.timeout:
                continue
            except OSError:
                return

    def stop(self):
        self.stopped = True
        for c in self.accepted:
            c.close()
        self.sock.close()


@test
def dot_forwarder_stalled_handshake_delays_no_other_client(session):
    """A peer that accepts TCP and never answers the ClientHello is the
    first upstream. Eight clients at once each get their answer from the
    second upstream within ANSWER_SECONDS_MAX (the event loop never waits
    on a handshake), and the stalled connection ends at its handshake
    deadline (transport.tls.closed.handshake_timeout)."""
    forward_ready(session)
    up = session.get("dot_unbound")
    peer = StallingPeer(session)
    try:
        addr, rundir, proc = start(session, 15, [upstream_text(peer.addr, name=TLS_NAME),
                                                 upstream_text(up.addrs[1], name=TLS_NAME)])
        results = {}

        def client(i):
            start_time = time.time()
            try:
                r = ask(addr, "www.ecdsa.example" if i % 2 else "www.a.example")
                results[i] = (r.rcode, r.rdatas("A"), time.time() - start_time)
            except dig.DigError as e:
                results[i] = ("no answer: %s" % e, [], time.time() - start_time)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for i in range(8):
            rcode, rdatas, seconds = results.get(i, ("missing", [], 0))
            want = ["192.0.2.13"] if i % 2 else ["192.0.2.1"]
            expect(rcode == "NOERROR" and rdatas == want, "client %d: %s %s" % (i, rcode, rdatas))
            expect(seconds <= ANSWER_SECONDS_MAX, "client %d waited %.2f s" % (i, seconds))
        expect(len(peer.accepted) >= 1, "the stalling peer was never tried")
        deadline = time.time() + HANDSHAKE_DEADLINE_SECONDS + 3
        s = stats(session, rundir)
        while s.get("transport.tls.closed.handshake_timeout", 0) == 0 and time.time() < deadline:
            time.sleep(0.5)
            s = stats(session, rundir)
        expect(s.get("transport.tls.closed.handshake_timeout", 0) >= 1,
               "handshake_timeout %s" % s.get("transport.tls.closed.handshake_timeout"))
        expect(s.get("upstream.1.tls.handshakes", 0) >= 1, "the second upstream never answered")
        expect(s.get("transport.udp.queries") == 0, "plain UDP went out")
        # Later clients still answered at once (the slot of the stalled peer is free again).
        expect_answer(ask(addr, "www.rsa.example"), "A", ["192.0.2.8"])
        proc.stop()
    finally:
        peer.stop()
