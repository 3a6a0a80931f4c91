// fuzz-modules: DNSWire
// libFuzzer target for DNSWire: parse everything (header, questions, every
// RR, OPT and its options, RDATA of every known type); if it parses, rebuild
// it, re-parse the rebuild, compare it with the input record by record, and
// rebuild once more, which must be byte-identical. Traps only on a
// round-trip disagreement; bad input must end in a typed error.
//
// Built with the DNSWire sources in one module (no SwiftPM, no import):
//   swiftc -sanitize=fuzzer,address -parse-as-library -O \
//     Sources/DNSWire/*.swift Tests/Fuzz/FuzzMessage.swift -o /tmp/fuzz-message
//   /tmp/fuzz-message -max_total_time=30

/// Fixed buffers: no allocation per input.
nonisolated(unsafe) let fuzzFirst = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 8)
nonisolated(unsafe) let fuzzSecond = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 8)
nonisolated(unsafe) let fuzzScratchA = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 8)
nonisolated(unsafe) let fuzzScratchB = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    exerciseViews(input)
    let firstCount: Int
    do {
        firstCount = try MessageRebuild.rebuild(input, into: fuzzFirst, scratch: fuzzScratchA)
    } catch {
        return 0  // typed error: fine
    }
    let first = UnsafeRawBufferPointer(rebasing: fuzzFirst[0..<firstCount])
    guard sameContent(input, first) else { fatalError("rebuild differs from input") }
    let secondCount: Int
    do {
        secondCount = try MessageRebuild.rebuild(first, into: fuzzSecond, scratch: fuzzScratchA)
    } catch {
        fatalError("rebuilt message does not parse again")
    }
    guard secondCount == firstCount, memcmpEqual(first, UnsafeRawBufferPointer(rebasing: fuzzSecond[0..<secondCount]))
    else { fatalError("second rebuild is not byte-identical") }
    return 0
}

func memcmpEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

/// Header, questions and records agree (names case-sensitively, RDATA in
/// decompressed form).
func sameContent(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard var ra = try? MessageReader(a), var rb = try? MessageReader(b) else { return false }
    guard ra.header == rb.header else { return false }
    while true {
        let stepA = nextQuestion(&ra)
        let stepB = nextQuestion(&rb)
        if case .end = stepA, case .end = stepB { break }
        guard case .value(let qa) = stepA, case .value(let qb) = stepB else { return false }
        guard qa.type == qb.type, qa.rrClass == qb.rrClass, sameBytes(qa.name, qb.name) else { return false }
    }
    while true {
        let stepA = nextRecord(&ra)
        let stepB = nextRecord(&rb)
        if case .end = stepA, case .end = stepB { return true }
        guard case .value(let xa) = stepA, case .value(let xb) = stepB else { return false }
        guard xa.section == xb.section, xa.type == xb.type, xa.rrClass == xb.rrClass,
              xa.ttlSeconds == xb.ttlSeconds,
              let oa = try? xa.owner(in: a), let ob = try? xb.owner(in: b), sameBytes(oa, ob),
              let la = try? RData.copyCanonical(xa, from: a, into: fuzzScratchA, lowercaseNames: false),
              let lb = try? RData.copyCanonical(xb, from: b, into: fuzzScratchB, lowercaseNames: false),
              memcmpEqual(UnsafeRawBufferPointer(rebasing: fuzzScratchA[0..<la]),
                          UnsafeRawBufferPointer(rebasing: fuzzScratchB[0..<lb]))
        else { return false }
    }
}

enum Step<T> { case value(T), end, failed }

func nextQuestion(_ reader: inout MessageReader) -> Step<Question> {
    do { return try reader.nextQuestion().map { .value($0) } ?? .end } catch { return .failed }
}

func nextRecord(_ reader: inout MessageReader) -> Step<Record> {
    do { return try reader.nextRecord().map { .value($0) } ?? .end } catch { return .failed }
}

func sameBytes(_ a: Name, _ b: Name) -> Bool {
    guard a.byteCount == b.byteCount else { return false }
    for i in 0..<a.byteCount where a[byte: i] != b[byte: i] { return false }
    return true
}

/// The typed views and EDNS option decoders must not crash on anything.
func exerciseViews(_ message: UnsafeRawBufferPointer) {
    guard var reader = try? MessageReader(message) else { return }
    while let record = try? reader.nextRecord() {
        _ = try? record.targetName(in: message)
        _ = try? SOAData(record, in: message)
        _ = try? MXData(record, in: message)
        _ = try? SRVData(record, in: message)
        _ = try? RRSIGData(record, in: message)
        if let nsec = try? NSECData(record, in: message) { _ = nsec.hasType(.a, in: message) }
        _ = try? RData.copyCanonical(record, from: message, into: fuzzScratchB, lowercaseNames: true)
        if record.type == .deleg || record.type == .delegparam {   // draft-ietf-deleg-12 §5.1.2 verdicts
            let rdata = record.rdata(in: message)
            _ = DelegInfo.use(of: rdata, delegatedName: (try? record.owner(in: message)) ?? Name.root)
            DelegInfo.forEachAddress(in: rdata) { _ in }
            DelegInfo.forEachName(in: rdata, key: 4) { _ in }
        }
    }
    guard let opt = reader.opt, let edns = try? EDNS(opt, in: message) else { return }
    var options = edns.options(in: message)
    while let option = try? options.next() {
        _ = try? Cookie(option, in: message)
        _ = try? ExtendedError(option, in: message)
        _ = try? ReportChannel(option, in: message)
    }
}
