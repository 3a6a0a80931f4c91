import Foundation
import XCTest
@testable import Crypto

/// Checks the router-build memory recipe on the host: mbedTLS's static archive
/// with calloc/free renamed to the fixed arena (Sources/CMbedTLS/arena.c), a C
/// driver running the RFC and ldns vectors through the same shim functions
/// Crypto calls, and no fallback to libc.
final class ArenaLinkTests: XCTestCase {
    static let hostArchive = "/usr/lib/x86_64-linux-gnu/libmbedcrypto.a"
    static let roundCount = 100

    func testMbedTLSRunsInTheArenaWithoutFallback() throws {
        guard FileManager.default.fileExists(atPath: Self.hostArchive) else {
            throw XCTSkip("no \(Self.hostArchive) (libmbedtls-dev)")
        }
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/CMbedTLS").standardized
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sprig-arena-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let archive = directory.appendingPathComponent("libmbedcrypto-sprig.a").path
        try shell("/usr/bin/objcopy", ["--redefine-sym", "calloc=sprig_mbedtls_calloc",
                                       "--redefine-sym", "free=sprig_mbedtls_free", Self.hostArchive, archive])
        let undefined = try shell("/usr/bin/nm", ["-u", archive])
        let libcHeapCalls = undefined.split(separator: "\n").filter {
            let symbol = $0.split(separator: " ").last ?? ""
            return ["calloc", "malloc", "realloc", "free"].contains(String(symbol))
        }
        XCTAssertEqual(libcHeapCalls, [], "renamed archive still calls the libc heap")

        try vectorsHeader().write(to: directory.appendingPathComponent("vectors.h"), atomically: true, encoding: .utf8)
        try Self.driver.write(to: directory.appendingPathComponent("driver.c"), atomically: true, encoding: .utf8)
        let executable = directory.appendingPathComponent("driver").path
        try shell("/usr/bin/cc", ["-O2", "-Wall", "-I", sources.path, "-I", directory.path,
                                  directory.appendingPathComponent("driver.c").path,
                                  sources.appendingPathComponent("arena.c").path, archive, "-o", executable])
        let report = try shell(executable, [])
        print(report)
        let numbers = Dictionary(uniqueKeysWithValues: report.split(separator: "\n").compactMap { line -> (String, Int)? in
            let parts = line.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            return (String(parts[0]), value)
        })
        XCTAssertEqual(numbers["mismatches"], 0, report)
        XCTAssertEqual(numbers["fallbacks"], 0, report)
        XCTAssertGreaterThan(numbers["calls"] ?? 0, 1000, report)
        XCTAssertLessThanOrEqual(numbers["carved"] ?? Int.max, numbers["capacity"] ?? 0, report)
    }

    private func vectorsHeader() -> String {
        func array(_ name: String, _ bytes: [UInt8]) -> String {
            "static const unsigned char \(name)[] = {\(bytes.map { String($0) }.joined(separator: ","))};\n"
        }
        let known = SignatureKnownAnswerTests.self
        let cases: [(String, Fixture.Case)] = [
            ("p256", known.ecdsaCases[0]), ("p384", known.ecdsaCases[1]),
            ("rsa1024", known.ldnsCases[0]), ("rsa2048", known.ldnsCases[2]), ("rsa4096", known.ldnsCases[3]),
        ]
        var text = ""
        for (name, testCase) in cases {
            text += array("\(name)_key", testCase.key) + array("\(name)_data", testCase.signedData)
                + array("\(name)_signature", testCase.signature)
        }
        return text
    }

    /// Runs each vector roundCount times (plus a bit-flipped signature) and
    /// prints the arena's counters.
    static let driver = """
        #include <stdio.h>
        #include "shim.h"
        #include "arena.h"
        #include "vectors.h"
        static int mismatches;
        static void expect(int got, int want) { if (got != want) mismatches++; }
        static void rsa(int hash, const unsigned char *key, size_t key_len, const unsigned char *data, size_t data_len,
                        const unsigned char *sig, size_t sig_len) {
            size_t e_len = key[0];  /* one-octet exponent length in these fixtures */
            expect(sprig_rsa_verify(hash, key + 1 + e_len, key_len - 1 - e_len, key + 1, e_len,
                                    data, data_len, sig, sig_len), SPRIG_VERIFY_VALID);
        }
        #define N(x) x, sizeof(x)
        int main(void) {
            unsigned char bad[96];
            for (int round = 0; round < \(roundCount); round++) {
                expect(sprig_ecdsa_verify(SPRIG_CURVE_P256, N(p256_key), N(p256_data), N(p256_signature)), SPRIG_VERIFY_VALID);
                expect(sprig_ecdsa_verify(SPRIG_CURVE_P384, N(p384_key), N(p384_data), N(p384_signature)), SPRIG_VERIFY_VALID);
                memcpy(bad, p256_signature, 64); bad[10] ^= 1;
                expect(sprig_ecdsa_verify(SPRIG_CURVE_P256, N(p256_key), N(p256_data), bad, 64), SPRIG_VERIFY_INVALID);
                rsa(SPRIG_HASH_SHA1, N(rsa1024_key), N(rsa1024_data), N(rsa1024_signature));
                rsa(SPRIG_HASH_SHA256, N(rsa2048_key), N(rsa2048_data), N(rsa2048_signature));
                rsa(SPRIG_HASH_SHA512, N(rsa4096_key), N(rsa4096_data), N(rsa4096_signature));
            }
            printf("mismatches=%d\\ncalls=%lu\\nfallbacks=%lu\\ncarved=%zu\\ncapacity=%zu\\n", mismatches,
                   sprig_mbedtls_arena_calls(), sprig_mbedtls_arena_fallbacks(),
                   sprig_mbedtls_arena_carved(), sprig_mbedtls_arena_capacity());
            return 0;
        }
        """

    @discardableResult
    private func shell(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0,
                       "\(executable) \(arguments.joined(separator: " ")):\n\(String(decoding: errorData, as: UTF8.self))")
        return String(decoding: data, as: UTF8.self)
    }
}
