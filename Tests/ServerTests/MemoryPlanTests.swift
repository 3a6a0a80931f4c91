import Cache
import Config
import Fixed
import Foundation
import Platform
import Resolver
import XCTest
@testable import Server

/// The memory plan (Sources/Server/MemoryPlan.swift) is what start-up
/// reserves: an arena of the plan's size, carved the way sprigd carves it
/// (cache, core, event loop), is used to the byte, row by row, with nothing
/// reserved outside it — for the defaults and for configs that change every
/// count the plan reads.
final class MemoryPlanTests: XCTestCase {
    static let configs: [(String, String)] = [
        ("defaults", ""),
        ("dnssec 0", "config sprig 'main'\n\toption dnssec '0'\n"),
        ("aggressive_nsec 0", "config sprig 'main'\n\toption aggressive_nsec '0'\n"),
        ("forward", "config sprig 'main'\n\toption mode 'forward'\nconfig upstream\n\toption address '192.0.2.53'\n"),
        ("forward, dnssec 0, small pools",
         "config sprig 'main'\n\toption mode 'forward'\n\toption dnssec '0'\n\toption cache_size '256K'\n"
            + "\toption max_clients '1'\n\toption max_tcp_clients '1'\n\toption max_outgoing '1'\n"
            + "config upstream\n\toption address '192.0.2.53'\n"),
        ("large pools", "config sprig 'main'\n\toption cache_size '32M'\n\toption max_clients '4096'\n"
            + "\toption max_tcp_clients '512'\n\toption max_outgoing '8192'\n"),
        ("memory tiny, lease file", "config sprig 'main'\n\toption memory 'tiny'\n\tlist lease_file '/tmp/dhcp.leases'\n"),
        ("memory small", "config sprig 'main'\n\toption memory 'small'\n"),
        ("memory large, hosts file", "config sprig 'main'\n\toption memory 'large'\n\tlist hosts_file '/etc/hosts'\n"),
        ("forward over tls, pin", "config sprig 'main'\n\toption mode 'forward'\n\toption max_tls_connections '2'\n"
            + "config upstream\n\toption address '192.0.2.53'\n\toption transport 'tls'\n"
            + "\toption tls_pin 'sha256/\(String(repeating: "A", count: 43))='\n"),
    ]

    /// Issue 17: `memory 'tiny'` keeps the whole footprint at or under 2 MB
    /// (10^6 bytes, the stricter reading) for a 32 MB router, with DNSSEC
    /// on, aggressive NSEC on, and a lease file configured.
    func testTinyPresetIsAtMostTwoMegabytes() throws {
        let c = load("config sprig 'main'\n\toption memory 'tiny'\n\toption local_domain 'lan'\n"
                     + "\tlist lease_file '/tmp/dhcp.leases'\n\tlist hosts_file '/etc/hosts'\n", "tiny")
        XCTAssertTrue(c.dnssec && c.aggressiveNSEC)
        let plan = MemoryPlan(config: c)
        XCTAssertLessThanOrEqual(plan.byteCount, 2_000_000, "tiny: \(plan.byteCount) bytes")
        XCTAssertTrue(plan.rows.contains { $0.label.hasPrefix("local names") && $0.count == 256 })
        // Each bigger preset reserves more; small is the defaults.
        var last = 0
        for preset in MemoryPreset.allCases {
            let bytes = MemoryPlan(config: SprigConfig().applying(preset)).byteCount
            XCTAssertGreaterThan(bytes, last, preset.text)
            last = bytes
        }
        XCTAssertEqual(MemoryPlan(config: SprigConfig().applying(.small)).byteCount, MemoryPlan(config: SprigConfig()).byteCount)
    }

    /// #17 item 2: the built-in default suits a 64 MB router: the whole
    /// footprint at or under 4 MB (10^6 bytes), as tiny's 2 MB is for 32 MB,
    /// with DNSSEC, aggressive NSEC and a lease file.
    func testDefaultFitsSixtyFourMegabyteRouters() throws {
        let c = load("config sprig 'main'\n\toption local_domain 'lan'\n\tlist lease_file '/tmp/dhcp.leases'\n", "default")
        XCTAssertEqual(c.memory, .small)
        XCTAssertTrue(c.dnssec && c.aggressiveNSEC)
        let bytes = MemoryPlan(config: c).byteCount
        XCTAssertLessThanOrEqual(bytes, 4_000_000, "default: \(bytes) bytes")
    }
    static let files = ["Config/sprig", "Config/examples/small-router.conf", "Config/examples/forward.conf",
                        "Config/examples/recursive-lan.conf"]

    func testPlanIsWhatStartUpReserves() throws {
        for (name, text) in MemoryPlanTests.configs {
            try checkStartUp(load(text, name), name)
        }
        for path in MemoryPlanTests.files {
            let text = try String(contentsOfFile: MemoryPlanTests.repoFile(path), encoding: .utf8)
            try checkStartUp(load(text, path), path)
        }
    }

    /// Carves everything as sprigd does (Sources/sprigd/Serve.swift) from
    /// an arena that counts what it cannot serve instead of trapping.
    func checkStartUp(_ config: SprigConfig, _ name: String) throws {
        let plan = MemoryPlan(config: config)
        let arena = Arena(byteCount: plan.byteCount, lateReservations: .count)
        let cache = try AnswerCache(configuration: plan.cache, hashSeed: 1, arena: arena)
        let resolver = ResolverCore(settings: plan.settings, upstreams: Upstream.list(config), cache: cache, arena: arena)
        let loop = try EventLoop(limits: plan.limits, acl: AccessList(allow: config.allow), resolver: resolver, arena: arena)
        arena.seal()
        XCTAssertEqual(arena.rows, plan.rows, "\(name): the arena's rows are the plan's")
        XCTAssertEqual(arena.usedByteCount, plan.byteCount, "\(name): the plan's total is what was carved")
        XCTAssertEqual(arena.lateReservationCount, 0, name)
        XCTAssertEqual(arena.freeByteCount, 0, name)
        XCTAssertEqual(loop.statsLines().first { $0.0 == "arena.late_reservations" }?.1, 0, name)
        XCTAssertEqual(loop.statsLines().first { $0.0 == "arena.used_bytes" }?.1, plan.byteCount, name)
        if arena.rows != plan.rows {
            for (a, p) in zip(arena.rows, plan.rows) where a != p { print("\(name): arena \(a) plan \(p)") }
        }
    }

    /// Each count the config sets is a row's count, under the option's name.
    func testRowsCarryTheConfiguredCounts() {
        let config = load("config sprig 'main'\n\toption max_clients '100'\n\toption max_tcp_clients '10'\n"
                          + "\toption max_outgoing '200'\n", "counts")
        let rows = MemoryPlan(config: config).rows
        func count(_ label: String) -> Int? { rows.first { $0.label == label }?.count }
        XCTAssertEqual(count("client slots (max_clients, +1 spare for cached answers)"), 101)
        XCTAssertEqual(count("resolver requests (max_clients)"), 100)
        XCTAssertEqual(count("tcp client connections (max_tcp_clients)"), 10)
        XCTAssertEqual(count("resolver outgoing queries (max_outgoing)"), 200)
        XCTAssertEqual(count("outgoing query slots (max_outgoing)"), 200)
        XCTAssertEqual(count("outgoing handles (max_outgoing)"), 200)
        XCTAssertEqual(count("failed sends (max_outgoing)"), 200)
        XCTAssertEqual(count("resolver timers (requests + outgoing)"), 300)
    }

    /// TLS memory is reserved only for a TLS upstream: max_tls_connections
    /// regions of tlsConnectionByteCount, and the shared block (no CA
    /// budget for pins alone; the bundle's budget for a tls_name).
    func testTLSRowsOnlyForTLSUpstreams() throws {
        let connections = "tls connections mbedTLS memory (max_tls_connections)"
        let shared = "tls shared mbedTLS memory (configs, RNG, CA bundle)"
        XCTAssertFalse(MemoryPlan(config: SprigConfig()).rows.contains { $0.label == connections })
        let pin = load(MemoryPlanTests.configs.first { $0.0 == "forward over tls, pin" }!.1, "pin")
        let rows = MemoryPlan(config: pin).rows
        XCTAssertEqual(rows.first { $0.label == connections }?.count, 2)
        XCTAssertGreaterThanOrEqual(rows.first { $0.label == connections }?.byteCount ?? 0, 2 * 61_440)
        let pinShared = rows.first { $0.label == shared }?.byteCount ?? 0
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("sprig-ca-\(getpid()).pem")
        try Data(repeating: 0x41, count: 100_000).write(to: ca)
        defer { try? FileManager.default.removeItem(at: ca) }
        let named = load("config sprig 'main'\n\toption mode 'forward'\n\toption tls_ca_file '\(ca.path)'\n"
                         + "config upstream\n\toption address '192.0.2.53'\n\toption transport 'tls'\n"
                         + "\toption tls_name 'dns.example'\n", "named")
        let namedShared = MemoryPlan(config: named).rows.first { $0.label == shared }?.byteCount ?? 0
        XCTAssertGreaterThanOrEqual(namedShared - pinShared, 100_000 * 2, "the CA budget follows the bundle's size")
    }

    /// DNSSEC off reserves none of the validation buffers nor the crypto;
    /// the anchor bookkeeping stays (a reload may add insecure domains).
    func testDNSSECOffDropsTheValidatorRows() {
        let on = MemoryPlan(config: SprigConfig()).rows.map(\.label)
        let off = MemoryPlan(config: load("config sprig 'main'\n\toption dnssec '0'\n", "off")).rows.map(\.label)
        for label in ["validator scratch (signed data, canonical order)", "verified signatures (memo)",
                      "validator buffers (RRset, RRSIGs, keys, DS, denial)", "aggressive NSEC table (RFC 8198)",
                      "crypto (ECDSA scratch, GMP arena)"] {
            XCTAssertTrue(on.contains(label), label)
            XCTAssertFalse(off.contains(label), label)
        }
        XCTAssertTrue(off.contains("negative trust anchors (insecure_domain)"))
    }

    func load(_ text: String, _ name: String) -> SprigConfig {
        guard !text.isEmpty else { return SprigConfig() }
        var warnings: [ConfigDiagnostic] = []
        guard case .success(let config) = SprigConfig.load(text: Array(text.utf8), fileName: name, warnings: &warnings) else {
            XCTFail("not accepted: \(name)")
            return SprigConfig()
        }
        return config
    }

    static func repoFile(_ path: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(path).path
    }
}
