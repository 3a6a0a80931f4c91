import Platform

/// The local control socket: `sprig stats` connects, sends one command line,
/// and reads the reply until the daemon closes. One client at a time, read
/// through the event loop like any socket (never a blocking wait); an idle
/// client is dropped after `clientIdleMsMax`. The control path may allocate
/// (it is not a query path).
struct ControlChannel {
    let listener: Int32
    let path: String
    var client: Int32 = -1
    var clientSinceMs: Int64 = 0
    var request: [UInt8] = []
    /// Set by a `clock-synced` command; the loop acts on it and clears it.
    var clockSyncRequested = false

    /// Longest command line accepted.
    static let commandByteCountMax = 256
    /// A client that has not sent its line by then is disconnected.
    static let clientIdleMsMax: Int64 = 2_000
    /// Write attempts for a reply (a few KiB; the socket buffer takes it at once).
    static let replyWriteAttemptsMax = 16

    init(listener: Int32, path: String) {
        self.listener = listener
        self.path = path
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
        clientSinceMs = nowMs
        request = []
    }

    mutating func readable(epoll: borrowing Epoll, text: () -> [(String, Int)], hints: () -> [String]) {
        guard client >= 0 else { return }
        var chunk = [UInt8](repeating: 0, count: ControlChannel.commandByteCountMax)
        let n = chunk.withUnsafeMutableBytes { b in (try? Socket.read(client, into: b)) ?? -1 }
        if n <= 0 { return close(epoll: epoll) }
        request.append(contentsOf: chunk[0..<n])
        guard let newline = request.firstIndex(of: 10) else {
            if request.count >= ControlChannel.commandByteCountMax { finish("error: command too long\n", epoll: epoll) }
            return
        }
        let command = Array(request[0..<newline])
        if command == Array("stats".utf8) {
            var out = ""
            for (name, value) in text() { out += name + " " + String(value) + "\n" }
            finish(out, epoll: epoll)
        } else if command == Array("hints".utf8) {
            // `sprig hints status`: one line per in-tree hint.
            let lines = hints()
            var out = lines.isEmpty ? "no in-tree hints configured\n" : ""
            for line in lines { out += line + "\n" }
            finish(out, epoll: epoll)
        } else if command == Array("ping".utf8) {
            finish("pong\n", epoll: epoll)
        } else if command == Array("clock-synced".utf8) {
            clockSyncRequested = true
            finish("ok\n", epoll: epoll)
        } else {
            finish("error: unknown command\n", epoll: epoll)
        }
    }

    /// Drops a client that connected but never finished its command line.
    mutating func expire(epoll: borrowing Epoll, nowMs: Int64) {
        if client >= 0 && nowMs - clientSinceMs > ControlChannel.clientIdleMsMax { close(epoll: epoll) }
    }

    mutating func finish(_ reply: String, epoll: borrowing Epoll) {
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
        request = []
    }
}
