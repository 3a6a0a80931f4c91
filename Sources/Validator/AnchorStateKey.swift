// One key of a trust point in the RFC 5011 state table: its DNSKEY RDATA (in
// inline fixed storage), its RFC 5011 §4 state and its timestamps.
import DNSWire

/// RFC 5011 §4 key states. `Start` and `Removed` are not stored: a key in
/// Start has no entry yet, and a Removed key's entry is deleted.
public enum AnchorKeyState: UInt8, Equatable, Sendable {
    /// Seen in a validated RRset, waiting out the add hold-down; not trusted.
    case addPending = 1
    /// A trust anchor.
    case valid = 2
    /// A trust anchor absent from the latest validated RRset; still trusted
    /// (RFC 5011 §4: Missing keys remain trust anchors).
    case missing = 3
    /// Revoked by a self-signed REVOKE bit; never trusted again.
    case revoked = 4

    /// Valid and Missing keys are trust anchors (RFC 5011 §4).
    public var isTrusted: Bool { self == .valid || self == .missing }
}

/// What `AnchorState.key(_:of:)` reports about one key (inspection, CLI).
public struct AnchorKeyInfo: Equatable, Sendable {
    /// Key tag of the RDATA as stored (a revoked key's tag includes the REVOKE bit).
    public var keyTag: UInt16
    public var algorithm: UInt8
    public var state: AnchorKeyState
    public var firstSeenSeconds: Int64
    public var lastSeenSeconds: Int64
    /// AddPend: when the add hold-down ends. Revoked: when the remove
    /// hold-down ends. Otherwise 0.
    public var holdDownEndSeconds: Int64
}

/// Inline storage behind the limits (generic sizes must be literals; a test
/// checks they equal RFC5011Limits).
typealias KeyRDataStorage = InlineArray<640, UInt8>
typealias TrustPointKeys = InlineArray<8, AnchorKeyRecord>
typealias TrustPointTable = InlineArray<4, TrustPointRecord>

struct AnchorKeyRecord {
    var rdata: KeyRDataStorage
    var rdataByteCount: Int
    var state: AnchorKeyState
    var firstSeenSeconds: Int64
    var lastSeenSeconds: Int64
    var holdDownEndSeconds: Int64

    static var empty: AnchorKeyRecord {
        AnchorKeyRecord(rdata: InlineArray(repeating: 0), rdataByteCount: 0, state: .addPending,
                        firstSeenSeconds: 0, lastSeenSeconds: 0, holdDownEndSeconds: 0)
    }

    /// A record holding `rdata`; nil if it is longer than the inline storage
    /// or shorter than a DNSKEY's fixed fields.
    init?(rdata bytes: UnsafeRawBufferPointer, state: AnchorKeyState, nowSeconds: Int64, holdDownEndSeconds: Int64) {
        guard bytes.count >= 4, bytes.count <= RFC5011Limits.keyRDataByteCountMax,
              bytes.count <= KeyRDataStorage.count else { return nil }
        self = .empty
        for i in 0..<bytes.count { rdata[i] = bytes[i] }
        rdataByteCount = bytes.count
        self.state = state
        firstSeenSeconds = nowSeconds
        lastSeenSeconds = nowSeconds
        self.holdDownEndSeconds = holdDownEndSeconds
    }

    private init(rdata: KeyRDataStorage, rdataByteCount: Int, state: AnchorKeyState,
                 firstSeenSeconds: Int64, lastSeenSeconds: Int64, holdDownEndSeconds: Int64) {
        self.rdata = rdata
        self.rdataByteCount = rdataByteCount
        self.state = state
        self.firstSeenSeconds = firstSeenSeconds
        self.lastSeenSeconds = lastSeenSeconds
        self.holdDownEndSeconds = holdDownEndSeconds
    }

    func withRData<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let count = rdataByteCount
        return rdata.span.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[0..<count])) }
    }

    /// Is `other` this key, ignoring the REVOKE flag (RFC 5011 §3: setting it
    /// changes the RDATA and the key tag, not the key)?
    func isSameKey(_ other: UnsafeRawBufferPointer) -> Bool {
        guard other.count == rdataByteCount else { return false }
        let revokeMask = UInt8(truncatingIfNeeded: DNSKEYView.revokeFlag)
        for i in 0..<rdataByteCount {
            let mask: UInt8 = i == 1 ? ~revokeMask : 0xFF
            if rdata[i] & mask != other[i] & mask { return false }
        }
        return true
    }

    /// Marks the stored RDATA as revoked (flags byte 1, RFC 5011 §3).
    mutating func setRevokeFlag() {
        rdata[1] |= UInt8(truncatingIfNeeded: DNSKEYView.revokeFlag)
    }

    var info: AnchorKeyInfo {
        withRData { bytes in
            AnchorKeyInfo(keyTag: KeyTag.compute(rdata: bytes), algorithm: bytes[3], state: state,
                          firstSeenSeconds: firstSeenSeconds, lastSeenSeconds: lastSeenSeconds,
                          holdDownEndSeconds: holdDownEndSeconds)
        }
    }
}
