// fuzz-modules: DNSWire Config
// libFuzzer target for the config parser and the DNSWire text parsers it
// stands on (names, addresses, trust anchors, base64); Tests/Fuzz/run.sh
// builds DNSWire and Config as modules (Sources/DNSWire, Sources/Config):
//   bash Tests/Fuzz/run.sh FuzzConfig
// Any input must give a config or errors; a config's normalised form must
// load back to an equal config and render to the same text.
import Config

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
