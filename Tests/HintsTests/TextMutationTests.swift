import DNSWire
import Foundation
import XCTest
@testable import Hints

/// Mutated hints and anchor files must give an error or a valid table, never a crash.
final class TextMutationTests: XCTestCase {
    func testMutatedTextNeverCrashes() throws {
        // HINTS_SEED=<n> reproduces a run; printed first so a crash shows it too.
        let seed = ProcessInfo.processInfo.environment["HINTS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("TextMutationTests.testMutatedTextNeverCrashes seed \(seed)")
        var random = SeededRandom(state: seed)
        let hints = try Repo.bytes("Config/root.hints")
        let key = try Repo.bytes("Config/root.key")
        let alphabet = Array(" \t\n;()\\\".$0123456789abcdefABCDEF:+/=-INSDAXK".utf8)
        var accepted = 0
        for round in 0..<400 {
            var h = hints
            var k = key
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                mutate(&h, alphabet, &random)
                mutate(&k, alphabet, &random)
            }
            if let table = try? RootHints.load(hintsText: h, anchorsText: k) {
                accepted += 1
                XCTAssertGreaterThan(walkAll(table), 0, "seed \(seed) round \(round)")
            }
        }
        XCTAssertLessThan(accepted, 400, "seed \(seed): mutations should break some files")
    }

    func mutate(_ bytes: inout [UInt8], _ alphabet: [UInt8], _ random: inout SeededRandom) {
        let index = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<3, using: &random) {
        case 0: bytes[index] = alphabet.randomElement(using: &random)!
        case 1: bytes.remove(at: index)
        default: bytes.insert(alphabet.randomElement(using: &random)!, at: index)
        }
    }
}
