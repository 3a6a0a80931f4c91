import Cache
import Config
import Platform
import Resolver
import Server
import XCTest

/// Each option the server or engine reads reaches it through the one
/// mapping next to the type it fills (`ServerLimits(config:)`,
/// `EngineSettings(config:)`, ...): set every one away from its default
/// and look for it on the other side.
final class ConfigMappingTests: XCTestCase {
    static let text = """
        config sprig 'main'
        \toption mode 'forward'
        \toption cache_size '2M'
        \toption cache_min_ttl '5'
        \toption cache_max_ttl '3600'
        \toption max_clients '100'
        \toption max_tcp_clients '10'
        \toption tcp_idle_timeout_ms '5000'
        \toption max_outgoing '200'
        \toption stale_max '7200'
        \toption stale_answer_ttl '10'
        \toption client_timeout_ms '1500'
        \toption stale_refresh_backoff '60'
        \toption qname_minimisation '0'
        \toption use_0x20 '1'
        \toption do_ip6 '0'
        \toption cname_max '8'
        \toption aggressive_nsec '0'
        \toption clock_trusted '1'
        \tlist allow '192.168.0.0/16'
        \tlist allow 'fd00::/8'
        config upstream
        \toption address '192.0.2.53'
        \toption transport 'tcp'
        config upstream
        \toption address '2001:db8::53'
        \toption port '5353'
        """

    func load(_ text: String) -> SprigConfig {
        guard case .success(let config) = SprigConfig.load(text: Array(text.utf8), fileName: "t.conf") else {
            XCTFail("not accepted:\n" + text)
            return SprigConfig()
        }
        return config
    }

    func testEngineSettings() {
        let s = EngineSettings(config: load(Self.text))
        XCTAssertEqual(s.maxClients, 100)
        XCTAssertEqual(s.maxOutgoing, 200)
        XCTAssertEqual(s.clientTimeoutMs, 1_500)
        XCTAssertEqual(s.staleAnswerTTLSeconds, 10)
        XCTAssertEqual(s.staleRefreshBackoffMs, 60_000)
        XCTAssertEqual(s.cnameMax, 8)
        XCTAssertFalse(s.recursive)
        XCTAssertFalse(s.qnameMinimisation)
        XCTAssertTrue(s.use0x20)
        XCTAssertFalse(s.useIPv6)
        XCTAssertTrue(s.clockTrusted)
        XCTAssertFalse(s.aggressiveNSEC)
        XCTAssertEqual(s.aggressiveNSECEntryCount, EngineSettings.aggressiveNSECEntryCount(cacheByteCount: 2 << 20))
        let defaults = EngineSettings(config: SprigConfig())
        XCTAssertTrue(defaults.recursive)
        XCTAssertTrue(defaults.validate && defaults.requestDNSSEC && defaults.serveStale && !defaults.queryLoopback)
        let off = EngineSettings(config: load("config sprig\n option dnssec 0\n option serve_stale 0\n option query_loopback 1\n"))
        XCTAssertFalse(off.validate || off.requestDNSSEC || off.serveStale)
        XCTAssertTrue(off.queryLoopback)
    }

    func testCacheLimitsUpstreamsAndAccessList() {
        let config = load(Self.text)
        let cache = CacheConfiguration(config: config)
        XCTAssertEqual(cache.arenaByteCount, 2 << 20)
        XCTAssertEqual(cache.minTTLSeconds, 5)
        XCTAssertEqual(cache.maxTTLSeconds, 3_600)
        XCTAssertEqual(cache.staleMaxSeconds, 7_200)
        XCTAssertEqual(CacheConfiguration(config: load("config sprig\n option serve_stale 0\n")).staleMaxSeconds, 0)

        let limits = ServerLimits(config: config)
        XCTAssertEqual(limits.maxClients, 100)
        XCTAssertEqual(limits.maxTCPClients, 10)
        XCTAssertEqual(limits.tcpIdleTimeoutMs, 5_000)
        XCTAssertEqual(limits.maxOutgoing, 200)

        let upstreams = Resolver.Upstream.list(config)
        XCTAssertEqual(upstreams, [Resolver.Upstream(address: ServerAddress(bytes: [192, 0, 2, 53], port: 53)!, overTCP: true),
                                   Resolver.Upstream(address: ServerAddress(bytes: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 10)
                                                                                + [0, 0x53], port: 5353)!)])

        let acl = AccessList(allow: config.allow)
        XCTAssertEqual(acl.count, 2)
        XCTAssertTrue(acl.allows(Address(bytes: [192, 168, 7, 7], port: 5)!))
        XCTAssertFalse(acl.allows(Address(bytes: [10, 0, 0, 1], port: 5)!))
        XCTAssertTrue(acl.allows(Address(bytes: [0xFD] + [UInt8](repeating: 1, count: 15), port: 5)!))
    }
}
