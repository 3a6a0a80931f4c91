import XCTest
@testable import Config

/// Loads config text; fails the test on errors.
func loadOK(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SprigConfig {
    var warnings: [ConfigDiagnostic] = []
    switch SprigConfig.load(text: Array(text.utf8), fileName: "t.conf", warnings: &warnings) {
    case .success(let c): return c
    case .failure(let e):
        XCTFail("unexpected errors:\n" + e.text, file: file, line: line)
        return SprigConfig()
    }
}

/// Loads config text that must fail; returns the diagnostic lines.
func loadErrors(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
    switch SprigConfig.load(text: Array(text.utf8), fileName: "t.conf") {
    case .success:
        XCTFail("config was accepted:\n" + text, file: file, line: line)
        return []
    case .failure(let e):
        return e.diagnostics.map { $0.text }
    }
}

/// Warnings of a config that must load.
func loadWarnings(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
    var warnings: [ConfigDiagnostic] = []
    if case .failure(let e) = SprigConfig.load(text: Array(text.utf8), fileName: "t.conf", warnings: &warnings) {
        XCTFail("unexpected errors:\n" + e.text, file: file, line: line)
    }
    return warnings.map { $0.text }
}

/// Asserts that one of `lines` contains `substring`.
func XCTAssertHas(_ lines: [String], _ substring: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(lines.contains { $0.contains(substring) },
                  "no line contains \"\(substring)\" in:\n" + lines.joined(separator: "\n"), file: file, line: line)
}

/// The main section with one option line.
func main(_ body: String) -> String { "config sprig 'main'\n" + body + "\n" }

/// Tokenizes one line into argument strings per statement.
func tokens(_ line: String) -> [[String]] {
    var sink = DiagnosticSink(fileName: "t")
    let statements = UCITokenizer.statements(in: Array(line.utf8), sink: &sink)
    return statements.map { s in s.arguments.map { String(decoding: $0, as: UTF8.self) } }
}

func tokenErrors(_ line: String) -> [String] {
    var sink = DiagnosticSink(fileName: "t")
    _ = UCITokenizer.statements(in: Array(line.utf8), sink: &sink)
    return sink.sorted().map { $0.text }
}

/// Runs every check on config text and returns what was parsed with every
/// error, accepted or not: for sections this build refuses (NotCarriedOut),
/// whose values are still parsed and checked.
func parseAll(_ text: String) -> (SprigConfig, [String]) {
    var sink = DiagnosticSink(fileName: "t.conf")
    let statements = UCITokenizer.statements(in: Array(text.utf8), sink: &sink)
    let sections = UCIDocument.sections(from: statements, sink: &sink)
    let config = SchemaValidator.config(from: sections, sink: &sink, groupID: { _ in nil })
    return (config, sink.sorted().filter { $0.severity == .error }.map { $0.text })
}
