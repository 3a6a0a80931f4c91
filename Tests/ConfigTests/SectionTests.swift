import XCTest
@testable import DNSWire
@testable import Config

/// `config upstream`, `config hint`, `config auth_transport` and uci-level
/// structure.
final class SectionTests: XCTestCase {
    let forward = "config sprig 'main'\n\toption mode 'forward'\n"

    func testUpstreams() {
        let c = loadOK(forward + """
            config upstream 'quad9'
            \toption address '9.9.9.9'
            \toption transport 'tcp'
            \toption port '53'
            config upstream
            \toption address '2001:db8::53'
            \toption transport 'tcp'
            \toption port '5300'
            config upstream
            \toption address '192.0.2.1'
            """)
        XCTAssertEqual(c.upstreams.count, 3)
        XCTAssertEqual(c.upstreams[0].name, "quad9")
        XCTAssertEqual(c.upstreams[0].port, 53)
        XCTAssertEqual(c.upstreams[0].transport, .tcp)
        XCTAssertNil(c.upstreams[1].name)
        XCTAssertEqual(c.upstreams[1].address.bytes.count, 16)
        XCTAssertEqual(c.upstreams[1].port, 5300)
        XCTAssertEqual(c.upstreams[2].port, 53)
        XCTAssertEqual(c.upstreams[2].transport, .udp)
    }

    /// DNS over TLS to an upstream is carried out (Server/UpstreamTLS.swift):
    /// its options parse, the port defaults to 853, and an upstream with
    /// neither name nor pin is warned about (encrypted, not authenticated).
    func testTLSUpstreamParsesWithNameAndPin() {
        let text = forward + """
            config upstream 'quad9'
            \toption address '9.9.9.9'
            \toption transport 'tls'
            \toption tls_name 'dns.quad9.net'
            \toption tls_pin 'sha256/\(String(repeating: "A", count: 43))='
            """ + "\n"
        XCTAssertEqual(loadWarnings(text), [])
        let (c, errors) = parseAll(text)
        XCTAssertEqual(errors.count, 0)
        XCTAssertEqual(c.upstreams[0].port, 853)
        XCTAssertEqual(c.upstreams[0].transport, .tls)
        XCTAssertEqual(c.upstreams[0].tlsName?.uciText, "dns.quad9.net")
        XCTAssertEqual(c.upstreams[0].tlsPinSHA256, [UInt8](repeating: 0, count: 32))
        // Without a name or pin it is accepted, and warned about.
        let bare = forward + "config upstream\n option address 1.1.1.1\n option transport tls\n"
        XCTAssertHas(loadWarnings(bare), "not authenticated")
        var sink = DiagnosticSink(fileName: "t.conf")
        _ = SchemaValidator.config(from: UCIDocument.sections(from: UCITokenizer.statements(in: Array(bare.utf8), sink: &sink),
                                                              sink: &sink), sink: &sink)
        XCTAssertHas(sink.sorted().map { $0.text }, "not authenticated")
    }

    func testUpstreamErrors() {
        XCTAssertHas(loadErrors(forward + "config upstream\n option port 53\n"), "t.conf:3: config upstream: option 'address' is required")
        XCTAssertHas(loadErrors(forward + "config upstream\n option address 'dns.google'\n"), "t.conf:4: option 'address': 'dns.google' is not a numeric")
        XCTAssertHas(loadErrors(forward + "config upstream\n option address 1.1.1.1\n option transport quic\n"), "is not one of: udp, tcp, tls")
        XCTAssertHas(loadErrors(forward + "config upstream\n option address 1.1.1.1\n option tls_name one.one.one.one\n"),
                     "t.conf:5: tls_name and tls_pin need option transport 'tls'")
        XCTAssertHas(loadErrors(forward + "config upstream\n option address 1.1.1.1\n option transport tls\n option tls_pin 'sha1/AAAA'\n"), "is not a pin")
        XCTAssertHas(loadErrors(forward + "config upstream\n option address 1.1.1.1\n option tls_nmae x\n"), "did you mean 'tls_name'?")
        XCTAssertHas(loadErrors(forward + "config upstream\n option address 1.1.1.1\nconfig upstream\n option address 1.1.1.1\n"),
                     "t.conf:5: upstream 1.1.1.1 port 53 is configured twice")
        XCTAssertHas(loadWarnings("config upstream\n option address 1.1.1.1\n"), "t.conf:1: warning: upstreams are only used when mode is 'forward'")
        var many = forward
        for i in 0...ConfigLimits.maxUpstreamCount { many += "config upstream\n option address 10.0.0.\(i + 1)\n" }
        XCTAssertHas(loadErrors(many), "too many 'upstream' sections (limit 8)")
    }

    /// A hint is parsed, checked and accepted (carried out since issue 15:
    /// Sources/Resolver/InTreeHints.swift).
    func testHintsAreParsedAndAccepted() {
        let text = """
            config hint 'example_net'
            \toption domain 'Example.NET'
            \tlist nameserver 'ns1.example.net 192.0.2.1 2001:db8::1'
            \tlist nameserver 'ns.other.org 198.51.100.7'
            \tlist trust_anchor 'example.net. IN DS 1234 13 2 \(String(repeating: "ab", count: 32))'
            """
        XCTAssertEqual(loadOK(text).hints.count, 1)
        let (c, _) = parseAll(text)
        XCTAssertEqual(c.hints.count, 1)
        let h = c.hints[0]
        XCTAssertEqual(h.name, "example_net")
        XCTAssertEqual(h.domain.uciText, "example.net")
        XCTAssertEqual(h.nameservers.map { $0.name.uciText }, ["ns1.example.net", "ns.other.org"])
        XCTAssertEqual(h.nameservers[0].addresses.map { $0.text }, ["192.0.2.1", "2001:db8::1"])
        XCTAssertEqual(h.trustAnchors.count, 1)
    }

    func testHintErrors() {
        XCTAssertHas(loadErrors("config hint\n list nameserver 'ns.other.org 192.0.2.1'\n option domain example.net\n"),
                     "t.conf:2: hint example.net has no in-domain nameserver")
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n"), "t.conf:1: hint example.net: at least one 'list nameserver' is required")
        XCTAssertHas(loadErrors("config hint\n list nameserver 'ns.example.net 192.0.2.1'\n"), "t.conf:1: config hint: option 'domain' is required")
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.net'\n"), "is not 'NAME ADDRESS [ADDRESS...]'")
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.net 192.0.2.x'\n"), "is not a numeric")
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.net 192.0.2.1'\n list nameserver 'NS.example.net 192.0.2.2'\n"),
                     "t.conf:4: hint example.net: nameserver ns.example.net is listed twice")
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.net 192.0.2.1'\n list trust_anchor 'example.org. IN DS 1 8 1 \(String(repeating: "00", count: 20))'\n"),
                     "t.conf:4: list 'trust_anchor': owner example.org is not the hint's domain example.net")
        XCTAssertHas(loadErrors("config hint 'example.net'\n"), "t.conf:1: section name 'example.net' may only contain letters, digits and '_' (as in uci); put a domain in option domain instead")
        let twice = "config hint\n option domain a.net\n list nameserver 'ns.a.net 192.0.2.1'\n" + anchor("a.net")
        XCTAssertHas(loadErrors(twice + twice), "t.conf:5: hint for a.net is already configured on line 1")
    }

    func anchor(_ domain: String) -> String {
        " list trust_anchor '\(domain). IN DS 1 13 2 \(String(repeating: "ab", count: 32))'\n"
    }

    /// draft-kolkman-dns-in-tree-hints §2.1: "In-tree hints MUST only be
    /// used in combination with a DNSSEC trust-anchor" — refused at the
    /// section line, and so is every hint while dnssec is off.
    func testHintWithoutTrustAnchorIsRefused() {
        XCTAssertEqual(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.net 192.0.2.1'\n"), [
            "t.conf:1: hint example.net has no trust anchor: in-tree hints are only used with one "
                + "(draft-kolkman-dns-in-tree-hints §2.1); add list trust_anchor 'example.net. IN DS ...'"])
        let off = "config sprig 'main'\n option dnssec '0'\nconfig hint\n option domain example.net\n"
            + " list nameserver 'ns.example.net 192.0.2.1'\n" + anchor("example.net")
        XCTAssertHas(loadErrors(off), "t.conf:2: dnssec is 0 but 1 config hint sections are given")
    }

    /// Each refusal names its line: the in-domain nameserver (every listed
    /// nameserver must carry an address, so an in-domain one always has
    /// one), the anchor's owner, and its presence.
    func testHintRefusalsNameTheirLine() {
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.org 192.0.2.1'\n"
                                + anchor("example.net")), "t.conf:3: hint example.net has no in-domain nameserver")
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.net'\n"
                                + anchor("example.net")), "t.conf:3: list 'nameserver'")
        XCTAssertHas(loadErrors("config hint\n option domain example.net\n list nameserver 'ns.example.net 192.0.2.1'\n"
                                + anchor("other.net")), "t.conf:4: list 'trust_anchor': owner other.net is not the hint's domain example.net")
    }

    /// Hints that depend on each other in a loop (a nameserver of each lies
    /// in the next hinted domain) are refused on the first one's line, each
    /// loop once; a chain without a loop is accepted by these checks.
    func testHintsInALoopAreRefused() {
        func hint(_ d: String, _ nameservers: [String]) -> String {
            "config hint\n option domain \(d)\n" + nameservers.map { " list nameserver '\($0) 192.0.2.1'\n" }.joined() + anchor(d)
        }
        let two = hint("a.test", ["ns.a.test", "ns.b.test"]) + hint("b.test", ["ns.b.test", "ns.a.test"])
        XCTAssertHas(loadErrors(two), "t.conf:1: hints depend on each other in a loop: a.test -> b.test -> a.test")
        let three = hint("a.test", ["ns.a.test", "ns.b.test"]) + hint("b.test", ["ns.b.test", "ns.c.test"])
            + hint("c.test", ["ns.c.test", "ns.a.test"])
        let errors = loadErrors(three)
        XCTAssertHas(errors, "t.conf:1: hints depend on each other in a loop: a.test -> b.test -> c.test -> a.test")
        XCTAssertEqual(errors.filter { $0.contains("loop") }.count, 1, "\(errors)")
        // Nested: the parent's nameserver lies in the child hint, whose
        // nameserver lies back in the parent.
        let nested = hint("example.net", ["ns.example.net", "ns.sub.example.net"]) + hint("sub.example.net", ["ns.sub.example.net", "ns.example.net"])
        XCTAssertHas(loadErrors(nested), "t.conf:1: hints depend on each other in a loop: example.net -> sub.example.net -> example.net")
        let chain = hint("a.test", ["ns.a.test", "ns.b.test"]) + hint("b.test", ["ns.b.test", "ns.c.test"]) + hint("c.test", ["ns.c.test"])
        XCTAssertEqual(loadOK(chain).hints.count, 3)
        XCTAssertEqual(HintChecks.loops(parseAll(chain).0.hints), [])
        XCTAssertEqual(HintChecks.loops(parseAll(three).0.hints), [[0, 1, 2]])
    }

    /// `option deleg`: '0' (the default) and, resolving, '1' are accepted;
    /// '1' in forward mode is refused on its line (issue 18).
    func testDelegOption() {
        XCTAssertFalse(loadOK("config sprig\n").deleg)
        XCTAssertTrue(loadOK("config sprig\n option mode recursive\n option deleg '1'\n").deleg)
        XCTAssertHas(loadErrors(forward + "\toption deleg '1'\nconfig upstream\n option address 1.1.1.1\n"),
                     "t.conf:3: option deleg '1' is not carried out in forward mode by this build")
        XCTAssertTrue(loadOK("config sprig\n option deleg '0'\n").normalised.contains("\toption deleg '0'\n"))
    }

    /// Every policy is carried out for any domain (seed 004 requirement 2:
    /// the most specific section wins, Resolver/AuthPolicy.swift): 'off'
    /// below an opportunistic '.', strict without pins (CA bundle with the
    /// NS name), opportunistic for one domain; `list server` narrows a
    /// section to NS names or addresses.
    func testAuthTransport() {
        let off = loadOK("config auth_transport\n option domain example.net\n option policy off\n")
        XCTAssertEqual(off.authTransports.map { $0.policy }, [.off])
        let text = "config auth_transport\n option domain example.net\n option policy strict\nconfig auth_transport 'b'\n option domain b.example\n"
        XCTAssertEqual(loadOK(text).authTransports.map { $0.policy }, [.strict, .opportunistic])
        let root = loadOK("config auth_transport\n option domain .\n option policy opportunistic\n")
        XCTAssertEqual(root.authTransports.map { $0.policy }, [.opportunistic])
        let below = loadOK("config auth_transport\n option domain .\nconfig auth_transport\n option domain x.net\n option policy off\n")
        XCTAssertEqual(below.authTransports.map { $0.policy }, [.opportunistic, .off])
        let narrowed = loadOK("config auth_transport\n option domain x.net\n option policy strict\n list server ns1.x.net\n"
            + " list server 2001:db8::53\nconfig auth_transport\n option domain x.net\n option policy off\n")
        XCTAssertEqual(narrowed.authTransports.first?.servers,
                       [.name(try! Name(parsing: "ns1.x.net.")), .address(IPAddress(bytes: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 10) + [0, 0x53])!)])
        XCTAssertHas(loadErrors("config auth_transport\n option domain x.net\nconfig auth_transport\n option domain X.net.\n"),
                     "auth_transport for x.net is already configured on line 1")
        // Strict with pins is carried out; pins need strict.
        let pin = "sha256/" + String(repeating: "A", count: 43) + "="
        let strict = loadOK("config auth_transport\n option domain x.net\n option policy strict\n list tls_pin '\(pin)'\n")
        XCTAssertEqual(strict.authTransports.first?.tlsPins.count, 1)
        XCTAssertHas(loadErrors("config auth_transport\n option domain x.net\n option policy opportunistic\n list tls_pin '\(pin)'\n"),
                     "list tls_pin needs policy 'strict'")
        let (c, _) = parseAll(text)
        XCTAssertEqual(c.authTransports.map { $0.policy }, [.strict, .opportunistic])
        XCTAssertEqual(c.authTransports[1].name, "b")
        XCTAssertHas(loadErrors("config auth_transport\n option domain x.net\n option policy always\n"), "is not one of: off, opportunistic, strict")
        XCTAssertHas(loadErrors("config auth_transport\n option policy off\n"), "option 'domain' is required")
        XCTAssertHas(loadWarnings(forward + "config upstream\n option address 1.1.1.1\nconfig auth_transport\n option domain x.net\n option policy off\n"),
                     "auth_transport is only used in recursive mode")
    }

    func testStructureErrors() {
        XCTAssertHas(loadErrors("option cache_size 4M\n"), "t.conf:1: 'option' before the first 'config' line")
        XCTAssertHas(loadErrors("config\n"), "'config' needs a section type")
        XCTAssertHas(loadErrors("config sprig main extra\n"), "'config' takes a type and an optional name")
        XCTAssertHas(loadErrors("config sprig\noption cache_size\n"), "t.conf:2: option 'cache_size' has no value")
        XCTAssertHas(loadErrors("config sprig\noption cache_size 4 M\n"), "has more than one value; quote a value")
        XCTAssertHas(loadErrors("config sprig\noption 'cache-size' 4M\n"), "option name 'cache-size' may only contain")
        XCTAssertHas(loadErrors("config sprig 'main'\nconfig upstream 'main'\n"), "t.conf:2: section 'main' was declared with type 'sprig' on line 1")
        XCTAssertHas(loadErrors("package network\n"), "this file configures package 'sprig'")
        _ = loadOK("package sprig\nconfig sprig\n")
    }

    func testBrokenSectionLineDoesNotCascade() {
        // The options of a section whose `config` line is broken are not
        // reported again, nor attached to the previous section.
        let errors = loadErrors("config sprig 'main'\nconfig upstream 'x\n option address 'nonsense'\n")
        XCTAssertEqual(errors.count, 1, errors.joined(separator: "\n"))
    }
}
