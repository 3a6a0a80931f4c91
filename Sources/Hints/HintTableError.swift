// Why a hint table was rejected. Offsets are byte positions in the table,
// so a corrupt flash file can be reported precisely.

import DNSWire

public enum HintTableError: Error, Equatable, Sendable {
    /// Shorter than the 16-byte header.
    case truncatedHeader
    /// Does not start with "SPHT": not a hint table.
    case badMagic
    case unsupportedVersion(UInt8)
    /// Reserved flag bits set: written by a newer format.
    case badFlags(UInt8)
    /// The header's byte count differs from the bytes handed in.
    case byteCountMismatch(header: Int, actual: Int)
    /// Bigger than HintLimits.tableByteCountMax.
    case tableTooLarge(Int)
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// Domain count 0 or over HintLimits.domainCountMax.
    case badDomainCount(Int)
    /// A field runs past the end of the table.
    case truncated(offset: Int)
    /// A name is not a valid uncompressed wire name.
    case badName(offset: Int, WireError)
    /// A name has upper-case letters (tables hold lowercased names).
    case nameNotLowercase(offset: Int)
    case duplicateDomain(offset: Int)
    /// Server count 0 or over HintLimits.serversPerDomainMax.
    case badServerCount(offset: Int, Int)
    case duplicateServer(offset: Int)
    /// More than HintLimits.addressesPerServerMax addresses.
    case tooManyAddresses(offset: Int, Int)
    case tooManyAnchors(offset: Int, Int)
    /// An anchor that is not DS or DNSKEY.
    case badAnchorType(offset: Int, UInt16)
    /// RDATA length wrong for its type, or over the limit.
    case badAnchorRData(offset: Int)
    /// Bytes after the last domain.
    case trailingBytes(offset: Int)
}
