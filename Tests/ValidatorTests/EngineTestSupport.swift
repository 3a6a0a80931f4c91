// Test support for ValidationEngine: responses built from zone-file lines,
// and a cache of verdicts standing in for the resolver's (`VerdictCache`:
// the engine's only view of it). No Resolver, no harness: the engine's
// decisions are pure functions of what these give it.
import Cache
import DNSWire
import XCTest
@testable import Validator

/// A name from presentation text (test input: a bad one is a test bug).
func testName(_ text: String) -> Name {
    do { return try Name(parsing: text) } catch { fatalError("bad test name: \(text)") }
}

/// DNS messages from zone-file lines, for the engine's checks.
enum TestMessage {
    /// A response to (`qname`, `qtype`) with these answer and authority
    /// records, AA set.
    static func response(_ qname: String, _ qtype: RRType, rcode: RCode = .noError, answer: [String] = [],
                         authority: [String] = []) -> [UInt8] {
        var header = Header(id: 1)
        header.qr = true
        header.aa = true
        header.rcode = rcode
        var bytes = [UInt8](repeating: 0, count: 65_535)
        let count = bytes.withUnsafeMutableBytes { buffer -> Int in
            do throws(BuildError) {
                var b = try MessageBuilder(buffer: buffer, header: header)
                try b.addQuestion(testName(qname), type: qtype, rrClass: .in)
                for (section, lines) in [(Section.answer, answer), (Section.authority, authority)] {
                    for line in lines {
                        let r = try! TextRecord(parsing: line)
                        try b.addRecord(section, owner: r.owner, type: r.type, rrClass: r.rrClass,
                                        ttlSeconds: r.ttlSeconds, rdata: r.rdata)
                    }
                }
                return b.byteCount
            } catch {
                fatalError("test message does not fit: \(error)")
            }
        }
        return Array(bytes[0..<count])
    }
}

/// The resolver's cache of verdicts, as a dictionary: what `VerdictCache`
/// answers for (name, type), with the RDATAs of secure RRsets. Counts
/// look-ups, so a test can see the engine asks once per question.
struct TestVerdicts: VerdictCache {
    struct Entry {
        var verdict: CachedVerdict
        var rdatas: [[UInt8]] = []
    }

    var entries: [[UInt8]: Entry] = [:]
    var lookupCount = 0

    static func key(_ name: Name, _ type: RRType) -> [UInt8] {
        name.lowercased().withUnsafeBytes { Array($0) } + [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF)]
    }

    /// A secure RRset of zone-file `lines` (one owner and type).
    mutating func secure(_ lines: [String]) {
        let records = lines.map { try! TextRecord(parsing: $0) }
        entries[TestVerdicts.key(records[0].owner, records[0].type)] =
            Entry(verdict: CachedVerdict(kind: .rrset, rank: .secure), rdatas: records.map(\.rdata))
    }

    mutating func set(_ name: String, _ type: RRType, _ verdict: CachedVerdict) {
        entries[TestVerdicts.key(testName(name), type)] = Entry(verdict: verdict)
    }

    mutating func verdict(of name: Name, _ type: RRType, nowSeconds: Int64,
                          copyingRDatasInto buffer: UnsafeMutableRawBufferPointer?) -> CachedVerdict? {
        lookupCount += 1
        guard let entry = entries[TestVerdicts.key(name, type)] else { return nil }
        var verdict = entry.verdict
        if verdict.rank == .secure, verdict.kind == .rrset, let buffer {
            var packer = RDataPacker(buffer: buffer)
            for rdata in entry.rdatas {
                let packed = rdata.withUnsafeBytes { raw in Result { () throws(ValidatorError) in try packer.append(rdata: raw) } }
                if case .failure = packed { return verdict }   // did not fit: rdatas stays nil
            }
            verdict.rdatas = packer.list
        }
        return verdict
    }
}

extension ValidationEngine {
    /// An engine with validation buffers and an aggressive table, anchored
    /// at `anchorDS` (zone-file DS lines of one owner).
    static func forTests(anchorDS: [String] = [], nsecTableEntryCount: Int = 16) -> ValidationEngine {
        var engine = ValidationEngine(reserving: true, clockVouchedFor: false, nsecTableEntryCount: nsecTableEntryCount)
        if !anchorDS.isEmpty {
            let records = anchorDS.map { try! TextRecord(parsing: $0) }
            precondition(engine.addTrustAnchor(owner: records[0].owner, type: .ds, rdatas: records.map(\.rdata)))
        }
        return engine
    }
}
