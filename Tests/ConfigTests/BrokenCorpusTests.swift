import Foundation
import XCTest
@testable import Config

/// Each `broken/*.conf` ends with `# expect LINE: message` comments; the
/// errors reported must be exactly those (by line and message substring).
final class BrokenCorpusTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("broken")

    func testCorpusHasEnoughFiles() throws {
        XCTAssertGreaterThanOrEqual(try Self.files().count, 20)
    }

    func testEveryBrokenFileReportsExactlyItsExpectedErrors() throws {
        for url in try Self.files() {
            let bytes = [UInt8](try Data(contentsOf: url))
            let name = url.lastPathComponent
            let expected = Self.expectations(bytes)
            XCTAssertFalse(expected.isEmpty, "\(name) has no '# expect' lines")
            guard case .failure(let errors) = SprigConfig.load(text: bytes, fileName: name) else {
                XCTFail("\(name) was accepted")
                continue
            }
            let reported = errors.errors.map { $0.text }
            for (line, message) in expected {
                let want = "\(name):\(line): \(message)"
                XCTAssertTrue(reported.contains { $0.contains(want) },
                              "\(name): missing \"\(want)\"; got:\n" + reported.joined(separator: "\n"))
            }
            for got in reported {
                XCTAssertTrue(expected.contains { got.contains("\(name):\($0.0): \($0.1)") },
                              "\(name): unexpected error \"\(got)\"")
            }
        }
    }

    static func files() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "conf" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// `# expect 12: message` lines.
    static func expectations(_ bytes: [UInt8]) -> [(Int, String)] {
        var out: [(Int, String)] = []
        // split bytes, not Characters: "\r\n" is one Character in Swift
        for rawBytes in bytes.split(separator: 0x0A) {
            let raw = String(decoding: rawBytes, as: UTF8.self)
            guard raw.hasPrefix("# expect ") else { continue }
            let rest = raw.dropFirst("# expect ".count)
            guard let colon = rest.firstIndex(of: ":"), let line = Int(rest[..<colon]) else { continue }
            out.append((line, String(rest[rest.index(after: colon)...]).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return out
    }
}
