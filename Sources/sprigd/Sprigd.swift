// sprigd: the daemon. Owns main: arguments, config load, the event loop's
// lifetime and signals (HUP reload, TERM clean exit, USR1 stats).
// Never: parses DNS or makes resolution decisions itself.
import Platform

/// Arguments as the C runtime passes them.
public typealias Argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

@_cdecl("sprigd_entry")
public func sprigdMain(_ argc: Int32, _ argv: Argv) -> Int32 {
    var args: [String] = []
    for i in 1..<Int(max(argc, 1)) {
        if let p = argv[i] { args.append(String(cString: p)) }
    }
    return Daemon.run(arguments: args)
}

enum Daemon {
    static let usage = """
        usage: sprigd [-c FILE] [-d] [--print-footprint]
          -c FILE             UCI config (default /etc/config/sprig)
          -d                  detach from the terminal (procd runs sprigd in the foreground)
          --print-footprint   print each memory pool's bytes and exit

        """

    static func run(arguments: [String]) -> Int32 {
        var index = 0
        var daemonize = false
        while index < arguments.count {
            switch arguments[index] {
            case "-c":
                index += 1
                if index >= arguments.count { Output.err(usage); return 2 }
            case "-d": daemonize = true
            case "-h", "--help": Output.out(usage); return 0
            case "--print-footprint": break
            default:
                Output.err("sprigd: unknown argument '\(arguments[index])'\n" + usage)
                return 2
            }
            index += 1
        }
        Log.open(ident: "sprigd", syslog: daemonize)
        return serve(daemonize: daemonize)
    }

    /// The event loop: signals only, until the query path lands.
    static func serve(daemonize: Bool) -> Int32 {
        do throws(Errno) {
            let signals = try SignalQueue()
            let epoll = try Epoll()
            if daemonize { try Process.daemonize() }
            try epoll.add(signals.fd, .readable, token: 0)
            let events = UnsafeMutableBufferPointer<EpollEvent>.allocate(capacity: Epoll.batchCapacity)
            defer { events.deallocate() }
            Log.notice("started")
            while true {   // the event loop: ends only on TERM/INT
                let n = try epoll.wait(into: events, timeoutMs: 1000)
                for _ in 0..<n {
                    while let signal = signals.next() {
                        switch signal {
                        case .terminate, .interrupt:
                            Log.notice("stopping")
                            return 0
                        case .hangUp, .user1, .user2:
                            break
                        }
                    }
                }
            }
        } catch {
            Log.error("fatal: \(error.message)")
            return 1
        }
    }
}
