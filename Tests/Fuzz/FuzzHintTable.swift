// fuzz-modules: DNSWire Hints
// libFuzzer target for the compact hint table read from flash
// (Sources/Hints): any bytes give a table or a typed error, never a crash;
// a table that validates is walked in full.
import DNSWire
import Hints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHintTable(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let table = try? HintTable(validating: bytes) else { return 0 }
    for d in 0..<table.domainCount {
        let domain = table.domain(d)
        _ = table.domain(named: domain.name)
        for s in 0..<domain.serverCount {
            let server = domain.server(s)
            for a in 0..<server.addressCount { _ = server.address(a).byteCount }
        }
        for a in 0..<domain.anchorCount { _ = domain.anchor(a).keyTag }
    }
    return 0
}
