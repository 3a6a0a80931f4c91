import DNSWire
import Fixed

// The resolver core's boundary (DESIGN.md §2.4; Knot Resolver's
// produce/consume). The core consumes one `Event` at a time, with the time
// it happened, and appends what should happen to its `ActionRing`: send
// this query to that server over that transport, stop waiting for that
// query, answer that client. The server carries the actions out in order,
// clears the ring, and reports what came of them as new events (a response,
// a failed send or connection). Nothing the server does returns a value
// into the core: a send that fails comes back later as `.failed`, so the
// core's retry logic runs on events alone, and scripted tests drive exactly
// this interface in virtual time.
//
// Worked example (a cache miss):
//   server: consume(.query(client: 3, .udp, bytes), nowMs: t)
//   ring:   [.send(ref 7#1, to: upstream, over: .udp, query)]
//   server: consume(.response(ref 7#1, reply), nowMs: t2)
//   ring:   [.answer(client: 3, answer), .cancel(ref 7#1)]

/// One query the core sent: the task slot it belongs to and the serial of
/// that slot's sends, so an answer to a query the core has given up on (a
/// retransmission replaced it, the task ended) is recognised and dropped.
public struct QueryRef: Equatable, Sendable {
    public var slot: Int32
    public var serial: UInt32

    public init(slot: Int32, serial: UInt32) {
        self.slot = slot
        self.serial = serial
    }
}

/// How a query travels.
public enum TransportKind: Equatable, Sendable {
    case udp
    case tcp
    /// DNS over TLS (RFC 7858) with the server's TLS profile: the peer
    /// check the server registered for it (one per TLS upstream, by its
    /// index in the config). Never carried in plain.
    case tls(profile: Int32)
    /// DNS over TLS whose certificate must chain to the CA bundle and match
    /// `name`, the NS name the server was reached by (seed 004 strict
    /// policy, AuthDoT.swift); `name` also goes out as SNI.
    case tlsNamed(profile: Int32, name: Name)
    /// DNS over TLS authenticated by DANE (RFC 7671): the certificate must
    /// match one of `dane` (from a secure TLSA, DANE.swift); `name` is SNI
    /// and, for DANE-TA, the name the certificate must match.
    case tlsDANE(profile: Int32, name: Name, dane: DANEAssociations)
}

/// What happened, in the order it happened.
public enum Event {
    /// A client's query; `client` names the server's client slot. `cookie`:
    /// the COOKIE option its answers carry (the server made it: it knows
    /// the client's address and the secret; Cookies.swift).
    case query(client: Int, transport: ClientTransport, message: UnsafeRawBufferPointer,
               cookie: ResponseCookie? = nil)
    /// A response that arrived for `ref` (from the address it was sent to).
    case response(QueryRef, message: UnsafeRawBufferPointer)
    /// `ref` could not be sent, or its connection failed before an answer;
    /// `cause` says why when the server knows (strict DoT's EDE text).
    case failed(QueryRef, cause: SendFailureCause = .unspecified)
    /// The outcome of a `.probeTLS` to `server` (its Do53 address).
    case tlsProbe(server: ServerAddress, succeeded: Bool)
    /// A `.probeTLS` to `server` started no handshake (no TLS slot free).
    case tlsProbeNotStarted(server: ServerAddress)
    /// Time passed: timers due by now fire (`Resolver.nextDeadlineMs`).
    case timers
    /// The ring was carried out and cleared: the core goes on with work it
    /// had to defer for room (`hasDeferredWork`).
    case drained
}

/// Why a send failed, as far as the core cares (the EDE of a strict
/// server names it; every cause is handled as a failed send).
public enum SendFailureCause: Equatable, Sendable {
    case unspecified
    /// TLS: the certificate did not verify (CA bundle, name, dates).
    case tlsCertificate
    /// TLS: the SPKI matched no pin.
    case tlsPin
    /// TLS: the certificate matched no record of the secure TLSA (DANE).
    case tlsDANE
    /// TLS: the handshake failed otherwise, or timed out.
    case tlsHandshake
    /// TLS: the server speaks TLS 1.2 only where TLS 1.3 is required.
    case tlsVersion
    /// The connection could not be made or broke.
    case connection
}

/// What the core asks the server to do.
public enum Action {
    /// Send `message` for `ref`; the answer comes back as `.response(ref, …)`,
    /// a failure as `.failed(ref)`.
    case send(QueryRef, server: ServerAddress, transport: TransportKind, message: UnsafeRawBufferPointer)
    /// The core no longer waits for `ref`: close whatever carries it.
    case cancel(QueryRef)
    /// The answer for client slot `client` (each client is answered once).
    case answer(client: Int, message: UnsafeRawBufferPointer)
    /// RFC 9539: open a TLS connection to `server` (its Do53 address) on
    /// `tlsPort`, with the authoritative profile and no query; its outcome
    /// comes back as `.tlsProbe(server, succeeded:)`, or at once as
    /// `.tlsProbeNotStarted(server)`. Nothing waits on it.
    case probeTLS(server: ServerAddress, tlsPort: UInt16)
}

/// The actions of one event, in a fixed ring reserved at start: the
/// descriptors and the bytes of the messages they carry. Its size bounds
/// what one event may produce; an answer that does not fit waits in the
/// core for the next `.drained` event. Message bytes stay valid until
/// `removeAll`.
public struct ActionRing: ~Copyable {
    /// Actions of one event: a task's sends (at most
    /// `ResolverCore.iterateStepsMax` per step, a few steps as sub-tasks
    /// end), cancels, and the answers that fit.
    public static let actionCountMax = 256
    /// Message bytes: one largest answer (a TCP client's 64 KiB) plus room
    /// kept for sends (`sendReserveByteCount`).
    public static let byteCountMax = Limits.messageByteCountMax + sendReserveByteCount
    /// Bytes answers leave free for the sends of the same event (~50 queries).
    public static let sendReserveByteCount = 16_384

    enum Record {
        case send(QueryRef, ServerAddress, SmallKind, offset: Int, count: Int)
        case cancel(QueryRef)
        case answer(client: Int, offset: Int, count: Int)
        case probe(ServerAddress, tlsPort: UInt16)
        /// A `.tlsNamed` send: the name's wire bytes at `nameOffset`, then
        /// the message (the name stays out of every record's size).
        case sendNamed(QueryRef, ServerAddress, profile: Int32, nameOffset: Int, daneOffset: Int, offset: Int, count: Int)
    }

    /// A transport without a name or DANE records (those travel in the
    /// message bytes, `.sendNamed`): keeps every record small.
    enum SmallKind {
        case udp, tcp
        case tls(Int32)
        init(_ kind: TransportKind) {
            switch kind {
            case .udp: self = .udp
            case .tcp: self = .tcp
            case .tls(let p), .tlsNamed(let p, _), .tlsDANE(let p, _, _): self = .tls(p)
            }
        }
        var transport: TransportKind {
            switch self {
            case .udp: return .udp
            case .tcp: return .tcp
            case .tls(let p): return .tls(profile: p)
            }
        }
    }

    let records: UnsafeMutablePointer<Record>
    let bytes: UnsafeMutableRawBufferPointer
    public private(set) var count = 0
    var byteCount = 0
    /// Sends refused for want of room (a fault of the sizes above): the
    /// core treats each as a failed send.
    public private(set) var overflowCount = 0

    /// Keeps both carvings alive.
    let arena: Arena

    public init(arena: Arena) {
        self.arena = arena
        records = arena.reserve(Record.self, count: ActionRing.actionCountMax, label: ActionRing.label).baseAddress!
        records.initialize(repeating: .cancel(QueryRef(slot: -1, serial: 0)), count: ActionRing.actionCountMax)
        bytes = arena.reserveBytes(ActionRing.byteCountMax, label: ActionRing.label, count: ActionRing.actionCountMax)
    }

    static let label = "action ring (actions, message bytes)"

    /// The plan's row: what `init` carves.
    public static var footprint: Arena.Row {
        Arena.Row(label, count: actionCountMax,
                  byteCount: Arena.carvingByteCount(of: Record.self, count: actionCountMax)
                      + Arena.carvingByteCount(byteCountMax))
    }

    public subscript(index: Int) -> Action {
        precondition(index >= 0 && index < count)
        switch records[index] {
        case .send(let ref, let server, let kind, let offset, let n):
            return .send(ref, server: server, transport: kind.transport, message: message(offset, n))
        case .cancel(let ref):
            return .cancel(ref)
        case .answer(let client, let offset, let n):
            return .answer(client: client, message: message(offset, n))
        case .probe(let server, let port):
            return .probeTLS(server: server, tlsPort: port)
        case .sendNamed(let ref, let server, let profile, let nameOffset, let daneOffset, let offset, let n):
            // Written by appendSend from a valid Name and DANE set: both parse again.
            guard let name = try? Name(wire: message(nameOffset, daneOffset - nameOffset)) else {
                preconditionFailure("action ring: a send's name does not parse")
            }
            guard daneOffset < offset else {
                return .send(ref, server: server, transport: .tlsNamed(profile: profile, name: name), message: message(offset, n))
            }
            guard let dane = DANEAssociations(packed: message(daneOffset, offset - daneOffset)) else {
                preconditionFailure("action ring: a send's DANE records do not parse")
            }
            return .send(ref, server: server, transport: .tlsDANE(profile: profile, name: name, dane: dane),
                         message: message(offset, n))
        }
    }

    func message(_ offset: Int, _ n: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }

    /// The server carried every action out.
    public mutating func removeAll() {
        count = 0
        byteCount = 0
    }

    public var isEmpty: Bool { count == 0 }

    /// Free message bytes.
    var freeByteCount: Int { ActionRing.byteCountMax - byteCount }

    /// Whether an answer of up to `byteCount` bytes fits and leaves room
    /// for the sends of this event.
    func hasRoom(forAnswerOf byteCount: Int) -> Bool {
        count + 1 < ActionRing.actionCountMax
            && freeByteCount - byteCount >= ActionRing.sendReserveByteCount
    }

    /// Copies `message` in; nil when there is no room.
    mutating func copy(_ message: UnsafeRawBufferPointer) -> Int? {
        guard count < ActionRing.actionCountMax, message.count <= freeByteCount else { return nil }
        let offset = byteCount
        if message.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: bytes[offset..<(offset + message.count)]).copyMemory(from: message)
        }
        byteCount += message.count
        return offset
    }

    mutating func appendSend(_ ref: QueryRef, to server: ServerAddress, over transport: TransportKind,
                             _ message: UnsafeRawBufferPointer) -> Bool {
        if case .tlsNamed(let profile, let name) = transport {
            return appendNamedSend(ref, to: server, profile: profile, name: name, dane: nil, message)
        }
        if case .tlsDANE(let profile, let name, let dane) = transport {
            return appendNamedSend(ref, to: server, profile: profile, name: name, dane: dane, message)
        }
        guard let offset = copy(message) else {
            overflowCount += 1
            return false
        }
        records[count] = .send(ref, server, SmallKind(transport), offset: offset, count: message.count)
        count += 1
        return true
    }

    mutating func appendNamedSend(_ ref: QueryRef, to server: ServerAddress, profile: Int32, name: Name,
                                  dane: DANEAssociations?, _ message: UnsafeRawBufferPointer) -> Bool {
        let daneByteCount = dane?.byteCount ?? 0
        guard name.byteCount + daneByteCount + message.count <= freeByteCount,
              let nameOffset = name.withUnsafeBytes({ copy($0) }),
              let daneOffset = dane.map({ d in d.withUnsafeBytes { copy($0) } }) ?? .some(byteCount),
              let offset = copy(message) else {
            overflowCount += 1
            return false
        }
        records[count] = .sendNamed(ref, server, profile: profile, nameOffset: nameOffset, daneOffset: daneOffset,
                                    offset: offset, count: message.count)
        count += 1
        return true
    }

    /// A probe carries no bytes; false (the caller forgets the probe, and
    /// a later query tries again) when the ring has no descriptor free.
    mutating func appendProbe(_ server: ServerAddress, tlsPort: UInt16) -> Bool {
        guard count < ActionRing.actionCountMax else { return false }
        records[count] = .probe(server, tlsPort: tlsPort)
        count += 1
        return true
    }

    mutating func appendCancel(_ ref: QueryRef) {
        // Cancels carry no bytes; the count reserves room for them.
        precondition(count < ActionRing.actionCountMax, "action ring full")
        records[count] = .cancel(ref)
        count += 1
    }

    mutating func appendAnswer(client: Int, _ message: UnsafeRawBufferPointer) -> Bool {
        guard let offset = copy(message) else { return false }
        records[count] = .answer(client: client, offset: offset, count: message.count)
        count += 1
        return true
    }
}

/// Unpredictable bits for query IDs and 0x20 (RFC 5452 §9.2), supplied by
/// the server from the kernel (getrandom) before each event: the core reads
/// no device. A fixed pool; one event uses a few words.
public struct EntropyPool {
    /// Words one event may use: a query ID per send, 0x20 bits per name.
    public static let wordCountMax = 64
    var words = InlineArray<64, UInt64>(repeating: 0)
    var available = 0
    /// Words asked for when the pool was empty (a fault of the size above).
    public private(set) var exhaustedCount = 0
    var fallback: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init() {}

    /// How many words the pool can take now.
    public var room: Int { EntropyPool.wordCountMax - available }

    /// Adds kernel randomness.
    public mutating func add(_ word: UInt64) {
        guard available < EntropyPool.wordCountMax else { return }
        words[available] = word
        available += 1
    }

    mutating func next() -> UInt64 {
        if available > 0 {
            available -= 1
            fallback ^= words[available]
            return words[available]
        }
        // Never expected (the server refills before each event): counted,
        // and the last words mixed (SplitMix64) so IDs still vary.
        exhaustedCount += 1
        fallback &+= 0x9E37_79B9_7F4A_7C15
        var z = fallback
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
