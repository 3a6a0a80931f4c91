import Foundation
import XCTest
@testable import Crypto

/// Counts heap calls per verification: a tiny LD_PRELOAD interposer, built
/// here with the host C compiler, counts malloc/calloc/realloc; the test
/// re-runs itself in a child process with it preloaded and reads the numbers
/// the child prints. The host SwiftPM build is measured, i.e. the shared
/// Debian libraries: nettle and GMP allocate from the fixed arena that
/// `Signature.startUp()` reserves (CNettle's crypto_arena.c), libsodium and
/// the digests only use the stack, so every verification makes 0 heap calls.
final class AllocationTests: XCTestCase {
    /// Verifications per measurement; the per-verify count is total / this.
    static let roundCount = 50
    static let childEnvironment = "SPRIG_ALLOC_CHILD"
    static let reportPrefix = "SPRIG-ALLOC "

    struct Measurement {
        var callsPerVerify: Int
        var unfreedCalls: Int
        var peakBytes: Int
        /// Allocations the crypto arena served per verification (not heap calls).
        var arenaCallsPerVerify: Int
        var arenaFallbacks: Int
    }

    func testAllocationsPerVerification() throws {
        guard ProcessInfo.processInfo.environment[Self.childEnvironment] == nil else { return }
        let measurements = try measureInChild()
        for (label, measurement) in measurements.sorted(by: { $0.key < $1.key }) {
            print("\(label): \(measurement.callsPerVerify) heap calls per verify, peak \(measurement.peakBytes) bytes live, "
                  + "\(measurement.unfreedCalls) unfreed; \(measurement.arenaCallsPerVerify) arena calls per verify, "
                  + "\(measurement.arenaFallbacks) fallbacks")
        }
        // The counter counts: one malloc per round is seen as one.
        XCTAssertEqual(measurements[Self.controlLabel]?.callsPerVerify, 1, "the interposer does not count")
        for (label, measurement) in measurements where label != Self.controlLabel {
            XCTAssertEqual(measurement.callsPerVerify, 0, label)
            XCTAssertEqual(measurement.unfreedCalls, 0, label)
            XCTAssertEqual(measurement.arenaFallbacks, 0, label)
        }
        // RSA and ECDSA do allocate, from the arena: the 0 above is the arena's doing.
        for label in ["RSA-1024 SHA-1", "RSA-2048 SHA-256", "RSA-4096 SHA-512", "ECDSA P-256", "ECDSA P-384"] {
            XCTAssertGreaterThan(measurements[label]?.arenaCallsPerVerify ?? 0, 0, label)
        }
    }

    static let controlLabel = "control: one malloc"

    /// Runs in the child only: measures and prints one line per case.
    func testChildMeasure() {
        guard ProcessInfo.processInfo.environment[Self.childEnvironment] != nil,
              let counter = AllocationCounter() else { return }
        Signature.startUp()
        let known = SignatureKnownAnswerTests.self
        let cases: [(String, Fixture.Case)] = [
            ("RSA-1024 SHA-1", known.ldnsCases[0]), ("RSA-2048 SHA-256", known.ldnsCases[2]),
            ("RSA-4096 SHA-512", known.ldnsCases[3]), ("ECDSA P-256", known.ecdsaCases[0]),
            ("ECDSA P-384", known.ecdsaCases[1]), ("Ed25519", known.ed25519Cases[0]),
        ]
        for (label, testCase) in cases {
            let ok = testCase.key.withUnsafeBytes { k in testCase.signedData.withUnsafeBytes { d in
                testCase.signature.withUnsafeBytes { s in
                    counter.measure(label) {
                        Signature.verify(algorithm: testCase.algorithm, publicKey: k, signedData: d, signature: s) == .valid
                    }
                } } }
            XCTAssertTrue(ok, label)
        }
        let name = Fixture.name("example")
        let salt: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD]
        var out = [UInt8](repeating: 0, count: 48)
        _ = name.withUnsafeBytes { n in salt.withUnsafeBytes { s in out.withUnsafeMutableBytes { o in
            counter.measure("NSEC3 12 iterations") { NSEC3Hash.compute(name: n, salt: s, iterations: 12, into: o) }
        } } }
        _ = name.withUnsafeBytes { n in out.withUnsafeMutableBytes { o in
            counter.measure("DS SHA-256") { Digest.compute(.sha256, n, into: o); return true }
        } }
        _ = counter.measure(Self.controlLabel) {
            let pointer = malloc(64)
            free(pointer)
            return pointer != nil
        }
    }

    private func measureInChild() throws -> [String: Measurement] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sprig-alloc-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("counter.c")
        let library = directory.appendingPathComponent("counter.so")
        try AllocationCounter.source.write(to: source, atomically: true, encoding: .utf8)
        try run("/usr/bin/cc", ["-shared", "-fPIC", "-O2", "-o", library.path, source.path], environment: nil)

        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library.path
        environment[Self.childEnvironment] = "1"
        let output = try run(CommandLine.arguments[0], ["CryptoTests.AllocationTests/testChildMeasure"],
                             environment: environment)
        var result: [String: Measurement] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix(Self.reportPrefix) {
            let fields = line.dropFirst(Self.reportPrefix.count).split(separator: "|").map(String.init)
            guard fields.count == 6, let calls = Int(fields[1]), let unfreed = Int(fields[2]),
                  let peak = Int(fields[3]), let arenaCalls = Int(fields[4]), let fallbacks = Int(fields[5]) else { continue }
            result[fields[0]] = Measurement(callsPerVerify: calls / Self.roundCount, unfreedCalls: unfreed, peakBytes: peak,
                                            arenaCallsPerVerify: arenaCalls / Self.roundCount, arenaFallbacks: fallbacks)
        }
        XCTAssertEqual(result.count, 9, "child printed too few measurements:\n\(output)")
        return result
    }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String], environment: [String: String]?) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Separate pipes: XCTest's stderr lines must not split the report lines.
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0,
                       "\(executable) failed:\n\(text)\n\(String(decoding: errorData, as: UTF8.self))")
        return text
    }
}

/// The interposer's control functions, found in the preloaded library by name.
struct AllocationCounter {
    private typealias Arm = @convention(c) (Int32) -> Void
    private typealias Read = @convention(c) (UnsafeMutablePointer<Int>) -> Void
    private let arm: Arm
    private let read: Read

    init?() {
        guard let armSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sprig_alloc_counter_arm"),
              let readSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sprig_alloc_counter_read") else { return nil }
        arm = unsafeBitCast(armSymbol, to: Arm.self)
        read = unsafeBitCast(readSymbol, to: Read.self)
    }

    /// Runs `body` AllocationTests.roundCount times with counting on and prints
    /// "SPRIG-ALLOC label|calls|unfreed|peakBytes|arenaCalls|arenaFallbacks".
    /// Returns whether every run succeeded.
    func measure(_ label: String, _ body: () -> Bool) -> Bool {
        _ = body()   // first call outside: one-time set-up is not per-query cost
        var ok = true
        let arenaBefore = CryptoArenaCounters.current
        arm(1)
        for _ in 0..<AllocationTests.roundCount { ok = body() && ok }
        arm(0)
        let arenaAfter = CryptoArenaCounters.current
        var numbers = [Int](repeating: 0, count: 3)
        read(&numbers)
        print(AllocationTests.reportPrefix + "\(label)|\(numbers[0])|\(numbers[1])|\(numbers[2])|"
              + "\(arenaAfter.callCount - arenaBefore.callCount)|\(arenaAfter.fallbackCount - arenaBefore.fallbackCount)")
        return ok
    }

    /// Counts malloc/calloc/realloc calls made by the arming thread while armed
    /// (other threads of the test runner are ignored); forwards to glibc.
    static let source = """
        #include <stddef.h>
        #include <malloc.h>
        extern void *__libc_malloc(size_t);
        extern void *__libc_calloc(size_t, size_t);
        extern void *__libc_realloc(void *, size_t);
        extern void __libc_free(void *);
        static __thread int armed;
        static long calls, outstanding, live_bytes, peak_bytes;
        static void note_alloc(void *p) {
            if (!armed || !p) return;
            calls++; outstanding++;
            live_bytes += (long)malloc_usable_size(p);
            if (live_bytes > peak_bytes) peak_bytes = live_bytes;
        }
        static void note_free(void *p) {
            if (!armed || !p) return;
            outstanding--; live_bytes -= (long)malloc_usable_size(p);
        }
        void sprig_alloc_counter_arm(int on) {
            if (on) { calls = outstanding = live_bytes = peak_bytes = 0; }
            armed = on;
        }
        void sprig_alloc_counter_read(long *out) { out[0] = calls; out[1] = outstanding; out[2] = peak_bytes; }
        void *malloc(size_t n) { void *p = __libc_malloc(n); note_alloc(p); return p; }
        void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); note_alloc(p); return p; }
        void *realloc(void *old, size_t n) { note_free(old); void *p = __libc_realloc(old, n); note_alloc(p); return p; }
        void free(void *p) { note_free(p); __libc_free(p); }
        """
}
