import Crypto
import Platform
import Resolver

/// DNS cookie secrets over time, once a minute: rotation when due
/// (`CookieSecrets.isRotationDue`), the new secrets written to
/// `state_dir`/cookie.secret (mode 0600) and the new client secret handed
/// to the core. Produces: `cookie.secret`, a log line per rotation.
struct CookieKeeper {
    /// Where the secrets are kept; nil: not kept (cookies change at restart).
    var path: String?
    /// A month-long period needs no finer look than a minute.
    static let intervalMs: Int64 = 60_000
    private(set) var dueMs: Int64 = 0
    var rotations = 0

    init(path: String? = nil) { self.path = path }

    /// True when it was due.
    @discardableResult
    mutating func tick<H: HousekeepingIO>(nowMs: Int64, wallSeconds: Int64, cookies: inout ClientCookies,
                                          engine: inout ResolverCore, effects: inout H) -> Bool {
        guard nowMs >= dueMs else { return false }
        dueMs = nowMs + CookieKeeper.intervalMs
        guard cookies.enabled,
              cookies.secrets.isRotationDue(nowSeconds: wallSeconds, clockTrusted: engine.isClockTrusted) else { return true }
        cookies.secrets = cookies.secrets.rotated(nowSeconds: wallSeconds)
        engine.setCookieClientSecret(cookies.secrets.client)
        rotations += 1
        effects.log(.notice, "cookies: secrets rotated (every \(CookieSecrets.rotationPeriodSeconds / 86_400) days); "
                    + "the previous server secret still verifies")
        write(cookies.secrets, effects: &effects)
        return true
    }

    func write<H: HousekeepingIO>(_ secrets: CookieSecrets, effects: inout H) {
        guard let path else { return }
        var bytes = InlineArray<73, UInt8>(repeating: 0)
        let ok = withUnsafeMutableBytes(of: &bytes) { b in
            let n = secrets.encode(into: b)
            return effects.replaceSecretFile(path, with: UnsafeRawBufferPointer(rebasing: b[0..<n]))
        }
        if !ok { effects.log(.warning, "cookies: cannot write \(path); cookies given out change at restart") }
    }

    /// The secrets at start-up: the file's, else fresh ones (written at
    /// once). A corrupt file is said in the log and replaced.
    static func load<H: HousekeepingIO>(path: String?, nowSeconds: Int64, effects: inout H) -> CookieSecrets {
        if let path, let bytes = try? File.readAll(path, limit: CookieSecrets.encodedByteCount + 1) {
            if let secrets = bytes.withUnsafeBytes({ CookieSecrets.decode($0) }) { return secrets }
            effects.log(.warning, "cookies: \(path) is corrupt; making new secrets (cookies clients hold become invalid once)")
        }
        let secrets = CookieSecrets.fresh(nowSeconds: nowSeconds)
        CookieKeeper(path: path).write(secrets, effects: &effects)
        return secrets
    }
}

extension EventLoop {
    /// DNS cookies (`option cookies`): loads or makes the secrets kept at
    /// `secretPath`, and gives the client secret to the core.
    public func startCookies(enabled: Bool, secretPath: String?) {
        var effects = SystemHousekeeping()
        guard enabled else {
            clientCookies.enabled = false
            return
        }
        let secrets = CookieKeeper.load(path: secretPath, nowSeconds: Clock.realtimeSeconds(), effects: &effects)
        clientCookies = ClientCookies(secrets: secrets, enabled: true)
        cookieKeeper = CookieKeeper(path: secretPath)
        resolver.setCookieClientSecret(secrets.client)
    }

    /// Where rotated secrets are written (moved by a chroot).
    public var cookieSecretPath: String? {
        get { cookieKeeper.path }
        set { cookieKeeper.path = newValue }
    }
}
