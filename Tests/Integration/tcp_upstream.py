#!/usr/bin/env python3
"""A small DNS upstream for the Transport tests (tests_transport.py): every
UDP query gets a truncated answer (TC, no records), so the resolver must
come back over TCP; over TCP it answers pipelined queries, the answers to
each read in reverse order (RFC 7766 §7: out of order), unless the name
says otherwise:

  cut-*     half of the answer frame is written, then the connection closes
  silent-*  never answered (the connection stays open)
  anything  A 192.0.2.<n>, n = sum of the name's bytes mod 250 + 1

--silent makes every TCP query silent (a server that accepts, never answers).
Logs one line per event to stdout, flushed: "accept <n>", "tcp <conn> <qname>",
"udp <qname>", "close <conn>". Single-threaded (selectors), bounded buffers;
stops on SIGTERM.

  tcp_upstream.py ADDR PORT [--silent]
"""
import selectors
import signal
import socket
import struct
import sys

MESSAGE_MAX = 65535
READ_CHUNK = 65536


def qname_of(query):
    labels, i = [], 12
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels).lower(), i + 5   # name, end of the question


def address_for(name):
    return "192.0.2.%d" % (sum(name.encode()) % 250 + 1)


def answer(query, truncated=False):
    name, end = qname_of(query)
    flags = 0x8000 | (query[2] & 0x01) << 8 | 0x0080   # QR, RD copied, RA
    if truncated:
        flags |= 0x0200
    header = query[:2] + struct.pack("!HHHHH", flags, 1, 0 if truncated else 1, 0, 0)
    body = query[12:end]
    if not truncated:
        body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(address_for(name))
    return header + body


class Upstream:
    def __init__(self, addr, port, silent):
        self.silent = silent
        self.sel = selectors.DefaultSelector()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((addr, port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((addr, port))
        self.tcp.listen(16)
        self.sel.register(self.udp, selectors.EVENT_READ, "udp")
        self.sel.register(self.tcp, selectors.EVENT_READ, "listen")
        self.accepted = 0
        self.buffers = {}

    def log(self, text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def serve(self):
        while True:
            for key, _ in self.sel.select():
                if key.data == "udp":
                    query, peer = self.udp.recvfrom(MESSAGE_MAX)
                    if len(query) >= 12:
                        self.log("udp %s" % qname_of(query)[0])
                        self.udp.sendto(answer(query, truncated=True), peer)
                elif key.data == "listen":
                    conn, _ = self.tcp.accept()
                    self.accepted += 1
                    self.buffers[conn] = (self.accepted, b"")
                    self.sel.register(conn, selectors.EVENT_READ, "conn")
                    self.log("accept %d" % self.accepted)
                else:
                    self.read(key.fileobj)

    def read(self, conn):
        number, buf = self.buffers[conn]
        try:
            chunk = conn.recv(READ_CHUNK)
        except OSError:
            chunk = b""
        if not chunk:
            return self.close(conn)
        buf += chunk
        queries = []
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            n = struct.unpack("!H", buf[:2])[0]
            queries.append(buf[2:2 + n])
            buf = buf[2 + n:]
        self.buffers[conn] = (number, buf)
        out = b""
        for query in reversed(queries):   # out of order on purpose
            name = qname_of(query)[0]
            self.log("tcp %d %s" % (number, name))
            if self.silent or name.startswith("silent-"):
                continue
            frame = struct.pack("!H", len(answer(query))) + answer(query)
            if name.startswith("cut-"):
                conn.sendall(out + frame[:len(frame) // 2])
                return self.close(conn)
            out += frame
        if out:
            conn.sendall(out)

    def close(self, conn):
        number, _ = self.buffers.pop(conn)
        self.sel.unregister(conn)
        conn.close()
        self.log("close %d" % number)


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Upstream(argv[1], int(argv[2]), "--silent" in argv[3:]).serve()


if __name__ == "__main__":
    main(sys.argv)
