import Crypto
import DNSWire
import Platform
import Resolver

/// Server cookies for our clients (RFC 7873 §5.2, RFC 9018 §4): for a
/// query with a COOKIE option, the cookie its answer carries.
///
/// - Client cookie only (§5.2.3): a fresh server cookie.
/// - With a server cookie (§5.2.4): checked against the current secret,
///   then the previous one (RFC 9018 §5), within RFC 9018 §4.3's window
///   (an hour old, five minutes ahead). Valid with the current secret and
///   under half an hour old: the same cookie back, so a client keeps one
///   cookie per half hour. Otherwise a fresh one.
/// - No cookie is ever required: an invalid one gets a fresh cookie and
///   the query is answered as usual (no BADCOOKIE: a home router's clients
///   are on its LAN, and refusing them their answer protects nothing).
/// - A malformed option is the core's FORMERR (RFC 7873 §5.2.2).
///
/// Never: holds the secrets' file (CookieKeeper), or answers anything.
struct ClientCookies {
    var secrets: CookieSecrets
    var enabled: Bool
    var stats = ClientCookieStats()

    /// The cookie for `query` from `address` at `nowSeconds` (wall clock),
    /// nil when there is none to give (no option, malformed, disabled).
    mutating func cookie(for query: UnsafeRawBufferPointer, from address: Address, nowSeconds: Int64) -> ResponseCookie? {
        guard enabled, case .present(let asked) = Cookie.first(in: query) else { return nil }
        let now = UInt32(truncatingIfNeeded: nowSeconds)   // RFC 9018 §4.2: serial number time
        var raw = address.raw.bytes
        return withUnsafeBytes(of: &raw) { all in
            let ip = UnsafeRawBufferPointer(rebasing: all[0..<address.byteCount])
            if let kept = check(asked, ip: ip, now: now) { return ResponseCookie(client: asked.client, server: kept) }
            return ResponseCookie(client: asked.client,
                                  server: ServerCookie.make(clientCookie: asked.client, clientAddress: ip,
                                                            timestamp: now, secret: secrets.current))
        }
    }

    /// The query's server cookie when it is to be returned as it is;
    /// counts what it was.
    mutating func check(_ asked: Cookie, ip: UnsafeRawBufferPointer, now: UInt32) -> ServerCookie? {
        guard asked.serverByteCount > 0 else {
            stats.clientOnly += 1
            return nil
        }
        var bytes = asked.server
        let server = withUnsafeBytes(of: &bytes) { ServerCookie(UnsafeRawBufferPointer(rebasing: $0[0..<asked.serverByteCount])) }
        guard let server else {
            stats.invalid += 1   // not 16 bytes of version 1: not made here
            return nil
        }
        let byCurrent = server.isMade(by: secrets.current, clientCookie: asked.client, clientAddress: ip)
        let byPrevious = !byCurrent
            && (secrets.previous.map { server.isMade(by: $0, clientCookie: asked.client, clientAddress: ip) } ?? false)
        guard byCurrent || byPrevious else {
            stats.invalid += 1
            return nil
        }
        guard server.isFresh(now: now) else {
            stats.expired += 1
            return nil
        }
        stats.valid += 1
        guard byCurrent, server.ageSeconds(now: now) < Int64(ServerCookie.renewAfterSeconds) else {
            stats.renewed += 1
            return nil
        }
        return server
    }
}

/// What clients' cookies were; `sprig stats` prints them.
struct ClientCookieStats: Equatable {
    /// A client cookie alone: a first contact (or a client that keeps none).
    var clientOnly = 0
    /// A server cookie of ours, within its time window.
    var valid = 0
    /// Valid, but renewed: over half an hour old, or by the previous secret.
    var renewed = 0
    /// Ours once, but outside RFC 9018 §4.3's window.
    var expired = 0
    /// Not made by either secret for this client (another server's, a
    /// changed address, forged): a fresh one is given.
    var invalid = 0

    var lines: [(String, Int)] {
        [("cookies.client_only", clientOnly), ("cookies.server_valid", valid), ("cookies.server_renewed", renewed),
         ("cookies.server_expired", expired), ("cookies.server_invalid", invalid)]
    }
}
