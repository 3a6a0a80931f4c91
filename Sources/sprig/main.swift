// Host entry point of the operator CLI; the router build links Board/main.c.
import Platform

let status = sprigMain(CommandLine.argc, CommandLine.unsafeArgv)
Process.exit(status)
