/// One UCI statement: `config`, `option`, `list` or `package` with its
/// arguments, already unquoted.
struct UCIStatement: Equatable {
    enum Keyword: Equatable { case package, config, option, list }

    let keyword: Keyword
    let line: Int
    var arguments: [[UInt8]]
    /// Set when the line had a syntax error (already reported): a broken
    /// `config` still opens a section so its options are not misplaced.
    var isBroken = false
}

/// Splits UCI text into statements with the quoting rules of OpenWrt's
/// libuci (`file.c`): words end at whitespace; `'...'` is literal; inside
/// `"..."` and in bare words a backslash takes the next byte literally;
/// quoted and bare parts next to each other form one word (`'a'b"c"` is
/// `abc`); an unquoted `#` starts a comment (even inside a word); an
/// unquoted `;` ends a statement. Unlike libuci, a statement must end on its
/// line: an open quote or a trailing backslash at the end of a line is an
/// error here rather than a silent multi-line value.
struct UCITokenizer {
    /// How a word ended.
    enum WordEnd { case space, statementEnd, comment, lineEnd }

    enum WordError: Error { case message(String) }

    static func statements(in text: [UInt8], sink: inout DiagnosticSink) -> [UCIStatement] {
        var statements: [UCIStatement] = []
        if text.count > ConfigLimits.maxFileByteCount {
            sink.error(0, "file is \(text.count) bytes; the limit is \(ConfigLimits.maxFileByteCount)")
            return statements
        }
        var lineNumber = 0
        var start = 0
        while start < text.count {   // bounded: each pass consumes one line
            lineNumber += 1
            var end = start
            while end < text.count && text[end] != 0x0A { end += 1 }
            var line = Array(text[start..<end])
            start = end + 1
            if line.last == 0x0D { line.removeLast() }   // CRLF files
            tokenize(line: line, number: lineNumber, into: &statements, sink: &sink)
        }
        return statements
    }

    static func tokenize(line: [UInt8], number: Int, into statements: inout [UCIStatement],
                         sink: inout DiagnosticSink) {
        if line.count > ConfigLimits.maxLineByteCount {
            sink.error(number, "line is \(line.count) bytes long; the limit is \(ConfigLimits.maxLineByteCount)")
            return
        }
        if line.contains(0) {
            sink.error(number, "line contains a NUL byte")
            return
        }
        var pos = 0
        while pos < line.count {   // one statement per pass; each pass consumes bytes
            skipSpace(line, &pos)
            if pos >= line.count || line[pos] == 0x23 { return }       // '#'
            if line[pos] == 0x3B { pos += 1; continue }                 // ';'
            let word = commandWord(line, &pos)
            guard let keyword = keyword(word) else {
                sink.error(number, "unknown statement '\(Bytes.display(word))' (expected config, option or list)")
                return
            }
            var statement = UCIStatement(keyword: keyword, line: number, arguments: [])
            let lineGoesOn = arguments(line, &pos, into: &statement, sink: &sink)
            statements.append(statement)
            if !lineGoesOn { return }
        }
    }

    /// The keyword: bytes up to whitespace or `;`, matched without quote
    /// handling, as libuci's strtok does.
    static func commandWord(_ line: [UInt8], _ pos: inout Int) -> [UInt8] {
        var word: [UInt8] = []
        while pos < line.count && !Bytes.isSpace(line[pos]) && line[pos] != 0x3B {
            word.append(line[pos])
            pos += 1
        }
        return word
    }

    static func keyword(_ word: [UInt8]) -> UCIStatement.Keyword? {
        if Bytes.equals(word, "config") || Bytes.equals(word, "c") { return .config }
        if Bytes.equals(word, "option") || Bytes.equals(word, "o") { return .option }
        if Bytes.equals(word, "list") || Bytes.equals(word, "l") { return .list }
        if Bytes.equals(word, "package") || Bytes.equals(word, "p") { return .package }
        return nil
    }

    /// Reads the statement's arguments; false when the rest of the line is
    /// done (comment, end of line or an error).
    static func arguments(_ line: [UInt8], _ pos: inout Int, into statement: inout UCIStatement,
                          sink: inout DiagnosticSink) -> Bool {
        while true {   // bounded: every pass consumes at least one byte or returns
            skipSpace(line, &pos)
            if pos >= line.count || line[pos] == 0x23 { return false }
            if line[pos] == 0x3B { pos += 1; return true }
            do throws(WordError) {
                let (value, end) = try word(line, &pos)
                if let problem = valueProblem(value) {
                    sink.error(statement.line, problem)
                    statement.isBroken = true
                    return false
                }
                statement.arguments.append(value)
                switch end {
                case .space: continue
                case .statementEnd: return true
                case .comment, .lineEnd: return false
                }
            } catch {
                switch error { case .message(let m): sink.error(statement.line, m) }
                statement.isBroken = true
                return false
            }
        }
    }

    /// One word: quoted and bare parts up to unquoted whitespace.
    static func word(_ line: [UInt8], _ pos: inout Int) throws(WordError) -> ([UInt8], WordEnd) {
        var value: [UInt8] = []
        while pos < line.count {   // each branch consumes at least one byte
            let c = line[pos]
            switch c {
            case 0x27:   // '
                pos += 1
                guard let close = line[pos...].firstIndex(of: 0x27) else {
                    throw .message("unterminated single quote (a value must end on its line)")
                }
                value.append(contentsOf: line[pos..<close])
                pos = close + 1
            case 0x22:   // "
                pos += 1
                try doubleQuoted(line, &pos, into: &value)
            case 0x23:   // '#'
                return (value, .comment)
            case 0x3B:   // ';'
                pos += 1
                return (value, .statementEnd)
            case 0x5C:   // backslash
                try escaped(line, &pos, into: &value)
            default:
                if Bytes.isSpace(c) { return (value, .space) }
                value.append(c)
                pos += 1
            }
        }
        return (value, .lineEnd)
    }

    static func doubleQuoted(_ line: [UInt8], _ pos: inout Int, into value: inout [UInt8]) throws(WordError) {
        while pos < line.count {
            let c = line[pos]
            if c == 0x22 { pos += 1; return }
            if c == 0x5C {
                try escaped(line, &pos, into: &value)
            } else {
                value.append(c)
                pos += 1
            }
        }
        throw .message("unterminated double quote (a value must end on its line)")
    }

    /// A backslash takes the next byte literally (libuci does not decode
    /// `\n` or `\t`); at the end of a line it would continue the statement.
    static func escaped(_ line: [UInt8], _ pos: inout Int, into value: inout [UInt8]) throws(WordError) {
        if pos + 1 >= line.count {
            throw .message("backslash at the end of the line: a statement must fit on one line")
        }
        value.append(line[pos + 1])
        pos += 2
    }

    static func skipSpace(_ line: [UInt8], _ pos: inout Int) {
        while pos < line.count && Bytes.isSpace(line[pos]) { pos += 1 }
    }

    /// Values are text: no control characters besides tab, bounded length.
    static func valueProblem(_ value: [UInt8]) -> String? {
        if value.count > ConfigLimits.maxValueByteCount {
            return "value is \(value.count) bytes long; the limit is \(ConfigLimits.maxValueByteCount)"
        }
        for c in value where (c < 0x20 && c != 0x09) || c == 0x7F {
            return "value contains the control character \(Bytes.display([c]))"
        }
        return nil
    }
}
