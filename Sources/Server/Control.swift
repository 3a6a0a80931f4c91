import Platform

/// The local control socket: `sprig stats` connects, sends one command line,
/// and reads the reply until the daemon closes. One client at a time; the
/// control path may allocate (it is not a query path).
struct ControlChannel {
    let listener: Int32
    let path: String
    var client: Int32 = -1
    var request: [UInt8] = []
    /// Set by a `clock-synced` command; the loop acts on it and clears it.
    var clockSyncRequested = false

    /// Longest command line accepted.
    static let commandByteCountMax = 256

    init(listener: Int32, path: String) {
        self.listener = listener
        self.path = path
    }

    mutating func ready(_ kind: TokenKind, text: () -> [(String, Int)]) {
        if kind == .controlListener {
            var peer = Address()
            guard let fd = try? Socket.accept(listener, peer: &peer) else { return }
            if client >= 0 { Socket.close(fd); return }   // busy: one at a time
            client = fd
            request = []
            _ = readCommand(text: text)
            if client >= 0 {
                // Wait for the rest of the command line on the same epoll? Keep
                // it simple: the CLI writes its line before we accept, almost
                // always; give it one more short wait.
                if (try? Socket.waitReadable(client, timeoutMs: 200)) == true { _ = readCommand(text: text) }
                if client >= 0 { finish("error: incomplete command\n") }
            }
        }
    }

    mutating func readCommand(text: () -> [(String, Int)]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: ControlChannel.commandByteCountMax)
        let n = chunk.withUnsafeMutableBytes { b in (try? Socket.read(client, into: b)) ?? -1 }
        if n <= 0 { return false }
        request.append(contentsOf: chunk[0..<n])
        guard let newline = request.firstIndex(of: 10) else {
            if request.count >= ControlChannel.commandByteCountMax { finish("error: command too long\n") }
            return false
        }
        let command = Array(request[0..<newline])
        if command == Array("stats".utf8) {
            var out = ""
            for (name, value) in text() { out += name + " " + String(value) + "\n" }
            finish(out)
        } else if command == Array("ping".utf8) {
            finish("pong\n")
        } else if command == Array("clock-synced".utf8) {
            clockSyncRequested = true
            finish("ok\n")
        } else {
            finish("error: unknown command\n")
        }
        return true
    }

    mutating func finish(_ reply: String) {
        var r = reply
        r.withUTF8 { bytes in
            var done = 0
            for _ in 0..<64 where done < bytes.count {   // bounded: a few KiB
                guard let n = try? Socket.write(client, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[done...]))) else {
                    _ = try? Socket.waitReadable(client, timeoutMs: 10)
                    continue
                }
                done += n
            }
        }
        Socket.close(client)
        client = -1
    }
}
