import Foundation
import XCTest
@testable import Config

/// `sprig check-config`: the pure function and the built binary.
final class CheckConfigTests: XCTestCase {
    func testValidConfigPrintsNormalisedAndExitsZero() {
        let o = SprigConfig.check(text: Array("config sprig\n option cache_size 8M\n".utf8), fileName: "f")
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertTrue(o.standardOutput.contains("option cache_size '8M'"))
        XCTAssertEqual(o.standardError, "")
    }

    func testWarningsGoToStandardError() {
        let o = SprigConfig.check(text: Array("config sprig\n option cname_max 5\n option cname_max 6\n".utf8), fileName: "f")
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertEqual(o.standardError, "f:3: warning: option 'cname_max' is set again; this value replaces the one from line 2\n")
    }

    func testErrorsExitOne() {
        let o = SprigConfig.check(text: Array("config sprig\n option cache_size 4X\n option mode x\n".utf8), fileName: "f")
        XCTAssertEqual(o.exitCode, 1)
        XCTAssertEqual(o.standardOutput, "")
        XCTAssertEqual(o.standardError, """
            f:2: option 'cache_size': '4X' is not a size (use bytes, or a number with K, M or G)
            f:3: option 'mode': 'x' is not one of: recursive, forward
            f: 2 errors; the configuration was not accepted

            """)
    }

    // MARK: the real binary

    /// The `sprig` executable built next to this test bundle.
    func sprigBinary() throws -> URL {
        // Linux: the bundle URL is the products folder; macOS: the .xctest inside it.
        let bundle = Bundle(for: Self.self).bundleURL
        for folder in [bundle, bundle.deletingLastPathComponent()] {
            let url = folder.appendingPathComponent("sprig")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("sprig binary not built next to \(bundle.path)")
    }

    func run(_ arguments: [String], binary: String = "sprig") throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = try sprigBinary().deletingLastPathComponent().appendingPathComponent(binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func repoFile(_ path: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(path).path
    }

    func testBinaryAcceptsShippedConfigs() throws {
        for path in ["Config/sprig", "Config/sprig.dev"] + (try examples()) {
            let (status, out, err) = try run(["check-config", repoFile(path)])
            XCTAssertEqual(status, 0, "\(path): \(err)")
            XCTAssertTrue(out.contains("config sprig 'main'"), path)
            // the normalised output is itself a valid config with the same meaning
            let first = SprigConfig.load(text: Array(out.utf8), fileName: "n")
            guard case .success(let c) = first else { return XCTFail("\(path): normalised output rejected") }
            XCTAssertEqual(c.normalised, out, path)
        }
    }

    func testDevConfigServesOnTheDevPortWithoutDroppingPrivileges() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: repoFile("Config/sprig.dev"))))
        guard case .success(let c) = SprigConfig.load(text: bytes, fileName: "sprig.dev") else { return XCTFail() }
        XCTAssertEqual(c.listen.map { $0.text }, ["127.0.0.1:5353"])
        XCTAssertNil(c.user)
    }

    func examples() throws -> [String] {
        let dir = URL(fileURLWithPath: repoFile("Config/examples"))
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { "Config/examples/" + $0 }
    }

    /// sprigd itself refuses, with file:line, what this build does not
    /// carry out (Sources/Config/NotCarriedOut.swift), and never starts
    /// with plain DNS where the config asks for TLS.
    func testDaemonRefusesWhatItDoesNotCarryOut() throws {
        let cases = [("33-deleg-forwarding-not-carried-out.conf", 3)]
        for (name, line) in cases {
            let path = repoFile("Tests/ConfigTests/broken/" + name)
            for binary in ["sprigd", "sprig"] {
                let arguments = binary == "sprigd" ? ["-c", path, "--print-footprint"] : ["check-config", path]
                let (status, out, err) = try run(arguments, binary: binary)
                XCTAssertEqual(status, 1, "\(binary) \(name)")
                XCTAssertEqual(out, "", "\(binary) \(name)")
                XCTAssertTrue(err.contains("\(path):\(line): "), "\(binary) \(name): \(err)")
                XCTAssertTrue(err.contains("is not carried out"), "\(binary) \(name): \(err)")
            }
        }
    }

    func testBinaryReportsErrorsAndExitsOne() throws {
        let path = repoFile("Tests/ConfigTests/broken/28-all-errors-reported.conf")
        let (status, out, err) = try run(["check-config", path])
        XCTAssertEqual(status, 1)
        XCTAssertEqual(out, "")
        XCTAssertTrue(err.contains("\(path):2: option 'cache_size': 'big' is not a size"), err)
        XCTAssertTrue(err.contains("7 errors"), err)
    }

    func testBinaryMissingFile() throws {
        let (status, out, err) = try run(["check-config", "/nonexistent/sprig.conf"])
        XCTAssertEqual(status, 1)
        XCTAssertEqual(out, "")
        XCTAssertTrue(err.contains("/nonexistent/sprig.conf: cannot read the config"), err)
    }

    func testBinaryOversizedFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sprig-huge-\(getpid()).conf")
        try Data(repeating: 0x23, count: ConfigLimits.maxFileByteCount + 1).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let (status, _, err) = try run(["check-config", url.path])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(err.contains("larger than \(ConfigLimits.maxFileByteCount) bytes"), err)
    }

    func testBinaryUsage() throws {
        let (status, _, err) = try run(["check-config"])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(err.contains("usage: sprig check-config FILE"))
    }
}
