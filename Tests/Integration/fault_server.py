#!/usr/bin/env python3
"""An authoritative server that misbehaves on purpose (tests_faults.py),
for the unsigned zone `faults.example.` delegated to it. The first label of
the question chooses the fault; every other name gets A 192.0.2.<n>.

  slow-*      answered after SLOW_SECONDS (longer than a first timeout)
  garbage-*   random bytes, never a DNS message; then, for the next query
              of the same name, a real answer
  wrongid-*   first a reply with another ID (a spoofing attempt), then the
              real one
  wrongport-* first a reply from another source port (connected sockets
              drop it in the kernel), then the real one
  trunc-*     TC over UDP; the answer over TCP
  cut-*       TC over UDP; over TCP half the frame, then the connection
              closes (every time)
  dead-*      never answered (UDP or TCP)
  nx-*        NXDOMAIN with the zone's SOA
  report-*    SERVFAIL with an OPT whose Report-Channel option (RFC 9567
              §5.3) names REPORT_AGENT (tests_error_reporting.py)

Logs one line per event to stdout, flushed: "udp <qname>", "tcp <qname>".
Single-threaded with a bounded timer list for the slow answers; stops on
SIGTERM.

  fault_server.py ADDR [PORT]
"""
import heapq
import random
import selectors
import signal
import socket
import struct
import sys
import time

ZONE = "faults.example"
SLOW_SECONDS = 1.2          # a first timeout to an unknown server is ~0.75 s
MESSAGE_MAX = 65535
PENDING_MAX = 1000          # slow answers waiting at once (bounded)
REPORT_AGENT = "agent.bind9.example"   # BIND serves bind9.example. and logs queries
REPORT_CHANNEL_OPTION = 18             # RFC 9567 §5.3


def qname_of(query):
    labels, i = [], 12
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels).lower(), i + 5


def address_for(name):
    return socket.inet_aton("192.0.2.%d" % (sum(name.encode()) % 250 + 1))


def soa_record():
    def name(text):
        return b"".join(bytes([len(l)]) + l.encode() for l in text.split(".")) + b"\x00"
    rdata = name("ns." + ZONE) + name("hostmaster." + ZONE) + struct.pack("!IIIII", 1, 3600, 900, 604800, 60)
    return name(ZONE) + struct.pack("!HHIH", 6, 1, 60, len(rdata)) + rdata


def answer(query, truncated=False, nxdomain=False, id_delta=0):
    name, end = qname_of(query)
    qtype = struct.unpack("!H", query[end - 4:end - 2])[0]
    flags = 0x8400 | (query[2] & 0x01) << 8          # QR, AA, RD copied
    if truncated:
        flags |= 0x0200
    if nxdomain:
        flags |= 3
    answers = 0 if truncated or nxdomain or qtype != 1 else 1
    authority = 1 if nxdomain or (qtype != 1 and not truncated) else 0
    qid = (struct.unpack("!H", query[:2])[0] + id_delta) & 0xFFFF
    out = struct.pack("!HHHHHH", qid, flags, 1, answers, authority, 0) + query[12:end]
    if answers:
        out += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + address_for(name)
    if authority:
        out += soa_record()
    return out


def servfail_with_report_channel(query):
    """SERVFAIL with an OPT carrying the Report-Channel option."""
    _, end = qname_of(query)
    agent = b"".join(bytes([len(l)]) + l.encode() for l in REPORT_AGENT.split(".")) + b"\x00"
    option = struct.pack("!HH", REPORT_CHANNEL_OPTION, len(agent)) + agent
    flags = 0x8402 | (query[2] & 0x01) << 8          # QR, AA, RD copied, SERVFAIL
    out = struct.pack("!HHHHHH", struct.unpack("!H", query[:2])[0], flags, 1, 0, 0, 1) + query[12:end]
    return out + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, len(option)) + option


class FaultServer:
    def __init__(self, addr, port):
        self.addr, self.port = addr, port
        self.sel = selectors.DefaultSelector()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((addr, port))
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # the wrong source port
        self.other.bind((addr, 0))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((addr, port))
        self.tcp.listen(16)
        self.sel.register(self.udp, selectors.EVENT_READ, "udp")
        self.sel.register(self.tcp, selectors.EVENT_READ, "listen")
        self.seen = set()       # names whose first query was answered badly already
        self.pending = []       # (due, sequence, bytes, peer) slow answers
        self.sequence = 0
        self.buffers = {}
        self.rng = random.Random(20)

    def log(self, text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def first_time(self, name):
        if name in self.seen:
            return False
        self.seen.add(name)
        return True

    def serve(self):
        while True:
            timeout = max(0.0, self.pending[0][0] - time.monotonic()) if self.pending else None
            for key, _ in self.sel.select(timeout):
                if key.data == "udp":
                    query, peer = self.udp.recvfrom(MESSAGE_MAX)
                    if len(query) >= 17:
                        self.udp_query(query, peer)
                elif key.data == "listen":
                    conn, _ = self.tcp.accept()
                    self.buffers[conn] = b""
                    self.sel.register(conn, selectors.EVENT_READ, "conn")
                else:
                    self.tcp_read(key.fileobj)
            now = time.monotonic()
            while self.pending and self.pending[0][0] <= now:
                _, _, data, peer = heapq.heappop(self.pending)
                self.udp.sendto(data, peer)

    def udp_query(self, query, peer):
        name, _ = qname_of(query)
        self.log("udp %s" % name)
        first = name.split(".")[0]
        if first.startswith("dead-"):
            return
        if first.startswith("slow-"):
            if len(self.pending) < PENDING_MAX:
                self.sequence += 1
                heapq.heappush(self.pending, (time.monotonic() + SLOW_SECONDS, self.sequence, answer(query), peer))
            return
        if first.startswith("garbage-") and self.first_time(name):
            self.udp.sendto(bytes(self.rng.getrandbits(8) for _ in range(self.rng.randrange(1, 300))), peer)
            return
        if first.startswith("wrongid-") and self.first_time(name):
            self.udp.sendto(answer(query, id_delta=1), peer)   # a guess that missed
            self.udp.sendto(answer(query), peer)
            return
        if first.startswith("wrongport-") and self.first_time(name):
            self.other.sendto(answer(query), peer)             # dropped by the connected socket
            self.udp.sendto(answer(query), peer)
            return
        if first.startswith("trunc-") or first.startswith("cut-"):
            self.udp.sendto(answer(query, truncated=True), peer)
            return
        if first.startswith("report-"):
            self.udp.sendto(servfail_with_report_channel(query), peer)
            return
        self.udp.sendto(answer(query, nxdomain=first.startswith("nx-")), peer)

    def tcp_read(self, conn):
        try:
            chunk = conn.recv(MESSAGE_MAX)
        except OSError:
            chunk = b""
        if not chunk:
            return self.close(conn)
        buf = self.buffers[conn] + chunk
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            n = struct.unpack("!H", buf[:2])[0]
            query, buf = buf[2:2 + n], buf[2 + n:]
            name, _ = qname_of(query)
            self.log("tcp %s" % name)
            first = name.split(".")[0]
            if first.startswith("dead-"):
                continue
            reply = (servfail_with_report_channel(query) if first.startswith("report-")
                     else answer(query, nxdomain=first.startswith("nx-")))
            frame = struct.pack("!H", len(reply)) + reply
            if first.startswith("cut-"):
                conn.sendall(frame[:len(frame) // 2])
                return self.close(conn)
            conn.sendall(frame)
        self.buffers[conn] = buf

    def close(self, conn):
        self.buffers.pop(conn, None)
        self.sel.unregister(conn)
        conn.close()


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    FaultServer(argv[1], int(argv[2]) if len(argv) > 2 else 53).serve()


if __name__ == "__main__":
    main(sys.argv)
