import XCTest
import DNSWire
@testable import Resolver

/// A seeded run against a hostile or broken network: random queries for
/// `names` (and fresh names under them), each reply from the fake world
/// lost, mangled, truncated or duplicated now and then, time jumping ahead
/// so caches expire. Then every client must have had exactly one answer
/// and no task, request or timer may be left.
extension Harness {
    mutating func runHostile(seed: UInt64, clients: Int, names: [String], world: inout FakeAuthorities,
                             respond: (inout FakeAuthorities, ScriptedNetwork.Sent) -> [UInt8]?,
                             file: StaticString = #filePath, line: UInt = #line) {
        var rng = SplitMix(seed: seed)
        var pending = Set<Int>()
        for client in 0..<clients {
            var name = names[Int(rng.next() % UInt64(names.count))]
            if rng.next() % 2 == 0 { name = "n\(rng.next() % 1_000)." + name }   // denials, aggressive NSEC
            let query = Wire.query(name, rng.next() % 4 == 0 ? .aaaa : .a, id: UInt16(client),
                                   dnssecOK: rng.next() % 2 == 0)
            if ask(client, query) != .dropped { pending.insert(client) }
            for _ in 0..<60 {
                guard delivered < net.sent.count else { break }
                let sent = net.sent[delivered]
                delivered += 1
                let roll = rng.next() % 10
                if roll == 0 { continue }   // lost
                guard var reply = respond(&world, sent) else { continue }
                if roll <= 3 {   // bytes changed, the ID kept so it reaches the engine
                    for _ in 0..<(1 + Int(rng.next() % 4)) {
                        let i = 2 + Int(rng.next() % UInt64(max(reply.count - 2, 1)))
                        if i < reply.count { reply[i] = UInt8(truncatingIfNeeded: rng.next()) }
                    }
                } else if roll == 4 {
                    reply.removeLast(Int(rng.next() % UInt64(reply.count / 2 + 1)))
                }
                self.reply(sent.outgoing, reply)
                if roll == 5 { self.reply(sent.outgoing, reply) }   // duplicated
            }
            advance(Int64(rng.next() % 1_500))
            if rng.next() % 20 == 0 { nowMs += Int64(rng.next() % 4_000_000) }   // caches expire
            for (c, _) in net.answers {
                XCTAssertNotNil(pending.remove(c), "answered twice, seed \(seed)", file: file, line: line)
            }
            net.answers.removeAll()
        }
        // Bounded: 100 s of virtual time, nothing delivered, until every
        // task (background refreshes after stale answers too) has ended.
        for _ in 0..<200 where !pending.isEmpty || core.outgoing.usedCount > 0 {
            advance(500)
            delivered = net.sent.count
        }
        for (c, _) in net.answers { pending.remove(c) }
        XCTAssertTrue(pending.isEmpty, "unanswered \(pending), seed \(seed)", file: file, line: line)
        XCTAssertEqual(core.outgoing.usedCount, 0, "tasks leaked, seed \(seed)", file: file, line: line)
        XCTAssertEqual(core.requests.usedCount, 0, "requests leaked, seed \(seed)", file: file, line: line)
        XCTAssertNil(core.nextDeadlineMs, "timers leaked, seed \(seed)", file: file, line: line)
        XCTAssertGreaterThan(net.sent.count, clients, "the network was really exercised, seed \(seed)",
                             file: file, line: line)
    }
}
