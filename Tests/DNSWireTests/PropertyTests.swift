import DNSWire
import XCTest

/// Seeded property tests. Seed: SPRIG_SEED or the fixed default; printed on
/// failure so a run can be replayed.
final class PropertyTests: XCTestCase {
    static let knownTypes: [RRType] = [.a, .aaaa, .ns, .cname, .dname, .soa, .ptr, .mx, .txt, .srv, .ds, .cds,
                                       .dnskey, .cdnskey, .rrsig, .nsec, .nsec3, .nsec3param, .tlsa, .svcb,
                                       .https, .deleg, .delegparam, RRType(65280), RRType(99)]

    func testRandomMessagesBuildParseBuildIsByteIdentical() throws {
        let seed = testSeed(default: 0x5EED_0001)
        var rng = SeededRandom(seed: seed)
        for iteration in 0..<3_000 {
            let message = RandomMessage.make(&rng)
            do {
                try fullParse(message)
                let again = try rebuild(message)
                if again != message {
                    XCTFail("seed \(seed) iteration \(iteration): rebuild differs\n\(hexString(message))\n\(hexString(again))")
                    return
                }
            } catch {
                XCTFail("seed \(seed) iteration \(iteration): \(error)\n\(hexString(message))")
                return
            }
        }
    }

    func testMutatedMessagesEndInValueOrTypedError() throws {
        let seed = testSeed(default: 0x5EED_0002)
        var rng = SeededRandom(seed: seed)
        var parsed = 0
        var rejected = 0
        var base = RandomMessage.make(&rng)
        for iteration in 0..<20_000 {
            if iteration % 50 == 0 { base = RandomMessage.make(&rng) }
            let mutated = RandomMessage.mutate(base, &rng)
            // Must return normally: a value or a typed error.
            do { try fullParse(mutated); parsed += 1 } catch { rejected += 1 }
            if let first = try? rebuild(mutated) {
                guard let second = try? rebuild(first), second == first else {
                    XCTFail("seed \(seed) iteration \(iteration): rebuild not stable\n\(hexString(mutated))")
                    return
                }
            }
        }
        XCTAssertGreaterThan(parsed, 100, "seed \(seed): mutations should not all be rejected")
        XCTAssertGreaterThan(rejected, 100, "seed \(seed): mutations should not all be accepted")
    }
}

/// Random but valid messages, built with MessageBuilder.
enum RandomMessage {
    static let suffixes = ["example.com.", "Example.NET.", "a.b.c.example.org.", ".", "xn--bcher-kva.example."]

    static func name(_ rng: inout SeededRandom) -> Name {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".utf8)
        var text = ""
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let length = Int.random(in: 1...12, using: &rng)
            text += String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &rng)! }, as: UTF8.self) + "."
        }
        let suffix = suffixes.randomElement(using: &rng)!
        return try! Name(parsing: suffix == "." ? (text.isEmpty ? "." : text) : text + suffix)
    }

    static func bytes(_ count: Int, _ rng: inout SeededRandom) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static func bitmap(_ rng: inout SeededRandom) -> [UInt8] {
        TypeBitmap.make((0..<Int.random(in: 0...6, using: &rng)).map { _ in
            PropertyTests.knownTypes.randomElement(using: &rng)!
        })
    }

    static func rdata(_ type: RRType, _ rng: inout SeededRandom) -> [UInt8] {
        switch type {
        case .a: return bytes(4, &rng)
        case .aaaa: return bytes(16, &rng)
        case .ns, .cname, .ptr, .dname: return name(&rng).wireBytes
        case .soa: return name(&rng).wireBytes + name(&rng).wireBytes + bytes(20, &rng)
        case .mx: return bytes(2, &rng) + name(&rng).wireBytes
        case .txt:
            var out: [UInt8] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let length = Int.random(in: 0...40, using: &rng)
                out += [UInt8(length)] + bytes(length, &rng)
            }
            return out
        case .srv: return bytes(6, &rng) + name(&rng).wireBytes
        case .ds, .cds: return bytes(4, &rng) + bytes(32, &rng)
        case .dnskey, .cdnskey: return bytes(4, &rng) + bytes(Int.random(in: 0...64, using: &rng), &rng)
        case .rrsig: return bytes(18, &rng) + name(&rng).wireBytes + bytes(Int.random(in: 0...64, using: &rng), &rng)
        case .nsec: return name(&rng).wireBytes + bitmap(&rng)
        case .nsec3:
            let salt = Int.random(in: 0...8, using: &rng)
            return bytes(4, &rng) + [UInt8(salt)] + bytes(salt, &rng) + [20] + bytes(20, &rng) + bitmap(&rng)
        case .nsec3param:
            let salt = Int.random(in: 0...8, using: &rng)
            return bytes(4, &rng) + [UInt8(salt)] + bytes(salt, &rng)
        case .tlsa: return bytes(3, &rng) + bytes(Int.random(in: 0...32, using: &rng), &rng)
        case .svcb, .https:
            var out = bytes(2, &rng) + name(&rng).wireBytes
            if Bool.random(using: &rng) { out += u16(1) + u16(6) + [2] + Array("h2".utf8) + [2] + Array("h3".utf8) }
            if Bool.random(using: &rng) { out += u16(3) + u16(2) + bytes(2, &rng) }
            if Bool.random(using: &rng) { out += u16(4) + u16(8) + bytes(8, &rng) }
            if Bool.random(using: &rng) { out += u16(6) + u16(16) + bytes(16, &rng) }
            return out
        case .deleg, .delegparam:
            var out: [UInt8] = []
            if Bool.random(using: &rng) { out += u16(1) + u16(4) + bytes(4, &rng) }
            if Bool.random(using: &rng) { out += u16(2) + u16(16) + bytes(16, &rng) }
            let server = name(&rng).wireBytes
            out += u16(3) + u16(server.count) + server
            return out
        default: return bytes(Int.random(in: 0...20, using: &rng), &rng)
        }
    }

    static func make(_ rng: inout SeededRandom) -> [UInt8] {
        let header = Header(id: UInt16.random(in: 0...0xFFFF, using: &rng), flags: UInt16.random(in: 0...0xFFFF, using: &rng))
        return buildMessage(capacity: 65_535, header: header) { b in
            let qname = name(&rng)
            try! b.addQuestion(qname, type: PropertyTests.knownTypes.randomElement(using: &rng)!, rrClass: .in)
            for section in [Section.answer, .authority, .additional] {
                for _ in 0..<Int.random(in: 0...5, using: &rng) {
                    let type = PropertyTests.knownTypes.randomElement(using: &rng)!
                    let owner = Bool.random(using: &rng) ? qname : name(&rng)
                    try! b.addRecord(section, owner: owner, type: type, rrClass: .in,
                                     ttlSeconds: UInt32.random(in: 0...0xFFFF_FFFF, using: &rng), rdata: rdata(type, &rng))
                }
            }
            if Bool.random(using: &rng) {
                try! b.addOPT(udpPayloadSize: 1232, dnssecOK: Bool.random(using: &rng))
                if Bool.random(using: &rng) { try! b.addCookie(Cookie(client: UInt64.random(in: 0...UInt64.max, using: &rng))) }
                if Bool.random(using: &rng) { try! b.addExtendedError(.networkError, text: "upstream timed out") }
                if Bool.random(using: &rng) { try! b.addPadding(blockByteCount: 128) }
            }
        }
    }

    static func mutate(_ message: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var out = message
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !out.isEmpty else { break }
            switch Int.random(in: 0...4, using: &rng) {
            case 0: out[Int.random(in: 0..<out.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1: out[Int.random(in: 0..<out.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 2: out.removeLast(Int.random(in: 0...min(out.count, 40), using: &rng))
            case 3: out.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...out.count, using: &rng))
            default:
                // Make a compression pointer somewhere.
                let at = Int.random(in: 0..<out.count, using: &rng)
                out[at] = 0xC0 | UInt8.random(in: 0...3, using: &rng)
            }
        }
        return out
    }
}
