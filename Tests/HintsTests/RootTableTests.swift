import DNSWire
import Foundation
import XCTest
@testable import Hints

final class RootTableTests: XCTestCase {
    func testCompiledTableHoldsThirteenRootServers() throws {
        let table = try RootHints.compiled()
        XCTAssertEqual(table.domainCount, 1)
        let root = try XCTUnwrap(table.domain(named: .root))
        XCTAssertEqual(root.serverCount, 13)
        var ipv4 = 0, ipv6 = 0
        for i in 0..<root.serverCount {
            let server = root.server(i)
            XCTAssertEqual(server.name, dn("\(Character(UnicodeScalar(UInt8(0x61 + i)))).root-servers.net."))
            ipv4 += server.ipv4Count
            ipv6 += server.ipv6Count
        }
        XCTAssertEqual(ipv4, 13)
        XCTAssertEqual(ipv6, 13)
    }

    func testCompiledTableHasCurrentBRootAndAnchors() throws {
        let root = try XCTUnwrap(try RootHints.compiled().domain(named: .root))
        let b = try XCTUnwrap(root.server(named: dn("B.ROOT-SERVERS.NET.")))
        XCTAssertEqual(b.address(0), address("170.247.170.2"))
        XCTAssertEqual(b.address(1), address("2801:1b8:10::b"))
        XCTAssertEqual(root.anchorCount, 2)
        XCTAssertEqual((0..<2).map { root.anchor($0).keyTag }, [20326, 38696])
        XCTAssertEqual((0..<2).map { root.anchor($0).type }, [.ds, .ds])
        let ksk2024: [UInt8] = [0x97, 0x28, 8, 2] + hex("683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16")
        XCTAssertEqual(root.anchor(1).rdata, ksk2024)
    }

    func testCompiledTableEqualsParsedConfigFiles() throws {
        let parsed = try RootHints.load(hintsText: Repo.bytes("Config/root.hints"),
                                        anchorsText: Repo.bytes("Config/root.key"))
        if parsed.bytes != RootTables.bytes {
            let firstDifference = zip(parsed.bytes, RootTables.bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(parsed.bytes.count, RootTables.bytes.count)
            XCTFail("Sources/Hints/RootTables.swift is stale (differs at byte \(firstDifference)): run `make gen-root-tables`")
        }
        XCTAssertEqual(RootTables.bytes.count, RootTables.byteCount)
        let crc = RootTables.bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[16...])) }
        XCTAssertEqual(crc, RootTables.checksum)
    }

    func testGeneratorCheckAgrees() throws {
        let script = Repo.root.appendingPathComponent("Board/gen-root-tables.py").path
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("no python3") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, "--check", "Config/root.hints", "Config/root.key", "Sources/Hints/RootTables.swift"]
        process.currentDirectoryURL = Repo.root
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "gen-root-tables.py --check failed")
    }

    func testCRC32MatchesZlib() {
        // zlib.crc32(b"123456789") == 0xCBF43926 (the standard check value).
        let check = Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }
        XCTAssertEqual(check, 0xCBF4_3926)
    }
}

func hex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(text.utf8)[...]
    while chars.count >= 2 {
        out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
        chars = chars.dropFirst(2)
    }
    return out
}
