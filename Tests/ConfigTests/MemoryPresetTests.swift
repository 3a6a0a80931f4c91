import XCTest
@testable import Config

/// `option memory` (issue 17): every pool size at once; each still
/// overridable, wherever the override stands in the section.
final class MemoryPresetTests: XCTestCase {
    func testPresetSetsEveryPool() {
        let c = loadOK(main("option memory 'tiny'"))
        XCTAssertEqual(c.memory, .tiny)
        let s = MemoryPreset.tiny.sizes
        XCTAssertEqual([c.cacheByteCount, c.maxClients, c.maxOutgoing, c.maxTCPClients, c.maxOutgoingTCP, c.localNamesMax],
                       [s.cacheByteCount, s.maxClients, s.maxOutgoing, s.maxTCPClients, s.maxOutgoingTCP, s.localNamesMax])
    }

    /// #17 item 2: the default suits 64–128 MB routers: `small`, the
    /// preset the OpenWrt package ships too.
    func testDefaultIsSmall() {
        let d = SprigConfig()
        XCTAssertEqual(MemoryPreset.builtIn, .small)
        XCTAssertEqual(d.memory, .small)
        XCTAssertEqual(d, SprigConfig().applying(.small))
        XCTAssertEqual(loadOK(""), loadOK(main("option memory 'small'")))
        XCTAssertTrue(d.normalised.contains("\toption memory 'small'\n"))
    }

    func testExplicitSizesWinInAnyOrder() {
        for body in ["option cache_size '2M'\noption memory 'tiny'\noption max_outgoing_tcp '3'",
                     "option memory 'tiny'\noption cache_size '2M'\noption max_outgoing_tcp '3'"] {
            let c = loadOK(main(body))
            XCTAssertEqual(c.cacheByteCount, 2 << 20, body)
            XCTAssertEqual(c.maxOutgoingTCP, 3, body)
            XCTAssertEqual(c.maxClients, MemoryPreset.tiny.sizes.maxClients, body)
        }
    }

    func testBadValues() {
        XCTAssertHas(loadErrors(main("option memory 'huge'")), "t.conf:2: option 'memory': 'huge' is not one of: tiny, small, medium, large")
        XCTAssertHas(loadErrors(main("option max_outgoing_tcp '0'")), "t.conf:2: option 'max_outgoing_tcp':")
        XCTAssertHas(loadErrors(main("option local_names_max '8'")), "t.conf:2: option 'local_names_max':")
    }
}
