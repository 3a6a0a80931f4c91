import CSodium

// DNS cookie computations (RFC 7873, RFC 9018) on libsodium's SipHash-2-4.
// Owns: the 16-byte secret, the RFC 9018 server cookie (its layout, its
// hash, its time window) and the client cookie of RFC 7873 Appendix A.2
// with SipHash in place of HMAC (RFC 9018 §3 allows any PRF). Never: parses
// DNS messages, reads a clock, keeps secrets in files or decides what a
// server does with an invalid cookie (Server's and Resolver's business).
//
// Worked example (RFC 9018 Appendix A.1): secret e5e973e5…bfcf, client
// cookie 2464c4abcf10c957 from 198.51.100.100 at 1559731985 gives
//     ServerCookie.make(clientCookie: 0x2464c4abcf10c957, clientAddress: [198, 51, 100, 100],
//                       timestamp: 1559731985, secret: s)
// = version 1, reserved 0, timestamp 5cf79f11, hash 1f8130c3eee29480.

/// A 16-byte SipHash key: a server secret (RFC 9018 §4.4) or a client
/// secret (RFC 7873 §4.1). Inline: no allocation, copied by value.
public struct CookieSecret: Equatable, Sendable {
    public static let byteCount = 16
    public var bytes: InlineArray<16, UInt8>

    public init(bytes: InlineArray<16, UInt8>) { self.bytes = bytes }

    /// From exactly 16 bytes; nil otherwise.
    public init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count == CookieSecret.byteCount else { return nil }
        bytes = InlineArray(repeating: 0)
        for i in 0..<CookieSecret.byteCount { bytes[i] = raw[i] }
    }

    /// A fresh secret from libsodium's CSPRNG (randombytes_buf).
    public static func random() -> CookieSecret {
        var s = CookieSecret(bytes: InlineArray(repeating: 0))
        withUnsafeMutableBytes(of: &s.bytes) { b in
            sprig_random_bytes(b.baseAddress!.assumingMemoryBound(to: UInt8.self), CookieSecret.byteCount)
        }
        return s
    }

    public static func == (a: CookieSecret, b: CookieSecret) -> Bool {
        for i in 0..<byteCount where a.bytes[i] != b.bytes[i] { return false }
        return true
    }
}

/// SipHash-2-4 (libsodium's crypto_shorthash_siphash24).
public enum SipHash24 {
    /// The 8 output bytes of SipHash-2-4 over `message` under `key`, read
    /// as a big-endian number: written back big-endian they are the bytes
    /// libsodium produced, in order (the order RFC 9018 puts on the wire).
    public static func hash(_ message: UnsafeRawBufferPointer, key: CookieSecret) -> UInt64 {
        var out: UInt64 = 0
        var k = key.bytes
        withUnsafeMutableBytes(of: &out) { o in
            withUnsafeBytes(of: &k) { kb in
                _ = sprig_siphash24(o.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                    message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count,
                                    kb.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return UInt64(bigEndian: out)   // the bytes as written, most significant first
    }
}

/// An RFC 9018 §4.2 server cookie: Version (1), Reserved (3 bytes),
/// Timestamp (serial number seconds, RFC 1982), Hash (8 bytes) — 16 bytes.
public struct ServerCookie: Equatable, Sendable {
    public static let byteCount = 16
    /// RFC 9018 §4.1: the only version defined.
    public static let version: UInt8 = 1
    /// RFC 9018 §4.3: a cookie stamped more than an hour ago is no longer
    /// valid, nor one stamped more than five minutes ahead (clock skew).
    public static let lifetimeSeconds: UInt32 = 3_600
    public static let futureSkewSeconds: UInt32 = 300
    /// RFC 9018 §4.3: renewed once older than half an hour; before that the
    /// same cookie may be returned (a client sees one cookie per half hour).
    public static let renewAfterSeconds: UInt32 = 1_800

    public var version: UInt8
    /// The 3 reserved bytes as received (they are part of the hash input).
    public var reserved: UInt32
    public var timestamp: UInt32
    public var hash: UInt64

    public init(version: UInt8, reserved: UInt32, timestamp: UInt32, hash: UInt64) {
        self.version = version
        self.reserved = reserved & 0xFF_FFFF
        self.timestamp = timestamp
        self.hash = hash
    }

    /// From the server part of a COOKIE option; nil unless 16 bytes of
    /// version 1 (anything else was not made by this construction).
    public init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count == ServerCookie.byteCount, raw[0] == ServerCookie.version else { return nil }
        func u32(_ at: Int) -> UInt32 {
            UInt32(raw[at]) << 24 | UInt32(raw[at + 1]) << 16 | UInt32(raw[at + 2]) << 8 | UInt32(raw[at + 3])
        }
        version = raw[0]
        reserved = u32(0) & 0xFF_FFFF
        timestamp = u32(4)
        hash = UInt64(u32(8)) << 32 | UInt64(u32(12))
    }

    /// The 16 bytes, into `out` (at least 16 bytes).
    public func write(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= ServerCookie.byteCount)
        out[0] = version
        out[1] = UInt8(truncatingIfNeeded: reserved >> 16)
        out[2] = UInt8(truncatingIfNeeded: reserved >> 8)
        out[3] = UInt8(truncatingIfNeeded: reserved)
        for i in 0..<4 { out[4 + i] = UInt8(truncatingIfNeeded: timestamp >> UInt32(24 - 8 * i)) }
        for i in 0..<8 { out[8 + i] = UInt8(truncatingIfNeeded: hash >> UInt64(56 - 8 * i)) }
    }

    /// RFC 9018 §4.4: Hash = SipHash-2-4(Client Cookie | Version |
    /// Reserved | Timestamp | Client-IP, Server Secret); the client address
    /// is 4 or 16 bytes in network order.
    public static func hash(clientCookie: UInt64, version: UInt8, reserved: UInt32, timestamp: UInt32,
                            clientAddress: UnsafeRawBufferPointer, secret: CookieSecret) -> UInt64 {
        precondition(clientAddress.count == 4 || clientAddress.count == 16)
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { input in
            for i in 0..<8 { input[i] = UInt8(truncatingIfNeeded: clientCookie >> UInt64(56 - 8 * i)) }
            input[8] = version
            input[9] = UInt8(truncatingIfNeeded: reserved >> 16)
            input[10] = UInt8(truncatingIfNeeded: reserved >> 8)
            input[11] = UInt8(truncatingIfNeeded: reserved)
            for i in 0..<4 { input[12 + i] = UInt8(truncatingIfNeeded: timestamp >> UInt32(24 - 8 * i)) }
            for i in 0..<clientAddress.count { input[16 + i] = clientAddress[i] }
            return SipHash24.hash(UnsafeRawBufferPointer(rebasing: input[0..<(16 + clientAddress.count)]), key: secret)
        }
    }

    /// A fresh cookie for `clientCookie` from `clientAddress` at `timestamp`
    /// (RFC 9018 §4.2: reserved bytes zero).
    public static func make(clientCookie: UInt64, clientAddress: UnsafeRawBufferPointer, timestamp: UInt32,
                            secret: CookieSecret) -> ServerCookie {
        ServerCookie(version: version, reserved: 0, timestamp: timestamp,
                     hash: hash(clientCookie: clientCookie, version: version, reserved: 0, timestamp: timestamp,
                                clientAddress: clientAddress, secret: secret))
    }

    /// Whether this cookie was made by `secret` for `clientCookie` from
    /// `clientAddress` (the hash over the fields as received, RFC 9018 §4.3).
    public func isMade(by secret: CookieSecret, clientCookie: UInt64, clientAddress: UnsafeRawBufferPointer) -> Bool {
        ServerCookie.hash(clientCookie: clientCookie, version: version, reserved: reserved, timestamp: timestamp,
                          clientAddress: clientAddress, secret: secret) == hash
    }

    /// Its age at `now` (serial number arithmetic, RFC 1982: the timestamp
    /// wraps in 2106): negative when stamped in the future.
    public func ageSeconds(now: UInt32) -> Int64 {
        Int64(Int32(bitPattern: now &- timestamp))
    }

    /// RFC 9018 §4.3: not older than an hour, not more than 5 minutes ahead.
    public func isFresh(now: UInt32) -> Bool {
        let age = ageSeconds(now: now)
        return age <= Int64(ServerCookie.lifetimeSeconds) && age >= -Int64(ServerCookie.futureSkewSeconds)
    }
}

/// RFC 7873 §4.1 and Appendix A.2: a client cookie per server address,
/// Client-Cookie = SipHash-2-4(Client IP | Server IP, Client Secret)
/// (RFC 9018 §3: the PRF may be any; SipHash-2-4 is the one at hand). The
/// client address is the source the queries leave from when it is known;
/// a resolver bound to the wildcard passes none, and the cookie changes
/// with the client secret instead.
public enum ClientCookie {
    public static func make(clientAddress: UnsafeRawBufferPointer, serverAddress: UnsafeRawBufferPointer,
                            secret: CookieSecret) -> UInt64 {
        precondition(clientAddress.count <= 16 && serverAddress.count <= 16)
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { input in
            for i in 0..<clientAddress.count { input[i] = clientAddress[i] }
            for i in 0..<serverAddress.count { input[clientAddress.count + i] = serverAddress[i] }
            return SipHash24.hash(UnsafeRawBufferPointer(rebasing: input[0..<(clientAddress.count + serverAddress.count)]),
                                  key: secret)
        }
    }
}
