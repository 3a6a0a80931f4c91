// Host entry point. The router build links Board/main.c instead, which
// calls the same `sprigd_entry`.
import Platform

let status = sprigdMain(CommandLine.argc, CommandLine.unsafeArgv)
Process.exit(status)
