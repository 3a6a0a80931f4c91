/// What an epoll event is about: the kind of socket, its slot index and the
/// slot's generation, so an event for a socket closed and reused within
/// the same batch is recognised and ignored.
/// `.outgoing` is Transport's own epoll descriptor (one, index 0): its
/// sockets are told apart inside Transport.
enum TokenKind: UInt64 {
    case signal = 1, udpListener, tcpListener, tcpClient, outgoing, controlListener, controlClient
}

struct Token {
    var kind: TokenKind
    var index: Int
    var generation: UInt32

    init(_ kind: TokenKind, _ index: Int, generation: UInt32 = 0) {
        self.kind = kind
        self.index = index
        self.generation = generation
    }

    var raw: UInt64 {
        kind.rawValue << 56 | UInt64(generation & 0xFF_FFFF) << 32 | UInt64(UInt32(index))
    }

    init?(raw: UInt64) {
        guard let k = TokenKind(rawValue: raw >> 56) else { return nil }
        kind = k
        generation = UInt32((raw >> 32) & 0xFF_FFFF)
        index = Int(UInt32(truncatingIfNeeded: raw))
    }
}
