// The compact hint table: one byte string for flash, for the compiled-in
// root hints and for in-tree hint domains. All integers big-endian; names
// are uncompressed, lowercased wire names (RFC 1035 §3.1).
//
//   header, 16 bytes
//     0   4  magic "SPHT"
//     4   1  format version (1)
//     5   1  flags, reserved: must be 0
//     6   2  domain count, 1...HintLimits.domainCountMax
//     8   4  byte count of the whole table, header included
//    12   4  CRC-32 (IEEE 802.3, as zlib.crc32) of bytes 16..<byte count
//   domain, repeated domain-count times (no two with the same name)
//     name   wire name
//     1      server count, 1...HintLimits.serversPerDomainMax
//     1      anchor count, 0...HintLimits.anchorsPerDomainMax
//     server, repeated server-count times (no two with the same name)
//       name  wire name
//       1     IPv4 count, 1     IPv6 count (sum ≤ HintLimits.addressesPerServerMax)
//       4 × IPv4 count bytes, then 16 × IPv6 count bytes
//     anchor, repeated anchor-count times
//       2     RR type: 43 (DS) or 48 (DNSKEY)
//       2     RDATA byte count, 1...Limits.trustAnchorRDataByteCountMax (DNSWire)
//       RDATA (DS: RFC 4034 §5.1; DNSKEY: RFC 4034 §2.1)
//   nothing after the last domain.
//
// The CRC catches flash corruption (every burst of up to 32 flipped bits);
// the structural checks catch tables that were built wrong.

enum HintTableFormat {
    static let magic: (UInt8, UInt8, UInt8, UInt8) = (0x53, 0x50, 0x48, 0x54)  // "SPHT"
    static let version: UInt8 = 1
    static let headerByteCount = 16
    static let versionOffset = 4
    static let flagsOffset = 5
    static let domainCountOffset = 6
    static let byteCountOffset = 8
    static let checksumOffset = 12
    /// IPv4 count + IPv6 count after a server name.
    static let serverCountsByteCount = 2
    /// RR type + RDATA byte count before an anchor's RDATA.
    static let anchorHeaderByteCount = 4
}

/// CRC-32 as in IEEE 802.3 and zlib (reflected polynomial 0xEDB88320).
/// Bitwise: start-up only, so no lookup table is worth its flash.
enum CRC32 {
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
