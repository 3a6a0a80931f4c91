import CMbedTLS

/// The name one TLS connection's certificate must match when its profile
/// authenticates by the name the server was reached by (seed 004 strict
/// policy to authoritative servers: the CA bundle with the NS name), or
/// the DANE records it must match instead (`TLSDANE`).
///
/// Owns: the name as SNI text (RFC 6066 §3: dotted, no final dot, host
/// name bytes only) in fixed storage, carried by each such connection
/// (`TCPConnection.peerName`), and the profiles that use it
/// (`registerPeerNamedTLSProfile`). A connection is reused only for the
/// same profile *and* the same name: a server authenticated as one NS name
/// is not taken for another name at the same address.
/// Never: parses DNS messages, or accepts a name that is no host name (a
/// label with bytes other than letters, digits and '-' has no certificate
/// to match; the caller fails that server instead).
public struct TLSPeerName: Equatable, Sendable {
    /// RFC 1035 §2.3.4: 253 bytes of text for a 255-byte wire name.
    public static let byteCountMax = 253
    /// Text, then a NUL (mbedtls_ssl_set_hostname takes a C string).
    var bytes = InlineArray<254, UInt8>(repeating: 0)
    public private(set) var byteCount = 0

    /// From a name's uncompressed wire form (length-prefixed labels, the
    /// root label last), lower-cased. nil: the root, or not a host name.
    public init?(wire: UnsafeRawBufferPointer) {
        var i = 0
        var out = 0
        while i < wire.count {
            let length = Int(wire[i])
            if length == 0 { break }
            guard length <= 63, i + 1 + length <= wire.count else { return nil }
            if out > 0 {
                guard out < TLSPeerName.byteCountMax else { return nil }
                bytes[out] = 0x2E
                out += 1
            }
            for j in (i + 1)...(i + length) {
                var b = wire[j]
                if b >= 0x41 && b <= 0x5A { b |= 0x20 }
                let isHostByte = (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D
                guard isHostByte, out < TLSPeerName.byteCountMax else { return nil }
                bytes[out] = b
                out += 1
            }
            i += 1 + length
        }
        guard out > 0 else { return nil }
        bytes[out] = 0
        byteCount = out
    }

    public static func == (a: TLSPeerName, b: TLSPeerName) -> Bool { a.sameName(as: b) }

    func sameName(as other: TLSPeerName) -> Bool {
        guard byteCount == other.byteCount else { return false }
        for i in 0..<byteCount where bytes[i] != other.bytes[i] { return false }
        return true
    }

    /// The text and its NUL, for the C shim.
    func withCString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        var copy = bytes
        return withUnsafeMutableBytes(of: &copy) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
    }
}

extension Transport {
    /// Registers (or replaces, on reload) profile `index` as one that
    /// authenticates each connection by its own name: the certificate must
    /// chain to the CA bundle and match the name given with the query
    /// (`TransportProtocol.tlsNamed`), which also goes out as SNI.
    public func registerPeerNamedTLSProfile(at index: Int, requiresTLS13: Bool = false, label: String) -> TLSProfile {
        let profile = registerTLSProfile(at: index, name: nil, verifyName: false, pinsSHA256: [],
                                         requiresTLS13: requiresTLS13, label: label)
        tlsProfiles[index].verifiesPeerName = true
        return profile
    }

    /// `openTLS` for a profile that verifies the connection's own name: by
    /// the CA bundle, or (with DANE records) by them alone once the
    /// handshake is done (`checkDANE`). A connection without a name fails
    /// its set-up: it is never opened unauthenticated.
    func openPeerNamedTLS(on connection: Int, slot: Int) -> Int32 {
        guard let name = connections[connection].peerName else { return SPRIG_TLS_E_SETUP }
        let byCA: Int32 = connections[connection].dane == nil ? 1 : 0
        return name.withCString { sprig_tls_open(Int32(slot), connections[connection].fd, $0, byCA) }
    }

    /// RFC 7671: after the handshake, before any query byte, the peer's
    /// chain against the connection's DANE records (none: nil).
    func checkDANE(_ connection: Int) -> TransportFailure? {
        guard let dane = connections[connection].dane, let name = connections[connection].peerName else { return nil }
        let rc = name.withCString { cName in
            dane.withUnsafeBytes { records in
                sprig_tls_peer_dane_match(connections[connection].tlsSlot,
                                          records.baseAddress!.assumingMemoryBound(to: UInt8.self), records.count, cName)
            }
        }
        return rc == 0 ? nil : .tlsDANEMismatch
    }

    /// Whether connection `i` may carry a query for `peerName` (nil: a
    /// profile that does not name its peer per connection).
    func peerNameMatches(_ i: Int, _ peerName: TLSPeerName?) -> Bool {
        switch (connections[i].peerName, peerName) {
        case (nil, nil): return true
        case (let a?, let b?): return a.sameName(as: b)
        default: return false
        }
    }
}

/// The usable records of a DNSSEC-validated TLSA RRset one connection's
/// certificate must match (RFC 7671), packed as the C shim reads them
/// (CMbedTLS.h, `sprig_tls_peer_dane_match`). Fixed storage.
public struct TLSDANE: Equatable, Sendable {
    /// 1 count byte and up to 4 records of 4 + 64 bytes.
    public static let byteCountMax = 273
    var bytes = InlineArray<273, UInt8>(repeating: 0)
    public private(set) var byteCount = 0

    /// nil: empty, too long, or records that do not add up.
    public init?(packed: UnsafeRawBufferPointer) {
        guard packed.count >= 1, packed.count <= TLSDANE.byteCountMax, packed[0] > 0 else { return nil }
        var at = 1
        for _ in 0..<Int(packed[0]) {
            guard at + 4 <= packed.count else { return nil }
            at += 4 + Int(packed[at + 3])
        }
        guard at == packed.count else { return nil }
        for i in 0..<packed.count { bytes[i] = packed[i] }
        byteCount = packed.count
    }

    public static func == (a: TLSDANE, b: TLSDANE) -> Bool {
        guard a.byteCount == b.byteCount else { return false }
        for i in 0..<a.byteCount where a.bytes[i] != b.bytes[i] { return false }
        return true
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let n = byteCount
        return bytes.span.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
}
