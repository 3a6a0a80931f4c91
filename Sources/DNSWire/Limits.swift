// Every bound DNSWire enforces, each with why. Memory costs are per value.

public enum Limits {
    /// RFC 1035 §2.3.4: a name on the wire is at most 255 bytes (Name storage).
    public static let nameByteCountMax = 255
    /// RFC 1035 §2.3.4: a label is at most 63 bytes.
    public static let labelByteCountMax = 63
    /// 255-byte names hold at most 127 one-byte labels plus the root.
    public static let labelCountMax = 128
    /// Compression pointers followed per name: a 255-byte name needs at most
    /// 127 labels, but real servers use few; 32 stops pointer-chain DoS early
    /// (Unbound uses MAX_COMPRESS_PTRS 256; we prefer a tighter bound).
    public static let pointerHopsMax = 32
    /// Names remembered for compression by one builder: each entry costs
    /// 8 bytes on the stack; 64 covers a full referral with glue.
    public static let compressionEntriesMax = 64
    /// Records per section we will iterate: a 65535-byte message holds at most
    /// ~5,900 minimal (11-byte) RRs; anything above is hostile.
    public static let recordsPerSectionMax = 6_000
    /// Compression pointers can only address the first 16 KiB (14-bit offset).
    public static let pointerTargetMax = 0x3FFF
    /// A message (TCP or EDNS UDP) is at most 65535 bytes.
    public static let messageByteCountMax = 65_535
    /// SVCB/DELEG parameters per RR when formatting/validating: 64 keys is far
    /// beyond any defined set and bounds the order checks (RFC 9460 §2.2).
    public static let svcParamsMax = 64
    /// TXT character-strings per RR we print: a 65535-byte RDATA holds at most
    /// 65535 empty strings; 4096 keeps text output bounded.
    public static let txtStringsMax = 4_096
    /// RFC 7873 §4: server cookie 8..32 bytes; client cookie exactly 8.
    public static let serverCookieByteCountMax = 32
    /// RDATA of one DNSSEC trust anchor: a 4096-bit RSA DNSKEY is 4 + 516
    /// bytes; the hint tables store the length in two bytes.
    public static let trustAnchorRDataByteCountMax = 1_024
    /// RFC 8467 §4.1: responses are padded to blocks of 468 bytes.
    public static let responsePaddingBlockByteCount = 468
    /// RFC 8467 §4.1: queries are padded to blocks of 128 bytes.
    public static let queryPaddingBlockByteCount = 128
}
