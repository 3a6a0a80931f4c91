import XCTest
@testable import Config

/// Seeded random edits of a valid config never crash: every result is a
/// config (whose normalised form loads back to the same config) or errors
/// whose line numbers lie inside the file.
final class RandomMutationTests: XCTestCase {
    /// SplitMix64: small, seedable, reproducible.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static let interestingBytes: [UInt8] = Array("'\"\\#; \t\n\r\0:./[]-0123456789abcxyzKMG".utf8) + [0xFF, 0x01, 0x7F]

    func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + rng.below(8)) {
            let position = rng.below(bytes.count + 1)
            switch rng.below(6) {
            case 0 where !bytes.isEmpty: bytes.remove(at: min(position, bytes.count - 1))
            case 1: bytes.insert(Self.interestingBytes[rng.below(Self.interestingBytes.count)], at: position)
            case 2 where position < bytes.count: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
            case 3:   // duplicate a slice
                let length = rng.below(40)
                let start = rng.below(bytes.count)
                let end = min(bytes.count, start + length)
                if start < end { bytes.insert(contentsOf: bytes[start..<end], at: position) }
            case 4 where position < bytes.count: bytes.removeSubrange(position..<min(bytes.count, position + rng.below(30)))
            default: bytes.insert(contentsOf: (0..<rng.below(20)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: position)
            }
        }
        return bytes
    }

    func testRandomMutationsNeverCrash() {
        let seed = UInt64(UInt32.random(in: 0...UInt32.max))
        var rng = SplitMix64(state: seed)
        let base = Array(DefaultsAndRoundTripTests.full.utf8)
        var accepted = 0
        for iteration in 0..<3000 {
            let input = mutate(base, &rng)
            let lineCount = input.filter { $0 == 0x0A }.count + 1
            switch SprigConfig.load(text: input, fileName: "m") {
            case .success(let config):
                accepted += 1
                let again = SprigConfig.load(text: Array(config.normalised.utf8), fileName: "n")
                guard case .success(let reparsed) = again, reparsed == config else {
                    return XCTFail("seed \(seed) iteration \(iteration): normalised form did not round-trip")
                }
            case .failure(let errors):
                XCTAssertFalse(errors.errors.isEmpty, "seed \(seed)")
                for d in errors.diagnostics where d.line < 0 || d.line > lineCount {
                    return XCTFail("seed \(seed) iteration \(iteration): line \(d.line) outside 1...\(lineCount)")
                }
            }
        }
        XCTAssertGreaterThan(accepted, 0, "seed \(seed): no mutation was accepted; the test lost its bite")
    }

    func testPureJunkNeverCrashes() {
        let seed = UInt64(UInt32.random(in: 0...UInt32.max))
        var rng = SplitMix64(state: seed)
        for _ in 0..<300 {
            let input = (0..<rng.below(3000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if case .failure(let e) = SprigConfig.load(text: input, fileName: "j") {
                XCTAssertLessThanOrEqual(e.diagnostics.count, ConfigLimits.maxDiagnosticCount + 1, "seed \(seed)")
            }
        }
        // oversized inputs are refused, not parsed
        let huge = [UInt8](repeating: 0x61, count: ConfigLimits.maxFileByteCount + 1)
        guard case .failure(let e) = SprigConfig.load(text: huge, fileName: "h") else { return XCTFail("huge accepted") }
        XCTAssertHas(e.diagnostics.map { $0.text }, "h: file is \(huge.count) bytes; the limit is")
        // many errors are capped with a note
        let many = String(repeating: "bad\n", count: 500)
        guard case .failure(let m) = SprigConfig.load(text: Array(many.utf8), fileName: "x") else { return XCTFail() }
        XCTAssertEqual(m.diagnostics.count, ConfigLimits.maxDiagnosticCount + 1)
        XCTAssertHas(m.diagnostics.map { $0.text }, "400 more problems not shown")
    }
}
