import XCTest
@testable import Config

/// Quoting, escapes, comments and concatenation as libuci's file.c does them.
final class TokenizerTests: XCTestCase {
    func testQuotingStyles() {
        XCTAssertEqual(tokens("option a 'single quoted'"), [["a", "single quoted"]])
        XCTAssertEqual(tokens("option a \"double quoted\""), [["a", "double quoted"]])
        XCTAssertEqual(tokens("option a bare"), [["a", "bare"]])
        XCTAssertEqual(tokens("option a ''"), [["a", ""]])
    }

    func testSingleQuotesAreLiteral() {
        XCTAssertEqual(tokens(#"option a 'x\"y\\z'"#), [["a", #"x\"y\\z"#]])
        XCTAssertEqual(tokens("option a 'has # hash; and semicolon'"), [["a", "has # hash; and semicolon"]])
    }

    func testBackslashEscapes() {
        XCTAssertEqual(tokens(#"option a "say \"hi\"""#), [["a", #"say "hi""#]])
        XCTAssertEqual(tokens(#"option a "back\\slash""#), [["a", #"back\slash"#]])
        // libuci does not decode \n: the letter is kept
        XCTAssertEqual(tokens(#"option a "x\ny""#), [["a", "xny"]])
        XCTAssertEqual(tokens(#"option a bare\ word"#), [["a", "bare word"]])
        XCTAssertEqual(tokens(##"option a \#x"##), [["a", "#x"]])
    }

    func testConcatenation() {
        XCTAssertEqual(tokens(#"option a 'one'two"three""#), [["a", "onetwothree"]])
        XCTAssertEqual(tokens(#"option a 'it'\''s'"#), [["a", "it's"]])
        XCTAssertEqual(tokens(#"option a ''"""#), [["a", ""]])
    }

    func testComments() {
        XCTAssertEqual(tokens("# whole line"), [])
        XCTAssertEqual(tokens("   # indented comment"), [])
        XCTAssertEqual(tokens("option a 'b' # trailing"), [["a", "b"]])
        XCTAssertEqual(tokens("option a 'b'# touching"), [["a", "b"]])
        // an unquoted # ends the word, as in libuci
        XCTAssertEqual(tokens("option a b#c"), [["a", "b"]])
    }

    func testWhitespaceAndCRLF() {
        XCTAssertEqual(tokens("\t option \t a \t 'b' \t"), [["a", "b"]])
        XCTAssertEqual(tokens("option a 'b'\r\noption c d\r\n"), [["a", "b"], ["c", "d"]])
        XCTAssertEqual(tokens("\n\n\noption a b"), [["a", "b"]])
    }

    func testSemicolonSeparatesStatements() {
        XCTAssertEqual(tokens("option a b; option c 'd'"), [["a", "b"], ["c", "d"]])
        XCTAssertEqual(tokens("option a b;option c d"), [["a", "b"], ["c", "d"]])
    }

    func testKeywordsAndAbbreviations() {
        var sink = DiagnosticSink(fileName: "t")
        let s = UCITokenizer.statements(in: Array("c sprig\no a b\nl c d\np sprig\n".utf8), sink: &sink)
        XCTAssertEqual(s.map { $0.keyword }, [.config, .option, .list, .package])
        XCTAssertEqual(s.map { $0.line }, [1, 2, 3, 4])
    }

    func testStatementsEndOnTheirLine() {
        XCTAssertHas(tokenErrors("option a 'open"), "t:1: unterminated single quote")
        XCTAssertHas(tokenErrors("option a \"open"), "t:1: unterminated double quote")
        XCTAssertHas(tokenErrors("option a b\\"), "backslash at the end of the line")
        XCTAssertHas(tokenErrors("\n\noption a \"x\\\""), "t:3: unterminated double quote")
    }

    func testRejectedBytes() {
        XCTAssertHas(tokenErrors("option a 'x\u{1}y'"), "control character \\x01")
        XCTAssertHas(tokenErrors("option a 'x\u{0}y'"), "t:1: line contains a NUL byte")
        XCTAssertHas(tokenErrors("optoin a b"), "unknown statement 'optoin'")
        XCTAssertHas(tokenErrors("'option' a b"), "unknown statement ''option''")
        let long = "option a '" + String(repeating: "x", count: ConfigLimits.maxLineByteCount) + "'"
        XCTAssertHas(tokenErrors(long), "t:1: line is \(long.utf8.count) bytes long")
    }

    func testLineNumbersWithoutFinalNewline() {
        XCTAssertHas(tokenErrors("option a b\n\nbad"), "t:3: unknown statement 'bad'")
    }
}
