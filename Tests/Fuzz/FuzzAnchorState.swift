// fuzz-modules: DNSWire Fixed Cache Crypto Validator
// libFuzzer target for the RFC 5011 trust-anchor state read back from flash
// (Sources/Validator/AnchorStateFile.swift): any bytes — a torn write, a
// flipped bit, a file from another version — decode to a state or a typed
// error, never a crash; a state that decodes encodes to bytes that decode
// to the same state.
import Validator

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnchorState(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let state = try? AnchorState.decode(bytes: bytes) else { return 0 }
    let encoded = encode(state)
    precondition(encoded != nil, "a decoded state does not encode")
    let again = encoded!.withUnsafeBytes { try? AnchorState.decode(bytes: $0) }
    precondition(again != nil, "an encoded state does not decode")
    precondition(encode(again!) == encoded, "encode(decode(encode(s))) differs")
    return 0
}

func encode(_ state: AnchorState) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: AnchorStateFile.encodedByteCountMax)
    let n = buffer.withUnsafeMutableBytes { try? state.encode(into: $0) }
    return n.map { Array(buffer[0..<$0]) }
}
