import DNSWire
import Foundation
import XCTest
@testable import Hints

/// Repository files (Config/root.hints, Config/root.key) for tests.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }
}

func dn(_ text: String) -> Name {
    do { return try Name(parsing: text) } catch { fatalError("bad test name \(text)") }
}

func address(_ text: String) -> IPAddress {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
        return IPAddress(bytes: withUnsafeBytes(of: &v4) { Array($0) })!
    }
    var v6 = in6_addr()
    precondition(inet_pton(AF_INET6, text, &v6) == 1, "bad test address \(text)")
    return IPAddress(bytes: withUnsafeBytes(of: &v6) { Array($0) })!
}

func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Asserts that `body` throws a HintTextError on `line` with `problem`.
func assertTextError<T>(_ line: Int, _ problem: HintTextProblem, file: StaticString = #filePath, lineNumber: UInt = #line,
                        _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected line \(line): \(problem.text)", file: file, line: lineNumber)
    } catch let error as HintTextError {
        XCTAssertEqual(error.line, line, error.message, file: file, line: lineNumber)
        XCTAssertEqual(error.problem, problem, error.message, file: file, line: lineNumber)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: lineNumber)
    }
}

/// Replaces the CRC so structural checks, not the checksum, see a mutation.
func withFixedChecksum(_ table: [UInt8]) -> [UInt8] {
    var out = table
    let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[16...])) }
    for i in 0..<4 { out[12 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(24 - 8 * i)) }
    return out
}

/// Seeded generator (SplitMix64) so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Walks every view of a validated table (what the resolver would read).
func walkAll(_ table: HintTable) -> Int {
    var touched = 0
    for d in 0..<table.domainCount {
        let domain = table.domain(d)
        for s in 0..<domain.serverCount {
            let server = domain.server(s)
            touched += server.name.byteCount
            for a in 0..<server.addressCount { touched += server.address(a).byteCount }
        }
        for a in 0..<domain.anchorCount { touched += domain.anchor(a).rdataByteCount + Int(domain.anchor(a).keyTag & 1) }
    }
    return touched
}
