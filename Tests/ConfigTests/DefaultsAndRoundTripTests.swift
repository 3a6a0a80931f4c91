import XCTest
@testable import Config
import DNSWire

final class DefaultsAndRoundTripTests: XCTestCase {
    /// An empty file (or only comments) serves a household.
    func testEmptyFileGivesDefaults() {
        for text in ["", "\n\n", "# nothing here\n", "config sprig 'main'\n", "config sprig\n"] {
            XCTAssertEqual(loadOK(text), SprigConfig(), text)
        }
        let c = SprigConfig()
        XCTAssertEqual(c.listen.map { $0.text }, ["127.0.0.1:53", "[::1]:53"])
        XCTAssertEqual(c.mode, .recursive)
        // The sizes of the `small` preset (#17 item 2: 64–128 MB routers).
        XCTAssertEqual(c.cacheByteCount, 1 << 20)
        XCTAssertEqual(c.cacheMinTTLSeconds, 0)
        XCTAssertEqual(c.cacheMaxTTLSeconds, 86400)
        XCTAssertEqual(c.maxClients, 128)
        XCTAssertEqual(c.maxTCPClients, 16)
        XCTAssertEqual(c.tcpIdleTimeoutMs, 10000)
        XCTAssertEqual(c.maxOutgoing, 192)
        XCTAssertEqual(c.maxOutgoingTCP, 4)
        XCTAssertEqual(c.localNamesMax, 512)
        XCTAssertTrue(c.serveStale)
        XCTAssertEqual(c.staleMaxSeconds, 86400)
        XCTAssertEqual(c.staleAnswerTTLSeconds, 30)
        XCTAssertEqual(c.clientTimeoutMs, 1800)
        XCTAssertEqual(c.staleRefreshBackoffSeconds, 30)
        XCTAssertTrue(c.qnameMinimisation)
        XCTAssertFalse(c.use0x20)
        XCTAssertTrue(c.cookies)
        XCTAssertTrue(c.doIPv6)
        XCTAssertFalse(c.queryLoopback)
        XCTAssertTrue(c.builtinRootAnchors)
        XCTAssertFalse(c.clockTrusted)
        XCTAssertTrue(c.dnssec)
        XCTAssertTrue(c.aggressiveNSEC)
        XCTAssertEqual(c.cnameMax, 12)
        XCTAssertNil(c.rootHintsPath)
        XCTAssertNil(c.trustAnchorFilePath)
        XCTAssertEqual(c.trustAnchors, [])
        XCTAssertEqual(c.insecureDomains, [])
        XCTAssertEqual(c.allow.map { $0.text }, ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
                                                  "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "169.254.0.0/16", "fe80::/10"])
        XCTAssertEqual(c.user, "nobody")
        XCTAssertEqual(c.logLevel, .info)
        XCTAssertTrue(c.logSyslog)
        XCTAssertEqual(c.controlSocketPath, "/var/run/sprig.sock")
        XCTAssertNil(c.clockMarkerFilePath)
        XCTAssertEqual(c.stateDirectory, "/etc/sprig")
        XCTAssertEqual(c.upstreams, [])
        XCTAssertEqual(c.hints, [])
        XCTAssertEqual(c.authTransports, [])
    }

    static let full = """
        config sprig 'main'
        \tlist listen '192.168.1.1'
        \tlist listen '[fd00::1]:5353'
        \toption mode 'forward'
        \toption cache_size '1234567'
        \toption cache_min_ttl '60'
        \toption cache_max_ttl '3600'
        \toption max_clients '100'
        \toption max_tcp_clients '10'
        \toption tcp_idle_timeout_ms '5000'
        \toption max_outgoing '200'
        \toption serve_stale 'no'
        \toption stale_max '7200'
        \toption stale_answer_ttl '10'
        \toption client_timeout_ms '1500'
        \toption stale_refresh_backoff '60'
        \toption qname_minimisation 'off'
        \toption use_0x20 'on'
        \toption cookies 'off'
        \toption do_ip6 '0'
        \toption query_loopback 'yes'
        \toption cname_max '8'
        \toption root_hints "/etc/sprig/it's.hints"
        \toption dnssec '1'
        \toption aggressive_nsec '0'
        \toption trust_anchor_file '/etc/sprig/root.key'
        \tlist trust_anchor '. IN DS 20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d'
        \toption builtin_root_anchors 'off'
        \tlist insecure_domain 'Corp.Example'
        \tlist insecure_domain 'weird\\.label.example'
        \tlist allow '192.168.0.0/16'
        \tlist allow '::1'
        \toption user ''
        \toption log_level 'debug'
        \toption log_syslog '0'
        \toption control_socket '/tmp/sprig.sock'
        \toption clock_marker_file '/tmp/ntp.ok'
        \toption clock_trusted '1'
        \toption state_dir '/overlay/sprig'

        config upstream 'a'
        \toption address '9.9.9.9'
        \toption transport 'tcp'
        config upstream
        \toption address '2001:DB8:0:0:0:0:0:53'
        \toption port '5353'

        config auth_transport
        \toption domain 'example.net'
        \toption policy 'off'
        """

    /// Sections this build refuses (NotCarriedOut) still normalise to text
    /// that parses to the same values: the day they are carried out, the
    /// normalised form needs no change.
    static let refused = """
        config upstream 'a'
        \toption address '9.9.9.9'
        \toption transport 'tls'
        \toption tls_name 'dns.quad9.net'

        config hint 'h1'
        \toption domain 'example.net'
        \tlist nameserver 'ns1.example.net 192.0.2.1 2001:db8::1'
        \tlist trust_anchor 'example.net IN DS 1 13 2 \(String(repeating: "cd", count: 32))'

        config auth_transport
        \toption domain 'example.net'
        \toption policy 'strict'
        \tlist server 'ns1.example.net'
        \tlist server '192.0.2.1'
        """

    func testRefusedSectionsNormaliseToTheSameValues() {
        let (first, errors) = parseAll(Self.refused)
        // The hint (issue 15), the tls upstream and strict auth_transport
        // with list server (issue 16) are carried out.
        XCTAssertEqual(errors.count, 0, errors.joined(separator: "\n"))
        let (second, again) = parseAll(first.normalised)
        XCTAssertEqual(first, second, first.normalised)
        XCTAssertEqual(again.count, 0)
        XCTAssertTrue(first.normalised.contains("list server 'ns1.example.net'"), first.normalised)
        XCTAssertTrue(first.normalised.contains("list server '192.0.2.1'"), first.normalised)
        XCTAssertTrue(first.normalised.contains("option port '853'"))
    }

    /// parse → normalised → parse gives the same config, and normalising
    /// again gives the same text.
    func testNormalisedRoundTrip() {
        for text in ["", Self.full, "config sprig\n option cache_size '2G'\n option cache_size '1G'\n"] {
            var warnings: [ConfigDiagnostic] = []
            guard case .success(let first) = SprigConfig.load(text: Array(text.utf8), fileName: "a", warnings: &warnings) else {
                XCTFail("did not load:\n" + text)
                continue
            }
            let normal = first.normalised
            let second = loadOK(normal)
            XCTAssertEqual(first, second, normal)
            XCTAssertEqual(second.normalised, normal)
        }
    }

    func testNormalisedShowsEveryOption() {
        let normal = SprigConfig().normalised
        for key in MainOption.allCases {
            XCTAssertTrue(normal.contains(" \(Bytes.string(key.key))"), Bytes.string(key.key))
        }
        let full = loadOK(Self.full)
        XCTAssertEqual(full.rootHintsPath, "/etc/sprig/it's.hints")
        XCTAssertTrue(full.normalised.contains(#"option root_hints '/etc/sprig/it'\''s.hints'"#))
        XCTAssertTrue(full.normalised.contains("option address '2001:db8::53'"))
        for line in ["option query_loopback '1'", "option builtin_root_anchors '0'", "option clock_trusted '1'"] {
            XCTAssertTrue(full.normalised.contains(line), line)
        }
        for line in ["option query_loopback '0'", "option builtin_root_anchors '1'", "option clock_trusted '0'"] {
            XCTAssertTrue(normal.contains(line), line)
        }
        XCTAssertTrue(full.normalised.contains("list insecure_domain 'weird\\.label.example'"), full.normalised)
        XCTAssertEqual(full.insecureDomains[1].wireBytes, [11] + Array("weird.label".utf8) + [7] + Array("example".utf8) + [0])
    }

    func testIPv6TextForms() {
        let cases = [("2001:db8::1", "2001:db8::1"), ("::", "::"), ("::1", "::1"), ("1::", "1::"),
                     ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("::ffff:192.0.2.1", "::ffff:c000:201"),
                     ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"), ("0:0:1:0:0:0:0:0", "0:0:1::")]
        for (input, expected) in cases {
            XCTAssertEqual(IPAddress(input)?.text, expected, input)
        }
        for bad in ["1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "12345::", "::g", "1.2.3.4::", "", ":::", "1:2:3:4:5:6:7::8:9"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        for bad in ["1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1..2.3", "1.2.3.4 "] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        XCTAssertEqual(IPAddress("0.0.0.0")?.bytes, [0, 0, 0, 0])
    }
}
