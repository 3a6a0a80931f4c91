// Commands to the running sprigd over its control socket:
//   `sprig stats [--json] [-c FILE | -s SOCKET]`: the counters, one `name
//   value` a line, or one JSON object (`{"cache.hits": 12, ...}`) for LuCI
//   or any web UI;
//   `sprig clock-synced [-c FILE | -s SOCKET]`: NTP has synced (for an ntpd
//   hotplug script): DNSSEC signature dates are checked from then on;
//   `sprig hints status [-c FILE | -s SOCKET]`: the in-tree hints;
//   `sprig flush [NAME]`, `sprig dump-cache`, `sprig anchors show`,
//   `sprig leases` (same options): the operator's tools (issue 17 item 7).
// A reply that starts with `error:` goes to stderr, exit 1.
import Config
import Platform

enum StatsCommand {
    static let usage = "usage: sprig stats [--json] | clock-synced | hints status | flush [NAME] | dump-cache | "
        + "anchors show | leases  [-c CONFIG | -s SOCKET]\n"
    /// Longest reply accepted: the daemon bounds its replies to 60,000
    /// bytes (`ControlChannel.replyByteCountMax`).
    static let replyByteCountMax = 65_536
    /// How long to wait for the daemon (it answers within one loop turn).
    static let replyTimeoutMs: Int32 = 2_000

    static func run(arguments: [String]) -> Int32 {
        let json = arguments.contains { matches($0, "--json") }
        return send("stats\n", arguments: arguments.filter { !matches($0, "--json") }, json: json)
    }

    static func clockSynced(arguments: [String]) -> Int32 {
        send("clock-synced\n", arguments: arguments)
    }

    /// `sprig hints status`: one line per in-tree hint (Resolver's
    /// `inTreeHintStatusLines`).
    static func hintsStatus(arguments: [String]) -> Int32 {
        send("hints\n", arguments: arguments)
    }

    /// `sprig flush [NAME]` / `sprig dump-cache [NAME]`: the whole cache,
    /// or NAME and every name below it.
    static func flush(arguments: [String], command: String = "flush") -> Int32 {
        var rest = arguments
        var line = command
        if let first = rest.first, first.utf8.first != 0x2D {
            // One word, no control bytes: the daemon parses it as a domain name.
            guard first.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }), first.utf8.count <= 1_000 else {
                Output.err("sprig \(command): '\(first)' is not a domain name\n")
                return 2
            }
            line += " " + first
            rest.removeFirst()
        }
        return send(line + "\n", arguments: rest)
    }

    static func send(_ line: StaticString, arguments: [String], json: Bool = false) -> Int32 {
        send(String(decoding: UnsafeBufferPointer(start: line.utf8Start, count: line.utf8CodeUnitCount), as: UTF8.self),
             arguments: arguments, json: json)
    }

    /// Sends one command line and prints the daemon's reply.
    static func send(_ line: String, arguments: [String], json: Bool = false) -> Int32 {
        guard let path = socketPath(arguments) else { Output.err(usage); return 2 }
        let fd: Int32
        do throws(Errno) { fd = try Socket.unixConnect(path: path) } catch {
            let hint = error.kind == .accessDenied
                ? "only root and the members of option control_group may use it" : "is it running?"
            Output.err("sprig: cannot reach sprigd at \(path): \(error.message) (\(hint))\n")
            return 1
        }
        defer { Socket.close(fd) }
        let request = Array(line.utf8)
        let sent = request.withUnsafeBytes { try? Socket.write(fd, $0) }
        guard sent == request.count else { Output.err("sprig: cannot send to sprigd\n"); return 1 }
        var reply = [UInt8](repeating: 0, count: replyByteCountMax)
        var count = 0
        while count < reply.count {
            guard (try? Socket.waitReadable(fd, timeoutMs: replyTimeoutMs)) == true else {
                Output.err("sprig: sprigd did not answer within \(replyTimeoutMs) ms\n")
                return 1
            }
            let n = reply.withUnsafeMutableBytes { b in
                (try? Socket.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: b[count...]))) ?? -1
            }
            if n <= 0 { break }
            count += n
        }
        let text = String(decoding: reply[0..<count], as: UTF8.self)
        if reply[0..<count].starts(with: Array("error:".utf8)) {
            Output.err("sprig: sprigd says " + text)
            return 1
        }
        Output.out(json ? jsonObject(Array(reply[0..<count])) : text)
        return 0
    }

    /// `name value` lines as one JSON object (RFC 8259): names are the
    /// daemon's ASCII counter names (quotes and backslashes escaped
    /// anyway), values integers; a line that is not `name integer` is left out.
    static func jsonObject(_ reply: [UInt8]) -> String {
        var out: [UInt8] = Array("{".utf8)
        var first = true
        var start = 0
        while start < reply.count {
            var end = start
            while end < reply.count && reply[end] != 0x0A { end += 1 }
            let line = reply[start..<end]
            start = end + 1
            guard let space = line.firstIndex(of: 0x20), space > line.startIndex else { continue }
            let name = line[line.startIndex..<space]
            var value = line[(space + 1)...]
            while let last = value.last, last == 0x20 || last == 0x0D { value = value.dropLast() }
            let digits = value.first == 0x2D ? value.dropFirst() : value[...]
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { continue }
            if !first { out.append(0x2C) }
            first = false
            out.append(0x22)
            for c in name {
                if c == 0x22 || c == 0x5C { out.append(0x5C) }
                out.append(c < 0x20 ? 0x3F : c)
            }
            out += [0x22, 0x3A]
            out += value
        }
        out += Array("}\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// `-s PATH`, or the control_socket of the config given with `-c`, or
    /// the default config's.
    static func socketPath(_ arguments: [String]) -> String? {
        if arguments.count == 2 && matches(arguments[0], "-s") { return arguments[1] }
        var configPath = "/etc/config/sprig"
        if arguments.count == 2 && matches(arguments[0], "-c") {
            configPath = arguments[1]
        } else if !arguments.isEmpty {
            return nil
        }
        guard let text = try? File.readAll(configPath, limit: ConfigLimits.maxFileByteCount),
              case .success(let config) = SprigConfig.load(text: text, fileName: configPath,
                                                            groupID: { try? Process.lookUpGroup($0) }) else {
            return SprigConfig().controlSocketPath.string
        }
        return config.controlSocketPath.string
    }
}
