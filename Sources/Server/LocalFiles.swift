import DNSWire
import Fixed
import LocalData
import Platform
import Resolver

/// The household's names from files (`list hosts_file`, `list lease_file`),
/// looked at every `intervalMs`: when any file's stamp (mtime, size,
/// inode) changed, or it appeared or went away, the whole names table is
/// rebuilt from every file (LocalNames), with no restart. A file that is
/// missing, unreadable or larger than the buffer contributes nothing (never
/// a stale copy); bad lines are logged with file:line when the file is
/// read, at most `problemsLoggedPerFile` of them, then a count; a file
/// that does not change is not read or logged again.
/// Produces: the core's names table, log lines.
struct LocalFiles {
    struct Source {
        var path: String
        var format: LocalNameText.Format
        /// nil: missing or unreadable when last looked at.
        var stamp: FileStamp?
        var seen = false
    }

    var sources: [Source] = []
    /// Leases are written on every DHCP event: a new lease answers within
    /// two seconds, for the price of one stat() per file per interval.
    static let intervalMs: Int64 = 2_000
    /// Bad lines logged per file per read (the rest are counted).
    static let problemsLoggedPerFile = 5
    private(set) var dueMs: Int64 = 0
    /// Where files are read (carved from the arena; empty without files).
    let buffer: UnsafeMutableRawBufferPointer
    /// Counters for `sprig stats`.
    private(set) var reloads = 0
    private(set) var badLines = 0
    private(set) var namesFull = 0

    static let bufferLabel = "hosts/lease file buffer (local_names_max x 128)"

    init(limits: ServerLimits, arena: Arena) {
        buffer = limits.localFileByteCountMax > 0
            ? arena.reserveBytes(limits.localFileByteCountMax, label: LocalFiles.bufferLabel) : UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    static func footprint(_ limits: ServerLimits) -> [Arena.Row] {
        guard limits.localFileByteCountMax > 0 else { return [] }
        return [Arena.Row(bufferLabel, count: 1, byteCount: Arena.carvingByteCount(limits.localFileByteCountMax))]
    }

    mutating func configure(hostsFiles: [String], leaseFiles: [String]) {
        sources = hostsFiles.map { Source(path: $0, format: .hosts) } + leaseFiles.map { Source(path: $0, format: .leases) }
        dueMs = 0
    }

    /// True when it was due and rebuilt the table.
    @discardableResult
    mutating func tick(nowMs: Int64, wallSeconds: Int64, engine: inout ResolverCore) -> Bool {
        guard !sources.isEmpty, nowMs >= dueMs else { return false }
        dueMs = nowMs + LocalFiles.intervalMs
        var changed = false
        for i in sources.indices {
            let stamp = try? File.stamp(sources[i].path)
            if stamp != sources[i].stamp || !sources[i].seen {
                if stamp == nil && (sources[i].stamp != nil || !sources[i].seen) {
                    Log.warning("local names: \(sources[i].path) is missing or unreadable; it adds no names")
                }
                sources[i].stamp = stamp
                sources[i].seen = true
                changed = true
            }
        }
        guard changed else { return false }
        rebuild(wallSeconds: wallSeconds, engine: &engine)
        return true
    }

    mutating func rebuild(wallSeconds: Int64, engine: inout ResolverCore) {
        reloads += 1
        let domain = engine.localDomain
        var full = false
        var problems = 0
        let buffer = self.buffer
        let sources = self.sources
        engine.reloadLocalNames { names in
            for source in sources where source.stamp != nil {
                let n: Int
                do throws(Errno) { n = try File.read(source.path, into: buffer) } catch {
                    if error.kind == .tooBig {
                        Log.warning("local names: \(source.path) is larger than \(buffer.count) bytes "
                            + "(local_names_max x \(ServerLimits.localFileByteCountPerName)); it adds no names")
                    } else {
                        Log.warning("local names: \(source.path): \(error.message); it adds no names")
                    }
                    continue
                }
                var logged = 0
                var fileProblems = 0
                LocalNameText.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), format: source.format,
                                    localDomain: domain, nowSeconds: wallSeconds,
                                    add: { name, address in
                                        if names.add(name, address) == .full { full = true }
                                    },
                                    problem: { line, message in
                                        fileProblems += 1
                                        guard logged < LocalFiles.problemsLoggedPerFile else { return }
                                        logged += 1
                                        Log.warning("\(source.path):\(line): \(message); line skipped")
                                    })
                if fileProblems > logged {
                    Log.warning("\(source.path): \(fileProblems - logged) more bad lines skipped")
                }
                problems += fileProblems
            }
        }
        badLines += problems
        if full {
            namesFull += 1
            Log.warning("local names: table full (local_names_max \(engine.localNameCapacity)); some names are not served")
        }
        Log.info("local names: \(engine.localNameCount) names from \(sources.filter { $0.stamp != nil }.count) files")
    }

    var statsLines: [(String, Int)] {
        [("local_names.reloads", reloads), ("local_names.bad_lines", badLines), ("local_names.full", namesFull)]
    }
}
