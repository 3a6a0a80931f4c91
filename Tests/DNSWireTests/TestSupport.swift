// Shared helpers for DNSWire tests: hex, seeded randomness, full parsing.
import DNSWire
import Foundation
import XCTest

/// "0a 0b\n0c" → [10, 11, 12]; ignores whitespace and ";" comments per line.
func hexBytes(_ text: String) -> [UInt8] {
    var digits: [UInt8] = []
    for line in text.split(separator: "\n") {
        let code = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        for scalar in code.unicodeScalars where scalar.properties.isASCIIHexDigit {
            digits.append(UInt8(scalar.value))
        }
    }
    precondition(digits.count % 2 == 0, "odd hex in test data")
    var out: [UInt8] = []
    var i = 0
    while i < digits.count {
        out.append(UInt8(String(bytes: digits[i..<(i + 2)], encoding: .ascii)!, radix: 16)!)
        i += 2
    }
    return out
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// SplitMix64: small, seeded, reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Fixed default seed, overridable with SPRIG_SEED.
func testSeed(default value: UInt64) -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["SPRIG_SEED"], let seed = UInt64(text) { return seed }
    return value
}

func dn(_ text: String) -> Name { try! Name(parsing: text) }

/// Everything a receiver would check: header, questions, records, the RDATA
/// of known types, OPT placement and its options.
func fullParse(_ bytes: [UInt8]) throws(WireError) {
    let result = bytes.withUnsafeBytes { message in
        Result { () throws(WireError) in
            var reader = try MessageReader(message)
            while try reader.nextQuestion() != nil {}
            while let record = try reader.nextRecord() {
                if record.type != .opt {
                    try RData.validate(type: record.type, in: message, at: record.rdataOffset, length: record.rdataLength)
                }
            }
            if let opt = reader.opt { _ = try EDNS(opt, in: message) }
        }
    }
    try result.get()
}

/// Rebuilds a message with MessageRebuild (65535-byte buffers).
func rebuild(_ bytes: [UInt8]) throws(RebuildError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 65_535)
    var scratch = [UInt8](repeating: 0, count: 65_535)
    let result = bytes.withUnsafeBytes { message in
        out.withUnsafeMutableBytes { outBuffer in
            scratch.withUnsafeMutableBytes { scratchBuffer in
                Result { () throws(RebuildError) -> Int in
                    try MessageRebuild.rebuild(message, into: outBuffer, scratch: scratchBuffer)
                }
            }
        }
    }
    let count = try result.get()
    return Array(out[0..<count])
}

/// Builds a message with `body` into a buffer of `capacity` bytes.
func buildMessage(capacity: Int = 4096, header: Header = Header(id: 0x1234, flags: 0x8180),
                  _ body: (inout MessageBuilder) throws -> Void) rethrows -> [UInt8] {
    var buffer = [UInt8](repeating: 0xEE, count: capacity)
    let count = try buffer.withUnsafeMutableBytes { raw -> Int in
        var builder = try! MessageBuilder(buffer: raw, header: header)
        try body(&builder)
        return builder.byteCount
    }
    return Array(buffer[0..<count])
}

func assertWireError(_ expected: WireError, _ body: () throws(WireError) -> Void,
                     _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    do {
        try body()
        XCTFail("expected \(expected), got success. \(message)", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, message, file: file, line: line)
    }
}
