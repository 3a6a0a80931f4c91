// fuzz-modules: Config
// libFuzzer target for the config parser, compiled in one module with
// Sources/Config/*.swift (no SwiftPM, no `import Config`):
//   swiftc -sanitize=fuzzer,address -parse-as-library -O \
//     Sources/Config/*.swift Tests/Fuzz/FuzzConfig.swift -o /tmp/fuzz-config
//   /tmp/fuzz-config -max_total_time=30
// Any input must give a config or errors; a config's normalised form must
// load back to an equal config and render to the same text.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lineCount = bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    switch SprigConfig.load(text: bytes, fileName: "fuzz") {
    case .failure(let errors):
        for d in errors.diagnostics where d.line < 0 || d.line > lineCount {
            fatalError("diagnostic line \(d.line) outside the input's \(lineCount) lines")
        }
    case .success(let config):
        let normal = config.normalised
        guard case .success(let again) = SprigConfig.load(text: Array(normal.utf8), fileName: "normalised") else {
            fatalError("normalised form was rejected:\n" + normal)
        }
        if again != config { fatalError("normalised form changed the config:\n" + normal) }
        if again.normalised != normal { fatalError("normalising twice changed the text") }
    }
    return 0
}
