import XCTest
@testable import Config
import DNSWire

/// Every option of `config sprig`: accepted values, rejected values, range.
final class OptionTests: XCTestCase {
    func testListen() {
        let c = loadOK(main("""
            list listen '192.168.1.1'
            list listen '192.168.1.1:5353'
            list listen '::1'
            list listen '[fe80::1]:53'
            list listen '[2001:db8::5]'
            """))
        XCTAssertEqual(c.listen.map { $0.text },
                       ["192.168.1.1:53", "192.168.1.1:5353", "[::1]:53", "[fe80::1]:53", "[2001:db8::5]:53"])
        XCTAssertHas(loadErrors(main("list listen '192.168.1.1:0'")), "t.conf:2: list 'listen': port: 0 is out of range")
        XCTAssertHas(loadErrors(main("list listen 'lan'")), "t.conf:2: list 'listen':")
        XCTAssertHas(loadErrors(main("list listen '[192.168.1.1]:53'")), "is not address[:port]")
        XCTAssertHas(loadErrors(main("list listen '[::1]53'")), "is not address[:port]")
        XCTAssertHas(loadErrors(main("list listen 'fe80::1%eth0'")), "zone indexes")
        XCTAssertHas(loadErrors(main("list listen '::1'\nlist listen '[::1]:53'")), "listen [::1]:53 is given twice")
    }

    func testMode() {
        XCTAssertEqual(loadOK(main("option mode 'recursive'")).mode, .recursive)
        XCTAssertHas(loadErrors(main("option mode 'Forward'")), "'Forward' is not one of: recursive, forward")
        XCTAssertHas(loadErrors(main("option mode 'forward'")), "t.conf:2: mode is 'forward' but no 'config upstream'")
        let c = loadOK(main("option mode forward") + "config upstream\n option address 192.0.2.53\n")
        XCTAssertEqual(c.mode, .forward)
    }

    func testCacheSize() {
        XCTAssertEqual(loadOK(main("option cache_size '65536'")).cacheByteCount, 65536)
        XCTAssertEqual(loadOK(main("option cache_size '512K'")).cacheByteCount, 512 << 10)
        XCTAssertEqual(loadOK(main("option cache_size '16m'")).cacheByteCount, 16 << 20)
        XCTAssertEqual(loadOK(main("option cache_size '1G'")).cacheByteCount, 1 << 30)
        XCTAssertHas(loadErrors(main("option cache_size '4X'")),
                     "t.conf:2: option 'cache_size': '4X' is not a size (use bytes, or a number with K, M or G)")
        XCTAssertHas(loadErrors(main("option cache_size '4 M'")), "is not a size")
        XCTAssertHas(loadErrors(main("option cache_size '-4M'")), "is not a size")
        XCTAssertHas(loadErrors(main("option cache_size 'M'")), "is not a size")
        XCTAssertHas(loadErrors(main("option cache_size '2G'")), "2G is out of range (64K to 1G)")
        XCTAssertHas(loadErrors(main("option cache_size '1K'")), "out of range")
        XCTAssertHas(loadErrors(main("option cache_size '99999999999999999999M'")), "is out of range")
        XCTAssertHas(loadErrors(main("option max_clients '99999999999999999999'")), "99999999999999999999 is out of range (1 to 16384)")
        XCTAssertHas(loadErrors(main("option max_clients '4294967297'")), "is out of range")
        // would overflow Int when multiplied: reported, never a trap
        XCTAssertHas(loadErrors(main("option cache_size '999999999999999G'")), "is out of range")
        XCTAssertHas(loadErrors(main("option cache_size '999999999999999'")), "is out of range")
    }

    /// Integer options: value accepted, below/above range and junk rejected.
    func testIntegerOptions() {
        let cases: [(String, ClosedRange<Int>, (SprigConfig) -> Int)] = [
            ("cache_min_ttl", 0...86400, { $0.cacheMinTTLSeconds }),
            ("cache_max_ttl", 1...604800, { $0.cacheMaxTTLSeconds }),
            ("max_clients", 1...16384, { $0.maxClients }),
            ("max_tcp_clients", 1...1024, { $0.maxTCPClients }),
            ("tcp_idle_timeout_ms", 100...120000, { $0.tcpIdleTimeoutMs }),
            ("max_outgoing", 1...16384, { $0.maxOutgoing }),
            ("stale_max", 0...2592000, { $0.staleMaxSeconds }),
            ("stale_answer_ttl", 1...3600, { $0.staleAnswerTTLSeconds }),
            ("client_timeout_ms", 100...10000, { $0.clientTimeoutMs }),
            ("stale_refresh_backoff", 1...3600, { $0.staleRefreshBackoffSeconds }),
            ("cname_max", 1...64, { $0.cnameMax }),
        ]
        for (name, range, get) in cases {
            // the upper bound may trip a cross check (min ≤ max), so pair it
            let pair = name == "cache_min_ttl" ? "\noption cache_max_ttl 604800" :
                name == "stale_answer_ttl" ? "\noption stale_max 2592000" : ""
            XCTAssertEqual(get(loadOK(main("option \(name) '\(range.upperBound)'" + pair))), range.upperBound, name)
            if name != "cache_max_ttl" && name != "stale_max" {
                XCTAssertEqual(get(loadOK(main("option \(name) '\(range.lowerBound)'"))), range.lowerBound, name)
            }
            XCTAssertHas(loadErrors(main("option \(name) '\(range.upperBound + 1)'")),
                         "t.conf:2: option '\(name)': \(range.upperBound + 1) is out of range (\(range.lowerBound) to \(range.upperBound))")
            if range.lowerBound > 0 {
                XCTAssertHas(loadErrors(main("option \(name) '\(range.lowerBound - 1)'")), "is out of range")
            }
            for junk in ["12x", "-1", "+5", " 7", "1.5", "", "0x10"] {
                XCTAssertHas(loadErrors(main("option \(name) '\(junk)'")), "option '\(name)': '\(junk)' is not a whole number")
            }
        }
    }

    func testBooleans() {
        let cases: [(String, (SprigConfig) -> Bool)] = [
            ("serve_stale", { $0.serveStale }), ("qname_minimisation", { $0.qnameMinimisation }),
            ("use_0x20", { $0.use0x20 }), ("cookies", { $0.cookies }),
            ("error_reporting", { $0.errorReporting }), ("do_ip6", { $0.doIPv6 }), ("dnssec", { $0.dnssec }),
            ("aggressive_nsec", { $0.aggressiveNSEC }), ("log_syslog", { $0.logSyslog }),
            ("query_loopback", { $0.queryLoopback }), ("clock_trusted", { $0.clockTrusted }),
        ]
        for (name, get) in cases {
            for yes in ["1", "yes", "on", "true", "enabled", "TRUE"] {
                XCTAssertTrue(get(loadOK(main("option \(name) '\(yes)'"))), "\(name)=\(yes)")
            }
            for no in ["0", "no", "off", "false", "disabled"] {
                XCTAssertFalse(get(loadOK(main("option \(name) '\(no)'"))), "\(name)=\(no)")
            }
            XCTAssertHas(loadErrors(main("option \(name) '2'")), "option '\(name)': '2' is not a boolean")
            XCTAssertHas(loadErrors(main("option \(name) 'y'")), "is not a boolean")
        }
    }

    func testPaths() {
        let c = loadOK(main("""
            option root_hints '/etc/sprig/root.hints'
            option trust_anchor_file '/etc/sprig/root.key'
            option clock_marker_file '/var/state/ntp-synced'
            option control_socket '/tmp/s.sock'
            option state_dir '/overlay/sprig'
            """))
        XCTAssertEqual(c.rootHintsPath, "/etc/sprig/root.hints")
        XCTAssertEqual(c.trustAnchorFilePath, "/etc/sprig/root.key")
        XCTAssertEqual(c.clockMarkerFilePath, "/var/state/ntp-synced")
        XCTAssertEqual(c.controlSocketPath.string, "/tmp/s.sock")
        XCTAssertEqual(c.stateDirectory, "/overlay/sprig")
        XCTAssertNil(loadOK(main("option root_hints ''")).rootHintsPath)
        for name in ["root_hints", "trust_anchor_file", "clock_marker_file", "control_socket", "state_dir"] {
            XCTAssertHas(loadErrors(main("option \(name) 'relative/path'")), "option '\(name)': 'relative/path' is not an absolute path")
        }
        XCTAssertHas(loadErrors(main("option state_dir ''")), "is not an absolute path")
        let longSocket = "/" + String(repeating: "s", count: 107)
        XCTAssertHas(loadErrors(main("option control_socket '\(longSocket)'")), "the limit is 107")
        XCTAssertHas(loadErrors(main("option root_hints '/caf\u{e9}'")), "printable ASCII")
    }

    func testUser() {
        XCTAssertEqual(loadOK(main("option user 'dnsmasq'")).user, "dnsmasq")
        // 'root' is accepted and means what '' means (no privilege drop), said at check time.
        XCTAssertEqual(loadOK(main("option user 'root'")).user, "root")
        XCTAssertHas(loadWarnings(main("option user 'root'")),
                     "t.conf:2: warning: user 'root': sprigd keeps root privileges after binding, the same as option user ''")
        XCTAssertEqual(loadWarnings(main("option user 'nobody'")), [])
        XCTAssertNil(loadOK(main("option user ''")).user)
        XCTAssertEqual(loadOK("").user, "nobody")
        XCTAssertHas(loadErrors(main("option user '-x'")), "is not a user name")
        XCTAssertHas(loadErrors(main("option user 'a:b'")), "is not a user name")
        XCTAssertHas(loadErrors(main("option user '\(String(repeating: "u", count: 33))'")), "longer than 32")
    }

    func testLogLevel() {
        XCTAssertEqual(loadOK(main("option log_level 'debug'")).logLevel, .debug)
        XCTAssertEqual(loadOK(main("option log_level 'error'")).logLevel, .error)
        XCTAssertEqual(LogLevelSetting.warning.rawValue, 4)
        XCTAssertHas(loadErrors(main("option log_level 'verbose'")), "is not one of: error, warning, notice, info, debug")
    }

    func testAllow() {
        let c = loadOK(main("list allow '192.168.0.0/16'\nlist allow '2001:db8::/32'\nlist allow '10.1.2.3'"))
        XCTAssertEqual(c.allow.map { $0.text }, ["192.168.0.0/16", "2001:db8::/32", "10.1.2.3/32"])
        XCTAssertTrue(c.allow[0].contains(IPAddress("192.168.77.1")!))
        XCTAssertFalse(c.allow[0].contains(IPAddress("192.169.0.1")!))
        XCTAssertFalse(c.allow[0].contains(IPAddress("::1")!))
        XCTAssertHas(loadErrors(main("list allow '192.168.1.0/33'")), "prefix length must be 0 to 32")
        XCTAssertHas(loadErrors(main("list allow '::/129'")), "prefix length must be 0 to 128")
        XCTAssertHas(loadErrors(main("list allow '10.0.0.1/8'")), "has bits set after the prefix length")
        XCTAssertHas(loadErrors(main("list allow 'fc00::/7x'")), "prefix length")
        XCTAssertHas(loadErrors(main("list allow 'everyone'")), "is not an address prefix")
    }

    func testInsecureDomain() {
        let c = loadOK(main("list insecure_domain 'Corp.Example'\nlist insecure_domain 'lan.'"))
        XCTAssertEqual(c.insecureDomains.map { $0.uciText }, ["corp.example", "lan"])
        XCTAssertHas(loadErrors(main("list insecure_domain 'a..b'")), "has an empty label")
        XCTAssertHas(loadErrors(main("list insecure_domain 'bad name'")), "is not a domain name")
        XCTAssertHas(loadWarnings(main("list insecure_domain 'x'\nlist insecure_domain 'X.'")), "listed twice")
    }

    func testTrustAnchors() {
        let ds = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
        let c = loadOK(main("list trust_anchor '\(ds)'"))
        guard let d = c.trustAnchors.first, d.type == .ds else { return XCTFail("no DS") }
        XCTAssertEqual(d.owner, .root)
        XCTAssertEqual(d.keyTag, 20326)
        XCTAssertEqual(d.algorithm, 8)
        XCTAssertEqual(d.rdata[3], 2, "digest type")
        XCTAssertEqual(d.rdata.count - 4, 32, "digest bytes")
        XCTAssertEqual(c.trustAnchors[0].text, ds.replacingOccurrences(of: ". IN", with: ". IN"))
        // TTL and split digest are accepted
        XCTAssertEqual(loadOK(main("list trust_anchor '. 172800 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D084 58E880409BBC683457104237C7F8EC8D'")).trustAnchors.count, 1)
        let bad: [(String, String)] = [
            (". IN DS 20326 8 2", "DS needs KEYTAG ALGORITHM DIGESTTYPE DIGEST"),
            (". IN DS 70000 8 2 E06D", "key tag '70000' is not a number from 0 to 65535"),
            (". IN DS 20326 x 2 E06D", "algorithm 'x' is not a number"),
            (". IN DS 20326 8 2 E06D", "digest is 2 bytes; digest type 2 needs 32"),
            (". IN DS 20326 8 3 E06D", "digest type 3 is not supported"),
            (". IN DS 20326 8 2 XYZ1", "digest is not hexadecimal"),
            (". IN A 192.0.2.1", "record type 'A' is not DS or DNSKEY"),
            ("..bad IN DS 1 8 2 00", "owner:"),
            (".", "'.' is not a DS or DNSKEY record"),
        ]
        for (text, message) in bad {
            XCTAssertHas(loadErrors(main("list trust_anchor '\(text)'")), "t.conf:2: list 'trust_anchor': \(message)")
        }
    }

    func testDNSKEYAnchor() {
        // The root KSK-2017 (key tag 20326).
        let key = "AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="
        let c = loadOK(main("list trust_anchor '. 3600 IN DNSKEY 257 3 8 \(key)'"))
        guard let k = c.trustAnchors.first, k.type == .dnskey else { return XCTFail("no DNSKEY") }
        XCTAssertEqual(k.keyTag, 20326)
        XCTAssertEqual(UInt16(k.rdata[0]) << 8 | UInt16(k.rdata[1]), 257, "flags")
        XCTAssertEqual(k.algorithm, 8)
        XCTAssertHas(loadErrors(main("list trust_anchor '. IN DNSKEY 257 2 8 \(key)'")), "DNSKEY protocol must be 3")
        XCTAssertHas(loadErrors(main("list trust_anchor '. IN DNSKEY 1 3 8 \(key)'")), "lack the Zone Key bit")
        XCTAssertHas(loadErrors(main("list trust_anchor '. IN DNSKEY 257 3 8 AwE!'")), "is not base64")
        XCTAssertHas(loadErrors(main("list trust_anchor '. IN DNSKEY 257 3'")), "DNSKEY needs FLAGS PROTOCOL ALGORITHM KEY")
    }

    func testUnknownAndMisusedOptions() {
        XCTAssertHas(loadErrors(main("option cache_sise '4M'")), "t.conf:2: unknown option 'cache_sise' in 'config sprig'; did you mean 'cache_size'?")
        XCTAssertHas(loadErrors(main("option zzz '1'")), "unknown option 'zzz' in 'config sprig'")
        XCTAssertHas(loadErrors(main("list mode 'forward'")), "'mode' takes one value: write 'option mode', not 'list mode'")
        XCTAssertHas(loadErrors("config sprigg\n"), "unknown section type 'sprigg'; did you mean 'sprig'?")
        XCTAssertHas(loadErrors("config sprig 'a'\nconfig sprig 'b'\n"), "t.conf:2: only one 'config sprig' section is allowed (the first is on line 1)")
    }

    func testRepeatedOptionLastWinsWithWarning() {
        let text = main("option cache_size '8M'\noption cache_size '16M'")
        XCTAssertEqual(loadOK(text).cacheByteCount, 16 << 20)
        XCTAssertHas(loadWarnings(text), "t.conf:3: warning: option 'cache_size' is set again; this value replaces the one from line 2")
    }

    func testOptionOnAListReplacesAndListAppends() {
        // uci: `option` replaces a list; `list` after `option` appends.
        XCTAssertEqual(loadOK(main("list listen '10.0.0.1'\noption listen '10.0.0.2'")).listen.map { $0.text }, ["10.0.0.2:53"])
        XCTAssertEqual(loadOK(main("option listen '10.0.0.1'\nlist listen '10.0.0.2'")).listen.map { $0.text },
                       ["10.0.0.1:53", "10.0.0.2:53"])
    }

    func testNamedSectionRepeatedContinues() {
        let c = loadOK("config sprig 'main'\noption cache_size 8M\nconfig sprig 'main'\noption cname_max 5\n")
        XCTAssertEqual(c.cacheByteCount, 8 << 20)
        XCTAssertEqual(c.cnameMax, 5)
    }

    func testCrossChecks() {
        XCTAssertHas(loadErrors(main("option cache_min_ttl 600\noption cache_max_ttl 300")),
                     "t.conf:2: cache_min_ttl (600) is larger than cache_max_ttl (300)")
        XCTAssertHas(loadErrors(main("option stale_max 10\noption stale_answer_ttl 30")),
                     "stale_answer_ttl (30) is larger than stale_max (10)")
        XCTAssertEqual(loadOK(main("option serve_stale 0\noption stale_max 10\noption stale_answer_ttl 30")).serveStale, false)
        XCTAssertHas(loadWarnings(main("option stale_max 0")), "nothing will be served stale")
        XCTAssertHas(loadWarnings(main("option dnssec 0\nlist trust_anchor '. IN DS 1 8 1 \(String(repeating: "00", count: 20))'")),
                     "t.conf:3: warning: trust_anchor has no effect while dnssec is 0")
    }

    /// Issue 12 items 7–9: the options that keep a test bed's loopback
    /// servers, private root and replayed clock apart from a router's.
    func testLoopbackAnchorAndClockCrossChecks() {
        let anchor = "list trust_anchor '. IN DS 1 8 2 \(String(repeating: "00", count: 32))'"
        // Replacing the root anchors needs some other anchor to validate with.
        XCTAssertHas(loadErrors(main("option builtin_root_anchors 0")),
                     "t.conf:2: builtin_root_anchors is 0 and no trust_anchor or trust_anchor_file is given")
        XCTAssertFalse(loadOK(main("option builtin_root_anchors 0\n" + anchor)).builtinRootAnchors)
        XCTAssertTrue(loadOK(main("option builtin_root_anchors yes\n" + anchor)).builtinRootAnchors)
        XCTAssertHas(loadErrors(main("option builtin_root_anchors 2")), "'2' is not a boolean")
        XCTAssertFalse(loadOK(main("option builtin_root_anchors 0\noption trust_anchor_file '/etc/sprig/root.key'"))
            .builtinRootAnchors)
        XCTAssertHas(loadWarnings(main("option dnssec 0\noption builtin_root_anchors 0")),
                     "builtin_root_anchors has no effect while dnssec is 0")
        // Forward mode queries its upstreams wherever they are.
        let forward = main("option mode forward\noption query_loopback 1") + "config upstream\n option address '127.0.0.1'\n"
        XCTAssertHas(loadWarnings(forward), "t.conf:3: warning: query_loopback only applies to authoritative servers")
        XCTAssertEqual(loadWarnings(main("option query_loopback 1")), [])
        XCTAssertHas(loadWarnings(main("option clock_trusted 1\noption clock_marker_file '/tmp/ntp.ok'")),
                     "t.conf:3: warning: clock_marker_file has no effect while clock_trusted is 1")
    }

    /// chroot '1' (issue 20 item 6): needs an unprivileged user, an absolute
    /// state_dir other than '/', and every file read while running inside it.
    func testChroot() {
        XCTAssertTrue(loadOK(main("option chroot '1'\noption state_dir '/var/lib/sprig'")).chroot)
        XCTAssertFalse(loadOK(main("option user 'nobody'")).chroot)
        XCTAssertHas(loadErrors(main("option chroot '1'\noption user ''")),
                     "t.conf:2: chroot '1' needs option user (an unprivileged user)")
        XCTAssertHas(loadErrors(main("option chroot '1'\noption user 'root'")), "root can leave a chroot")
        XCTAssertHas(loadErrors(main("option chroot '1'\noption state_dir '/'")),
                     "needs state_dir to be an absolute folder other than '/'")
        XCTAssertHas(loadErrors(main("option chroot '1'\noption state_dir '/var/lib/sprig'\n"
                                     + "option clock_marker_file '/tmp/ntp.ok'")),
                     "t.conf:4: clock_marker_file '/tmp/ntp.ok' is outside state_dir '/var/lib/sprig'")
        _ = loadOK(main("option chroot '1'\noption state_dir '/var/lib/sprig'\n"
                        + "option clock_marker_file '/var/lib/sprig/ntp.ok'"))
    }
}
