// The blocking stub client of `sprig ds-check`: one question to one server,
// UDP first and TCP when the answer is truncated (RFC 7766 §5), or DNS over
// TLS where the config's auth_transport says so (DSCheckTransport); every
// wait bounded. It is an operator command run once, not the query path: it may
// allocate, and it blocks.
// Never: caches, follows referrals (DSCheckIteration does), or validates.
import DNSWire
import Platform

/// One record of a response, its RDATA in canonical form (names
/// decompressed and lowercased, RFC 4034 §6.2).
struct FetchedRecord {
    var section: Section
    var owner: Name
    var type: RRType
    var ttlSeconds: UInt32
    var rdata: [UInt8]
}

/// A parsed response.
struct FetchedResponse {
    var rcode: RCode
    var authoritative: Bool
    var records: [FetchedRecord]

    /// RDATAs of `type` at `owner` in `section`, sorted (canonical order for
    /// RDATA without names, RFC 4034 §6.3), duplicates removed.
    func rdatas(_ section: Section, owner: Name, type: RRType) -> [[UInt8]] {
        var list: [[UInt8]] = []
        for r in records where r.section == section && r.type == type && r.owner == owner {
            if !list.contains(r.rdata) { list.append(r.rdata) }
        }
        return list.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// RRSIG RDATAs at `owner` covering `covered` (type covered: first 2 bytes).
    func signatures(_ section: Section, owner: Name, covering covered: RRType) -> [[UInt8]] {
        rdatas(section, owner: owner, type: .rrsig).filter {
            $0.count >= 2 && (UInt16($0[0]) << 8 | UInt16($0[1])) == covered.rawValue
        }
    }
}

enum FetchError: Error {
    case timeout, network(String), malformed(String), mismatched
    /// A strict server failed over DoT (the text says which and why):
    /// never asked in plain, and never reported as a mere "no answer".
    case strict(String)

    var text: String {
        switch self {
        case .timeout: return "no answer within the timeout"
        case .network(let m): return m
        case .malformed(let m): return "malformed answer: \(m)"
        case .mismatched: return "answers did not match the question"
        case .strict(let m): return m
        }
    }
}

enum DSCheckClient {
    /// Per attempt; a loopback or LAN server answers in milliseconds, a far
    /// one within a second (Unbound's first timeout is 376 ms; we are patient).
    static let attemptTimeoutMs: Int32 = 1_500
    /// UDP tries per question before the server counts as unreachable.
    static let udpAttemptCount = 2
    /// RFC 9715 / DNS flag day 2020: a payload size that avoids fragmentation.
    static let udpPayloadByteCount: UInt16 = 1232
    /// The longest message TCP can carry (RFC 1035 §4.2.2: 16-bit length).
    static let messageByteCountMax = 65_535
    /// Datagrams from elsewhere or with other IDs skipped before giving up.
    static let strayDatagramsMax = 16

    /// Asks `server`, one of `zone`'s servers, `name type IN` (RD=0, DO=1:
    /// the authoritative data with its signatures) over the transport the
    /// config's auth_transport sections choose (DSCheckTransport): plain
    /// DNS, DoT falling back to plain (opportunistic), or DoT only (strict).
    static func fetch(_ name: Name, _ type: RRType, from server: Address, zone: Name,
                      via transport: DSCheckTransport) throws(FetchError) -> FetchResponseAndTransport {
        switch transport.route(zone: zone, server: server) {
        case .plain:
            return try fetchPlain(name, type, from: server)
        case .opportunistic:
            if let response = try? fetchDoT(name, type, from: server, via: transport, pins: nil, authenticate: false) {
                return response
            }
            return try fetchPlain(name, type, from: server)   // RFC 9539 §4: no DoT is not an error
        case .strict(let pins):
            let peer = transport.describe(server)
            if pins.isEmpty && transport.nsName(of: server) == nil {
                throw .strict("strict DoT to \(peer): no NS name known to authenticate it by; not asked in plain")
            }
            do throws(FetchError) {
                return try fetchDoT(name, type, from: server, via: transport, pins: pins.isEmpty ? nil : pins,
                                    authenticate: true)
            } catch {
                throw .strict("strict DoT to \(peer): \(error.text); not asked in plain")
            }
        }
    }

    static func fetchDoT(_ name: Name, _ type: RRType, from server: Address, via transport: DSCheckTransport,
                         pins: [[UInt8]]?, authenticate: Bool) throws(FetchError) -> FetchResponseAndTransport {
        let id = UInt16(truncatingIfNeeded: (try? Random.uint64()) ?? 0x5eed)
        let query = try makeQuery(name, type, id: id)
        let bytes = try transport.exchange(query, with: server, peerName: transport.nsName(of: server), pins: pins,
                                           authenticate: authenticate)
        return FetchResponseAndTransport(response: try parse(bytes, name: name, type: type, id: id), overTCP: true,
                                         overTLS: true)
    }

    /// Plain DNS to `server` (port 53 unless the address says otherwise).
    static func fetchPlain(_ name: Name, _ type: RRType, from server: Address) throws(FetchError) -> FetchResponseAndTransport {
        let id = UInt16(truncatingIfNeeded: (try? Random.uint64()) ?? 0x5eed)
        let query = try makeQuery(name, type, id: id)
        var lastError = FetchError.timeout
        for _ in 0..<udpAttemptCount {
            do throws(FetchError) {
                let bytes = try exchangeUDP(query, id: id, with: server)
                let header = try header(of: bytes)
                if header.tc {
                    let tcpBytes = try exchangeTCP(query, with: server)
                    return FetchResponseAndTransport(response: try parse(tcpBytes, name: name, type: type, id: id),
                                                     overTCP: true)
                }
                return FetchResponseAndTransport(response: try parse(bytes, name: name, type: type, id: id),
                                                 overTCP: false)
            } catch {
                lastError = error
                if case .timeout = error { continue }
                throw error
            }
        }
        throw lastError
    }

    struct FetchResponseAndTransport {
        var response: FetchedResponse
        var overTCP: Bool
        var overTLS = false
    }

    static func makeQuery(_ name: Name, _ type: RRType, id: UInt16) throws(FetchError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count: Int? = buffer.withUnsafeMutableBytes { raw in
            do throws(BuildError) {
                var b = try MessageBuilder(buffer: raw, header: Header(id: id))
                try b.addQuestion(name, type: type, rrClass: .in)
                try b.addOPT(udpPayloadSize: udpPayloadByteCount, dnssecOK: true)
                return b.byteCount
            } catch { return nil }
        }
        guard let count else { throw .malformed("cannot build the query") }
        return Array(buffer[0..<count])
    }

    static func header(of bytes: [UInt8]) throws(FetchError) -> Header {
        guard let header = bytes.withUnsafeBytes({ try? Header(from: $0) }) else { throw .malformed("short header") }
        return header
    }

    static func exchangeUDP(_ query: [UInt8], id: UInt16, with server: Address) throws(FetchError) -> [UInt8] {
        let fd: Int32
        do throws(Errno) { fd = try Socket.udp(ipv6: server.isIPv6) } catch { throw .network("socket: \(error.message)") }
        defer { Socket.close(fd) }
        let sent: Result<Int, Errno> = query.withUnsafeBytes { raw in
            do throws(Errno) { return .success(try Socket.send(fd, raw, to: server)) } catch { return .failure(error) }
        }
        if case .failure(let error) = sent { throw .network("send to \(server.text): \(error.message)") }
        var buffer = [UInt8](repeating: 0, count: messageByteCountMax)
        let deadline = Clock.monotonicMs() + Int64(attemptTimeoutMs)
        for _ in 0..<strayDatagramsMax {
            let left = deadline - Clock.monotonicMs()
            guard left > 0, (try? Socket.waitReadable(fd, timeoutMs: Int32(left))) == true else { throw .timeout }
            var from = Address()
            let received: Result<Int, Errno> = buffer.withUnsafeMutableBytes { raw in
                do throws(Errno) { return .success(try Socket.receive(fd, into: raw, from: &from)) } catch {
                    return .failure(error)
                }
            }
            let n: Int
            switch received {
            case .success(let count): n = count
            case .failure(let error):
                if error.kind == .again { continue }
                throw .network("receive from \(server.text): \(error.message)")
            }
            // RFC 5452 §9.1: the answer comes from the server asked, with our ID.
            guard from == server, n >= Header.byteCount, n <= buffer.count,
                  UInt16(buffer[0]) << 8 | UInt16(buffer[1]) == id else { continue }
            return Array(buffer[0..<n])
        }
        throw .timeout
    }

    static func exchangeTCP(_ query: [UInt8], with server: Address) throws(FetchError) -> [UInt8] {
        let fd: Int32
        do throws(Errno) { fd = try Socket.tcp(ipv6: server.isIPv6) } catch { throw .network("socket: \(error.message)") }
        defer { Socket.close(fd) }
        do throws(Errno) { try Socket.connect(fd, server) } catch {
            guard error.kind == .inProgress else { throw .network("TCP connect to \(server.text): \(error.message)") }
        }
        guard (try? Socket.waitWritable(fd, timeoutMs: attemptTimeoutMs)) == true else { throw .timeout }
        if let error = Socket.pendingError(fd) { throw .network("TCP connect to \(server.text): \(error.message)") }
        var framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)]
        framed += query
        let sent = framed.withUnsafeBytes { try? Socket.write(fd, $0) }
        guard sent == framed.count else { throw .network("TCP send to \(server.text) failed") }
        let deadline = Clock.monotonicMs() + Int64(attemptTimeoutMs)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        // Bounded: every turn reads at least one byte or ends; the length is ≤ 65,537.
        while received.count < 2 || received.count < 2 + (Int(received[0]) << 8 | Int(received[1])) {
            let left = deadline - Clock.monotonicMs()
            guard left > 0, (try? Socket.waitReadable(fd, timeoutMs: Int32(left))) == true else { throw .timeout }
            let n = chunk.withUnsafeMutableBytes { (try? Socket.read(fd, into: $0)) ?? -1 }
            guard n > 0 else { throw .network("TCP connection to \(server.text) closed early") }
            received += chunk[0..<n]
        }
        let length = Int(received[0]) << 8 | Int(received[1])
        return Array(received[2..<(2 + length)])
    }

    /// Parses a response to `name type`: the question must echo ours.
    static func parse(_ bytes: [UInt8], name: Name, type: RRType, id: UInt16) throws(FetchError) -> FetchedResponse {
        var outcome: Result<FetchedResponse, FetchError> = .failure(.mismatched)
        bytes.withUnsafeBytes { message in
            do throws(WireError) {
                var reader = try MessageReader(message)
                guard reader.header.qr, reader.header.id == id,
                      let q = try reader.nextQuestion(), q.name == name, q.type == type else { return }
                var records: [FetchedRecord] = []
                var rdata = [UInt8](repeating: 0, count: messageByteCountMax)
                while let record = try reader.nextRecord() {
                    guard record.type != .opt else { continue }
                    guard let n = rdata.withUnsafeMutableBytes({ out in
                        try? RData.copyCanonical(record, from: message, into: out, lowercaseNames: true)
                    }) else { outcome = .failure(.malformed("bad RDATA")); return }
                    records.append(FetchedRecord(section: record.section, owner: try record.owner(in: message).lowercased(),
                                                 type: record.type, ttlSeconds: record.ttlSeconds,
                                                 rdata: Array(rdata[0..<n])))
                }
                var rcode = reader.header.rcode
                if let opt = reader.opt, let edns = try? EDNS(opt, in: message) { rcode = edns.rcode(header: reader.header) }
                outcome = .success(FetchedResponse(rcode: rcode, authoritative: reader.header.aa, records: records))
            } catch {
                outcome = .failure(.malformed("cannot parse the message"))
            }
        }
        return try outcome.get()
    }
}
