// ControlCommands: what each control-socket command (Control.swift) does
// and replies. Runs between events of the loop, never while a query is
// half handled; replies are text, bounded by `ControlChannel.replyByteCountMax`.
// Never: reads the socket (ControlChannel does), or lets a reply grow past
// the bound: long listings stop and say how much they left out.
import DNSWire
import Platform
import Resolver

extension EventLoop {
    func controlReply(_ command: ControlCommand) -> String {
        switch command {
        case .stats:
            var out = ""
            for (name, value) in statsLines() { out += name + " " + String(value) + "\n" }
            return out
        case .hints:
            let lines = resolver.inTreeHintStatusLines()
            return lines.isEmpty ? "no in-tree hints configured\n" : EventLoop.bounded(lines, what: "hints")
        case .ping:
            return "pong\n"
        case .clockSynced:
            noteClockSynced(byCommand: true)
            return "ok\n"
        case .flush(let name):
            let removed = resolver.flushCache(below: name)
            Log.notice("control: flushed \(removed) cache entries" + (name.map { " at and below \($0.text)" } ?? ""))
            return "flushed " + String(removed) + " entries\n"
        case .dumpCache(let name):
            let room = ControlChannel.replyByteCountMax - 100
            let dump = resolver.cacheDump(below: name, nowMs: Clock.monotonicMs(), byteCountMax: room)
            return dump.text + "; " + String(dump.shown) + " of " + String(dump.total) + " entries shown"
                + (dump.shown < dump.total ? " (reply limit " + String(ControlChannel.replyByteCountMax) + " bytes)" : "")
                + "\n"
        case .anchors:
            return EventLoop.bounded(resolver.anchorStatusLines(nowMs: Clock.monotonicMs(),
                                                                wallSeconds: Clock.realtimeSeconds()), what: "lines")
        case .leases:
            var header: [String] = ["; " + String(resolver.localNameCount) + " of " + String(resolver.localNameCapacity)
                                    + " names (local_names_max)"]
            for source in localFiles.sources {
                header.append("; " + source.path + ": " + (source.stamp == nil ? "missing or unreadable" : "read"))
            }
            if localFiles.sources.isEmpty { header.append("; no hosts_file or lease_file configured") }
            return EventLoop.bounded(header + resolver.localNameLines(), what: "names")
        }
    }

    /// `lines`, one a line, cut before the reply limit with a last line
    /// that says how many were left out.
    static func bounded(_ lines: [String], what: String) -> String {
        var out = ""
        let room = ControlChannel.replyByteCountMax - 100
        for (i, line) in lines.enumerated() {
            if out.utf8.count + line.utf8.count + 1 > room {
                return out + "; " + String(lines.count - i) + " more " + what + " left out (reply limit "
                    + String(ControlChannel.replyByteCountMax) + " bytes)\n"
            }
            out += line + "\n"
        }
        return out
    }
}
