import Crypto
import DNSWire
import Fixed

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

// To servers (RFC 7873 §5.1, §5.3): every query with EDNS carries our
// client cookie for that server address — SipHash-2-4 of the address under
// the client secret, computed, never stored — and the server cookie it
// last gave us (InfraCache). A response must echo our client cookie when
// it carries a COOKIE option; one that does not (or a malformed option)
// is dropped, counted, and the real answer awaited: an off-path spoofer
// does not know our cookie. A response without a COOKIE option is taken
// (most servers do not do cookies). BADCOOKIE (rcode 23) with our client
// cookie: its new server cookie is kept and the question asked once more
// over UDP, then over TCP (§5.3).

/// What a response's COOKIE option means for the query it answers.
enum ResponseCookieCheck: Equatable {
    /// No cookie sent, none came back, or ours came back.
    case accepted
    /// Not our client cookie, or malformed: not an answer to our query.
    case spoofed
    /// BADCOOKIE (RFC 7873 §8) with our client cookie.
    case badCookie
}

extension ResolverCore {
    /// Our client cookie for `server` (RFC 7873 §4.1, Appendix A.2); nil
    /// when cookies are off or no secret was given yet.
    func clientCookie(for server: ServerAddress) -> UInt64? {
        guard settings.cookies, let secret = cookieClientSecret else { return nil }
        return withUnsafeTemporaryAllocation(byteCount: 16, alignment: 1) { b in
            let count = server.isIPv6 ? 16 : 4
            for i in 0..<count { b[i] = server.byte(i) }
            return ClientCookie.make(clientAddress: UnsafeRawBufferPointer(start: nil, count: 0),
                                     serverAddress: UnsafeRawBufferPointer(rebasing: b[0..<count]), secret: secret)
        }
    }

    /// The COOKIE option a query to `server` carries, or nil.
    func cookieOption(for server: ServerAddress) -> Cookie? {
        guard let client = clientCookie(for: server) else { return nil }
        var option = Cookie(client: client)
        let known = infra.serverCookie(server)
        option.serverByteCount = Int(known.count)
        for i in 0..<Int(known.count) { option.server[i] = known.bytes[i] }
        return option
    }

    /// Checks `message`'s COOKIE option against the query `asked` sent, and
    /// keeps a server cookie that came with ours. One pass over the message
    /// (to its OPT RR), only when a cookie went out.
    mutating func checkCookie(_ message: UnsafeRawBufferPointer, _ asked: Asked, nowMs: Int64) -> ResponseCookieCheck {
        guard asked.withEDNS, let ours = clientCookie(for: asked.server) else { return .accepted }
        guard var reader = try? MessageReader(message), (try? reader.skipToEnd()) != nil,
              let opt = reader.opt, let edns = try? EDNS(opt, in: message) else { return .accepted }
        var options = edns.options(in: message)
        var found: EDNSOption? = nil
        while found == nil, let option = try? options.next() {   // the first COOKIE option counts
            if option.code == .cookie { found = option }
        }
        guard let option = found else { return .accepted }   // a server without cookies
        guard let cookie = try? Cookie(option, in: message) else {
            stats.upstreamCookieMalformed += 1   // RFC 7873 §5.3: discarded
            return .spoofed
        }
        guard cookie.client == ours else {
            stats.upstreamCookieMismatch += 1
            return .spoofed
        }
        if cookie.serverByteCount > 0 {
            var kept = ServerCookieBytes()
            kept.count = UInt8(cookie.serverByteCount)
            for i in 0..<cookie.serverByteCount { kept.bytes[i] = cookie.server[i] }
            if infra.recordServerCookie(asked.server, kept, nowMs: nowMs) { stats.upstreamCookiesLearned += 1 }
        }
        return edns.rcode(header: reader.header) == .badCookie ? .badCookie : .accepted
    }

    /// RFC 7873 §5.3: BADCOOKIE with our client cookie. Its server cookie
    /// is kept already; the question goes once more over UDP, then (or if
    /// it went over TCP already, elsewhere) over TCP.
    mutating func retryAfterBadCookie(_ index: Int, _ asked: Asked, nowMs: Int64) {
        timers.cancel(settings.maxClients + index)
        let destination = Destination(server: asked.server, upstream: asked.upstream)
        if asked.overTCP {
            stats.upstreamErrors += 1
            return retryElsewhere(index, nowMs: nowMs)
        }
        let overTCP = outgoing[index].badCookieRetried
        outgoing.pointer(index).pointee.badCookieRetried = true
        stats.upstreamBadCookies += 1
        if !sendIterative(index, to: destination, overTCP: overTCP, nowMs: nowMs) { retryElsewhere(index, nowMs: nowMs) }
    }
}
