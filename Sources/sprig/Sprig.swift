// sprig: the operator CLI (check-config, stats, …).
// Never: runs the resolver; it reads files, talks to sprigd's control socket,
// and (ds-check only) asks authoritative servers directly with a blocking client.
import Platform

@_cdecl("sprig_entry")
public func sprigMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var args: [String] = []
    for i in 1..<Int(max(argc, 1)) {
        if let p = argv[i] { args.append(String(cString: p)) }
    }
    return CLI.run(arguments: args)
}

enum CLI {
    static let usage = """
        usage: sprig COMMAND
          check-config FILE   validate a UCI config; print errors (exit 1) or the effective config
          stats [--json] [-c CONFIG | -s SOCKET]
                              print the running sprigd's counters (--json: one JSON object)
          clock-synced [-c CONFIG | -s SOCKET]
                              tell sprigd that NTP has synced (DNSSEC dates trusted)
          hints status [-c CONFIG | -s SOCKET]
                              the in-tree hints: in use or disabled, servers, _in-tree expiry
          flush [NAME] [-c CONFIG | -s SOCKET]
                              drop the whole cache, or NAME and every name below it (root only)
          dump-cache [NAME] [-c CONFIG | -s SOCKET]
                              the cached RRsets (of NAME and below) in zone-file form
                              (first 60,000 bytes)
          anchors show [-c CONFIG | -s SOCKET]
                              DNSSEC trust points, RFC 5011 key states and timers
          leases [-c CONFIG | -s SOCKET]
                              the LAN names table (hosts and lease files)
          ds-check [--json] [-c CONFIG] DOMAIN
                              would a parent accept DOMAIN's CDS/CDNSKEY (RFC 7344,
                              RFC 8078, draft-ietf-dnsop-ds-automation-04 §2)? Asks every
                              authoritative server (found from the config's root hints)
                              over the config's auth_transport (plain, or DoT);
                              one PASS/WARN/FAIL/SKIP line per check (--json: one JSON
                              array, an object per check); exit 1 on a FAIL

        """

    static func run(arguments: [String]) -> Int32 {
        guard let command = arguments.first else { Output.err(usage); return 2 }
        let rest = Array(arguments.dropFirst())
        if matches(command, "check-config") { return CheckConfig.run(arguments: rest) }
        if matches(command, "stats") { return StatsCommand.run(arguments: rest) }
        if matches(command, "clock-synced") { return StatsCommand.clockSynced(arguments: rest) }
        if matches(command, "hints"), let sub = rest.first, matches(sub, "status") {
            return StatsCommand.hintsStatus(arguments: Array(rest.dropFirst()))
        }
        if matches(command, "flush") { return StatsCommand.flush(arguments: rest) }
        if matches(command, "dump-cache") { return StatsCommand.flush(arguments: rest, command: "dump-cache") }
        if matches(command, "anchors"), let sub = rest.first, matches(sub, "show") {
            return StatsCommand.send("anchors\n", arguments: Array(rest.dropFirst()))
        }
        if matches(command, "leases") { return StatsCommand.send("leases\n", arguments: rest) }
        if matches(command, "ds-check") { return DSCheck.run(arguments: rest) }
        if matches(command, "-h") || matches(command, "--help") || matches(command, "help") {
            Output.out(usage)
            return 0
        }
        Output.err("sprig: unknown command '\(command)'\n" + usage)
        return 2
    }
}
