import XCTest
import Config
import Resolver
import Server
import Validator

/// The config rejects (with file and line) what the daemon's fixed stores
/// could not hold: their limits must be the same numbers.
final class ConfigLimitsMatchTests: XCTestCase {
    func testConfigLimitsAreTheStoresCapacities() {
        XCTAssertEqual(ConfigLimits.maxUpstreamCount, UpstreamTable.countMax)
        XCTAssertEqual(ConfigLimits.maxInsecureDomainCount, NegativeTrustAnchors.countMax)
        XCTAssertEqual(ConfigLimits.maxAllowCount, AccessList.prefixCountMax)
    }

    /// AccessList(allow:) traps on more prefixes than it holds: the config
    /// must refuse them first, with the line.
    func testTooManyAllowPrefixesIsAConfigError() {
        var text = "config sprig 'main'\n"
        for i in 0...ConfigLimits.maxAllowCount { text += "\tlist allow '10.0.\(i).0/24'\n" }
        var warnings: [ConfigDiagnostic] = []
        guard case .failure(let errors) = SprigConfig.load(text: Array(text.utf8), fileName: "t.conf", warnings: &warnings)
        else { return XCTFail("accepted \(ConfigLimits.maxAllowCount + 1) allow prefixes") }
        XCTAssertTrue(errors.text.contains("t.conf:66: too many allow entries (limit 64)"), errors.text)
    }

    func testTooManyInsecureDomainsIsAConfigError() {
        var text = "config sprig 'main'\n"
        for i in 0...ConfigLimits.maxInsecureDomainCount { text += "\tlist insecure_domain 'd\(i).example'\n" }
        var warnings: [ConfigDiagnostic] = []
        guard case .failure(let errors) = SprigConfig.load(text: Array(text.utf8), fileName: "t.conf", warnings: &warnings)
        else { return XCTFail("accepted \(ConfigLimits.maxInsecureDomainCount + 1) insecure domains") }
        XCTAssertTrue(errors.text.contains("t.conf:66: too many insecure_domain entries (limit 64)"), errors.text)
    }
}
