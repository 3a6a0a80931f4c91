/// One problem found in a config file, reported as `FILE:LINE: message`
/// (`FILE: message` when it concerns the whole file, line 0).
public struct ConfigDiagnostic: Sendable {
    public enum Severity: Equatable, Sendable { case error, warning }

    public let severity: Severity
    public let fileName: String
    /// 1-based line; 0 when the problem concerns the whole file.
    public let line: Int
    public let message: String

    public init(severity: Severity, fileName: String, line: Int, message: String) {
        self.severity = severity
        self.fileName = fileName
        self.line = line
        self.message = message
    }

    /// `sprig.conf:12: option 'cache_size': ...`; warnings say so.
    public var text: String {
        let place = line > 0 ? "\(fileName):\(line): " : "\(fileName): "
        return severity == .warning ? place + "warning: " + message : place + message
    }
}

/// Why a config was rejected: every error found (and the warnings), in
/// line order.
public struct ConfigErrors: Error, Sendable {
    public let diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }

    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }

    /// One diagnostic per line, each ending in a newline.
    public var text: String {
        var out = ""
        for d in diagnostics { out += d.text + "\n" }
        return out
    }
}

/// Collects diagnostics while parsing, up to `maxDiagnosticCount`.
struct DiagnosticSink {
    let fileName: String
    private(set) var diagnostics: [ConfigDiagnostic] = []
    private(set) var errorCount = 0
    private(set) var droppedCount = 0

    init(fileName: String) { self.fileName = fileName }

    mutating func error(_ line: Int, _ message: String) { add(.error, line, message) }
    mutating func warning(_ line: Int, _ message: String) { add(.warning, line, message) }

    private mutating func add(_ severity: ConfigDiagnostic.Severity, _ line: Int, _ message: String) {
        if severity == .error { errorCount += 1 }
        if diagnostics.count >= ConfigLimits.maxDiagnosticCount {
            droppedCount += 1
            return
        }
        diagnostics.append(ConfigDiagnostic(severity: severity, fileName: fileName, line: line, message: message))
    }

    /// Diagnostics sorted by line (stable), plus a note if some were dropped.
    func sorted() -> [ConfigDiagnostic] {
        var indexed: [(Int, ConfigDiagnostic)] = []
        for (i, d) in diagnostics.enumerated() { indexed.append((i, d)) }
        indexed.sort { a, b in a.1.line != b.1.line ? a.1.line < b.1.line : a.0 < b.0 }
        var out = indexed.map { $0.1 }
        if droppedCount > 0 {
            out.append(ConfigDiagnostic(
                severity: errorCount > 0 ? .error : .warning, fileName: fileName, line: 0,
                message: "\(droppedCount) more problems not shown (limit \(ConfigLimits.maxDiagnosticCount))"))
        }
        return out
    }
}
