// `sprig check-config FILE`: validates a UCI config and prints either every
// error (stderr, exit 1) or the normalised effective config (stdout, exit 0).
import Config
import Platform

enum CheckConfig {
    static let usage = "usage: sprig check-config FILE\n"

    /// Runs the command; returns the exit status.
    static func run(arguments: [String]) -> Int32 {
        guard arguments.count == 1, let path = arguments.first else {
            Output.err(usage)
            return 2
        }
        let outcome = check(path: path)
        if !outcome.standardOutput.isEmpty { Output.out(outcome.standardOutput) }
        if !outcome.standardError.isEmpty { Output.err(outcome.standardError) }
        return outcome.exitCode
    }

    /// Reads the file (bounded by `ConfigLimits.maxFileByteCount`) and checks it.
    static func check(path: String) -> ConfigCheckOutcome {
        let bytes: [UInt8]
        do throws(Errno) {
            bytes = try File.readAll(path, limit: ConfigLimits.maxFileByteCount)
        } catch {
            let reason = error.kind == .tooBig
                ? "the file is larger than \(ConfigLimits.maxFileByteCount) bytes"
                : error.message
            return ConfigCheckOutcome.readFailure("\(path): cannot read the config: \(reason)\n")
        }
        return SprigConfig.check(text: bytes, fileName: path) { name in try? Process.lookUpGroup(name) }
    }
}
