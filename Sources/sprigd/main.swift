// Host entry point. The router build links Board/main.c instead, which
// calls the same `sprigd_entry`.
// Under some LD_PRELOAD shims — libfaketime, which test beds use to replay
// old signatures (Tests/Integration/tests_router_policies.py) — the Swift
// runtime's CommandLine comes up empty; the kernel's copy of the arguments
// (/proc/self/cmdline) is read instead, rather than run without `-c`.
import Platform

let status: Int32
if CommandLine.argc > 0 {
    status = sprigdMain(CommandLine.argc, CommandLine.unsafeArgv)
} else {
    let bytes = (try? File.readAll("/proc/self/cmdline", limit: 1 << 16)) ?? []
    let words = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    // The text ends with a NUL: drop the program name and that last empty piece.
    status = Daemon.run(arguments: Array(words.dropFirst().dropLast(bytes.last == 0 ? 1 : 0)))
}
Process.exit(status)
