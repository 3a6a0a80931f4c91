// fuzz-modules: DNSWire Hints
// libFuzzer target for the hint and anchor text an operator or a file
// hands Sprig (Sources/Hints): a root hints file (named.root form), a trust
// anchor file, and both loaded into a hint table the way `RootHints.load`
// does. Any bytes give a value or a typed error with a line, never a crash;
// a table built from them validates and reads back.
import DNSWire
import Hints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHintText(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first two bytes say where the hints text ends and the anchors begin.
    guard bytes.count >= 2 else { return 0 }
    let split = min(Int(bytes[0]) << 8 | Int(bytes[1]), bytes.count - 2)
    let hints = Array(bytes[2..<(2 + split)])
    let anchors = Array(bytes[(2 + split)...])
    // Each text is parsed once (parsing was this target's whole cost):
    // what `RootHints.load` does is then rebuilt from the two results.
    let source = try? RootHintsText.parse(hints)
    _ = source?.domain
    let list = try? TrustAnchorText.parseFile(anchors)
    if let list {
        for anchor in list { _ = anchor.keyTag }
        // load's owner check: with owner `.` the file is refused exactly
        // when one of its records is owned by another name.
        if !list.allSatisfy({ $0.owner == .root }) {
            precondition((try? TrustAnchorText.parseFile(anchors, owner: .root)) == nil,
                         "an anchor owned by another name passed the root owner check")
            return 0
        }
    }
    guard var source else { return 0 }
    if let list { source.anchors = list } else if !anchors.isEmpty { return 0 }
    if let table = try? HintTableBuilder.table([source]) {
        precondition((try? HintTable(validating: table.bytes)) != nil, "a loaded table does not validate")
        for d in 0..<table.domainCount {
            let domain = table.domain(d)
            for s in 0..<domain.serverCount { _ = domain.server(s).addressCount }
            for a in 0..<domain.anchorCount { _ = domain.anchor(a).keyTag }
        }
    }
    return 0
}
