// DNSWire: the DNS wire format (RFC 1035 and successors).
//
// Owns: domain names (`Name`, inline fixed storage), message parsing in place
// over caller-owned buffers (`MessageReader`), message building into
// caller-owned buffers with name compression (`MessageBuilder`), EDNS(0)
// (`EDNS`, `EDNSOptionIterator`), RDATA schemas for the known RR types
// (`RDataSchema`), canonical RDATA copies for the cache and DNSSEC
// (`RData.copyCanonical`), and the zone-file presentation form of names and
// RDATA (`RDataText`, which may allocate: CLI, config and tests only) with
// the text values it is made of: addresses (`IPAddress`), `Hex`, `Base64`,
// and DNSSEC trust anchors (`TrustAnchor`, one DS or DNSKEY record: the one
// parser of anchor text, and the RDATA rules every anchor meets).
//
// Never: allocates while parsing or building wire data, does I/O, or imports
// anything but the standard library.
//
// Worked example (answering a query; no allocation):
//   var reader = try MessageReader(queryBytes)          // header checked
//   guard let q = try reader.nextQuestion() else { ... } // q.name is a Name
//   try reader.skipToEnd()                               // finds the OPT RR
//   let edns = try reader.opt.map { try EDNS($0, in: queryBytes) }
//   var b = try MessageBuilder(buffer: out, header: reply) // reply: id, QR, RD...
//   b.setMaxByteCount(Int(edns?.udpPayloadSize ?? 512))
//   try b.addQuestion(q.name, type: q.type, rrClass: q.rrClass)
//   do { try b.addRecord(.answer, owner: q.name, type: .a, rrClass: .in,
//                        ttlSeconds: 300, rdata: fourBytes) }
//   catch .noSpace { b.setTruncated() }                  // counts stay right
//   try b.addOPT(udpPayloadSize: 1232, dnssecOK: edns?.dnssecOK ?? false)
//   try b.addExtendedError(.staleAnswer, text: "served stale")
//   send(out[0..<b.byteCount])
//
// Compression (RFC 1035 §4.1.4): the reader follows only backward pointers,
// at most Limits.pointerHopsMax per name. The builder compresses owner names
// and the names inside NS, CNAME, SOA, PTR and MX RDATA (RFC 3597 §4) —
// not DNAME (RFC 6672 §2.5 forbids it), SRV (RFC 2782), RRSIG/NSEC (RFC 4034)
// or SVCB (RFC 9460 §2.2). Matching is case-sensitive so case is preserved.
public enum DNSWire {}

/// Why wire bytes were rejected. Small and allocation-free (Unbound carries
/// errors as rcodes for the same reason).
public enum WireError: Error, Equatable, Sendable {
    case truncatedHeader
    case truncatedName
    case labelTooLong          // label > 63; 0x40/0x80 label types too (RFC 6891 §5)
    case nameTooLong           // name > 255 bytes (RFC 1035 §2.3.4)
    case compressionNotAllowed // a pointer where RFC 3597 §4 forbids one
    case pointerBeyondEnd      // compression pointer past the message end
    case forwardPointer        // pointer to itself or later: the only way to loop
    case tooManyPointers       // more than Limits.pointerHopsMax hops
    case truncatedQuestion
    case truncatedRecord
    case rdataPastEnd          // RDLENGTH runs past the message end
    case badRData              // RDATA does not match its type's schema
    case rdataTooLong          // RDATA longer than 65535 or the output buffer
    case optNotInAdditional    // RFC 6891 §6.1.1
    case duplicateOPT          // RFC 6891 §6.1.1: FORMERR
    case badOPTOwner           // OPT owner must be the root
    case badEDNSOption         // option length runs past the OPT RDATA
    case badTypeBitmap         // RFC 4034 §4.1.2 / RFC 5155 §3.2.1
    case badSVCParams          // RFC 9460 §2.2: order, lengths, duplicates
    case tooManyRecords        // a section count over Limits.recordsPerSectionMax
    case trailingBytes         // bytes after the last counted record
}
