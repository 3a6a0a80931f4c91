// Validator: the pure DNSSEC logic (RFC 4033–4035, 5155, 6840, 8914).
//
// Owns: key tags and DNSKEY flags, DS ↔ DNSKEY matching, the canonical form of
// an RRset and RRSIG verification (with wildcard detection and the validity
// window), the chain step DS → DNSKEY (or trust anchor → DNSKEY), NSEC and
// NSEC3 denial-of-existence proofs, trust-anchor and negative-trust-anchor
// stores, the KeyTrap work budgets (CVE-2023-50387, CVE-2023-50868), RFC 5011
// trust-anchor maintenance state (`AnchorState`, its crash-checked file format
// and the at-most-daily `AnchorStateWritePolicy`), and the router clock
// (`TrustedClock`: dates are not trusted until NTP sync or a persisted floor,
// DESIGN.md §2.8). And `ValidationEngine` (ValidationEngine.swift): that state
// as one resolver reserves it at start-up, with the aggressive NSEC/NSEC3
// table (RFC 8198) and the decisions the Resolver asks for — what a cached
// DS/DNSKEY verdict means and which set a zone still needs, the verdict on a
// final response, an aggressive NXDOMAIN/NODATA, the root key sentinel.
//
// Never: does I/O, reads a clock (time is the `ValidationClock` argument),
// allocates per call (scratch space is reserved once in `ValidatorScratch`),
// imports Resolver, or decides when to query — it names the DNSKEY or DS set
// a zone still needs, and the Resolver fetches it.
//
// Worked example (validating an answer RRset with a secure DNSKEY set):
//   let scratch = ValidatorScratch()                 // once, at start-up
//   var budget = ValidationBudget()                  // once per client query
//   var packer = RDataPacker(buffer: rrsetBytes)     // caller-owned buffer
//   for r in answerRecords { try packer.append(r, from: message) }
//   let rrset = RRsetView(owner: qname, type: .a, rrClass: .in,
//                         ttlSeconds: 300, rdatas: packer.list)
//   let result = RRSIGCheck.verify(rrset, signatures: rrsigList, zone: zone,
//                                  keys: dnskeyList, clock: .trusted(nowSeconds: now),
//                                  budget: &budget, scratch: scratch)
//   switch result.verdict { case .secure: ...; case .bogus(let ede): SERVFAIL + EDE ede; ... }
//   if let encloser = result.wildcardEncloser { /* demand the NSEC/NSEC3 proof */ }
import DNSWire

public enum Validator {}

/// Why caller-supplied bytes could not be used (packing, stores).
public enum ValidatorError: Error, Equatable, Sendable {
    case malformedRDataList  // a length prefix runs past the end
    case tooManyRecords      // more than ValidatorLimits.rrsetRecordCountMax
    case noSpace             // the caller's buffer or a fixed store is full
    case wire(WireError)     // RDATA did not match its type's schema
}

@inline(__always)
func readU16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
}

@inline(__always)
func readU32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
        | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
}

@inline(__always)
func lowerASCII(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}

/// Byte-wise equality of two buffers.
func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

/// Left-justified unsigned octet order, shorter first on a common prefix
/// (RFC 4034 §6.3): -1, 0 or 1.
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let shared = min(a.count, b.count)
    for i in 0..<shared where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}
