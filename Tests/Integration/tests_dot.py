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
import ssl
import struct
import subprocess
import threading
import time

from harness import Skip, expect, expect_answer, expect_rcode, fixture, test
import dig
import hierarchy as hiermod
import servers
from tests_forwarder import forward_ready, release_sprigd, stats
from tests_router_policies import faketime_env

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
        # Signed by the same CA, valid for one day two years ago (faketime).
        run(["faketime", "-f", "-730d", "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
             "-CAkey", "ca.key", "-CAcreateserial", "-out", "expired.pem", "-days", "1", "-extfile", "ext.cnf"], rundir)
        self.expired_cert = os.path.join(rundir, "expired.pem")
        self.pin = "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode()
        self.wrong_pin = "sha256/" + base64.b64encode(hashlib.sha256(b"not the key").digest()).decode()

    def issue(self, name):
        """A certificate for `name` from the same CA (P-256): (cert, key)."""
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        run(["openssl", "req"] + ec + ["-keyout", "%s.key" % name, "-out", "%s.csr" % name, "-subj", "/CN=%s" % name], self.dir)
        with open(os.path.join(self.dir, "%s.cnf" % name), "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n" % name)
        run(["openssl", "x509", "-req", "-in", "%s.csr" % name, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "%s.pem" % name, "-days", "30", "-extfile", "%s.cnf" % name], self.dir)
        return os.path.join(self.dir, "%s.pem" % name), os.path.join(self.dir, "%s.key" % name)


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
            # Every name under alloc.test answers at once (the allocation test's misses).
            "  local-zone: \"alloc.test.\" redirect",
            "  local-data: \"alloc.test. 300 IN A 192.0.2.71\"",
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


def start(session, octet, upstreams, env=None, binary=None, extra=""):
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
    text += extra + "".join(upstreams)
    proc = servers.start_sprigd(binary or session.get("sprigd_binary"), text, rundir, name="sprigd-dot-%d" % octet, env=env)
    return addr, rundir, proc


def ask(addr, name, **options):
    return dig.dig(addr, name, "A", port=SPRIGD_PORT, dnssec=False, **options)


def nonzero(s, prefix):
    return {k: v for k, v in s.items() if k.startswith(prefix) and v}


def has_tls13(s):
    """Whether the sprigd under test links an mbedTLS with TLS 1.3 (3.x:
    `make test-tls13`), from its stats; Debian's 2.28 has none."""
    return s.get("transport.tls.version13_available") == 1


def expect_tls13_not_resumed(s, profile):
    """TLS 1.3 with an OpenSSL peer on a 3.x build: resumption (PSK) is
    not offered (tls_client.c), so no session is saved or offered, every
    connection is a full TLS 1.3 handshake, and nothing failed."""
    expect(s.get("%s.tls.handshakes" % profile) == 2, "handshakes %s" % s.get("%s.tls.handshakes" % profile))
    expect(s.get("transport.tls.version13") == s.get("transport.tls.handshakes"),
           "TLS 1.3 handshakes %s of %s" % (s.get("transport.tls.version13"), s.get("transport.tls.handshakes")))
    expect(s.get("%s.tls.resumed" % profile) == 0, "resumed %s" % s.get("%s.tls.resumed" % profile))
    expect(s.get("transport.tls.sessions.saved", 0) == 0 and s.get("transport.tls.sessions.offered", 0) == 0,
           "a TLS 1.3 session was saved or offered: %s" % nonzero(s, "transport.tls.sessions."))


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
    # Unbound (OpenSSL) speaks TLS 1.3: a build that has it negotiates it.
    expect(s.get("transport.tls.version13", 0) == (1 if has_tls13(s) else 0),
           "TLS 1.3 handshakes %s on a build %s TLS 1.3" % (s.get("transport.tls.version13"),
                                                           "with" if has_tls13(s) else "without"))
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


def expect_fails_closed(session, up, addr, rundir, name, counter, why):
    r = ask(addr, name)
    expect_rcode(r, "SERVFAIL")
    # RFC 8914: EDE 23 (Network Error) says which upstream and which check.
    want = "upstream 0 %s DoT: %s; not asked in plain" % (up.addrs[0], why)
    expect(any(code == 23 and want in text for code, _, text in r.ede), "EDE %s" % r.ede)
    s = stats(session, rundir)
    expect(s.get(counter, 0) >= 1, "%s %s" % (counter, s.get(counter)))
    expect(s.get("upstream.0.tls.failures", 0) >= 1, "upstream.0 failures %s" % s.get("upstream.0.tls.failures"))
    expect(s.get("upstream.0.tls.handshakes") == 0, "a handshake was accepted")
    expect(s.get("transport.udp.queries") == 0, "plain UDP went out: %s" % s.get("transport.udp.queries"))
    expect(s.get("transport.tls.memory_left_at_close") == 0, "mbedTLS memory left behind")
    expect(up.queries_for(name) == 0, "Unbound received %d queries for %s" % (up.queries_for(name), name))


@test
def dot_forwarder_wrong_name_fails_closed_with_no_query_sent(session):
    """RFC 8310 §8.1: the certificate does not name wrong.test. SERVFAIL
    with EDE 23 naming the upstream and the check, transport.tls.closed.certificate,
    and Unbound never saw the name."""
    forward_ready(session)
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 12, [upstream_text(up.addrs[0], name="wrong.test")])
    expect_fails_closed(session, up, addr, rundir, "wrongname.a.example", "transport.tls.closed.certificate",
                        "certificate does not verify for tls_name")
    proc.stop()


@test
def dot_forwarder_wrong_pin_fails_closed_with_no_query_sent(session):
    """RFC 7858 §4.2: the SPKI does not match the pin: SERVFAIL with EDE 23
    naming the upstream and the pin, transport.tls.closed.pin_mismatch, and
    Unbound never saw the name."""
    forward_ready(session)
    pki = session.get("dot_pki")
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 13, [upstream_text(up.addrs[0], pin=pki.wrong_pin)])
    expect_fails_closed(session, up, addr, rundir, "wrongpin.a.example", "transport.tls.closed.pin_mismatch",
                        "key does not match tls_pin")
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
    """Accepts TCP on <net>.6.<octet>:853 (default 4) and never sends a
    byte (nor reads)."""

    def __init__(self, session, octet=4):
        self.addr = "%s.6.%d" % (session.get("zones").net, octet)
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


def answer_to(query):
    """An answer to `query`: its header and question, QR RA, one A record."""
    end = 12
    while query[end] != 0:
        end += 1 + query[end]
    end += 5
    header = bytearray(query[:12])
    header[2] |= 0x80
    header[3] = 0x80
    header[6:12] = b"\x00\x01\x00\x00\x00\x00"
    return bytes(header) + query[12:end] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x63"


class HostileDoT:
    """A DoT server (Python ssl, memory BIOs: every byte under the test's
    control) on <net>.6.<octet>:853 that completes the handshake, reads one
    query, then misbehaves as `mode` says:
      garbage    - bytes that are no TLS record, on the raw socket
      oversize   - a record header announcing 65,535 bytes (> the 16 KiB buffer)
      mid_answer - half of a framed answer through TLS, then a close
      answer     - a right answer (with an expired certificate, say)
      answer_close - a right answer, then the close at once (so the next
                   query opens a new connection).
    `resume` False: a fresh SSL context per connection, so every session
    it issued (ticket or ID) is unknown when offered again: it declines
    each resumption with a full handshake. `reused`: handshakes it resumed.
    `tls12_only`: the server speaks TLS 1.2 at most; `versions` lists
    what each handshake settled on. `addr`: another address than
    <net>.6.<octet> (an authoritative server's)."""

    def __init__(self, session, octet, mode, cert, key, resume=True, tls12_only=False, addr=None):
        self.addr = addr or "%s.6.%d" % (session.get("zones").net, octet)
        self.mode = mode
        self.cert, self.key, self.resume, self.tls12_only = cert, key, resume, tls12_only
        self.versions = []
        self.open = []   # accepted sockets, closed on stop()
        self.ctx = self._context()
        self.queries = 0
        self.handshakes = 0
        self.reused = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.addr, DOT_PORT))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stopped = False
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.open.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        if self.tls12_only:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    def _serve(self, c):
        c.settimeout(5)
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = (self.ctx if self.resume else self._context()).wrap_bio(inc, out, server_side=True)

        def flush():
            data = out.read()
            if data:
                c.sendall(data)

        def pull():
            data = c.recv(65536)
            if not data:
                raise EOFError
            inc.write(data)

        try:
            while True:
                try:
                    tls.do_handshake()
                    flush()
                    break
                except ssl.SSLWantReadError:
                    flush()
                    pull()
            self.handshakes += 1
            self.versions.append(tls.version())
            if tls.session_reused:
                self.reused += 1
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                try:
                    buf += tls.read(65536)
                except ssl.SSLWantReadError:
                    pull()
            query = buf[2:2 + struct.unpack("!H", buf[:2])[0]]
            self.queries += 1
            answer = answer_to(query)
            frame = struct.pack("!H", len(answer)) + answer
            if self.mode == "garbage":
                c.sendall(b"\x00 this is no TLS record \x00" * 8)
            elif self.mode == "oversize":
                c.sendall(b"\x17\x03\x03\xff\xff" + b"\x00" * 512)
            elif self.mode == "mid_answer":
                tls.write(frame[:len(frame) // 2])
                flush()
                c.close()
                return
            else:
                tls.write(frame)
                flush()
                if self.mode == "answer_close":
                    return
            time.sleep(2)   # keep the connection until sprigd gives up on it
        except (EOFError, OSError, ssl.SSLError):
            pass
        finally:
            c.close()

    def stop(self):
        self.stopped = True
        self.sock.close()
        # The listener is gone only once accept() has returned (0.2 s at
        # most): until then port 853 of the address is taken for the
        # server that binds it next (an NSD twin).
        self.acceptor.join(timeout=2)
        for c in self.open:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


def expect_bad_peer(session, octet, mode, counter):
    forward_ready(session)
    pki = session.get("dot_pki")
    peer = HostileDoT(session, octet + 20, mode, pki.cert, pki.key)
    try:
        addr, rundir, proc = start(session, octet, [upstream_text(peer.addr, name=TLS_NAME)])
        r = ask(addr, "%s.hostile.test" % mode.replace("_", "-"))
        expect_rcode(r, "SERVFAIL")
        s = stats(session, rundir)
        expect(peer.handshakes >= 1 and peer.queries >= 1, "the peer saw %d handshakes, %d queries"
               % (peer.handshakes, peer.queries))
        expect(s.get(counter, 0) >= 1, "%s %s (ended: %s)" % (counter, s.get(counter), nonzero(s, "transport.tls.closed.")))
        expect(s.get("transport.tls.memory_left_at_close") == 0, "mbedTLS memory left behind")
        # The control socket answered above; the process is still there.
        expect(proc.alive(), "sprigd exited")
        proc.stop()
    finally:
        peer.stop()


@test
def dot_forwarder_garbage_after_handshake_fails_that_connection(session):
    """Bytes that are no TLS record after the handshake: the connection
    fails as transport.tls.closed.protocol; the query gets SERVFAIL."""
    expect_bad_peer(session, 16, "garbage", "transport.tls.closed.protocol")


@test
def dot_forwarder_record_larger_than_the_buffer_fails_that_connection(session):
    """A record header announcing 65,535 bytes (mbedTLS's buffer holds
    16 KiB + overhead): refused before any read into the buffer, counted
    as transport.tls.closed.protocol."""
    expect_bad_peer(session, 17, "oversize", "transport.tls.closed.protocol")


@test
def dot_forwarder_server_closing_mid_answer_fails_the_query(session):
    """Half an answer through TLS, then the TCP close: the waiting query
    fails (transport.tcp.closed.mid_answer), never half-read."""
    expect_bad_peer(session, 18, "mid_answer", "transport.tcp.closed.mid_answer")


@test
def dot_forwarder_expired_certificate_fails_once_the_clock_is_trusted(session):
    """The test CA signed a certificate that expired two years ago. With the
    clock trusted (here it is past the build date): SERVFAIL,
    transport.tls.closed.certificate, no query sent."""
    forward_ready(session)
    pki = session.get("dot_pki")
    peer = HostileDoT(session, 39, "answer", pki.expired_cert, pki.key)
    try:
        addr, rundir, proc = start(session, 19, [upstream_text(peer.addr, name=TLS_NAME)])
        expect_rcode(ask(addr, "expired.hostile.test"), "SERVFAIL")
        s = stats(session, rundir)
        expect(s.get("transport.tls.closed.certificate", 0) >= 1, "closed.certificate %s" % s.get("transport.tls.closed.certificate"))
        expect(peer.queries == 0, "the peer got %d queries" % peer.queries)
        proc.stop()
    finally:
        peer.stop()


@test
def dot_forwarder_certificate_dates_wait_for_a_trusted_clock(session):
    """DESIGN.md §2.8: the router's clock reads 2025-06-01, before this
    build's date, so it is not trusted: certificate dates are not checked
    (the CA is "not yet valid", the server's certificate expired), the
    chain and the name still are. The query is answered, and
    transport.tls.dates_unchecked counts it. A wrong name still fails."""
    forward_ready(session)
    pki = session.get("dot_pki")
    peer = HostileDoT(session, 40, "answer", pki.expired_cert, pki.key)
    try:
        env = faketime_env("2025-06-01 00:00:00")
        addr, rundir, proc = start(session, 20, [upstream_text(peer.addr, name=TLS_NAME)], env=env)
        expect_answer(ask(addr, "untrusted-clock.hostile.test"), "A", ["192.0.2.99"])
        s = stats(session, rundir)
        expect(s.get("clock.trusted") == 0, "clock.trusted %s" % s.get("clock.trusted"))
        expect(s.get("transport.tls.dates_unchecked", 0) >= 1, "dates_unchecked %s" % s.get("transport.tls.dates_unchecked"))
        proc.stop()
        addr, rundir, proc = start(session, 21, [upstream_text(peer.addr, name="wrong.test")], env=env)
        expect_rcode(ask(addr, "untrusted-wrong.hostile.test"), "SERVFAIL")
        s = stats(session, rundir)
        expect(s.get("transport.tls.closed.certificate", 0) >= 1, "a wrong name passed under an untrusted clock")
        proc.stop()
    finally:
        peer.stop()


# -- TLS session resumption (RFC 7858 §3.4, RFC 5077) ------------------------

IDLE_CLOSE_SECONDS = 10.0   # TransportLimits.idleTimeoutMs


@test
def dot_forwarder_resumes_its_tls_session_with_unbound(session):
    """RFC 7858 §3.4 / RFC 5077 with a real DoT server (Unbound, OpenSSL):
    the first query makes a full handshake and sprigd saves the session;
    once the connection has idled out (RFC 7766 §6.2.3), the next query's
    connection offers it and Unbound resumes it (the master secret stayed
    the same). Counted per upstream; nothing failed; the pin is still
    checked (against the certificate the resumed session carries)."""
    forward_ready(session)
    pki = session.get("dot_pki")
    up = session.get("dot_unbound")
    addr, rundir, proc = start(session, 23, [upstream_text(up.addrs[0], name=TLS_NAME, pin=pki.pin)])
    expect_answer(ask(addr, "www.a.example"), "A", ["192.0.2.1"])
    s = wait_for(session, rundir, "upstream.0.tls.closed.idle", 1, seconds=IDLE_CLOSE_SECONDS + 5)
    expect(s.get("upstream.0.tls.closed.idle") == 1, "the connection never idled out: %s" % nonzero(s, "upstream.0."))
    if has_tls13(s):   # Unbound negotiates TLS 1.3, which Sprig does not resume
        expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
        s = stats(session, rundir)
        expect_tls13_not_resumed(s, "upstream.0")
        expect(s.get("upstream.0.tls.failures") == 0, "failures %s" % nonzero(s, "upstream.0.tls.closed."))
        print("TLS 1.3 with Unbound: two full handshakes, resumption not offered")
        proc.stop()
        return
    expect(s.get("transport.tls.sessions.saved") == 1, "sessions saved %s" % s.get("transport.tls.sessions.saved"))
    expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
    s = stats(session, rundir)
    expect(s.get("upstream.0.tls.handshakes") == 2, "handshakes %s" % s.get("upstream.0.tls.handshakes"))
    expect(s.get("upstream.0.tls.resumed") == 1, "resumed %s; %s" % (s.get("upstream.0.tls.resumed"), nonzero(s, "transport.tls.")))
    expect(s.get("upstream.0.tls.resumptions_declined") == 0, "declined %s" % s.get("upstream.0.tls.resumptions_declined"))
    expect(s.get("transport.tls.sessions.offered") == 1, "offered %s" % s.get("transport.tls.sessions.offered"))
    expect(s.get("upstream.0.tls.failures") == 0, "failures %s" % nonzero(s, "upstream.0.tls.closed."))
    expect(s.get("upstream.0.tls.queries") == 2, "queries %s" % s.get("upstream.0.tls.queries"))
    expect(0 < s.get("transport.tls.sessions.bytes_high_water", 0) <= s.get("transport.tls.sessions.bytes_per_entry", 0),
           "session bytes %s of %s" % (s.get("transport.tls.sessions.bytes_high_water"),
                                       s.get("transport.tls.sessions.bytes_per_entry")))
    expect(s.get("transport.udp.queries") == 0, "plain UDP went out")
    print("resumption with Unbound: saved session %d bytes" % s.get("transport.tls.sessions.bytes_high_water"))
    proc.stop()


def four_queries_to_a_closing_server(session, peer_octet, sprigd_octet, resume):
    """A HostileDoT forwarder that closes after each answer (`resume`: it
    resumes sessions offered back; else it declines them) and a sprigd
    forwarding to it; four names asked, each over a new connection.
    Returns (peer, sprigd, stats after the four). The peer speaks TLS 1.2
    at most: Sprig resumes TLS 1.2 sessions only, so on a build with TLS
    1.3 this is also the "1.2 still allowed" path."""
    forward_ready(session)
    pki = session.get("dot_pki")
    peer = HostileDoT(session, peer_octet, "answer_close", pki.cert, pki.key, resume=resume, tls12_only=True)
    try:
        addr, rundir, proc = start(session, sprigd_octet, [upstream_text(peer.addr, name=TLS_NAME)])
        for i in range(4):
            expect_answer(ask(addr, "q%d.%s.test" % (i, "resume" if resume else "decline")), "A", ["192.0.2.99"])
        return peer, proc, stats(session, rundir)
    except BaseException:
        peer.stop()
        raise


@test
def dot_forwarder_resumption_seen_from_the_server_side(session):
    """The server's own view (Python ssl over OpenSSL: SSLObject.session_reused):
    it closes after each answer, so each query opens a connection; every
    connection after the first is resumed, and sprigd's counters agree."""
    peer, proc, s = four_queries_to_a_closing_server(session, 44, 24, resume=True)
    try:
        expect(peer.handshakes == 4 and peer.reused == 3, "server: %d handshakes, %d resumed" % (peer.handshakes, peer.reused))
        expect(peer.versions == ["TLSv1.2"] * 4, "versions %s" % peer.versions)
        expect(s.get("transport.tls.version12") == 4, "TLS 1.2 handshakes %s" % s.get("transport.tls.version12"))
        expect(s.get("upstream.0.tls.resumed") == 3, "sprigd resumed %s" % s.get("upstream.0.tls.resumed"))
        expect(s.get("upstream.0.tls.closed.by_server", 0) >= 3, "closed by server %s" % nonzero(s, "upstream.0.tls.closed."))
        expect(s.get("upstream.0.tls.failures") == 0, "failures %s" % s.get("upstream.0.tls.failures"))
        proc.stop()
    finally:
        peer.stop()


@test
def dot_forwarder_declined_resumption_falls_back_to_a_full_handshake(session):
    """Hostile: a server that issues a session (ticket and ID) on every
    connection and declines each one offered back (a fresh SSL context per
    connection: ticket key and session cache are new). Every query is
    answered through a full handshake: nothing fails, the declines are
    counted, and the server never resumed."""
    peer, proc, s = four_queries_to_a_closing_server(session, 45, 25, resume=False)
    try:
        expect(peer.handshakes == 4 and peer.reused == 0, "server: %d handshakes, %d resumed" % (peer.handshakes, peer.reused))
        expect(s.get("upstream.0.tls.handshakes") == 4, "handshakes %s" % s.get("upstream.0.tls.handshakes"))
        expect(s.get("upstream.0.tls.resumed") == 0, "resumed %s" % s.get("upstream.0.tls.resumed"))
        expect(s.get("upstream.0.tls.resumptions_declined") == 3, "declined %s" % s.get("upstream.0.tls.resumptions_declined"))
        expect(s.get("upstream.0.tls.failures") == 0, "failures %s" % nonzero(s, "upstream.0.tls.closed."))
        expect(s.get("transport.tls.sessions.dropped_after_failure") == 0, "a session dropped after a failure")
        expect(s.get("transport.tls.memory_left_at_close") == 0, "mbedTLS memory left behind")
        proc.stop()
    finally:
        peer.stop()


TLS_SLOTS = 2                 # max_tls_connections in the slots test
SLOT_PHASES = 3
SLOT_PHASE_SECONDS = 6        # > the 4 s handshake deadline: stalled slots turn over
RSS_GROWTH_MAX_KB = 512       # page-cache noise, not pools (tests_flood.py)


@test
def dot_every_tls_slot_busy_keeps_rss_flat_and_counts_refusals(session):
    """DESIGN.md §2.1 with TLS: max_tls_connections 2 and four DoT
    upstreams, two of them peers that accept TCP and stall the handshake
    (each holds a slot until its 4 s deadline), two the DoT Unbound. Three
    phases of dnsperf (distinct names, 16 in flight) keep more connections
    wanted than there are slots. Every slot is busy (high water = 2),
    sends that found none are refused and counted
    (transport.refused.no_tls_slot), stalled handshakes end by deadline,
    nothing goes out in plain, sprigd still answers, and RSS after the
    phases is what it was after the warm-up."""
    forward_ready(session)
    from tests_hostile import rss_kb
    up = session.get("dot_unbound")
    stalls = [StallingPeer(session, 41), StallingPeer(session, 42)]
    try:
        addr, rundir, proc = start(session, 26, [upstream_text(stalls[0].addr, name=TLS_NAME),
                                                 upstream_text(up.addrs[0], name=TLS_NAME),
                                                 upstream_text(stalls[1].addr, name=TLS_NAME),
                                                 upstream_text(up.addrs[1], name=TLS_NAME)],
                                   extra="\toption max_tls_connections '%d'\n" % TLS_SLOTS)

        def phase(tag, count=3000):
            names = ["%s-%d.alloc.test" % (tag, i) for i in range(count)]
            return servers.dnsperf_completed(addr, SPRIGD_PORT, names, os.path.join(rundir, "%s.txt" % tag),
                                             clients=4, outstanding=16, seconds=SLOT_PHASE_SECONDS)

        phase("warm")
        rss_before = rss_kb(proc.pid)
        rows = []
        for k in range(SLOT_PHASES):
            answered = phase("p%d" % k)
            rows.append((answered, rss_kb(proc.pid)))
        rss_after = rss_kb(proc.pid)
        s = stats(session, rundir)
        for k, (answered, rss) in enumerate(rows):
            print("tls slots phase %d: %d answered, RSS %d kB" % (k, answered, rss))
        print("tls slots: RSS %d kB after warm-up, %d kB after; refused.no_tls_slot %d, handshake_timeout %d, "
              "handshakes %d, high water %d" % (rss_before, rss_after, s.get("transport.refused.no_tls_slot", 0),
                                                s.get("transport.tls.closed.handshake_timeout", 0),
                                                s.get("transport.tls.handshakes", 0), s.get("transport.tls.slots.high_water", 0)))
        expect(len(stalls[0].accepted) + len(stalls[1].accepted) >= 1, "no stalling peer was tried")
        expect(s.get("transport.tls.slots.high_water") == TLS_SLOTS, "slots high water %s" % s.get("transport.tls.slots.high_water"))
        expect(s.get("transport.refused.no_tls_slot", 0) >= 1, "no send found every slot busy: %s"
               % nonzero(s, "transport.refused."))
        expect(s.get("transport.tls.closed.handshake_timeout", 0) >= 1, "no stalled handshake ended by deadline")
        expect(s.get("transport.tls.alloc_failures") == 0, "mbedTLS allocations refused")
        expect(s.get("transport.tls.memory_left_at_close") == 0, "mbedTLS memory left behind")
        expect(s.get("transport.udp.queries") == 0, "plain UDP went out")
        expect(s.get("arena.late_reservations", 0) == 0, "pools reserved after start-up")
        expect(rss_after - rss_before <= RSS_GROWTH_MAX_KB,
               "RSS grew %d kB (%d -> %d)" % (rss_after - rss_before, rss_before, rss_after))
        # Once the stalled handshakes have reached their deadline, slots are
        # free again and a new name is answered.
        time.sleep(HANDSHAKE_DEADLINE_SECONDS + 1)
        answers = []
        for i in range(3):
            r = ask(addr, "after-%d.alloc.test" % i)
            answers.append(r.rcode)
            if r.rcode == "NOERROR":
                expect(r.rdatas("A") == ["192.0.2.71"], "after the load: %s" % r.rdatas("A"))
                break
        print("tls slots: after the load, %s" % answers)
        expect("NOERROR" in answers, "no answer after the load: %s (%s)" % (answers, nonzero(stats(session, rundir), "transport.tls.slots")))
        expect(proc.alive(), "sprigd exited")
        proc.stop()
    finally:
        for p in stalls:
            p.stop()


# -- opportunistic DoT to authoritative servers (RFC 9539) --------------------

class NSDTLSTwin:
    """A second NSD on the "dnssec" server's address (or `server`'s), port
    853 only, with TLS (tls-service-key/-pem, tls-port): that server now
    offers DoT, every other server of the hierarchy does not (nothing
    listens on 853)."""

    def __init__(self, session, pki, cert=None, key=None, server="dnssec"):
        h = session.get("hierarchy")
        name = server
        server = h.servers[name]
        self.addr = server.addr
        self.rundir = session.rundir("nsd-%s-tls" % name)
        os.makedirs(self.rundir, exist_ok=True)
        zones = [(z, h.zones[z].zonefile) for z in server.zones]
        self.proc = servers.start_nsd(self.rundir, "nsd-%s-tls" % name, self.addr, zones, port=DOT_PORT,
                                      tls=(cert or pki.cert, key or pki.key))


def start_recursive(session, octet, extra="", ca=None, validate=False):
    """sprigd resolving from the hierarchy, with '.' opportunistic; `extra`
    adds sections; `ca`: the CA bundle (tls_ca_file); `validate`: DNSSEC
    on, from the hierarchy's root trust anchor."""
    h = session.get("hierarchy")
    net = session.get("zones").net
    addr = "%s.6.%d" % (net, octet)
    rundir = session.rundir("sprigd-auth-dot-%d" % octet)
    text = ("config sprig 'main'\n"
            "\tlist listen '%s:%d'\n"
            "\toption mode 'recursive'\n"
            "\toption user ''\n"
            "\toption log_level 'debug'\n"
            "\toption state_dir '%s'\n"
            "\toption control_socket '%s/sprig.sock'\n"
            "\toption query_loopback '1'\n"
            "\toption root_hints '%s'\n"
            + ("\toption dnssec '1'\n\tlist trust_anchor '%s'\n" % h.trust_anchor if validate else "\toption dnssec '0'\n")
            + ("\toption tls_ca_file '%s'\n" % ca if ca else "")
            + "\nconfig auth_transport\n\toption domain '.'\n\toption policy 'opportunistic'\n") % (
                addr, SPRIGD_PORT, rundir, rundir, h.root_hints_path)
    proc = servers.start_sprigd(session.get("sprigd_binary"), text + extra, rundir, name="sprigd-auth-dot-%d" % octet)
    return addr, rundir, proc


def wait_for(session, rundir, key, want, seconds=6.0):
    deadline = time.time() + seconds
    s = stats(session, rundir)
    while s.get(key) != want and time.time() < deadline:
        time.sleep(0.2)
        s = stats(session, rundir)
    return s


@test
def auth_dot_opportunistic_upgrades_only_servers_that_offer_it(session):
    """RFC 9539: the first query to each server goes out over Do53 with a
    probe beside it (the answer does not wait for the probe). The "dnssec"
    server's probe succeeds (its NSD twin serves DoT on 853): the next
    names in its zones (ecdsa.example, rsa.example: one connection for
    every zone on that server) are asked over DoT. The root and TLD
    servers refuse port 853: their probes fail, they stay on Do53 and are
    damped (state 3), with no DoT query to them."""
    if "recursive" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive mode not declared ready (--sprigd-ready recursive)")
    pki = session.get("dot_pki")
    twin = NSDTLSTwin(session, pki)
    addr, rundir, proc = start_recursive(session, 30)
    began = time.time()
    expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
    expect(time.time() - began < ANSWER_SECONDS_MAX, "the first answer waited on a probe")
    key = "auth_dot.server.%s.state" % twin.addr
    s = wait_for(session, rundir, key, 2)
    expect(s.get(key) == 2, "the DoT server's state %s (2: over DoT); %s" % (s.get(key), nonzero(s, "auth_dot.")))
    expect_answer(ask(addr, "www.rsa.example"), "A", ["192.0.2.8"])
    expect_answer(ask(addr, "x.wild.ecdsa.example"), "A", ["192.0.2.113"])
    s = stats(session, rundir)
    tls_queries = s.get("auth_dot.server.%s.tls_queries" % twin.addr, 0)
    expect(tls_queries >= 2, "queries over DoT to %s: %d" % (twin.addr, tls_queries))
    expect(s.get("transport.tls.handshakes") == 1, "one handshake for every zone: %s" % s.get("transport.tls.handshakes"))
    expect(s.get("transport.tls.version13") == (1 if has_tls13(s) else 0), "TLS 1.3 handshakes %s" % s.get("transport.tls.version13"))
    others = {k: v for k, v in s.items() if k.startswith("auth_dot.server.") and k.endswith(".state")
              and twin.addr not in k}
    expect(others, "no other server known")
    expect(all(v in (1, 3) for v in others.values()), "other servers' states %s (want failed/damped)" % others)
    for k in others:
        expect(s.get(k.replace(".state", ".tls_queries")) == 0, "%s got a DoT query" % k)
    expect(s.get("transport.tls.closed.certificate") == 0, "opportunistic DoT checked a certificate")
    # The server's DoT goes away: the next name falls back to Do53 within
    # the budget, and the failure is remembered (state 3: damped).
    twin.proc.stop()
    began = time.time()
    expect_answer(ask(addr, "y.wild.ecdsa.example"), "A", ["192.0.2.113"])
    expect(time.time() - began < ANSWER_SECONDS_MAX, "the fallback took %.2f s" % (time.time() - began))
    s = stats(session, rundir)
    expect(s.get(key) == 3, "state after DoT went away: %s (3: failed, damped)" % s.get(key))
    expect(s.get("auth_dot.fallbacks", 0) >= 1, "auth_dot.fallbacks %s" % s.get("auth_dot.fallbacks"))
    plain_before = s.get("auth_dot.server.%s.plain_queries" % twin.addr, 0)
    expect_answer(ask(addr, "z.wild.ecdsa.example"), "A", ["192.0.2.113"])
    s = stats(session, rundir)
    expect(s.get("auth_dot.server.%s.plain_queries" % twin.addr, 0) > plain_before, "not asked over Do53 after the failure")
    expect(s.get("auth_dot.server.%s.tls_queries" % twin.addr, 0) == tls_queries + 1,
           "DoT tried again while damped: %s" % s.get("auth_dot.server.%s.tls_queries" % twin.addr))
    proc.stop()


@test
def auth_dot_resumes_its_tls_session_with_nsd(session):
    """RFC 9539 connections resume too (RFC 7858 §3.4, RFC 5077): the
    "dnssec" server's NSD twin (OpenSSL) serves DoT; once the first
    connection (the probe's, then its queries) has idled out, the next
    query to that server opens a connection that resumes the session saved
    under the authoritative profile, and is answered over DoT."""
    if "recursive" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive mode not declared ready (--sprigd-ready recursive)")
    pki = session.get("dot_pki")
    twin = NSDTLSTwin(session, pki)
    try:
        addr, rundir, proc = start_recursive(session, 43)
        expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
        key = "auth_dot.server.%s.state" % twin.addr
        s = wait_for(session, rundir, key, 2)
        expect(s.get(key) == 2, "the DoT server's state %s (2: over DoT)" % s.get(key))
        expect_answer(ask(addr, "www.rsa.example"), "A", ["192.0.2.8"])
        s = wait_for(session, rundir, "auth.tls.closed.idle", 1, seconds=IDLE_CLOSE_SECONDS + 5)
        expect(s.get("auth.tls.closed.idle") == 1, "the connection never idled out: %s" % nonzero(s, "auth.tls."))
        tls_queries = s.get("auth_dot.server.%s.tls_queries" % twin.addr, 0)
        expect_answer(ask(addr, "r1.wild.ecdsa.example"), "A", ["192.0.2.113"])
        s = stats(session, rundir)
        expect(s.get("auth_dot.server.%s.tls_queries" % twin.addr, 0) > tls_queries, "not asked over DoT again")
        if has_tls13(s):   # NSD negotiates TLS 1.3, which Sprig does not resume
            expect_tls13_not_resumed(s, "auth")
        else:
            expect(s.get("auth.tls.handshakes") == 2, "handshakes %s" % s.get("auth.tls.handshakes"))
            expect(s.get("auth.tls.resumed") == 1, "resumed %s; %s" % (s.get("auth.tls.resumed"), nonzero(s, "transport.tls.")))
        # The root and TLD servers refuse port 853 (closed.refused); nothing failed in TLS.
        failed_tls = {k: v for k, v in nonzero(s, "auth.tls.closed.").items() if not k.endswith((".idle", ".refused"))}
        expect(not failed_tls, "TLS failures %s" % failed_tls)
        proc.stop()
    finally:
        twin.proc.stop()


STRICT_RSA = "\nconfig auth_transport\n\toption domain 'rsa.example'\n\toption policy 'strict'\n"


def expect_strict_fails_closed(session, addr, rundir, server, reason, counter):
    """www.rsa.example under strict with its server unusable: SERVFAIL with
    EDE 23 naming `server` by NS name and address ("ns.rsa.example (ADDR)")
    and `reason`, `counter` and the strict failure counted, and nothing
    asked of that server in plain or over opportunistic DoT (seed 004: no
    downgrade)."""
    r = ask(addr, "www.rsa.example")
    expect_rcode(r, "SERVFAIL")
    texts = " ".join("%s %s" % (code, text) for code, _, text in r.ede)
    expect("23" in texts and ("ns.rsa.example (%s) strict DoT" % server) in texts and reason in texts, "EDE %s" % r.ede)
    s = stats(session, rundir)
    expect(s.get(counter, 0) >= 1, "%s %s" % (counter, s.get(counter)))
    expect(s.get("auth_dot.strict_failures", 0) >= 1, "strict_failures %s" % s.get("auth_dot.strict_failures"))
    expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) == 0, "a plain query went to the strict server")
    expect(s.get("auth_dot.server.%s.tls_queries" % server, 0) == 0, "an opportunistic DoT query to the strict server")


@test
def auth_dot_strict_with_pins_answers_and_fails_closed(session):
    """Seed 004 strict policy with SPKI pins (RFC 7858 §4.2) for
    rsa.example (served by the "dnssec" server, whose NSD twin speaks DoT).
    Right pin: www.rsa.example is answered over DoT. Wrong pin: SERVFAIL
    with EDE 23 naming the server and "strict DoT", the pin mismatch
    counted, and no plain query to that server (with '.' opportunistic,
    every non-strict query to a server is counted per server; the strict
    server has none). Finding rsa.example's servers (root, TLD) does not
    depend on the strict server (requirement 5)."""
    if "recursive" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive mode not declared ready (--sprigd-ready recursive)")
    pki = session.get("dot_pki")
    twin = NSDTLSTwin(session, pki)
    try:
        def strict(pin):
            return ("\nconfig auth_transport\n\toption domain 'rsa.example'\n\toption policy 'strict'\n"
                    "\tlist tls_pin '%s'\n" % pin)
        addr, rundir, proc = start_recursive(session, 33, strict(pki.pin))
        expect_answer(ask(addr, "www.rsa.example"), "A", ["192.0.2.8"])
        s = stats(session, rundir)
        expect(s.get("strict.0.tls.handshakes") == 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        # NSD (OpenSSL) speaks TLS 1.3: every handshake is 1.3 on a build with it.
        if has_tls13(s):
            expect(s.get("transport.tls.version13") == s.get("transport.tls.handshakes") and s.get("transport.tls.version12") == 0,
                   "TLS versions 1.3: %s, 1.2: %s" % (s.get("transport.tls.version13"), s.get("transport.tls.version12")))
        expect(s.get("auth_dot.server.%s.plain_queries" % twin.addr, 0) == 0, "a plain query to the strict server")
        proc.stop()
        addr, rundir, proc = start_recursive(session, 34, strict(pki.wrong_pin))
        expect_strict_fails_closed(session, addr, rundir, twin.addr, "strict DoT", "transport.tls.closed.pin_mismatch")
        proc.stop()
    finally:
        twin.proc.stop()


@test
def auth_dot_strict_by_ca_and_ns_name_answers_and_wrong_name_fails_closed(session):
    """Seed 004 strict without pins: the certificate must chain to the CA
    bundle (tls_ca_file: the test CA) and match the NS name the server was
    reached by, ns.rsa.example (RFC 8310 §8.1; the name goes out as SNI).
    A certificate for ns.rsa.example answers over DoT with no plain query
    to that server. A certificate for dot.test (same CA, another name)
    fails closed: SERVFAIL, EDE 23 naming the server and the certificate,
    transport.tls.closed.certificate counted, zero queries to that server
    in plain or over opportunistic DoT. The NS name and its address come
    from example.'s referral (requirement 5)."""
    if "recursive" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive mode not declared ready (--sprigd-ready recursive)")
    pki = session.get("dot_pki")
    cert, key = pki.issue("ns.rsa.example")
    twin = NSDTLSTwin(session, pki, cert=cert, key=key)
    try:
        addr, rundir, proc = start_recursive(session, 35, STRICT_RSA, ca=pki.ca)
        expect_answer(ask(addr, "www.rsa.example"), "A", ["192.0.2.8"])
        s = stats(session, rundir)
        expect(s.get("strict.0.tls.handshakes") == 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        expect(s.get("transport.tls.closed.certificate", 0) == 0, "a certificate check failed")
        expect(s.get("auth_dot.server.%s.plain_queries" % twin.addr, 0) == 0, "a plain query to the strict server")
        proc.stop()
    finally:
        twin.proc.stop()
    twin = NSDTLSTwin(session, pki)   # dot.test's certificate
    try:
        addr, rundir, proc = start_recursive(session, 36, STRICT_RSA, ca=pki.ca)
        expect_strict_fails_closed(session, addr, rundir, twin.addr, "certificate", "transport.tls.closed.certificate")
        proc.stop()
    finally:
        twin.proc.stop()


@test
def auth_dot_strict_never_takes_a_plain_answer(session):
    """Hostile: the strict server answers plain DNS on port 53 (its NSD
    serves rsa.example there, and the other tests resolve through it) but
    offers no DoT. Under strict, sprigd never asks it in plain, so that
    answer is never taken: SERVFAIL with EDE 23 "no TLS connection to port
    853", zero plain queries to the server, and a name in a zone of the
    same server that is not strict (ecdsa.example) still resolves, so the
    policy is per zone (requirement 9) and the daemon is up."""
    if "recursive" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive mode not declared ready (--sprigd-ready recursive)")
    pki = session.get("dot_pki")
    h = session.get("hierarchy")
    server = h.servers["dnssec"].addr
    addr, rundir, proc = start_recursive(session, 37, STRICT_RSA, ca=pki.ca)
    r = ask(addr, "www.rsa.example")
    expect_rcode(r, "SERVFAIL")
    texts = " ".join("%s %s" % (code, text) for code, _, text in r.ede)
    expect("23" in texts and ("ns.rsa.example (%s)" % server) in texts and "port 853" in texts, "EDE %s" % r.ede)
    s = stats(session, rundir)
    expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) == 0, "a plain query went to the strict server")
    expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
    s = stats(session, rundir)
    expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) >= 1, "ecdsa.example was not asked in plain")
    expect_rcode(ask(addr, "mail.rsa.example"), "SERVFAIL")
    expect(proc.alive(), "sprigd exited")
    proc.stop()


@test
def auth_dot_strict_requires_tls13_where_the_build_has_it(session):
    """Seed 004 requirement 11 (issue 16, "no downgrade"): rsa.example is
    strict (by pin) and its server's port 853 is a peer that speaks TLS 1.2
    at most (Python ssl, maximum_version TLSv1_2), with the right key.
    On a build with TLS 1.3 (mbedTLS 3.x): the handshake settles on 1.2,
    sprigd ends the connection before any query byte, and the answer is
    SERVFAIL with EDE 23 "TLS 1.2 only; strict requires TLS 1.3", counted,
    with zero queries to that server in plain, over opportunistic DoT, or
    on the TLS 1.2 connection itself. On Debian's 2.28 (no TLS 1.3) strict
    takes TLS 1.2, which is all that build can do: the query goes out over
    it, and the start-up log says strict uses TLS 1.2."""
    if "recursive" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive mode not declared ready (--sprigd-ready recursive)")
    pki = session.get("dot_pki")
    server = session.get("hierarchy").servers["dnssec"].addr
    peer = HostileDoT(session, 0, "answer", pki.cert, pki.key, tls12_only=True, addr=server)
    try:
        strict = STRICT_RSA + "\tlist tls_pin '%s'\n" % pki.pin
        addr, rundir, proc = start_recursive(session, 46, strict)
        s = stats(session, rundir)
        log = open(proc.log_path, "rb").read().decode(errors="replace")
        if has_tls13(s):
            expect("TLS 1.3 and 1.2" in log, "no TLS 1.3 start-up line: %s" % log[-400:])
            expect_strict_fails_closed(session, addr, rundir, server, "TLS 1.2 only; strict requires TLS 1.3",
                                       "transport.tls.closed.version_below_1_3")
            s = stats(session, rundir)
            expect(s.get("strict.0.tls.closed.version_below_1_3", 0) >= 1, "strict.0: %s" % nonzero(s, "strict.0.tls."))
            expect(peer.handshakes >= 1 and set(peer.versions) == {"TLSv1.2"}, "peer versions %s" % peer.versions)
            expect(peer.queries == 0, "%d queries reached the TLS 1.2 peer" % peer.queries)
            expect(s.get("transport.tls.sessions.saved", 0) == 0, "a session of the refused connection was saved")
        else:
            expect("has no TLS 1.3" in log and "strict auth_transport section(s) use TLS 1.2" in log,
                   "no TLS 1.2 start-up lines: %s" % log[-400:])
            ask(addr, "www.rsa.example")   # the peer's answer is no authoritative one: only the transport counts
            deadline = time.time() + 3
            while peer.queries == 0 and time.time() < deadline:
                time.sleep(0.1)
            s = stats(session, rundir)
            expect(peer.queries >= 1 and set(peer.versions) == {"TLSv1.2"},
                   "strict over TLS 1.2: %d queries, versions %s" % (peer.queries, peer.versions))
            expect(s.get("transport.tls.closed.version_below_1_3", 0) == 0, "TLS 1.2 refused on a build without 1.3")
            expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) == 0, "a plain query went to the strict server")
        proc.stop()
    finally:
        peer.stop()


STRICT_DANE = "\nconfig auth_transport\n\toption domain 'dane.example'\n\toption policy 'strict'\n"


@test
def auth_dot_strict_by_dane_answers_and_a_tlsa_mismatch_fails_closed(session):
    """Seed 004 strict by DANE (RFC 7671): dane.example.'s NS name is
    ns.rsa.example., and rsa.example. (signed) publishes
    _853._tcp.ns.rsa.example. TLSA 3 1 1 of a self-signed certificate the
    hierarchy made; no CA vouches for it. With DNSSEC on, the TLSA is
    validated (secure), looked up in a sub-task of its own through
    rsa.example.'s servers (not strict: requirement 5), and the DoT twin
    serving that certificate answers www.dane.example with AD. Then the
    twin serves a certificate for ns.rsa.example. from the test CA, which
    the CA bundle alone would accept: the secure TLSA decides, so the
    server fails closed with SERVFAIL, EDE 23 naming it and the TLSA, and
    transport.tls.closed.dane_mismatch counted."""
    if "recursive" not in session.args.sprigd_ready or "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive and dnssec not declared ready (--sprigd-ready recursive,dnssec)")
    pki = session.get("dot_pki")
    h = session.get("hierarchy")
    twin = NSDTLSTwin(session, pki, cert=h.dane_cert, key=h.dane_key)
    try:
        addr, rundir, proc = start_recursive(session, 38, STRICT_DANE, ca=pki.ca, validate=True)
        r = dig.dig(addr, "www.dane.example", "A", port=SPRIGD_PORT, dnssec=True)
        expect_answer(r, "A", ["192.0.2.30"])
        expect("ad" in r.flags, "no AD on a signed answer: %s" % r.flags)
        s = stats(session, rundir)
        expect(s.get("strict.0.tls.handshakes") == 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        expect(s.get("auth_dot.tlsa_lookups", 0) >= 1, "tlsa_lookups %s" % s.get("auth_dot.tlsa_lookups"))
        expect(s.get("transport.tls.closed.dane_mismatch", 0) == 0, "a DANE check failed")
        expect(s.get("transport.tls.closed.certificate", 0) == 0, "the CA path was used")
        proc.stop()
    finally:
        twin.proc.stop()
    cert, key = pki.issue("ns.rsa.example")
    twin = NSDTLSTwin(session, pki, cert=cert, key=key)
    try:
        addr, rundir, proc = start_recursive(session, 39, STRICT_DANE, ca=pki.ca, validate=True)
        r = ask(addr, "www.dane.example")
        expect_rcode(r, "SERVFAIL")
        texts = " ".join("%s %s" % (code, text) for code, _, text in r.ede)
        expect("23" in texts and ("ns.rsa.example (%s)" % twin.addr) in texts and "TLSA" in texts, "EDE %s" % r.ede)
        s = stats(session, rundir)
        expect(s.get("transport.tls.closed.dane_mismatch", 0) >= 1,
               "dane_mismatch %s" % s.get("transport.tls.closed.dane_mismatch"))
        expect(s.get("strict.0.tls.handshakes", 0) == 0, "a strict handshake was accepted")
        proc.stop()
    finally:
        twin.proc.stop()


@test
def auth_dot_strict_by_dane_ta_answers(session):
    """RFC 7671 §5.2 DANE-TA(2) Cert(0) SHA2-256(1): dane-ta.example.'s NS
    name is ns.ecdsa.example., whose TLSA (signed in ecdsa.example.) names
    a CA of the hierarchy's own, in no bundle. The twin serves the leaf
    for ns.ecdsa.example. with that CA after it: the leaf chains to the
    TLSA's anchor and matches the name, so www.dane-ta.example. is
    answered with AD, over one strict handshake, no certificate failure."""
    if "recursive" not in session.args.sprigd_ready or "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive and dnssec not declared ready (--sprigd-ready recursive,dnssec)")
    pki = session.get("dot_pki")
    h = session.get("hierarchy")
    twin = NSDTLSTwin(session, pki, cert=h.dane_ta_chain, key=h.dane_ta_key)
    try:
        strict = "\nconfig auth_transport\n\toption domain 'dane-ta.example'\n\toption policy 'strict'\n"
        addr, rundir, proc = start_recursive(session, 40, strict, ca=pki.ca, validate=True)
        r = dig.dig(addr, "www.dane-ta.example", "A", port=SPRIGD_PORT, dnssec=True)
        expect_answer(r, "A", ["192.0.2.31"])
        expect("ad" in r.flags, "no AD on a signed answer: %s" % r.flags)
        s = stats(session, rundir)
        expect(s.get("strict.0.tls.handshakes") == 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        expect(s.get("transport.tls.closed.dane_mismatch", 0) == 0, "a DANE check failed")
        proc.stop()
    finally:
        twin.proc.stop()


def hint_text(h, domain, nameservers):
    """A `config hint` for `domain` of the hierarchy (its DS as the hint's
    anchor) with `nameservers`, each 'NAME ADDR'."""
    f = h.zones[domain].ds_records[0].split()
    text = "\nconfig hint\n\toption domain '%s'\n" % domain
    text += "".join("\tlist nameserver '%s'\n" % ns for ns in nameservers)
    return text + "\tlist trust_anchor '%s IN DS %s %s %s %s'\n" % (domain, f[4], f[5], f[6], f[7])


def strict_ready(session):
    if "recursive" not in session.args.sprigd_ready or "dnssec" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive and dnssec not declared ready (--sprigd-ready recursive,dnssec)")


STRICT_ED25519 = "\nconfig auth_transport\n\toption domain 'ed25519.example'\n\toption policy 'strict'\n"


@test
def auth_dot_strict_hinted_domain_by_the_hints_ns_name(session):
    """Seed 004 strict for a domain served through an in-tree hint
    (draft-kolkman-dns-in-tree-hints §2.1): ed25519.example.'s servers come
    from `config hint` ('ns.ed25519.example. ADDR', its DS as anchor),
    never from example.'s referral, so the NS name strict authenticates by
    is the hint's (requirement 5: name and address from the
    configuration). A certificate for ns.ed25519.example from the test CA:
    answered with AD over strict DoT, no certificate failure, zero plain
    queries to the server (before, this failed closed: "no NS name
    known"). A certificate for dot.test: SERVFAIL, EDE 23
    "ns.ed25519.example (ADDR) strict DoT: certificate ...", zero plain
    queries. The same server pinned by its SPKI (`list tls_pin`): answered."""
    strict_ready(session)
    pki = session.get("dot_pki")
    h = session.get("hierarchy")
    server = h.servers["dnssec"].addr
    hint = hint_text(h, "ed25519.example.", ["ns.ed25519.example. %s" % server])
    cert, key = pki.issue("ns.ed25519.example")
    twin = NSDTLSTwin(session, pki, cert=cert, key=key)
    try:
        addr, rundir, proc = start_recursive(session, 50, hint + STRICT_ED25519, ca=pki.ca, validate=True)
        r = dig.dig(addr, "www.ed25519.example", "A", port=SPRIGD_PORT, dnssec=True)
        expect_answer(r, "A", ["192.0.2.15"])
        expect("ad" in r.flags, "no AD on a signed answer: %s" % r.flags)
        s = stats(session, rundir)
        expect(s.get("hints.in_tree.cuts", 0) >= 1, "the hint was not used: %s" % nonzero(s, "hints."))
        expect(s.get("strict.0.tls.handshakes", 0) >= 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        expect(s.get("transport.tls.closed.certificate", 0) == 0, "a certificate check failed")
        expect(s.get("auth_dot.strict_failures", 0) == 0, "strict failures %s" % s.get("auth_dot.strict_failures"))
        expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) == 0, "a plain query to the strict server")
        proc.stop()
    finally:
        twin.proc.stop()
    twin = NSDTLSTwin(session, pki)   # dot.test's certificate
    try:
        addr, rundir, proc = start_recursive(session, 51, hint + STRICT_ED25519, ca=pki.ca, validate=True)
        r = ask(addr, "www.ed25519.example")
        expect_rcode(r, "SERVFAIL")
        want = "ns.ed25519.example (%s) strict DoT: certificate" % server
        expect(any(code == 23 and text.strip("()").startswith(want) for code, _, text in r.ede),
               "EDE %s, want %r" % (r.ede, want))
        s = stats(session, rundir)
        expect(s.get("transport.tls.closed.certificate", 0) >= 1, "certificate %s" % s.get("transport.tls.closed.certificate"))
        expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) == 0, "a plain query to the strict server")
        proc.stop()
        addr, rundir, proc = start_recursive(session, 52, hint + STRICT_ED25519 + "\tlist tls_pin '%s'\n" % pki.pin,
                                             ca=pki.ca, validate=True)
        r = dig.dig(addr, "www.ed25519.example", "A", port=SPRIGD_PORT, dnssec=True)
        expect_answer(r, "A", ["192.0.2.15"])
        expect("ad" in r.flags, "no AD on a signed answer: %s" % r.flags)
        s = stats(session, rundir)
        expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) == 0, "a plain query to the strict server")
        proc.stop()
    finally:
        twin.proc.stop()


@test
def auth_dot_strict_hinted_domain_gets_an_in_domain_tlsa_over_the_ca_path(session):
    """Requirement 5's order for a hint name inside the hinted domain:
    rsa.example. hinted ('ns.rsa.example. ADDR'), strict; rsa.example.
    publishes a secure TLSA at _853._tcp.ns.rsa.example. (the hierarchy's
    self-signed key). The TLSA lives in the hinted zone, so it is fetched
    from the hinted server authenticated by the CA bundle with the hint's
    name (never by a TLSA): the twin's certificate for ns.rsa.example from
    the test CA passes that, no certificate failure. Then the secure TLSA
    decides for the query itself, and that certificate is not its key:
    SERVFAIL, EDE 23 "ns.rsa.example (ADDR) strict DoT: certificate does
    not match its secure TLSA (DANE)", the mismatch counted, nothing plain."""
    strict_ready(session)
    pki = session.get("dot_pki")
    h = session.get("hierarchy")
    server = h.servers["dnssec"].addr
    hint = hint_text(h, "rsa.example.", ["ns.rsa.example. %s" % server])
    cert, key = pki.issue("ns.rsa.example")
    twin = NSDTLSTwin(session, pki, cert=cert, key=key)
    try:
        addr, rundir, proc = start_recursive(session, 55, hint + STRICT_RSA, ca=pki.ca, validate=True)
        r = ask(addr, "www.rsa.example")
        expect_rcode(r, "SERVFAIL")
        want = "ns.rsa.example (%s) strict DoT: certificate does not match its secure TLSA" % server
        expect(any(code == 23 and text.strip("()").startswith(want) for code, _, text in r.ede),
               "EDE %s, want %r" % (r.ede, want))
        s = stats(session, rundir)
        expect(s.get("auth_dot.tlsa_lookups", 0) >= 1, "tlsa_lookups %s" % s.get("auth_dot.tlsa_lookups"))
        expect(s.get("transport.tls.closed.certificate", 0) == 0, "the TLSA's CA path failed")
        expect(s.get("transport.tls.closed.dane_mismatch", 0) >= 1,
               "dane_mismatch %s" % s.get("transport.tls.closed.dane_mismatch"))
        expect(s.get("auth_dot.server.%s.plain_queries" % server, 0) == 0, "a plain query to the strict server")
        proc.stop()
    finally:
        twin.proc.stop()


@test
def auth_dot_strict_hinted_domain_by_dane_of_a_hint_name_outside_it(session):
    """Strict dane.example. through a hint whose in-domain nameserver
    (ns1.dane.example. at <net>.0.99: nothing listens) is tried first and
    fails closed, and whose second one, ns.rsa.example. on the "dnssec"
    server, only DANE can authenticate (the hierarchy's self-signed
    certificate). That name is outside the hinted domain: its TLSA
    (_853._tcp.ns.rsa.example. 3 1 1, signed in rsa.example.) is looked up
    in rsa.example., never through the hinted servers (requirement 5), is
    secure, and decides: www.dane.example. answered with AD over strict
    DoT, no DANE mismatch; the dead server's failure is counted."""
    strict_ready(session)
    pki = session.get("dot_pki")
    h = session.get("hierarchy")
    server = h.servers["dnssec"].addr
    hint = hint_text(h, "dane.example.", ["ns1.dane.example. %s.0.99" % h.net, "ns.rsa.example. %s" % server])
    twin = NSDTLSTwin(session, pki, cert=h.dane_cert, key=h.dane_key)
    try:
        addr, rundir, proc = start_recursive(session, 53, hint + STRICT_DANE, ca=pki.ca, validate=True)
        r = dig.dig(addr, "www.dane.example", "A", port=SPRIGD_PORT, dnssec=True)
        expect_answer(r, "A", ["192.0.2.30"])
        expect("ad" in r.flags, "no AD on a signed answer: %s" % r.flags)
        s = stats(session, rundir)
        expect(s.get("hints.in_tree.cuts", 0) >= 1, "the hint was not used: %s" % nonzero(s, "hints."))
        expect(s.get("strict.0.tls.handshakes", 0) >= 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        expect(s.get("auth_dot.tlsa_lookups", 0) >= 1, "tlsa_lookups %s" % s.get("auth_dot.tlsa_lookups"))
        expect(s.get("transport.tls.closed.dane_mismatch", 0) == 0, "a DANE check failed")
        expect(s.get("auth_dot.strict_failures", 0) >= 1, "the dead in-domain server was not tried first")
        expect(s.get("auth_dot.server.%s.0.99.plain_queries" % h.net, 0) == 0, "a plain query to a strict server")
        proc.stop()
    finally:
        twin.proc.stop()


@test
def auth_dot_strict_root_by_the_root_hints_name(session):
    """Strict '.' narrowed to `list server 'a.root-servers.example'`: the
    root hints (named.root form) name that server, so it is authenticated
    by that name with the CA bundle from the first query (priming
    included), before any root NS set is cached; the root twin's
    certificate for a.root-servers.example answers, zero plain queries go
    to the root. Every other server stays opportunistic ('.')."""
    strict_ready(session)
    pki = session.get("dot_pki")
    h = session.get("hierarchy")
    root = h.servers["root"].addr
    cert, key = pki.issue("a.root-servers.example")
    twin = NSDTLSTwin(session, pki, cert=cert, key=key, server="root")
    try:
        strict = ("\nconfig auth_transport\n\toption domain '.'\n\toption policy 'strict'\n"
                  "\tlist server 'a.root-servers.example'\n")
        addr, rundir, proc = start_recursive(session, 54, strict, ca=pki.ca, validate=True)
        r = dig.dig(addr, "www.ecdsa.example", "A", port=SPRIGD_PORT, dnssec=True)
        expect_answer(r, "A", ["192.0.2.13"])
        expect("ad" in r.flags, "no AD on a signed answer: %s" % r.flags)
        s = stats(session, rundir)
        expect(s.get("strict.0.tls.handshakes", 0) >= 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        expect(s.get("transport.tls.closed.certificate", 0) == 0, "a certificate check failed")
        expect(s.get("auth_dot.strict_failures", 0) == 0, "strict failures %s" % s.get("auth_dot.strict_failures"))
        expect(s.get("auth_dot.server.%s.plain_queries" % root, 0) == 0, "a plain query to the strict root")
        proc.stop()
    finally:
        twin.proc.stop()


class BINDTLSTwin:
    """BIND 9.18 on the "bind" server's address, port 853 only, DoT
    (`tls NAME { key-file; cert-file; }` and `listen-on port 853 tls
    NAME`), serving bind9.example. beside the `bind` fixture's plain BIND
    on port 53. Both log their queries: what reaches this one came over
    DoT, what reaches the other came in plain."""

    TLS = "sprig-dot"

    def __init__(self, session, cert, key):
        h = session.get("hierarchy")
        session.get("bind")   # the plain one (port 53), and the address on lo
        server = h.servers["bind"]
        self.addr = server.addr
        self.rundir = session.rundir("bind-tls")
        os.makedirs(self.rundir, exist_ok=True)
        zones = [(z, h.zones[z].zonefile) for z in server.zones]
        text = servers.bind_config(self.rundir, self.addr, DOT_PORT, zones)
        text = text.replace("listen-on port %d {" % DOT_PORT, "listen-on port %d tls %s {" % (DOT_PORT, self.TLS), 1)
        text = 'tls %s { key-file "%s"; cert-file "%s"; };\n' % (self.TLS, key, cert) + text
        conf = os.path.join(self.rundir, "named.conf")
        with open(conf, "w") as f:
            f.write(text)
        check = subprocess.run(["named-checkconf", conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError("named-checkconf %s: %s" % (conf, check.stdout + check.stderr))
        self.log = os.path.join(self.rundir, "named.log")
        self.proc = servers.Process("bind-tls", ["named", "-g", "-4", "-c", conf], self.log,
                                    addr=self.addr, port=DOT_PORT, cwd=self.rundir)
        deadline = time.time() + 10
        while time.time() < deadline and "running" not in open(self.log).read():
            time.sleep(0.1)
        expect("running" in open(self.log).read(), "BIND with DoT did not start: %s" % self.log)

    @staticmethod
    def queries(log, name=None):
        """Queries for `name` (or every query) in a BIND query log."""
        want = "query: %s IN " % name.rstrip(".") if name else "query: "
        with open(log) as f:
            return sum(1 for line in f if want in line)


def plain_bind_log(session):
    return os.path.join(session.rundir("bind-bind"), "named.log")


@test
def auth_dot_bind_opportunistic_upgrade_and_strict(session):
    """The issue's second authoritative DoT peer, BIND 9.18 (`listen-on
    port 853 tls`), through the daemon. Opportunistic ('.'): the first
    query to ns.bind9.example. goes plain (to the port-53 BIND) with a
    probe; the probe's handshake with BIND succeeds (state 2), and the next
    names go over DoT: BIND's DoT instance logs them, the plain one does
    not. Strict bind9.example. by the CA bundle with the NS name (a
    certificate for ns.bind9.example from the test CA): answered with AD;
    the name reaches the DoT BIND, and not one query of any name reaches
    the plain one (its query log)."""
    strict_ready(session)
    pki = session.get("dot_pki")
    cert, key = pki.issue("ns.bind9.example")
    twin = BINDTLSTwin(session, cert, key)
    plain_log = plain_bind_log(session)
    try:
        addr, rundir, proc = start_recursive(session, 56, validate=True)
        expect_answer(ask(addr, "www.bind9.example"), "A", ["192.0.2.90"])
        k = "auth_dot.server.%s" % twin.addr
        s = wait_for(session, rundir, k + ".state", 2)
        expect(s.get(k + ".state") == 2, "BIND's DoT state %s (2: over DoT); %s" % (s.get(k + ".state"), nonzero(s, "auth_dot.")))
        plain_before = BINDTLSTwin.queries(plain_log, "new.bind9.example")
        expect_answer(ask(addr, "new.bind9.example"), "A", ["192.0.2.91"])
        s = stats(session, rundir)
        expect(s.get(k + ".tls_queries", 0) >= 1, "queries over DoT to BIND: %s" % s.get(k + ".tls_queries"))
        expect(BINDTLSTwin.queries(twin.log, "new.bind9.example") >= 1, "BIND's DoT log has no query for new.bind9.example")
        expect(BINDTLSTwin.queries(plain_log, "new.bind9.example") == plain_before, "new.bind9.example went plain to BIND")
        print("bind dot: opportunistic: tls_queries %d, plain_queries %d to %s" % (
            s.get(k + ".tls_queries", 0), s.get(k + ".plain_queries", 0), twin.addr))
        proc.stop()
        strict = "\nconfig auth_transport\n\toption domain 'bind9.example'\n\toption policy 'strict'\n"
        plain_before = BINDTLSTwin.queries(plain_log)   # every query: none may come now
        tls_before = BINDTLSTwin.queries(twin.log, "later.bind9.example")
        addr, rundir, proc = start_recursive(session, 57, strict, ca=pki.ca, validate=True)
        r = dig.dig(addr, "later.bind9.example", "A", port=SPRIGD_PORT, dnssec=True)
        expect_answer(r, "A", ["192.0.2.92"])
        expect("ad" in r.flags, "no AD on a signed answer: %s" % r.flags)
        s = stats(session, rundir)
        expect(s.get("strict.0.tls.handshakes", 0) >= 1, "strict handshakes %s" % s.get("strict.0.tls.handshakes"))
        expect(s.get("transport.tls.closed.certificate", 0) == 0, "a certificate check failed")
        expect(BINDTLSTwin.queries(twin.log, "later.bind9.example") > tls_before, "later.bind9.example not asked over DoT")
        expect(BINDTLSTwin.queries(plain_log) == plain_before, "a plain query reached BIND under strict")
        print("bind dot: strict: %d handshakes, %d queries for later.bind9.example over DoT, %d plain queries to BIND" % (
            s.get("strict.0.tls.handshakes", 0), BINDTLSTwin.queries(twin.log, "later.bind9.example") - tls_before,
            BINDTLSTwin.queries(plain_log) - plain_before))
        proc.stop()
    finally:
        twin.proc.stop()


@test
def auth_dot_most_specific_section_wins_and_list_server_narrows(session):
    """Seed 004 requirements 2, 8, 9 through the daemon. '.' opportunistic,
    ecdsa.example 'off': once the "dnssec" server's twin has shown DoT
    (state 2, reached for rsa.example), ecdsa.example's names still go to
    it in plain (off wins below), while ed25519.example's go over DoT.
    Then a strict section for all of 'example' narrowed by `list server
    'ns.rsa.example'`: the same address is strict when reached as
    ns.rsa.example (rsa.example, no DoT offered: SERVFAIL with EDE 23, no
    plain query) and not when reached as ns.ecdsa.example (answered)."""
    if "recursive" not in session.args.sprigd_ready:
        raise Skip("sprigd recursive mode not declared ready (--sprigd-ready recursive)")
    pki = session.get("dot_pki")
    twin = NSDTLSTwin(session, pki)
    try:
        off = "\nconfig auth_transport\n\toption domain 'ecdsa.example'\n\toption policy 'off'\n"
        addr, rundir, proc = start_recursive(session, 41, off)
        expect_answer(ask(addr, "www.rsa.example"), "A", ["192.0.2.8"])
        key = "auth_dot.server.%s" % twin.addr
        s = wait_for(session, rundir, key + ".state", 2)
        expect(s.get(key + ".state") == 2, "the DoT server's state %s" % s.get(key + ".state"))
        tls_before, plain_before = s.get(key + ".tls_queries", 0), s.get(key + ".plain_queries", 0)
        expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
        expect_answer(ask(addr, "x.wild.ecdsa.example"), "A", ["192.0.2.113"])
        s = stats(session, rundir)
        expect(s.get(key + ".tls_queries", 0) == tls_before, "an 'off' zone went over DoT")
        expect(s.get(key + ".plain_queries", 0) == plain_before, "'off' queries counted as opportunistic ones")
        expect_answer(ask(addr, "www.ed25519.example"), "A", ["192.0.2.15"])
        s = stats(session, rundir)
        expect(s.get(key + ".tls_queries", 0) > tls_before, "ed25519.example (opportunistic) not over DoT")
        proc.stop()
    finally:
        twin.proc.stop()
    narrowed = ("\nconfig auth_transport\n\toption domain 'example'\n\toption policy 'strict'\n"
                "\tlist server 'ns.rsa.example'\n")
    addr, rundir, proc = start_recursive(session, 42, narrowed, ca=pki.ca)
    r = ask(addr, "www.rsa.example")
    expect_rcode(r, "SERVFAIL")
    texts = " ".join("%s %s" % (code, text) for code, _, text in r.ede)
    expect("23" in texts and ("ns.rsa.example (%s) strict DoT" % twin.addr) in texts, "EDE %s" % r.ede)
    expect_answer(ask(addr, "www.ecdsa.example"), "A", ["192.0.2.13"])
    s = stats(session, rundir)
    expect(s.get("strict.0.tls.handshakes", 0) == 0, "a strict handshake without DoT")
    proc.stop()


@test
def dot_forwarder_query_path_never_allocates(session):
    """DESIGN §2.1 over TLS: after warm-up, 20,000 queries (hits and misses
    that go out over the pipelined TLS connection) cause zero heap
    allocations in the release sprigd (LD_PRELOAD malloc counter): mbedTLS's
    record and handshake memory comes from its arena."""
    forward_ready(session)
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Bench"))
    import malloc_count
    binary = release_sprigd(session)
    up = session.get("dot_unbound")
    rundir = session.rundir("sprigd-dot-22")
    so = malloc_count.build(rundir)
    live = os.path.join(rundir, "malloc.live")
    addr, rundir, proc = start(session, 22, [upstream_text(up.addrs[0], name=TLS_NAME)],
                               env=malloc_count.preload_env(so, live=live), binary=binary,
                               extra="\toption cache_size '256K'\n")

    def perf(names, path):
        # 24 in flight: below the 32 queries one connection pipelines
        # (TransportLimits.queriesPerConnectionMax).
        return servers.dnsperf_completed(addr, SPRIGD_PORT, names, path, clients=4, outstanding=24, seconds=120)

    warm = ["w%d.alloc.test" % i for i in range(1000)]
    perf(warm + warm, os.path.join(rundir, "warm.txt"))
    before = malloc_count.read_live(live)
    mixed = []
    for i in range(10000):
        mixed.append(warm[i % len(warm)])
        mixed.append("m%d.alloc.test" % i)
    answered = perf(mixed, os.path.join(rundir, "mixed.txt"))
    after = malloc_count.read_live(live)
    expect(before is not None and after is not None, "malloc counter not readable")
    expect(answered >= 18000, "only %d of 20,000 queries answered" % answered)
    grown = after["allocations"] - before["allocations"]
    expect(grown == 0, "%d allocations during %d queries (before %s, after %s)" % (grown, answered, before, after))
    s = stats(session, rundir)
    expect(s.get("upstream.0.tls.reused", 0) >= 10000, "reuse %s" % s.get("upstream.0.tls.reused"))
    expect(s.get("transport.refused.tcp_pipeline_full") == 0, "pipeline full %s" % s.get("transport.refused.tcp_pipeline_full"))
    expect(s.get("transport.udp.queries") == 0, "plain UDP went out")
    print("dot alloc: %d queries, handshakes %s, reused %s, mbedTLS high water %s bytes; %s" % (
        answered, s.get("transport.tls.handshakes"), s.get("upstream.0.tls.reused"), s.get("transport.tls.memory_high_water"),
        {k: v for k, v in s.items() if v and ("refused" in k or k.startswith("upstream.") or "servfail" in k)}))
    proc.stop()
