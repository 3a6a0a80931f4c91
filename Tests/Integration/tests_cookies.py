"""DNS cookies through the running sprigd (issue 20 item 5; RFC 7873,
RFC 9018).

To clients (sprigd at <net>.1.15, port 5305, its own state_dir):
  - a query with a client cookie gets it back with a 16-byte RFC 9018
    server cookie (version 1, reserved 0, a timestamp near now), over UDP
    and TCP;
  - the cookie sent back is returned unchanged (under half an hour old) and
    counted valid, also after a restart with the same state_dir (the secret
    is in state_dir/cookie.secret, mode 0600);
  - a COOKIE option of a length no cookie has gets FORMERR (§5.2.2);
  - a corrupt secret file is reported and replaced: the old cookie is then
    invalid (counted), a fresh one is given, the query still answered.
Upstream (sprigd forwarding):
  - to a BIND 9.18 with require-server-cookie: the first query carries a
    client cookie (BIND says BADCOOKIE), the retry the server cookie it
    learned; both seen in BIND's query log;
  - to a forger that sends a wrong-cookie answer before the real one: the
    forgery is dropped and counted, the real answer taken.
"""
import os
import re
import stat
import time

import servers
from harness import Resolver, Skip, expect, expect_rcode, sprigd_recursive_config, test
from tests_sprigd import ready
from tests_aggressive_nsec import stats

PORT = 5305
CLIENT_COOKIE = "0123456789abcdef"
_COOKIE = re.compile(r"; COOKIE: ([0-9a-fA-F]+)")


def cookie_of(response):
    """The COOKIE option's hex as dig prints it, or None."""
    m = _COOKIE.search(response.text)
    return m.group(1).lower() if m else None


def expect_server_cookie(response, client=CLIENT_COOKIE):
    cookie = cookie_of(response)
    expect(cookie is not None, "no COOKIE in the answer:\n%s" % response.text)
    expect(len(cookie) == 48, "COOKIE of %d bytes, expected 24 (8 + 16):\n%s" % (len(cookie) // 2, response.text))
    expect(cookie[:16] == client, "client cookie not echoed: %s" % cookie)
    expect(cookie[16:24] == "01000000", "not an RFC 9018 version 1 cookie: %s" % cookie)
    stamp = int(cookie[24:32], 16)
    expect(abs(stamp - time.time()) < 300, "timestamp %d is not now (%d)" % (stamp, time.time()))
    return cookie


def start(session, sprigd_binary, run):
    h = session.get("hierarchy")
    addr = "%s.1.15" % h.net
    state = session.rundir("sprigd-cookies")
    logdir = session.rundir("sprigd-cookies-run%d" % run)
    # The state directory stays the same; each run logs to its own.
    text = sprigd_recursive_config(h, addr, PORT, state)
    p = servers.start_sprigd(sprigd_binary, text, logdir, name="sprigd-cookies")
    return Resolver("sprigd-cookies", addr, PORT, p), state


@test
def client_cookies_get_server_cookies_that_survive_a_restart(session, sprigd_binary, zones):
    ready("recursive")(session)
    r, state = start(session, sprigd_binary, 0)
    first = r.query("example.", "SOA", extra=("+cookie=" + CLIENT_COOKIE,))
    expect_rcode(first, "NOERROR")
    cookie = expect_server_cookie(first)
    expect("(good)" in first.text, "dig did not find its client cookie echoed:\n%s" % first.text)
    # dig's own random client cookie (`dig +cookie`, its default).
    plain_dig = r.query("example.", "SOA", extra=("+cookie",))
    expect(cookie_of(plain_dig) and len(cookie_of(plain_dig)) == 48 and "(good)" in plain_dig.text,
           "dig +cookie:\n%s" % plain_dig.text)
    # Sent back: the same cookie (RFC 9018 §4.3, under half an hour old).
    again = r.query("example.", "SOA", extra=("+cookie=" + cookie,))
    expect(cookie_of(again) == cookie, "a valid cookie was not returned as it was: %s, %s" % (cookie, cookie_of(again)))
    over_tcp = r.query("example.", "SOA", tcp=True, extra=("+cookie=" + cookie,))
    expect(cookie_of(over_tcp) == cookie, "over TCP: %s" % cookie_of(over_tcp))
    # Without a cookie, none comes back (RFC 7873 §5.2.1).
    plain = r.query("example.", "SOA", extra=("+nocookie",))
    expect(cookie_of(plain) is None, "a cookie answered a query without one:\n%s" % plain.text)
    counters = stats(session, state)
    expect(counters["cookies.client_only"] >= 2 and counters["cookies.server_valid"] >= 2,
           "counters: %s" % {k: v for k, v in counters.items() if k.startswith("cookies")})
    r.stop()

    secret = os.path.join(state, "cookie.secret")
    expect(os.path.exists(secret), "no state_dir/cookie.secret")
    mode = stat.S_IMODE(os.stat(secret).st_mode)
    expect(mode == 0o600, "cookie.secret has mode %o, expected 600" % mode)
    expect(os.path.getsize(secret) == 73, "cookie.secret is %d bytes" % os.path.getsize(secret))

    r, _ = start(session, sprigd_binary, 1)
    after = r.query("example.", "SOA", extra=("+cookie=" + cookie,))
    expect_rcode(after, "NOERROR")
    expect(cookie_of(after) == cookie, "after a restart the cookie changed: %s, %s" % (cookie, cookie_of(after)))
    counters = stats(session, state)
    expect(counters["cookies.server_valid"] == 1 and counters["cookies.server_invalid"] == 0,
           "after a restart: %s" % {k: v for k, v in counters.items() if k.startswith("cookies")})
    # Recursing, sprigd sends cookies to the hierarchy's servers; BIND
    # (bind9.example.) answers with a server cookie, which is kept.
    session.get("bind")
    expect_rcode(r.query("www.bind9.example.", "A"), "NOERROR")
    counters = stats(session, state)
    upstream = {k: v for k, v in counters.items() if k.startswith("cookies.upstream")}
    expect(upstream["cookies.upstream_sent"] >= 1 and upstream["cookies.upstream_learned"] >= 1
           and upstream["cookies.upstream_mismatch"] == 0, "recursing: %s" % upstream)
    r.stop()

    with open(secret, "r+b") as f:
        f.seek(20)
        f.write(b"\x00\x11\x22")
    r, _ = start(session, sprigd_binary, 2)
    replaced = r.query("example.", "SOA", extra=("+cookie=" + cookie,))
    expect_rcode(replaced, "NOERROR")
    fresh = expect_server_cookie(replaced)
    expect(fresh != cookie, "a corrupt secret file still verified the old cookie")
    counters = stats(session, state)
    expect(counters["cookies.server_invalid"] == 1, "the old cookie was not counted invalid: %s" % counters)
    r.stop()
    with open(r.process.log_path) as f:
        expect("corrupt" in f.read(), "the corrupt cookie.secret was not reported")


@test
def malformed_cookie_option_gets_formerr(session, sprigd_binary, zones):
    """RFC 7873 §5.2.2: a COOKIE option of 5, 12 or 41 bytes is FORMERR;
    8, 16 and 40 bytes are answered."""
    ready("recursive")(session)
    r, state = start(session, sprigd_binary, 10)
    for length, rcode in ((5, "FORMERR"), (12, "FORMERR"), (41, "FORMERR"),
                          (8, "NOERROR"), (16, "NOERROR"), (40, "NOERROR")):
        resp = r.query("example.", "SOA", extra=("+nocookie", "+ednsopt=10:" + "ab" * length))
        expect_rcode(resp, rcode)
        if rcode == "FORMERR":
            expect(cookie_of(resp) is None, "a FORMERR carried a cookie:\n%s" % resp.text)
        else:
            expect(cookie_of(resp) is not None, "no cookie for a %d-byte option:\n%s" % (length, resp.text))
    counters = stats(session, state)
    expect(counters["cookies.client_malformed"] == 3, "cookies.client_malformed %d" % counters["cookies.client_malformed"])
    expect(r.process.alive(), "sprigd died")
    r.stop()


STRICT_BIND = "0.10"   # <net>.0.10: a BIND of this test's own


@test
def sprigd_sends_client_cookies_to_bind(session, sprigd_binary, zones):
    """Upstream cookies, seen by BIND 9.18. A BIND of its own with
    `require-server-cookie yes` serves bind9.example.: it answers a query
    with a client cookie alone with BADCOOKIE and a server cookie, and
    answers fully only a query that returns it (BIND's ARM). sprigd
    forwarding to it resolves www.bind9.example.: it sent a client cookie
    (else BIND would not say BADCOOKIE), learned the server cookie, asked
    again with it (RFC 7873 §5.3), and nothing was counted as spoofed.
    BIND's query log shows the cookie flags (K: a cookie, V: a valid server
    cookie)."""
    ready("forward")(session)
    import shutil
    if not shutil.which("named"):
        raise Skip("no named (Debian package bind9)")
    h = session.get("hierarchy")
    bind_addr = "%s.%s" % (h.net, STRICT_BIND)
    if not servers.ensure_loopback_address(bind_addr):
        raise Skip("BIND needs %s on an interface (run.sh's private namespace adds it)" % bind_addr)
    zone = h.zones["bind9.example."]
    bind = servers.start_bind(session.rundir("bind-cookies"), "bind-cookies", bind_addr,
                              [("bind9.example.", zone.zonefile)], options=["require-server-cookie yes;"])
    addr = "%s.1.18" % h.net
    rundir = session.rundir("sprigd-cookies-fwd")
    text = servers_forward_config(addr, rundir, bind_addr)
    p = servers.start_sprigd(sprigd_binary, text, rundir, name="sprigd-cookies-fwd")
    r = Resolver("sprigd-cookies-fwd", addr, PORT, p)
    answer = r.query("www.bind9.example.", "A", dnssec=False)
    expect_rcode(answer, "NOERROR")
    expect(answer.rdatas("A") == ["192.0.2.90"], "answer: %s" % answer.summary())
    counters = stats(session, rundir)
    c = {k: v for k, v in counters.items() if k.startswith("cookies.upstream")}
    expect(c["cookies.upstream_sent"] >= 2, "cookies sent: %s" % c)
    expect(c["cookies.upstream_badcookie"] >= 1, "BIND's BADCOOKIE was not seen: %s" % c)
    expect(c["cookies.upstream_learned"] >= 1, "no server cookie learned: %s" % c)
    expect(c["cookies.upstream_mismatch"] == 0 and c["cookies.upstream_malformed"] == 0, "dropped: %s" % c)
    # A second name: the learned server cookie goes with the first query.
    before = c["cookies.upstream_badcookie"]
    expect_rcode(r.query("new.bind9.example.", "A", dnssec=False), "NOERROR")
    after = stats(session, rundir)
    expect(after["cookies.upstream_badcookie"] == before, "BADCOOKIE again with a learned server cookie")
    r.stop()
    with open(bind.log_path) as f:
        log = f.read()
    # "query: www.bind9.example IN A +E(0)K (127.53.0.10)": the flags after
    # the type; sprigd's queries are the only ones for these names.
    flags = re.findall(r"query: (?:www|new)\.bind9\.example IN A (\S+) \(", log)
    expect(flags, "BIND logged no query from sprigd:\n%s" % log[-2000:])
    expect(flags[0].endswith("K"), "sprigd's first query carried no client cookie: %s" % flags)
    expect(all("V" in f for f in flags[1:]), "later queries without a valid server cookie: %s" % flags)
    bind.stop()


def servers_forward_config(addr, rundir, upstream):
    from harness import sprigd_forward_config
    return sprigd_forward_config(addr, PORT, [(upstream, 53)], rundir)


SPOOFER = "0.11"   # <net>.0.11: this test's own responder


class CookieSpoofer(servers.UDPResponder):
    """A UDP responder for one name that, for every query, first sends a
    forged answer whose COOKIE option carries the wrong client cookie (as
    an off-path spoofer that guessed ID and port would), then the real one
    echoing the query's client cookie. Standard library only."""

    def __init__(self, addr, port=53):
        self.queries = 0
        self.cookies_seen = 0
        super().__init__(addr, port)

    def handle(self, data, peer):
        parsed = self.parse(data)
        if parsed is None:
            return None
        query_id, question, client_cookie = parsed
        self.queries += 1
        replies = []
        if client_cookie is not None:
            self.cookies_seen += 1
            forged = bytes(b ^ 0xFF for b in client_cookie)
            replies.append(self.answer(query_id, question, "6.6.6.6", forged))
        replies.append(self.answer(query_id, question, "192.0.2.77", client_cookie))
        return replies

    @staticmethod
    def parse(data):
        """(id, question bytes, client cookie or None), or None."""
        import struct
        if len(data) < 12:
            return None
        query_id, _, qd, an, ns, ar = struct.unpack("!HHHHHH", data[:12])
        if qd != 1:
            return None
        i = 12
        while i < len(data) and data[i] != 0:
            i += 1 + data[i]
        i += 1 + 4
        question = data[12:i]
        cookie = None
        if ar and i + 11 <= len(data) and data[i] == 0 and struct.unpack("!H", data[i + 1:i + 3])[0] == 41:
            rdlen = struct.unpack("!H", data[i + 9:i + 11])[0]
            j, end = i + 11, i + 11 + rdlen
            while j + 4 <= end:
                code, length = struct.unpack("!HH", data[j:j + 4])
                if code == 10 and length >= 8:
                    cookie = data[j + 4:j + 12]
                j += 4 + length
        return query_id, question, cookie

    @staticmethod
    def answer(query_id, question, address, client_cookie):
        import struct
        header = struct.pack("!HHHHHH", query_id, 0x8580, 1, 1, 0, 1)
        rdata = bytes(int(x) for x in address.split("."))
        record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + rdata
        options = b""
        if client_cookie is not None:
            value = client_cookie + bytes(range(16))
            options = struct.pack("!HH", 10, len(value)) + value
        opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, len(options)) + options
        return header + question + record + opt


@test
def spoofed_cookie_answers_are_dropped(session, sprigd_binary, zones):
    """RFC 7873 §5.3 against a live forger: each forged answer (the wrong
    client cookie in its COOKIE option, sent first) is dropped and counted
    in cookies.upstream_mismatch; the client gets the real address."""
    ready("forward")(session)
    h = session.get("zones")
    upstream = "%s.%s" % (h.net, SPOOFER)
    spoofer = CookieSpoofer(upstream)
    try:
        addr = "%s.1.19" % h.net
        rundir = session.rundir("sprigd-cookies-spoof")
        p = servers.start_sprigd(sprigd_binary, servers_forward_config(addr, rundir, upstream), rundir,
                                 name="sprigd-cookies-spoof")
        r = Resolver("sprigd-cookies-spoof", addr, PORT, p)
        answer = r.query("spoofed.example.", "A", dnssec=False)
        expect_rcode(answer, "NOERROR")
        expect(answer.rdatas("A") == ["192.0.2.77"], "the forged answer got through: %s" % answer.summary())
        counters = stats(session, rundir)
        expect(spoofer.cookies_seen >= 1, "sprigd sent no client cookie")
        expect(counters["cookies.upstream_mismatch"] >= 1, "forged answers not counted: %s" % counters)
        expect(counters["cookies.upstream_learned"] >= 1, "the real answer's server cookie was not kept")
        r.stop()
    finally:
        spoofer.stop()


@test
def cookies_off_means_none_given_none_kept(session, sprigd_binary, zones):
    """`option cookies '0'`: sprigd behaves as a server without cookies —
    no COOKIE option in answers, a malformed one ignored (no FORMERR), no
    cookie.secret written."""
    ready("recursive")(session)
    h = session.get("hierarchy")
    addr = "%s.1.15" % h.net
    rundir = session.rundir("sprigd-cookies-off")
    text = sprigd_recursive_config(h, addr, PORT + 1, rundir) + "\toption cookies '0'\n"
    p = servers.start_sprigd(sprigd_binary, text, rundir, name="sprigd-cookies-off")
    r = Resolver("sprigd-cookies-off", addr, PORT + 1, p)
    answer = r.query("example.", "SOA", extra=("+cookie=" + CLIENT_COOKIE,))
    expect_rcode(answer, "NOERROR")
    expect(cookie_of(answer) is None, "a cookie with cookies off:\n%s" % answer.text)
    odd = r.query("example.", "SOA", extra=("+nocookie", "+ednsopt=10:" + "ab" * 5))
    expect_rcode(odd, "NOERROR")
    expect(stats(session, rundir)["cookies.upstream_sent"] == 0, "cookies sent upstream with cookies off")
    r.stop()
    expect(not os.path.exists(os.path.join(rundir, "cookie.secret")), "cookie.secret written with cookies off")
