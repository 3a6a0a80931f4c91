import Crypto
import DNSWire

// DNS cookies in the core (RFC 7873, RFC 9018).
//
// To clients: the server makes the cookie (it knows the client's address
// and holds the secret, Sources/Server/ClientCookies.swift) and hands it in
// with the query; the core only checks the option's length (FORMERR,
// RFC 7873 §5.2.2, in `parseQuery`), keeps room for it and puts it in every
// answer to that query (Answers.swift).
//
// Never: reads a clock or a file, or holds a server secret.

/// The COOKIE option an answer carries: the client's cookie echoed, and
/// our server cookie (RFC 9018 §4.2). 16 bytes of state per request, no
/// allocation.
public struct ResponseCookie: Equatable, Sendable {
    public var client: UInt64
    public var server: ServerCookie

    /// The option on the wire: 4 (code, length) + 8 + 16 bytes.
    static let optionByteCount = 4 + 8 + ServerCookie.byteCount

    public init(client: UInt64, server: ServerCookie) {
        self.client = client
        self.server = server
    }

    /// As DNSWire writes it.
    var option: Cookie {
        var c = Cookie(client: client)
        c.serverByteCount = ServerCookie.byteCount
        withUnsafeTemporaryAllocation(byteCount: ServerCookie.byteCount, alignment: 1) { b in
            server.write(into: b)
            for i in 0..<ServerCookie.byteCount { c.server[i] = b[i] }
        }
        return c
    }
}

extension ResolverCore {
    /// The client secret (the server's, from `state_dir`/cookie.secret;
    /// renewed at each rotation).
    public mutating func setCookieClientSecret(_ secret: CookieSecret) {
        cookieClientSecret = secret
    }
}
