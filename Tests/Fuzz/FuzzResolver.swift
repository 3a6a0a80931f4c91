// fuzz-modules: DNSWire Config Fixed Cache Crypto Validator Hints LocalData Resolver
// libFuzzer target for the resolver core (Sources/Resolver) through its
// produce/consume interface (Actions.swift), the way the server drives it:
// the input chooses the mode and a few client questions, then answers each
// query the core sends — with a response built around the query's own ID
// and question (so it is read, not dropped as a mismatch) and hostile
// flags, rcode and records from the input, or with a failed send, or with
// silence — and lets virtual time pass. With opportunistic DoT on (RFC
// 9539), each probe the core asks for succeeds, fails, is not started or
// is never heard of again, as the input says. Invariants, checked on every
// input: no crash or hang; each client is answered at most once, and by
// the client's deadline every client has been answered exactly once; then
// no task, request or timer is left (nothing leaks when servers lie); never
// two probes under way at once (AuthDoT.swift).
import Cache
import DNSWire
import Glibc
import Fixed
@testable import Resolver

struct Script {
    let data: UnsafeBufferPointer<UInt8>
    var position = 0
    var isDone: Bool { position >= data.count }
    mutating func byte() -> UInt8 {
        guard position < data.count else { return 0 }
        defer { position += 1 }
        return data[position]
    }
    mutating func bytes(_ n: Int) -> ArraySlice<UInt8> {
        let end = min(position + n, data.count)
        defer { position = end }
        return ArraySlice(data[position..<end])
    }
}

/// Names the clients ask (and the fuzzer's records may name).
let names = ["www.example.", "a.b.example.", "example.", "x.test.", "deep.a.b.c.test."]
let types: [RRType] = [.a, .aaaa, .ns, .mx, .txt, .cname, .ds, .dnskey]

func query(_ name: String, _ type: RRType, id: UInt16, dnssecOK: Bool) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: 512)
    let n = buffer.withUnsafeMutableBytes { raw -> Int in
        var h = Header(id: id)
        h.rd = true
        var b = try! MessageBuilder(buffer: raw, header: h)
        try! b.addQuestion(try! Name(parsing: name), type: type, rrClass: .in)
        try! b.addOPT(udpPayloadSize: 1232, dnssecOK: dnssecOK)
        return b.byteCount
    }
    return Array(buffer[0..<n])
}

/// A response to `sent`: its header ID and question, then flags, rcode,
/// section counts and record bytes from the script (any of them may lie).
func response(to sent: UnsafeRawBufferPointer, _ script: inout Script) -> [UInt8] {
    guard sent.count >= 12 else { return [] }
    var questionEnd = 12
    while questionEnd < sent.count && sent[questionEnd] != 0 { questionEnd += Int(sent[questionEnd]) + 1 }
    questionEnd = min(questionEnd + 5, sent.count)
    var message = Array(sent[0..<questionEnd])
    message[2] = 0x80 | (script.byte() & 0x7F)        // QR, opcode/AA/TC/RD from the input
    message[3] = script.byte()                         // RA/AD/CD/rcode from the input
    message[4] = 0; message[5] = 1                     // one question, as asked
    for i in 6..<12 { message[i] = script.byte() % 6 } // answer/authority/additional counts
    message += script.bytes(Int(script.byte()) * 2)    // the records, as raw bytes
    return message
}

/// -O drops precondition messages: say on stderr which invariant broke.
func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok { fputs("FuzzResolver: invariant broken: \(what())\n", stderr) }
    precondition(ok)
}

/// The block every input's arena carves (grown if a footprint ever grows).
nonisolated(unsafe) var arenaBlock = UnsafeMutableRawBufferPointer.allocate(byteCount: Arena.lineByteCount,
                                                                         alignment: Arena.lineByteCount)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResolver(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var script = Script(data: UnsafeBufferPointer(start: data, count: size))
    let mode = script.byte()
    var settings = EngineSettings()
    settings.maxClients = 8
    settings.maxOutgoing = 16
    settings.recursive = mode & 1 != 0
    settings.qnameMinimisation = mode & 2 != 0
    settings.use0x20 = mode & 4 != 0
    settings.validate = false            // signatures need real keys; the DNSSEC glue has its own fuzzing
    settings.requestDNSSEC = mode & 8 != 0
    settings.useIPv6 = false
    settings.queryLoopback = true
    settings.aggressiveNSEC = false
    if mode & 16 != 0 {
        settings.opportunisticDoT = true
        settings.authPolicies = [AuthPolicy(domain: .root, kind: .opportunistic)]
    }
    let configuration = CacheConfiguration(arenaByteCount: CacheLimits.arenaByteCountMin)
    // One block, grown to the largest footprint seen (DoT-on inputs need
    // more) and carved afresh (zeroed to this input's size) per input,
    // spares a system block's page faults.
    let rows = AnswerCache.footprint(configuration) + ResolverCore.footprint(settings)
    let byteCount = Arena.byteCount(of: rows)
    if arenaBlock.count < byteCount {
        arenaBlock.deallocate()
        arenaBlock = .allocate(byteCount: byteCount, alignment: Arena.lineByteCount)
    }
    let arena = Arena(carving: UnsafeMutableRawBufferPointer(rebasing: arenaBlock[0..<max(byteCount, Arena.lineByteCount)]),
                      lateReservations: .count)
    probesUnderWay.removeAll(keepingCapacity: true)
    guard let cache = try? AnswerCache(configuration: configuration, hashSeed: 3, arena: arena) else { return 0 }
    let root = ServerAddress(bytes: [127, 9, 0, 1], port: 53)!
    var core = ResolverCore(settings: settings, upstreams: [Upstream(address: ServerAddress(bytes: [127, 9, 0, 9], port: 53)!)],
                            rootServers: [root], cache: cache, arena: arena)
    var nowMs: Int64 = 1_000_000
    var rng: UInt64 = UInt64(mode) &+ 0x9E37_79B9_7F4A_7C15
    var answered = [Int](repeating: 0, count: settings.maxClients)
    var asked = 0

    func feed(_ core: inout ResolverCore, _ event: Event, _ nowMs: Int64) -> QueryOutcome {
        while core.entropy.room > 0 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            core.entropy.add(rng)
        }
        return core.consume(event, nowMs: nowMs)
    }

    // The clients' questions.
    let clientCount = Int(script.byte() % 4) + 1
    for client in 0..<clientCount {
        let name = names[Int(script.byte()) % names.count]
        let type = types[Int(script.byte()) % types.count]
        let bytes = query(name, type, id: UInt16(client), dnssecOK: script.byte() & 1 == 1)
        let outcome = bytes.withUnsafeBytes { feed(&core, .query(client: client, transport: .udp, message: $0), nowMs) }
        if outcome == .dropped { answered[client] = 1 }   // nothing owed
        asked += 1
        // fall through: the ring is carried out below before the next question
        _ = carryOut(&core, &script, &answered, nowMs: &nowMs, feed: feed)
    }
    // Servers answer (or not) while time passes, then past every deadline.
    var rounds = 0
    while rounds < 200 {
        rounds += 1
        nowMs += Int64(script.isDone ? 1_000 : Int(script.byte()) * 20)
        _ = feed(&core, .timers, nowMs)
        _ = carryOut(&core, &script, &answered, nowMs: &nowMs, feed: feed)
        if script.isDone && nowMs > 1_000_000 + 2 * settings.requestDeadlineMs { break }
    }
    // Past every deadline, whatever the script did with time (an input of
    // zero bytes keeps the clock still for all 200 rounds above).
    var tail = 0
    while nowMs <= 1_000_000 + 2 * settings.requestDeadlineMs && tail < 100 {
        tail += 1
        nowMs += 1_000
        _ = feed(&core, .timers, nowMs)
        _ = carryOut(&core, &script, &answered, nowMs: &nowMs, feed: feed)
    }
    for client in 0..<asked {
        check(answered[client] == 1, "client \(client) answered \(answered[client]) times")
    }
    check(core.requests.usedCount == 0, "a request slot leaked")
    check(arena.lateReservationCount == 0, "a pool carved beyond the footprint")
    if !settings.recursive {
        check(core.outgoing.usedCount == 0, "a task leaked")
    }
    return 0
}

/// Probes asked for and not yet reported back (server, when), this input.
nonisolated(unsafe) var probesUnderWay: [(ServerAddress, Int64)] = []

/// Carries out the ring as the server does; each send is answered from the
/// script (a response, a failure) or left unanswered, and so is each probe.
/// Events go back one at a time, each on an empty ring, as
/// EventLoop.carryOutActions does.
func carryOut(_ core: inout ResolverCore, _ script: inout Script, _ answered: inout [Int], nowMs: inout Int64,
              feed: (inout ResolverCore, Event, Int64) -> QueryOutcome) -> Int {
    var pending: [(QueryRef, [UInt8]?)] = []   // nil bytes: the send failed
    var probeOutcomes: [(ServerAddress, Bool?)] = []   // nil: not started
    var events = 0
    for _ in 0..<256 {
        for i in 0..<core.actionCount {
            switch core.action(i) {
            case .answer(let client, let message):
                check(client >= 0 && client < answered.count, "answer for an unknown client")
                check(message.count >= 12, "an answer shorter than a header")
                answered[client] += 1
                check(answered[client] == 1, "client \(client) answered twice")
            case .send(let ref, _, _, let message):
                switch script.byte() % 4 {
                case 0: break                                        // silence: the timer decides
                case 1: pending.append((ref, nil))
                default: pending.append((ref, response(to: message, &script)))
                }
            case .probeTLS(let server, _):
                let now = nowMs
                check(probesUnderWay.allSatisfy { now - $0.1 >= AuthDoTTable.probeForgottenMs },
                      "a probe started while another was under way")
                probesUnderWay.append((server, nowMs))
                switch script.byte() % 4 {
                case 0: break                                        // never heard of again
                case 1: probeOutcomes.append((server, true))
                case 2: probeOutcomes.append((server, false))
                default: probeOutcomes.append((server, nil))
                }
            case .cancel:
                break
            }
        }
        core.actionsCarriedOut()
        if !probeOutcomes.isEmpty {
            let (server, outcome) = probeOutcomes.removeFirst()
            probesUnderWay.removeAll { $0.0 == server }
            if let ok = outcome {
                _ = feed(&core, .tlsProbe(server: server, succeeded: ok), nowMs)
            } else {
                _ = feed(&core, .tlsProbeNotStarted(server: server), nowMs)
            }
            events += 1
        } else if !pending.isEmpty {
            let (ref, reply) = pending.removeFirst()
            if let reply {
                _ = reply.withUnsafeBytes { feed(&core, .response(ref, message: $0), nowMs) }
            } else {
                _ = feed(&core, .failed(ref), nowMs)
            }
            events += 1
        } else if core.hasDeferredWork {
            _ = feed(&core, .drained, nowMs)
        } else {
            return events
        }
    }
    return events
}
