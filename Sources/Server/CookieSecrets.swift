import Crypto

/// The DNS cookie secrets and their file, `state_dir`/cookie.secret
/// (RFC 7873 §7.1, RFC 9018 §5): the server secret that makes and checks
/// our server cookies, the one before it (still checked after a rollover),
/// and the client secret our client cookies to other servers are made
/// with. Kept in flash so that a restart keeps the cookies clients hold
/// valid; written atomically, mode 0600 (whoever reads it can forge our
/// cookies); missing or corrupt: fresh secrets from libsodium.
///
/// Rotation: every `rotationPeriodSeconds` (30 days) the current server
/// secret becomes the previous one and a fresh one is made (RFC 9018 §5:
/// old cookies keep verifying while they may still be used, an hour at
/// most; here until the next rotation), and the client secret is renewed
/// (RFC 7873 §4.1: changed now and then, so our cookies do not tie our
/// queries together for ever).
///
/// File: "SPRIGCK1", created (8 bytes, big-endian Unix seconds), current
/// (16), has-previous (1), previous (16), client (16), check (8:
/// SipHash-2-4 under the all-zero key of everything before: it catches
/// flash corruption, it authenticates nothing) — 73 bytes.
///
/// Never: reads a clock or touches files itself (CookieKeeper does, through
/// `HousekeepingIO`), so the tests run rotation in virtual time.
struct CookieSecrets: Equatable {
    var current: CookieSecret
    var previous: CookieSecret?
    var client: CookieSecret
    /// Wall-clock seconds when `current` was made.
    var createdSeconds: Int64

    /// A month: rotation is for hygiene (a leaked secret stops working), and
    /// every rotation makes the clients' cookies new ones once.
    static let rotationPeriodSeconds: Int64 = 30 * 86_400

    static let magic: StaticString = "SPRIGCK1"
    static let encodedByteCount = 8 + 8 + 16 + 1 + 16 + 16 + 8

    /// Fresh secrets, made at `nowSeconds`.
    static func fresh(nowSeconds: Int64) -> CookieSecrets {
        CookieSecrets(current: .random(), previous: nil, client: .random(), createdSeconds: nowSeconds)
    }

    /// Whether a rotation is due at `nowSeconds`. Only a trusted clock
    /// counts (a router boots in 1970 until NTP syncs); a file stamped more
    /// than a period ahead of a trusted clock is rotated too, or a clock
    /// once far ahead would stop rotation for years.
    func isRotationDue(nowSeconds: Int64, clockTrusted: Bool) -> Bool {
        guard clockTrusted else { return false }
        let age = nowSeconds - createdSeconds
        return age >= CookieSecrets.rotationPeriodSeconds || age < -CookieSecrets.rotationPeriodSeconds
    }

    /// The next generation: current → previous, fresh current and client.
    func rotated(nowSeconds: Int64) -> CookieSecrets {
        CookieSecrets(current: .random(), previous: current, client: .random(), createdSeconds: nowSeconds)
    }

    // MARK: file

    func encode(into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(out.count >= CookieSecrets.encodedByteCount)
        let magic = UnsafeRawBufferPointer(start: CookieSecrets.magic.utf8Start, count: 8)
        for i in 0..<8 { out[i] = magic[i] }
        for i in 0..<8 { out[8 + i] = UInt8(truncatingIfNeeded: UInt64(bitPattern: createdSeconds) >> UInt64(56 - 8 * i)) }
        var at = 16
        func put(_ s: CookieSecret) { for i in 0..<16 { out[at + i] = s.bytes[i] }; at += 16 }
        put(current)
        out[at] = previous == nil ? 0 : 1
        at += 1
        put(previous ?? CookieSecret(bytes: InlineArray(repeating: 0)))
        put(client)
        let check = SipHash24.hash(UnsafeRawBufferPointer(rebasing: out[0..<at]), key: CookieSecrets.checkKey)
        for i in 0..<8 { out[at + i] = UInt8(truncatingIfNeeded: check >> UInt64(56 - 8 * i)) }
        return at + 8
    }

    /// nil when `bytes` is not exactly a file this build wrote.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> CookieSecrets? {
        guard bytes.count == encodedByteCount else { return nil }
        let magic = UnsafeRawBufferPointer(start: CookieSecrets.magic.utf8Start, count: 8)
        for i in 0..<8 where bytes[i] != magic[i] { return nil }
        let body = encodedByteCount - 8
        var check: UInt64 = 0
        for i in 0..<8 { check = check << 8 | UInt64(bytes[body + i]) }
        guard SipHash24.hash(UnsafeRawBufferPointer(rebasing: bytes[0..<body]), key: checkKey) == check else { return nil }
        var created: UInt64 = 0
        for i in 0..<8 { created = created << 8 | UInt64(bytes[8 + i]) }
        func secret(_ at: Int) -> CookieSecret { CookieSecret(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 16)]))! }
        guard bytes[32] <= 1 else { return nil }
        return CookieSecrets(current: secret(16), previous: bytes[32] == 1 ? secret(33) : nil, client: secret(49),
                             createdSeconds: Int64(bitPattern: created))
    }

    static let checkKey = CookieSecret(bytes: InlineArray(repeating: 0))
}
