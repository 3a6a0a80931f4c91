/// What `sprig check-config` prints and returns for a file's bytes; kept
/// here (not in the CLI) so tests can call it without a process.
public struct ConfigCheckOutcome: Sendable {
    /// 0: valid; 1: errors.
    public let exitCode: Int32
    /// The normalised effective config when valid.
    public let standardOutput: String
    /// Errors and warnings, one `FILE:LINE: message` per line.
    public let standardError: String
}

extension SprigConfig {
    public static func check(text: [UInt8], fileName: String,
                             groupID: (String) -> UInt32? = { _ in nil }) -> ConfigCheckOutcome {
        var warnings: [ConfigDiagnostic] = []
        switch load(text: text, fileName: fileName, warnings: &warnings, groupID: groupID) {
        case .success(let config):
            let notes = ConfigErrors(diagnostics: warnings).text
            return ConfigCheckOutcome(exitCode: 0, standardOutput: config.normalised, standardError: notes)
        case .failure(let errors):
            let count = errors.errors.count
            let summary = "\(fileName): \(count) error\(count == 1 ? "" : "s"); the configuration was not accepted\n"
            return ConfigCheckOutcome(exitCode: 1, standardOutput: "", standardError: errors.text + summary)
        }
    }
}

extension ConfigCheckOutcome {
    /// The file could not be read at all.
    public static func readFailure(_ message: String) -> ConfigCheckOutcome {
        ConfigCheckOutcome(exitCode: 1, standardOutput: "", standardError: message)
    }
}
