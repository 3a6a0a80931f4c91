import Foundation
import XCTest
@testable import Crypto

/// Runs Crypto as the router build does: Embedded Swift for a board from
/// Board/<board>.conf, CNettle compiled by the board's gcc, the nettle, GMP
/// and libsodium archives, a static link, and the known answers under qemu,
/// with no allocation leaving the crypto arena. Slow (a minute per board), so
/// only with SPRIG_CROSS_TESTS=1.
final class CrossBoardTests: XCTestCase {
    static let boards = ["aarch64", "armv7hf", "mipsel"]

    func testKnownAnswersOnEveryBoard() throws {
        guard ProcessInfo.processInfo.environment["SPRIG_CROSS_TESTS"] == "1" else {
            throw XCTSkip("set SPRIG_CROSS_TESTS=1 to cross-build and run under qemu")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sprig-cross-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.main.write(to: directory.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        try vectors().write(to: directory.appendingPathComponent("vectors.swift"), atomically: true, encoding: .utf8)
        try Self.script.write(to: directory.appendingPathComponent("build.sh"), atomically: true, encoding: .utf8)
        for board in Self.boards {
            let output = try run("/bin/bash", [directory.appendingPathComponent("build.sh").path, root.path,
                                               directory.path, board])
            print("\(board):\n\(output)")
            XCTAssertTrue(output.contains("all passed"), "\(board):\n\(output)")
        }
    }

    private func vectors() -> String {
        let known = SignatureKnownAnswerTests.self
        let cases = known.ed25519Cases.prefix(1) + known.ecdsaCases + known.ldnsCases
        var text = "let cases: [(StaticString, UInt8, [UInt8], [UInt8], [UInt8])] = [\n"
        for testCase in cases {
            func list(_ bytes: [UInt8]) -> String { "[" + bytes.map { String($0) }.joined(separator: ",") + "]" }
            text += "(\"\(testCase.label)\", \(testCase.algorithm), \(list(testCase.key)), \(list(testCase.signedData)), \(list(testCase.signature))),\n"
        }
        return text + "]\n"
    }

    static let main = """
        import Crypto

        func verify(_ algorithm: UInt8, _ key: [UInt8], _ data: [UInt8], _ signature: [UInt8]) -> SignatureResult {
            key.withUnsafeBytes { k in data.withUnsafeBytes { d in signature.withUnsafeBytes { s in
                Signature.verify(algorithm: algorithm, publicKey: k, signedData: d, signature: s) } } }
        }

        @_cdecl("main")
        func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
            Signature.startUp()
            var failures = 0
            for (label, algorithm, key, data, signature) in cases {
                var flipped = signature
                flipped[flipped.count / 2] ^= 0x10
                let ok = verify(algorithm, key, data, signature) == .valid
                    && verify(algorithm, key, data, flipped) == .invalid
                print((ok ? "ok   " : "FAIL ") + label.description)
                if !ok { failures += 1 }
            }
            let name: [UInt8] = [7, 101, 120, 97, 109, 112, 108, 101, 0]   // example.
            let salt: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD]
            var out = [UInt8](repeating: 0, count: 20)
            let hashed = name.withUnsafeBytes { n in salt.withUnsafeBytes { s in out.withUnsafeMutableBytes { o in
                NSEC3Hash.compute(name: n, salt: s, iterations: 12, into: o) } } }
            // RFC 5155 Appendix A: 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom = 0653…f716.
            let nsec3 = hashed && out[0] == 0x06 && out[1] == 0x53 && out[18] == 0xF7 && out[19] == 0x16
            print((nsec3 ? "ok   " : "FAIL ") + "NSEC3 RFC 5155 example")
            if !nsec3 { failures += 1 }
            let arena = CryptoArenaCounters.current
            let inArena = arena.fallbackCount == 0 && arena.callCount > 0
            print((inArena ? "ok   " : "FAIL ") + "crypto arena: \\(arena.callCount) calls, \\(arena.fallbackCount) "
                  + "fallbacks, peak \\(arena.livePeakByteCount) of \\(arena.capacityByteCount) bytes")
            if !inArena { failures += 1 }
            print(failures == 0 ? "all passed" : "FAILURES")
            return failures == 0 ? 0 : 1
        }
        """

    /// build.sh ROOT WORKDIR BOARD — the Crypto part of a board link, spelled out.
    static let script = #"""
        set -euo pipefail
        ROOT=$1; W=$2/$3; BOARD=$3
        IR_RETARGET="" IR_CLANG_FLAGS="" SWIFT_CC_FLAGS="" BOARD_LDFLAGS=""
        . "$ROOT/Board/$BOARD.conf"
        mkdir -p "$W/include" "$W/mods"
        for h in nettle sodium sodium.h; do ln -sfn "/usr/include/$h" "$W/include/$h"; done
        ln -sfn "/usr/include/$MULTIARCH/gmp.h" "$W/include/gmp.h"
        TOOLBIN=$(dirname "$(readlink -f "$(command -v swiftc)")")
        FLAGS=(-enable-experimental-feature Embedded -wmo -Osize -parse-as-library -target "$SWIFT_TARGET"
          -Xfrontend -clang-target -Xfrontend "$LINUX_TRIPLE" -I "$W/mods"
          -I "$ROOT/Sources/CNettle/include" -I "$ROOT/Sources/CSodium"
          -Xcc -isystem -Xcc "$W/include" -Xcc -nostdlibinc -Xcc -isystem -Xcc "$SYSROOT_INCLUDE")
        for f in $SWIFT_CC_FLAGS; do FLAGS+=(-Xcc "$f"); done
        compile() {  # module, lib|exe, sources...
          local m=$1 kind=$2; shift 2; local extra=()
          [ "$kind" = lib ] && extra=(-emit-module -emit-module-path "$W/mods/$m.swiftmodule")
          if [ -z "$IR_RETARGET" ]; then
            swiftc "${FLAGS[@]}" -module-name "$m" "${extra[@]}" -c "$@" -o "$W/$m.o"
          else
            swiftc "${FLAGS[@]}" -module-name "$m" "${extra[@]}" -emit-ir "$@" -o "$W/$m.ll"
            IR_TRIPLE="$IR_TRIPLE" IR_DATALAYOUT="$IR_DATALAYOUT" perl -pe '
              s/^target datalayout = .*/target datalayout = "$ENV{IR_DATALAYOUT}"/;
              s/^target triple = .*/target triple = "$ENV{IR_TRIPLE}"/;
              s/ "target-(?:cpu|features|abi)"="[^"]*"//g;
              s/^((?:\@"[^"]*"|\@[-\w.\$]+) = (?:\w+ )*?)protected /$1hidden /;
              s/^((?:define|declare) (?:\w+ )*?)protected /$1hidden /;
              s/^(!\d+ = !\{i32 \d+, !")target-abi"/$1sprig-unused-target-abi"/;' "$W/$m.ll" > "$W/$m.r.ll"
            clang $IR_CLANG_FLAGS -Os -Wno-override-module -c "$W/$m.r.ll" -o "$W/$m.o"
          fi
        }
        compile Crypto lib "$ROOT"/Sources/Crypto/*.swift
        compile KAT exe "$2/main.swift" "$2/vectors.swift"
        for c in verify crypto_arena; do
          "${CROSS}gcc" -Os $BOARD_CFLAGS -I "$ROOT/Sources/CNettle/include" -isystem "$W/include" \
            -c "$ROOT/Sources/CNettle/$c.c" -o "$W/$c.o"
        done
        L=/usr/lib/$MULTIARCH
        "${CROSS}gcc" -fuse-ld=lld -B"$TOOLBIN" -static $BOARD_LDFLAGS -Wl,--gc-sections -o "$W/kat" \
          "$W/KAT.o" "$W/Crypto.o" "$W/verify.o" "$W/crypto_arena.o" \
          "$L/libhogweed.a" "$L/libnettle.a" "$L/libgmp.a" "$L/libsodium.a" -lm \
          2> >(grep -v 'statically linked applications' >&2)
        "$QEMU" "$W/kat"
        """#

    @discardableResult
    private func run(_ executable: String, _ arguments: [String]) throws -> String {
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
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, "\(arguments):\n\(text)\n\(String(decoding: errorData, as: UTF8.self))")
        return text
    }
}
