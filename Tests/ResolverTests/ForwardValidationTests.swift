import XCTest
import Cache
import DNSWire
import Fixed
@testable import Resolver
@testable import Validator

extension FakeAuthorities {
    /// A recursive upstream over these zones: each question is answered by
    /// the zone holding the data (the parent for a DS at a cut), AA clear,
    /// RA set, the way a non-validating resolver passes DNSSEC records on.
    /// `forgeAD` sets AD on every answer; `stripRRSIGs` drops signatures.
    mutating func resolveAsUpstream(_ query: [UInt8], forgeAD: Bool = false, stripRRSIGs: Bool = false) -> [UInt8]? {
        let (qname, qtype) = query.withUnsafeBytes { q -> (String, RRType) in
            var r = try! MessageReader(q)
            let question = try! r.nextQuestion()!
            return (question.name.text, question.type)
        }
        let holders = zones.filter { isUnder(qname, $0.apex)
            && !(qtype == .ds && norm(qname) == norm($0.apex) && norm($0.apex) != ".") }
        guard let zone = holders.max(by: { norm($0.apex).count < norm($1.apex).count }),
              var reply = respond(to: query, at: zone.servers[0]) else { return nil }
        if stripRRSIGs {
            let stripped = zones.map { z -> FakeZone in
                var z = z
                z.records.removeAll { $0.type == .rrsig }
                z.answerAuthority = [:]
                return z
            }
            var copy = self
            copy.zones = stripped
            reply = copy.respond(to: query, at: zone.servers[0]) ?? reply
        }
        reply = chaseCNAMEs(query, reply, qtype: qtype, forgeAD: forgeAD, stripRRSIGs: stripRRSIGs)
        reply[2] &= ~0x04            // AA: an upstream is no authority
        reply[3] |= 0x80             // RA
        if forgeAD { reply[3] |= 0x20 }
        return reply
    }
}

extension FakeAuthorities {
    /// Like a real resolver, the upstream follows a CNAME at the name and
    /// returns the whole chain with the last name's rcode and authority.
    mutating func chaseCNAMEs(_ query: [UInt8], _ first: [UInt8], qtype: RRType, forgeAD: Bool,
                              stripRRSIGs: Bool) -> [UInt8] {
        var (rcode, records) = FakeAuthorities.records(first)
        var answers = records.filter { $0.section == .answer }
        var tail = records.filter { $0.section != .answer }
        for _ in 0..<8 {
            guard !answers.contains(where: { $0.type == qtype }),
                  let link = answers.last(where: { $0.type == .cname }) else { break }
            let target = link.rdata.withUnsafeBytes { try! Name.read(from: $0, at: 0).name.text }
            guard !answers.contains(where: { norm($0.owner) == norm(target) }),
                  let next = resolveAsUpstream(Wire.query(target, qtype, dnssecOK: true), forgeAD: forgeAD,
                                               stripRRSIGs: stripRRSIGs) else { break }
            let (nextRcode, nextRecords) = FakeAuthorities.records(next)
            rcode = nextRcode
            answers += nextRecords.filter { $0.section == .answer }
            tail = nextRecords.filter { $0.section != .answer }
        }
        if answers.count == records.filter({ $0.section == .answer }).count { return first }
        return Wire.response(to: query, rcode: rcode, records: answers + tail)
    }

    static func records(_ message: [UInt8]) -> (RCode, [Wire.RR]) {
        message.withUnsafeBytes { m in
            var reader = try! MessageReader(m)
            _ = try! reader.nextQuestion()
            var out: [Wire.RR] = []
            while let r = try! reader.nextRecord() {
                guard r.type != .opt else { continue }
                var rdata = Array(r.rdata(in: m))
                // Names in these RDATAs may be compressed: spell them out.
                if r.type == .cname || r.type == .ns {
                    rdata = try! Name.read(from: m, at: r.rdataOffset).name.wireBytes
                } else if r.type == .soa {
                    let (mname, afterM) = try! Name.read(from: m, at: r.rdataOffset)
                    let (rname, afterR) = try! Name.read(from: m, at: afterM)
                    rdata = mname.wireBytes + rname.wireBytes + Array(m[afterR..<(r.rdataOffset + Int(r.rdataLength))])
                }
                out.append(Wire.RR(owner: try! r.owner(in: m).text, type: r.type, ttl: r.ttlSeconds,
                                   rdata: rdata, section: r.section))
            }
            return (reader.header.rcode, out)
        }
    }
}

/// Forward mode validates (issue 5): the same signed fake hierarchy as
/// ChainOfTrustTests, reached only through an upstream resolver. DS and
/// DNSKEY sets come through the upstream; its AD bit is never believed.
final class ForwardValidationTests: XCTestCase {
    struct Upstream {
        var forgeAD = false
        var stripRRSIGs = false
        var silent = false
        /// Only upstream A strips signatures (B is sound).
        var stripOnlyA = false
    }

    func harness(upstreams: [ServerAddress] = [Harness.upstreamA]) -> Harness {
        var s = EngineSettings()
        s.recursive = false
        var h = Harness(settings: s, upstreams: upstreams.map { Resolver.Upstream(address: $0) })
        h.anchorAtExample()
        return h
    }

    /// Hands every query sent so far to the upstream model (bounded);
    /// checks each one asks for recursion, DNSSEC records and no checking.
    func pump(_ h: inout Harness, _ auth: inout FakeAuthorities, _ upstream: Upstream = Upstream()) {
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { return }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            s.bytes.withUnsafeBytes { q in
                var reader = try! MessageReader(q)
                _ = try! reader.nextQuestion()
                try! reader.skipToEnd()
                XCTAssertTrue(reader.header.rd, "an upstream is asked to recurse")
                XCTAssertTrue(reader.header.cd, "bogus data must reach the validator")
                XCTAssertEqual(reader.opt.flatMap { try? EDNS($0, in: q) }?.dnssecOK, true, "DO set")
            }
            if upstream.silent && s.server == Harness.upstreamA { continue }
            let strip = upstream.stripRRSIGs || (upstream.stripOnlyA && s.server == Harness.upstreamA)
            if let reply = auth.resolveAsUpstream(s.bytes, forgeAD: upstream.forgeAD, stripRRSIGs: strip) {
                h.reply(s.outgoing, reply)
            }
        }
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String, _ type: RRType = .a,
                 cd: Bool = false, upstream: Upstream = Upstream()) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 7, dnssecOK: true, cd: cd))
        pump(&h, &auth, upstream)
        if upstream.silent {
            for _ in 0..<40 where h.net.answers.count == before {
                h.advance(100)
                pump(&h, &auth, upstream)
            }
        }
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func addresses(_ p: Wire.Parsed) -> [[UInt8]] { p.answers.filter { $0.type == .a }.map { $0.rdata } }

    func testSecureChildThroughTheUpstreamGetsAD() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(addresses(p), [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad)
        XCTAssertTrue(h.net.sent.allSatisfy { $0.server == Harness.upstreamA }, "only the upstream is asked")
        let askedDS = h.net.sent.contains { s in s.bytes.withUnsafeBytes { q in
            var r = try! MessageReader(q)
            let question = try! r.nextQuestion()!
            return question.type == .ds && question.name.text == "signed.example."
        } }
        XCTAssertTrue(askedDS, "the DS came through the upstream")
        // Keys are cached: the parent's data needs no new fetch.
        let fetches = h.core.stats.keyFetches
        XCTAssertTrue(resolve(&h, &auth, "www.example").ad)
        XCTAssertEqual(h.core.stats.keyFetches, fetches)
    }

    func testWrongDSIsBogusAndCDGetsTheData() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.bogus.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertTrue(p.answers.isEmpty)
        XCTAssertFalse(p.ede.isEmpty, "SERVFAIL says why (RFC 8914)")
        let cd = resolve(&h, &auth, "www.bogus.example", cd: true)
        XCTAssertEqual(cd.rcode, .noError)
        XCTAssertEqual(addresses(cd), [[192, 0, 2, 6]])
        XCTAssertFalse(cd.ad)
    }

    func testUpstreamADIsNotBelievedForStrippedSignatures() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.signed.example", upstream: Upstream(forgeAD: true, stripRRSIGs: true))
        XCTAssertEqual(p.rcode, .servFail, "an upstream that strips signatures cannot vouch with AD")
        XCTAssertFalse(p.ad)
        XCTAssertGreaterThan(h.core.stats.anchorKeysUnusable, 0, "the anchor's keys could not be validated: said")
    }

    func testForgedAnswerIsBogus() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy(stripSignedChild: true)
        let p = resolve(&h, &auth, "www.signed.example", upstream: Upstream(forgeAD: true))
        XCTAssertEqual(p.rcode, .servFail)
    }

    func testInsecureDelegationAndUnsignedChildAreInsecure() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let insecure = resolve(&h, &auth, "www.insecure.example")
        XCTAssertEqual(addresses(insecure), [[192, 0, 2, 4]])
        XCTAssertFalse(insecure.ad)
        let unsigned = resolve(&h, &auth, "www.unsigned.example")
        XCTAssertEqual(unsigned.rcode, .noError, "an unsigned child is not a stripped signature")
        XCTAssertEqual(addresses(unsigned), [[192, 0, 2, 5]])
        XCTAssertFalse(unsigned.ad)
    }

    func testSecureDenialAndWildcard() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let nodata = resolve(&h, &auth, "www.signed.example", .aaaa)
        XCTAssertEqual(nodata.rcode, .noError)
        XCTAssertTrue(nodata.answers.isEmpty)
        XCTAssertTrue(nodata.ad)
        // From the cache a DO client gets the proof too (a validating stub can check it); others do not.
        let sent = h.net.sent.count
        let cached = resolve(&h, &auth, "www.signed.example", .aaaa)
        XCTAssertEqual(h.net.sent.count, sent, "answered from the cache")
        XCTAssertTrue(cached.authority.contains { $0.type == .nsec && $0.owner == "www.signed.example." })
        XCTAssertTrue(cached.authority.contains { $0.type == .rrsig && $0.owner == "www.signed.example." })
        _ = h.ask(90, Wire.query("www.signed.example", .aaaa, id: 8, dnssecOK: false))
        let plain = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(plain.authority.map { $0.type }, [.soa], "no DNSSEC records without DO")
        let wildcard = resolve(&h, &auth, "x.w.signed.example")
        XCTAssertEqual(addresses(wildcard), [[192, 0, 2, 7]])
        XCTAssertTrue(wildcard.ad)
    }

    func testDNSKEYQueryFromAClientIsValidated() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let keys = resolve(&h, &auth, "signed.example", .dnskey)
        XCTAssertEqual(keys.rcode, .noError)
        XCTAssertFalse(keys.answers.filter { $0.type == .dnskey }.isEmpty)
        XCTAssertTrue(keys.ad)
    }

    func testNamesOutsideTheAnchorAreInsecure() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        auth.zones.append(FakeZone(apex: "other.", servers: [FakeAuthorities.address(9)],
                                   records: [Wire.a("www.other", [192, 0, 2, 99])]))
        let p = resolve(&h, &auth, "www.other")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 99]])
        XCTAssertFalse(p.ad)
        XCTAssertEqual(h.core.stats.keyFetches, 0, "no chain to build outside the anchors")
    }

    func testSilentUpstreamFailsOverAndStillValidates() {
        var h = harness(upstreams: [Harness.upstreamA, Harness.upstreamB])
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.signed.example", upstream: Upstream(silent: true))
        XCTAssertEqual(addresses(p), [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad)
        XCTAssertTrue(h.net.sent.contains { $0.server == Harness.upstreamB })
    }

    func testCNAMEChainIsValidatedFromOneUpstreamAnswer() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        auth.zones[1].records += ChainOfTrustTests.exampleKey.signAll([Wire.cname("alias.example", "ns.signed.example")])
        XCTAssertTrue(resolve(&h, &auth, "www.signed.example").ad, "keys warm, the alias target not cached")
        let sentBefore = h.net.sent.count
        let p = resolve(&h, &auth, "alias.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.map { $0.type }.filter { $0 != .rrsig }, [.cname, .a])
        XCTAssertTrue(p.ad, "both links verified")
        XCTAssertEqual(h.net.sent.count - sentBefore, 1, "the chain came in one answer and was not asked again")

        // A forged second link (signed by nobody) makes the chain bogus.
        var h2 = harness()
        var forged = ChainOfTrustTests.hierarchy(stripSignedChild: true)
        forged.zones[1].records += ChainOfTrustTests.exampleKey.signAll([Wire.cname("alias.example", "www.signed.example")])
        // (stripSignedChild removes the RRSIG over www.signed.example A.)
        XCTAssertEqual(resolve(&h2, &forged, "alias.example").rcode, .servFail)
    }

    func testBogusFromOneUpstreamIsAskedOfAnother() {
        var h = harness(upstreams: [Harness.upstreamA, Harness.upstreamB])
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.signed.example", upstream: Upstream(stripOnlyA: true))
        XCTAssertEqual(p.rcode, .noError, "the sound upstream's answer validates")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad)
        XCTAssertGreaterThan(h.core.stats.bogusRetries, 0)
        XCTAssertTrue(h.net.sent.contains { $0.server == Harness.upstreamA }, "the stripping upstream was asked")

        // With one upstream there is nobody else to ask: the verdict stands.
        var single = harness()
        var auth2 = ChainOfTrustTests.hierarchy()
        XCTAssertEqual(resolve(&single, &auth2, "www.signed.example", upstream: Upstream(stripRRSIGs: true)).rcode,
                       .servFail)
        XCTAssertEqual(single.core.stats.bogusRetries, 0)
    }

    /// A hostile or broken upstream: replies with random bytes changed,
    /// dropped, or duplicated, interleaved with good ones, for a mix of
    /// secure, insecure, bogus and missing names. Every client gets exactly
    /// one answer, nothing crashes, and no task, request or timer is leaked.
    func testMangledUpstreamRepliesAlwaysEnd() {
        let seed = UInt64(ProcessInfo.processInfo.environment["SPRIG_SEED"] ?? "") ?? 5
        var s = EngineSettings()
        s.recursive = false
        s.maxClients = 16
        s.maxOutgoing = 24
        var h = Harness(settings: s, upstreams: [Resolver.Upstream(address: Harness.upstreamA),
                                                 Resolver.Upstream(address: Harness.upstreamB)])
        h.anchorAtExample()
        var auth = ChainOfTrustTests.hierarchy()
        h.runHostile(seed: seed, clients: 300,
                     names: ["www.signed.example", "www.insecure.example", "www.bogus.example", "x.w.signed.example",
                             "nope.signed.example", "www.unsigned.example", "www.example"],
                     world: &auth, respond: { world, sent in world.resolveAsUpstream(sent.bytes) })
    }

    func testDNSSECOffReservesNoValidationBuffers() {
        var on = EngineSettings()
        on.validate = true
        var off = on
        off.validate = false
        let saved = Arena.byteCount(of: ResolverCore.footprint(on)) - Arena.byteCount(of: ResolverCore.footprint(off))
        XCTAssertGreaterThanOrEqual(saved, Limits.messageByteCountMax + 128 * 1024,
                                    "the Validator's scratch and packing buffers are reserved only when validating")
        // What is reserved, not only what the footprint says.
        func engine(_ s: EngineSettings) -> ResolverCore {
            ResolverCore(settings: s, upstreams: [],
                        cache: try! AnswerCache(configuration: CacheConfiguration(arenaByteCount: 1 << 20), hashSeed: 1))
        }
        let quiet = engine(off)
        XCTAssertEqual(quiet.validation.rrsetBuffer.count, 0)
        XCTAssertEqual(quiet.validation.keysBuffer.count, 0)
        XCTAssertEqual(quiet.validation.nsecTable.capacity, 0)
        let busy = engine(on)
        XCTAssertEqual(busy.validation.rrsetBuffer.count, Limits.messageByteCountMax)
        XCTAssertEqual(busy.validation.keysBuffer.count, ValidationEngine.smallBufferByteCount)
    }

    func testNoAnchorsKeepsThePlainForwarder() {
        var s = EngineSettings()
        s.recursive = false
        var h = Harness(settings: s, upstreams: [Resolver.Upstream(address: Harness.upstreamA)])
        var auth = ChainOfTrustTests.hierarchy()
        _ = h.ask(1, Wire.query("www.signed.example", .a, id: 7, dnssecOK: true))
        XCTAssertEqual(h.net.sent.count, 1)
        let cd = h.net.sent[0].bytes.withUnsafeBytes { try! MessageReader($0).header.cd }
        XCTAssertFalse(cd, "without anchors the client's own CD is passed on")
        h.delivered = 1
        if let reply = auth.resolveAsUpstream(h.net.sent[0].bytes) { h.reply(h.net.sent[0].outgoing, reply) }
        XCTAssertEqual(addresses(Wire.parse(h.net.answers.last?.bytes ?? [])), [[192, 0, 2, 3]])
    }
}
