import DNSWire
import Platform

/// The local control socket: `sprig` connects, sends one command line, and
/// reads the reply until the daemon closes. One client at a time, read
/// through the event loop like any socket (never a blocking wait); an idle
/// client is dropped after `clientIdleMsMax`, a second client while one is
/// served is closed at once. The control path may allocate (it is not a
/// query path).
///
/// Who may use it (ControlAccess): root, or the members of `control_group`.
/// The socket is born mode 0600 and owned by root (sprigd opens it before
/// dropping privileges), or root:group 0660 with a control_group, so only
/// they can connect; every command also checks the peer's credentials
/// (SO_PEERCRED, SO_PEERGROUPS) and anyone else gets
/// `error: … needs root …` even if the socket's mode was widened by hand.
struct ControlChannel {
    let listener: Int32
    let path: String
    let access: ControlAccess
    var client: Int32 = -1
    /// Judged once, at accept, from the credentials of the peer's connect.
    var clientAllowed = false
    var clientSinceMs: Int64 = 0
    var request: [UInt8] = []

    /// Longest command line accepted: a command and a domain name in
    /// presentation form (≤ 255 bytes in wire form, escapes make it longer).
    static let commandByteCountMax = 1_100
    /// A client that has not sent its line by then is disconnected.
    static let clientIdleMsMax: Int64 = 2_000
    /// Write attempts for a reply. Replies are bounded (`replyByteCountMax`)
    /// so the socket buffer takes one at once; a client that does not read
    /// gets a cut reply and the loop is not held.
    static let replyWriteAttemptsMax = 16
    /// Largest reply (`dump-cache` and `leases` stop short of it and say
    /// how much they left out); `sprig` reads up to the same.
    static let replyByteCountMax = 60_000

    init(listener: Int32, path: String, access: ControlAccess) {
        self.listener = listener
        self.path = path
        self.access = access
    }

    mutating func accept(epoll: borrowing Epoll, nowMs: Int64) {
        var peer = Address()
        guard let fd = try? Socket.accept(listener, peer: &peer) else { return }
        if client >= 0 { Socket.close(fd); return }   // busy: one at a time
        guard (try? epoll.add(fd, .readable, token: Token(.controlClient, 0).raw)) != nil else {
            Socket.close(fd)
            return
        }
        client = fd
        // Unreadable credentials, or supplementary groups past the bound
        // (SP_PEER_GROUPS_MAX): refused, never let in on a guess.
        if let ids = try? Socket.peerIDs(fd) {
            clientAllowed = access.allows(uid: ids.uid, gid: ids.gid) { gid in
                (try? Socket.peerHasGroup(fd, gid)) ?? false
            }
        } else {
            clientAllowed = false
        }
        clientSinceMs = nowMs
        request = []
    }

    /// Reads what the client sent. Returns its command once the line is
    /// complete and allowed (the caller answers with `finish`); answers
    /// errors itself.
    mutating func readable(epoll: borrowing Epoll) -> ControlCommand? {
        guard client >= 0 else { return nil }
        var chunk = [UInt8](repeating: 0, count: ControlChannel.commandByteCountMax)
        let n = chunk.withUnsafeMutableBytes { b in (try? Socket.read(client, into: b)) ?? -1 }
        if n <= 0 { close(epoll: epoll); return nil }
        request.append(contentsOf: chunk[0..<n])
        guard let newline = request.firstIndex(of: 10) else {
            if request.count >= ControlChannel.commandByteCountMax { finish("error: command too long\n", epoll: epoll) }
            return nil
        }
        switch ControlCommand.parse(Array(request[0..<newline])) {
        case .failure(let problem):
            finish("error: " + problem.message + "\n", epoll: epoll)
            return nil
        case .success(let command):
            if !clientAllowed {
                finish(access.refusal(command.word), epoll: epoll)
                return nil
            }
            return command
        }
    }

    /// Drops a client that connected but never finished its command line.
    mutating func expire(epoll: borrowing Epoll, nowMs: Int64) {
        if client >= 0 && nowMs - clientSinceMs > ControlChannel.clientIdleMsMax { close(epoll: epoll) }
    }

    mutating func finish(_ reply: String, epoll: borrowing Epoll) {
        guard client >= 0 else { return }
        var r = reply
        let fd = client
        r.withUTF8 { bytes in
            var done = 0
            for _ in 0..<ControlChannel.replyWriteAttemptsMax where done < bytes.count {
                guard let n = try? Socket.write(fd, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[done...])))
                else { break }   // would block or failed: the reply is cut short, the loop is not held
                done += n
            }
        }
        close(epoll: epoll)
    }

    mutating func close(epoll: borrowing Epoll) {
        guard client >= 0 else { return }
        epoll.remove(client)
        Socket.close(client)
        client = -1
        clientAllowed = false
        request = []
    }
}

/// A command line from `sprig`, parsed (ASCII words; one name argument).
enum ControlCommand: Equatable {
    case stats
    case hints
    case ping
    case clockSynced
    /// The whole cache (nil), or a name and everything below it.
    case flush(Name?)
    /// The whole cache (nil), or a name and everything below it.
    case dumpCache(Name?)
    case anchors
    case leases

    var word: String {
        switch self {
        case .stats: "stats"
        case .hints: "hints"
        case .ping: "ping"
        case .clockSynced: "clock-synced"
        case .flush: "flush"
        case .dumpCache: "dump-cache"
        case .anchors: "anchors"
        case .leases: "leases"
        }
    }

    static func parse(_ line: [UInt8]) -> Result<ControlCommand, ControlParseError> {
        var words = line.split(separator: 0x20, omittingEmptySubsequences: true).map { Array($0) }
        if let last = words.last, last.last == 0x0D { words[words.count - 1] = Array(last.dropLast()) }
        guard let first = words.first, words.count <= 2 else {
            return .failure(ControlParseError(words.isEmpty ? "empty command" : "too many arguments"))
        }
        let plain: [ControlCommand] = [.stats, .hints, .ping, .clockSynced, .anchors, .leases]
        for command in plain where first == Array(command.word.utf8) {
            guard words.count == 1 else { return .failure(ControlParseError(command.word + " takes no argument")) }
            return .success(command)
        }
        let isFlush = first == Array("flush".utf8)
        guard isFlush || first == Array("dump-cache".utf8) else { return .failure(ControlParseError("unknown command")) }
        var name: Name? = nil
        if words.count == 2 {
            do throws(PresentationError) { name = try Name(parsingBytes: words[1]).lowercased() } catch {
                return .failure(ControlParseError((isFlush ? "flush" : "dump-cache") + ": not a domain name"))
            }
        }
        return .success(isFlush ? .flush(name) : .dumpCache(name))
    }
}

/// Why a command line was refused (no Equatable: comparing Strings needs
/// Unicode tables the MIPS build lacks).
struct ControlParseError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
