import XCTest
import Cache
import DNSWire
import Fixed
@testable import Resolver

/// A fake network for the resolver: what the core's actions asked for,
/// recorded (Actions.swift), with no sockets and no clock (the test
/// advances `nowMs`). `failSends` makes every send fail, as the server
/// reports it: a `.failed` event.
struct ScriptedNetwork {
    struct Sent {
        var outgoing: Int
        var ref: QueryRef
        var server: ServerAddress
        var overTCP: Bool
        var bytes: [UInt8]
        /// How the core asked for it to travel (strict DoT tests).
        var transport: TransportKind = .udp
        var id: UInt16 { UInt16(bytes[0]) << 8 | UInt16(bytes[1]) }
    }
    var sent: [Sent] = []
    var answers: [(client: Int, bytes: [UInt8])] = []
    var released: [Int] = []
    /// RFC 9539 probes the core asked for (their Do53 addresses).
    var probes: [ServerAddress] = []
    /// When set, each probe's handshake ends at once with this outcome (a
    /// loopback server's handshake takes milliseconds); nil: never reported.
    var probeOutcome: Bool? = nil
    /// Probe outcomes not yet reported.
    var pendingProbes: [ServerAddress] = []
    var failSends = false
    var rng: UInt64 = 0x1234_5678
    /// The latest query of each slot, for `Harness.reply`.
    var latest: [Int: QueryRef] = [:]

    mutating func random() -> UInt64 {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        return rng
    }
}

enum Wire {
    static func name(_ text: String) -> Name { try! Name(parsing: text.hasSuffix(".") ? text : text + ".") }

    /// A client query.
    static func query(_ qname: String, _ type: RRType, id: UInt16 = 0x4242, edns: Bool = true,
                      dnssecOK: Bool = false, udpSize: UInt16 = 1232, cd: Bool = false) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { raw -> Int in
            var h = Header(id: id)
            h.rd = true
            h.cd = cd
            var b = try! MessageBuilder(buffer: raw, header: h)
            try! b.addQuestion(name(qname), type: type, rrClass: .in)
            if edns { try! b.addOPT(udpPayloadSize: udpSize, dnssecOK: dnssecOK) }
            return b.byteCount
        }
        return Array(buffer[0..<n])
    }

    struct RR {
        var owner: String
        var type: RRType
        var ttl: UInt32
        var rdata: [UInt8]
        var section: Section = .answer
    }

    static func a(_ owner: String, _ ip: [UInt8], ttl: UInt32 = 300) -> RR { RR(owner: owner, type: .a, ttl: ttl, rdata: ip) }
    static func cname(_ owner: String, _ target: String, ttl: UInt32 = 300) -> RR {
        RR(owner: owner, type: .cname, ttl: ttl, rdata: name(target).wireBytes)
    }
    static func soa(_ owner: String, ttl: UInt32 = 3600, minimum: UInt32 = 60) -> RR {
        var r = name("ns." + owner).wireBytes + name("admin." + owner).wireBytes
        for v in [UInt32(1), 7200, 3600, 1209600, minimum] {
            r += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        return RR(owner: owner, type: .soa, ttl: ttl, rdata: r, section: .authority)
    }

    /// An upstream response to the query `to` (same ID and question).
    static func response(to query: [UInt8], rcode: RCode = .noError, tc: Bool = false, ad: Bool = false, aa: Bool = false, records: [RR],
                         idDelta: UInt16 = 0, questionOverride: String? = nil, opt: Bool = true) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65535)
        let n = query.withUnsafeBytes { q -> Int in
            var reader = try! MessageReader(q)
            let question = try! reader.nextQuestion()!
            return buffer.withUnsafeMutableBytes { raw -> Int in
                var h = Header(id: reader.header.id &+ idDelta)
                h.qr = true
                h.rd = true
                h.ra = true
                h.tc = tc
                h.ad = ad
                h.aa = aa
                h.rcode = rcode
                var b = try! MessageBuilder(buffer: raw, header: h)
                let qn = questionOverride.map { name($0) } ?? question.name
                try! b.addQuestion(qn, type: question.type, rrClass: .in)
                for section in [Section.answer, .authority, .additional] {
                    for r in records where r.section == section {
                        try! b.addRecord(section, owner: name(r.owner), type: r.type, rrClass: .in,
                                         ttlSeconds: r.ttl, rdata: r.rdata)
                    }
                }
                if opt { try! b.addOPT(udpPayloadSize: 1232) }
                return b.byteCount
            }
        }
        return Array(buffer[0..<n])
    }

    /// Whether a message carries an OPT record (RFC 6891 §6.1.1).
    /// The 16 EDNS flag bits of a message's OPT (0 without one).
    static func ednsFlags(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { m in
            guard var reader = try? MessageReader(m), (try? reader.skipToEnd()) != nil,
                  let opt = reader.opt, let edns = try? EDNS(opt, in: m) else { return 0 }
            return edns.flags
        }
    }

    static func hasOPT(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { m in
            guard var reader = try? MessageReader(m), (try? reader.skipToEnd()) != nil else { return false }
            return reader.opt != nil
        }
    }

    /// A response as a server without EDNS sends it (RFC 6891 §7): no OPT,
    /// and no DNSSEC records, since no query could carry the DO bit.
    static func withoutEDNS(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 65535)
        var rdata = [UInt8](repeating: 0, count: 65535)
        let n = message.withUnsafeBytes { m -> Int in
            var reader = try! MessageReader(m)
            let question = try! reader.nextQuestion()!
            return out.withUnsafeMutableBytes { raw -> Int in
                var b = try! MessageBuilder(buffer: raw, header: reader.header)
                try! b.addQuestion(question.name, type: question.type, rrClass: question.rrClass)
                while let r = try! reader.nextRecord() {
                    if [RRType.opt, .rrsig, .nsec, .nsec3].contains(r.type) { continue }
                    let count = rdata.withUnsafeMutableBytes { try! RData.copyCanonical(r, from: m, into: $0, lowercaseNames: false) }
                    try! b.addRecord(r.section, owner: try! r.owner(in: m), type: r.type, rrClass: r.rrClass,
                                     ttlSeconds: r.ttlSeconds, rdata: Array(rdata[0..<count]))
                }
                return b.byteCount
            }
        }
        return Array(out[0..<n])
    }

    /// What a client sees: rcode, flags and answer records.
    struct Parsed {
        var id: UInt16
        var rcode: RCode
        var tc: Bool
        var answers: [(owner: String, type: RRType, ttl: UInt32, rdata: [UInt8])] = []
        var authority: [(owner: String, type: RRType, ttl: UInt32)] = []
        var ede: [UInt16] = []
        var edeTexts: [String] = []
        var hasOPT = false
        var ad = false
    }

    static func parse(_ bytes: [UInt8]) -> Parsed {
        bytes.withUnsafeBytes { m in
            var reader = try! MessageReader(m)
            var p = Parsed(id: reader.header.id, rcode: reader.header.rcode, tc: reader.header.tc)
            p.ad = reader.header.ad
            while let r = try! reader.nextRecord() {
                let owner = try! r.owner(in: m).text
                switch r.section {
                case .answer: p.answers.append((owner, r.type, r.ttlSeconds, Array(r.rdata(in: m))))
                case .authority: p.authority.append((owner, r.type, r.ttlSeconds))
                default:
                    if r.type == .opt {
                        p.hasOPT = true
                        let edns = try! EDNS(r, in: m)
                        var it = edns.options(in: m)
                        while let o = try! it.next() {
                            if o.code == .extendedError {
                                p.ede.append(UInt16(m[o.valueOffset]) << 8 | UInt16(m[o.valueOffset + 1]))
                                p.edeTexts.append(String(decoding: m[(o.valueOffset + 2)..<(o.valueOffset + o.valueLength)], as: UTF8.self))
                            }
                        }
                    }
                }
            }
            return p
        }
    }
}

/// The resolver core under test, with its scripted network.
struct Harness: ~Copyable {
    var core: ResolverCore
    var net = ScriptedNetwork()
    var nowMs: Int64 = 1_000_000
    /// Sent queries already handed to fake servers (`pump`).
    var delivered = 0
    /// Failed sends not yet reported (one `.failed` event at a time).
    var pendingFailures: [QueryRef] = []
    static let upstreamA = ServerAddress(bytes: [127, 0, 0, 10], port: 53)!
    static let upstreamB = ServerAddress(bytes: [127, 0, 0, 11], port: 53)!

    /// The fake authorities live on loopback (`FakeAuthorities.address`,
    /// 127.9.0.x), so the engine is told to query loopback, as a test bed's
    /// config does (`option query_loopback '1'`); tests of the loopback rule
    /// itself pass `queryLoopback: false`.
    init(settings: EngineSettings = EngineSettings(), upstreams: [Upstream]? = nil, rootServers: [ServerAddress] = [],
         rootServerNames: [Name] = [], cacheBytes: Int = 1 << 20, queryLoopback: Bool = true) {
        var settings = settings
        settings.queryLoopback = queryLoopback
        // One arena for the cache and the core, as sprigd carves them
        // (MemoryPlan): every scenario checks that their footprint is what
        // they reserve (a debug build traps on a carving beyond it).
        let configuration = CacheConfiguration(arenaByteCount: cacheBytes)
        let planned = AnswerCache.footprint(configuration) + ResolverCore.footprint(settings)
        let arena = Arena(rows: planned)
        let cache = try! AnswerCache(configuration: configuration, hashSeed: 99, arena: arena)
        core = ResolverCore(settings: settings,
                              upstreams: upstreams ?? [Upstream(address: Harness.upstreamA), Upstream(address: Harness.upstreamB)],
                              rootServers: rootServers, rootServerNames: rootServerNames, cache: cache, arena: arena)
        precondition(arena.rows == Arena.table(planned) && arena.freeByteCount == 0, "the footprint is not what is reserved")
    }

    mutating func ask(_ client: Int, _ query: [UInt8], tcp: Bool = false) -> QueryOutcome {
        let outcome = query.withUnsafeBytes { q in
            feed(.query(client: client, transport: tcp ? .tcp : .udp, message: q))
        }
        drain()
        return outcome
    }

    /// A response to the latest query of slot `outgoing`.
    mutating func reply(_ outgoing: Int, _ bytes: [UInt8]) {
        let ref = net.latest[outgoing] ?? QueryRef(slot: Int32(outgoing), serial: 0)
        reply(ref, bytes)
    }

    mutating func reply(_ ref: QueryRef, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = feed(.response(ref, message: $0)) }
        drain()
    }

    mutating func advance(_ ms: Int64) {
        nowMs += ms
        _ = feed(.timers)
        drain()
    }

    mutating func feed(_ event: Event) -> QueryOutcome {
        for _ in 0..<core.entropy.room { core.entropy.add(net.random()) }
        return core.consume(event, nowMs: nowMs)
    }

    /// Carries out the ring as the server does: records each action, then
    /// reports failed sends and lets deferred work go on (bounded).
    mutating func drain() {
        for _ in 0..<10_000 {
            var failed: [QueryRef] = []
            for i in 0..<core.actionCount {
                switch core.action(i) {
                case .send(let ref, let server, let transport, let message):
                    if net.failSends { failed.append(ref); continue }
                    net.latest[Int(ref.slot)] = ref
                    net.sent.append(ScriptedNetwork.Sent(outgoing: Int(ref.slot), ref: ref, server: server,
                                                         overTCP: transport == .tcp, bytes: Array(message),
                                                         transport: transport))
                case .cancel(let ref):
                    net.released.append(Int(ref.slot))
                case .probeTLS(let server, _):
                    net.probes.append(server)
                    if net.probeOutcome != nil { net.pendingProbes.append(server) }
                case .answer(let client, let message):
                    net.answers.append((client, Array(message)))
                }
            }
            core.actionsCarriedOut()
            if let server = net.pendingProbes.first, let ok = net.probeOutcome {
                for other in failed { pendingFailures.append(other) }
                net.pendingProbes.removeFirst()
                _ = feed(.tlsProbe(server: server, succeeded: ok))
            } else if let ref = failed.first {
                for other in failed.dropFirst() { pendingFailures.append(other) }
                _ = feed(.failed(ref))
            } else if let ref = pendingFailures.first {
                pendingFailures.removeFirst()
                _ = feed(.failed(ref))
            } else if core.hasDeferredWork {
                _ = feed(.drained)
            } else {
                return
            }
        }
        XCTFail("the resolver did not settle")
    }
}
