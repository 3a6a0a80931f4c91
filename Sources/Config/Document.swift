/// One value as written, with the line it came from.
struct UCIValue: Equatable {
    let bytes: [UInt8]
    let line: Int
}

/// An option of a section after uci's merge rules: `option` replaces,
/// `list` appends.
struct UCIOption: Equatable {
    let name: [UInt8]
    /// Line of the statement that last set it (for messages).
    var line: Int
    /// True when it was (last) built with `list` statements.
    var isList: Bool
    var values: [UCIValue]
}

/// A `config TYPE ['NAME']` section.
struct UCISection: Equatable {
    let type: [UInt8]
    /// nil for an anonymous section.
    let name: [UInt8]?
    let line: Int
    /// Its `config` line had a syntax error: the section is kept so its
    /// options are not misattributed, but it is not validated.
    let isBroken: Bool
    var options: [UCIOption] = []
}

/// Assembles statements into sections the way libuci does, reporting
/// uci-level problems (bad names, missing or extra arguments, options
/// before any section, repeated options).
enum UCIDocument {
    static func sections(from statements: [UCIStatement], sink: inout DiagnosticSink) -> [UCISection] {
        var sections: [UCISection] = []
        var current: Int? = nil        // index into sections
        var outsideSections = true
        for statement in statements {
            switch statement.keyword {
            case .package:
                checkPackage(statement, sink: &sink)
            case .config:
                outsideSections = false
                current = openSection(statement, in: &sections, sink: &sink)
            case .option, .list:
                if statement.isBroken { continue }
                guard let index = current else {
                    if outsideSections {
                        sink.error(statement.line, "'\(keywordText(statement.keyword))' before the first 'config' line")
                    }
                    continue
                }
                if sections[index].isBroken { continue }
                addOption(statement, to: &sections[index], sink: &sink)
            }
        }
        return sections
    }

    static func keywordText(_ k: UCIStatement.Keyword) -> String {
        switch k {
        case .package: return "package"
        case .config: return "config"
        case .option: return "option"
        case .list: return "list"
        }
    }

    /// `package sprig` (as `uci export` writes it) is accepted and ignored.
    static func checkPackage(_ statement: UCIStatement, sink: inout DiagnosticSink) {
        if statement.isBroken { return }
        guard statement.arguments.count == 1 else {
            sink.error(statement.line, "'package' takes one name")
            return
        }
        if !Bytes.equals(statement.arguments[0], "sprig") {
            sink.error(statement.line, "package '\(Bytes.display(statement.arguments[0]))': this file configures package 'sprig'")
        }
    }

    /// Returns the index of the section later options go to (nil when the
    /// line was unusable and must not adopt its options).
    static func openSection(_ statement: UCIStatement, in sections: inout [UCISection],
                            sink: inout DiagnosticSink) -> Int? {
        let args = statement.arguments
        var broken = statement.isBroken
        if !broken {
            if args.isEmpty || args[0].isEmpty {
                sink.error(statement.line, "'config' needs a section type")
                broken = true
            } else if args.count > 2 {
                sink.error(statement.line, "'config' takes a type and an optional name; quote a name that contains spaces")
                broken = true
            } else if !isValidType(args[0]) {
                sink.error(statement.line, "section type '\(Bytes.display(args[0]))' has invalid characters")
                broken = true
            } else if args.count == 2 && !args[1].isEmpty && !isValidName(args[1]) {
                let domainHint = args[1].contains(0x2E) ? "; put a domain in option domain instead" : ""
                sink.error(statement.line, "section name '\(Bytes.display(args[1]))' may only contain letters, digits and '_' (as in uci)" + domainHint)
                broken = true
            }
        }
        let type = args.first ?? []
        let name: [UInt8]? = (args.count == 2 && !args[1].isEmpty) ? args[1] : nil
        if !broken, let name, let existing = sections.firstIndex(where: { $0.name == name && !$0.isBroken }) {
            // uci: a repeated name continues the earlier section.
            if sections[existing].type != type {
                sink.error(statement.line, "section '\(Bytes.display(name))' was declared with type '\(Bytes.display(sections[existing].type))' on line \(sections[existing].line)")
                return nil
            }
            return existing
        }
        if sections.count >= ConfigLimits.maxSectionCount {
            sink.error(statement.line, "too many sections (limit \(ConfigLimits.maxSectionCount))")
            return nil
        }
        sections.append(UCISection(type: type, name: name, line: statement.line, isBroken: broken))
        return sections.count - 1
    }

    static func addOption(_ statement: UCIStatement, to section: inout UCISection, sink: inout DiagnosticSink) {
        let args = statement.arguments
        let word = keywordText(statement.keyword)
        guard let name = args.first, !name.isEmpty else {
            sink.error(statement.line, "'\(word)' needs a name and a value")
            return
        }
        if !isValidName(name) {
            sink.error(statement.line, "option name '\(Bytes.display(name))' may only contain letters, digits and '_'")
            return
        }
        let shown = Bytes.display(name)
        if args.count < 2 {
            sink.error(statement.line, "\(word) '\(shown)' has no value (write '' for an empty value)")
            return
        }
        if args.count > 2 {
            sink.error(statement.line, "\(word) '\(shown)' has more than one value; quote a value that contains spaces")
            return
        }
        let value = UCIValue(bytes: args[1], line: statement.line)
        let isList = statement.keyword == .list
        guard let index = section.options.firstIndex(where: { $0.name == name }) else {
            if section.options.count >= ConfigLimits.maxOptionCountPerSection {
                sink.error(statement.line, "too many options in one section (limit \(ConfigLimits.maxOptionCountPerSection))")
                return
            }
            section.options.append(UCIOption(name: name, line: statement.line, isList: isList, values: [value]))
            return
        }
        var option = section.options[index]
        if isList {
            if option.values.count >= ConfigLimits.maxListEntryCount {
                sink.error(statement.line, "list '\(shown)' has too many entries (limit \(ConfigLimits.maxListEntryCount))")
                return
            }
            option.values.append(value)   // uci turns an earlier option into a list
        } else {
            sink.warning(statement.line, "option '\(shown)' is set again; this value replaces the one from line \(option.line)")
            option.values = [value]
        }
        option.isList = isList
        option.line = statement.line
        section.options[index] = option
    }

    /// uci names: letters, digits and '_' (shell compatibility).
    static func isValidName(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { Bytes.isAlphanumeric($0) || $0 == 0x5F }
    }

    /// uci types: printable ASCII without spaces.
    static func isValidType(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { $0 >= 33 && $0 <= 126 }
    }
}
