import XCTest
@testable import Config

/// #17 item 7, #20 item 6: `option control_group`: checked like a user
/// name, its gid looked up through the loader's lookup (the system's group
/// database in sprigd and `sprig check-config`), an unknown group an error
/// with its line, and the default none (root only).
final class ControlGroupTests: XCTestCase {
    /// A group database with one group.
    func groups(_ name: String) -> UInt32? { name == "sprigops" ? 4242 : (name == "root" ? 0 : nil) }

    func load(_ text: String) -> Result<SprigConfig, ConfigErrors> {
        SprigConfig.load(text: Array(text.utf8), fileName: "t.conf", groupID: groups)
    }

    func testDefaultIsRootOnly() {
        XCTAssertNil(SprigConfig().controlGroup)
        XCTAssertNil(loadOK("").controlGroup)
        XCTAssertTrue(SprigConfig().normalised.contains("\toption control_group ''\n"), SprigConfig().normalised)
        XCTAssertNil(loadOK(main("option control_group ''")).controlGroup)
    }

    func testKnownGroupIsResolvedToItsGid() throws {
        let config = try load(main("option control_group 'sprigops'")).get()
        XCTAssertEqual(config.controlGroup, ControlGroup(name: "sprigops", id: 4242))
        // The normalised form names it and loads back to the same config.
        XCTAssertTrue(config.normalised.contains("\toption control_group 'sprigops'\n"))
        XCTAssertEqual(try load(config.normalised).get(), config)
    }

    func testUnknownGroupIsAnErrorWithItsLine() {
        guard case .failure(let e) = load("config sprig 'main'\n\toption cache_size '1M'\n\toption control_group 'nosuch'\n")
        else { return XCTFail("an unknown group was accepted") }
        XCTAssertEqual(e.errors.map { $0.text },
                       ["t.conf:3: option 'control_group': no group named 'nosuch' on this system "
                        + "(create it, or remove the option: the control socket is then root's only)"])
        // The loader that knows no group (the default) refuses any.
        XCTAssertHas(loadErrors(main("option control_group 'sprigops'")), "t.conf:2: option 'control_group': no group named")
        // check-config says the same, with its summary.
        let o = SprigConfig.check(text: Array(main("option control_group 'nosuch'").utf8), fileName: "f", groupID: groups)
        XCTAssertEqual(o.exitCode, 1)
        XCTAssertTrue(o.standardError.contains("f:2: option 'control_group': no group named 'nosuch'"), o.standardError)
    }

    func testBadNamesAreRefusedBeforeAnyLookUp() {
        var asked: [String] = []
        func spy(_ name: String) -> UInt32? { asked.append(name); return 1 }
        for bad in ["-x", "a:b", "a b", "ops\\u{7f}", String(repeating: "g", count: 33)] {
            let r = SprigConfig.load(text: Array(main("option control_group '\(bad)'").utf8), fileName: "t.conf", groupID: spy)
            guard case .failure(let e) = r else { XCTFail("'\(bad)' accepted"); continue }
            XCTAssertTrue(e.text.contains("t.conf:2: option 'control_group'"), e.text)
        }
        XCTAssertEqual(asked, [])
        XCTAssertHas(loadErrors(main("option control_group 'a:b'")), "is not a group name")
        XCTAssertHas(loadErrors(main("option control_group '\(String(repeating: "g", count: 33))'")), "group name is longer than 32")
        XCTAssertHas(loadErrors(main("option control_group 'a'\n\toption control_group 'b'")), "t.conf:3:")
    }

    func testRootsGroupIsAcceptedWithAWarning() {
        var warnings: [ConfigDiagnostic] = []
        let r = SprigConfig.load(text: Array(main("option control_group 'root'").utf8), fileName: "t.conf",
                                 warnings: &warnings, groupID: groups)
        XCTAssertEqual(try r.get().controlGroup?.id, 0)
        XCTAssertEqual(warnings.map { $0.text }, ["t.conf:2: warning: control_group 'root' is gid 0 (root's group): "
                                                  + "its members get the operator's commands"])
    }
}
