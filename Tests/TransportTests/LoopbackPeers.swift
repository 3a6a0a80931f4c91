import Foundation
import XCTest
import Platform
@testable import Transport

/// Real servers on loopback for the Transport tests, driven step by step
/// from the test (no threads): a UDP socket and a TCP listener whose
/// connections read length-prefixed queries and write whatever the test
/// says — answers in any order, half frames, nothing at all.

/// A query and answers in wire form (header, one question; answers carry
/// one A record whose last byte tells them apart).
enum Wire {
    static func name(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in text.split(separator: ".") {
            out.append(UInt8(label.utf8.count))
            out += Array(label.utf8)
        }
        return out + [0]
    }

    static func query(id: UInt16, _ qname: String, type: UInt16 = 1, padTo: Int = 0) -> [UInt8] {
        var q: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        q += name(qname) + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        while q.count < padTo { q.append(0) }   // trailing bytes: only the size matters here
        return q
    }

    /// An answer to `query` (same ID and question) with one A record ending in `mark`.
    static func answer(to query: [UInt8], mark: UInt8, id: UInt16? = nil) -> [UInt8] {
        let questionEnd = 12 + name(qname(query)).count + 4
        var a = Array(query[0..<questionEnd])
        if let id { a[0] = UInt8(id >> 8); a[1] = UInt8(id & 0xFF) }
        a[2] = 0x81; a[3] = 0x80
        a[7] = 1   // ANCOUNT 1
        a[11] = 0
        a += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, mark]
        return a
    }

    static func id(_ message: [UInt8]) -> UInt16 { UInt16(message[0]) << 8 | UInt16(message[1]) }

    static func qname(_ message: [UInt8]) -> String {
        var labels: [String] = []
        var i = 12
        while i < message.count, message[i] != 0 {
            let n = Int(message[i])
            labels.append(String(decoding: message[(i + 1)..<(i + 1 + n)], as: UTF8.self))
            i += 1 + n
        }
        return labels.joined(separator: ".")
    }

    static func mark(_ answer: [UInt8]) -> UInt8? { answer.count > 12 ? answer.last : nil }

    static func framed(_ message: [UInt8]) -> [UInt8] { [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message }
}

func loopback(port: UInt16 = 0) -> Address { Address(numeric: "127.0.0.1", port: port)! }

/// A port nobody listens on (bound once, then closed).
func closedPort(tcp: Bool) throws -> UInt16 {
    let fd = tcp ? try Socket.tcp(ipv6: false) : try Socket.udp(ipv6: false)
    defer { Socket.close(fd) }
    try Socket.bind(fd, loopback())
    return try Socket.localAddress(fd).port
}

final class UDPPeer {
    let fd: Int32
    let address: Address

    init() throws {
        fd = try Socket.udp(ipv6: false)
        try Socket.bind(fd, loopback())
        address = try Socket.localAddress(fd)
    }

    deinit { Socket.close(fd) }

    /// The next datagram and its source, if one is waiting.
    func receive() -> ([UInt8], Address)? {
        var buffer = [UInt8](repeating: 0, count: 65_535)
        var from = Address()
        let n = buffer.withUnsafeMutableBytes { b in (try? Socket.receive(fd, into: b, from: &from)) ?? -1 }
        return n < 0 ? nil : (Array(buffer[0..<n]), from)
    }

    func send(_ bytes: [UInt8], to: Address) {
        _ = bytes.withUnsafeBytes { b in try? Socket.send(fd, b, to: to) }
    }
}

final class TCPPeer {
    final class Connection {
        let fd: Int32
        var input: [UInt8] = []
        var isClosed = false
        init(fd: Int32) { self.fd = fd }
    }

    let listener: Int32
    let address: Address
    private(set) var connections: [Connection] = []

    init() throws {
        listener = try Socket.tcp(ipv6: false)
        try Socket.bind(listener, loopback())
        try Socket.listen(listener, backlog: 16)
        address = try Socket.localAddress(listener)
    }

    deinit {
        Socket.close(listener)
        for c in connections where !c.isClosed { Socket.close(c.fd) }
    }

    /// Accepts whatever connected; returns how many connections exist in all.
    @discardableResult
    func accept() -> Int {
        var peer = Address()
        while let fd = try? Socket.accept(listener, peer: &peer) { connections.append(Connection(fd: fd)) }
        return connections.count
    }

    /// Whole queries received on connection `c` since the last call.
    func queries(_ c: Connection) -> [[UInt8]] {
        var buffer = [UInt8](repeating: 0, count: 65_537)
        while !c.isClosed {
            let n = buffer.withUnsafeMutableBytes { b in (try? Socket.read(c.fd, into: b)) ?? -1 }
            if n <= 0 { break }
            c.input += buffer[0..<n]
        }
        var out: [[UInt8]] = []
        while c.input.count >= 2 {
            let length = Int(c.input[0]) << 8 | Int(c.input[1])
            guard c.input.count >= 2 + length else { break }
            out.append(Array(c.input[2..<(2 + length)]))
            c.input.removeFirst(2 + length)
        }
        return out
    }

    func write(_ c: Connection, _ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { b in (try? Socket.write(c.fd, b)) ?? -1 }
            if n <= 0 { usleep(1_000); continue }
            done += n
        }
    }

    func close(_ c: Connection) {
        guard !c.isClosed else { return }
        c.isClosed = true
        Socket.close(c.fd)
    }
}

/// What a test saw come out of Transport (bytes copied).
enum Seen: Hashable {
    case response(tag: UInt64, [UInt8])
    case failure(tag: UInt64, TransportFailure)
    case probe(tag: UInt64, succeeded: Bool)

    var tag: UInt64 {
        switch self {
        case .response(let t, _), .failure(let t, _), .probe(let t, _): return t
        }
    }
}

extension Transport {
    /// Polls and drains once, after waiting up to `waitMs` for readiness.
    func drain(nowMs: Int64, waitMs: Int32 = 5) -> [Seen] {
        _ = try? Socket.waitReadable(fd, timeoutMs: waitMs)
        poll()
        var seen: [Seen] = []
        while let event = nextEvent(nowMs: nowMs) {
            switch event {
            case .response(let tag, let bytes): seen.append(.response(tag: tag, Array(bytes)))
            case .failure(let tag, let why): seen.append(.failure(tag: tag, why))
            case .tlsProbe(let tag, _, let ok): seen.append(.probe(tag: tag, succeeded: ok))
            }
        }
        return seen
    }

    /// Drains until `count` events were seen or `timeoutMs` of real time passed.
    func events(_ count: Int, nowMs: Int64, timeoutMs: Int = 2_000, between: () -> Void = {}) -> [Seen] {
        var seen: [Seen] = []
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        while seen.count < count && Date() < deadline {
            between()
            seen += drain(nowMs: nowMs)
        }
        return seen
    }

    func send(tag: UInt64, to server: Address, over p: TransportProtocol, _ query: [UInt8],
              nowMs: Int64 = 0) throws(SendRefusal) -> TransportHandle {
        let result = query.withUnsafeBytes { b in
            Result { () throws(SendRefusal) -> TransportHandle in try send(tag: tag, to: server, over: p, b, nowMs: nowMs) }
        }
        return try result.get()
    }
}

/// Repeats `step` until `condition` holds or `timeoutMs` of real time passed.
func waitFor(timeoutMs: Int = 2_000, _ condition: () -> Bool, step: () -> Void = { usleep(1_000) }) -> Bool {
    let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
    while Date() < deadline {
        if condition() { return true }
        step()
    }
    return condition()
}
