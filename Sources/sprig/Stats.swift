// Commands to the running sprigd over its control socket:
//   `sprig stats [-c FILE | -s SOCKET]`: the counters, one `name value` a line;
//   `sprig clock-synced [-c FILE | -s SOCKET]`: NTP has synced (for an ntpd
//   hotplug script): DNSSEC signature dates are checked from then on;
//   `sprig hints status [-c FILE | -s SOCKET]`: the in-tree hints.
import Config
import Platform

enum StatsCommand {
    static let usage = "usage: sprig stats|clock-synced [-c CONFIG | -s SOCKET]\n"
    /// Longest reply accepted; the daemon's reply is a few KiB.
    static let replyByteCountMax = 65_536
    /// How long to wait for the daemon (it answers within one loop turn).
    static let replyTimeoutMs: Int32 = 2_000

    static func run(arguments: [String]) -> Int32 {
        send("stats\n", arguments: arguments)
    }

    static func clockSynced(arguments: [String]) -> Int32 {
        send("clock-synced\n", arguments: arguments)
    }

    /// `sprig hints status`: one line per in-tree hint (Resolver's
    /// `inTreeHintStatusLines`).
    static func hintsStatus(arguments: [String]) -> Int32 {
        send("hints\n", arguments: arguments)
    }

    /// Sends one command line and prints the daemon's reply.
    static func send(_ line: StaticString, arguments: [String]) -> Int32 {
        guard let path = socketPath(arguments) else { Output.err(usage); return 2 }
        let fd: Int32
        do throws(Errno) { fd = try Socket.unixConnect(path: path) } catch {
            Output.err("sprig: cannot reach sprigd at \(path): \(error.message) (is it running?)\n")
            return 1
        }
        defer { Socket.close(fd) }
        let request = Array(UnsafeBufferPointer(start: line.utf8Start, count: line.utf8CodeUnitCount))
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
        Output.out(String(decoding: reply[0..<count], as: UTF8.self))
        return 0
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
              case .success(let config) = SprigConfig.load(text: text, fileName: configPath) else {
            return SprigConfig().controlSocketPath.string
        }
        return config.controlSocketPath.string
    }
}
