import DNSWire
import LocalData
import Platform
import Resolver

/// Loads `list block_file` into the core's block list, at start and on
/// SIGHUP. Two passes over the files' text: the first counts names and
/// bytes and checks every line, the second fills the table; a list over
/// `block_names_max` is refused with the file:line where it went over, and
/// the old list keeps serving. The files are read whole (a reload is not a
/// query path: the memory is returned when it ends).
/// Never: runs while a query is half answered (the loop is one thread).
public enum BlockFiles {
    /// Largest block file read (a 1,000,000-domain list is ~30 MB).
    static let fileByteCountMax = 64 << 20
    static let problemsLoggedPerFile = 5

    /// True when the new list is in place (or there are no files).
    @discardableResult
    public static func load(_ paths: [String], into engine: inout ResolverCore) -> Bool {
        guard engine.blockListCapacity > 0 else { return paths.isEmpty }
        var texts: [(String, [UInt8])] = []
        for path in paths {
            do throws(Errno) {
                texts.append((path, try File.readAll(path, limit: fileByteCountMax)))
            } catch {
                Log.error("block list \(path): \(error.message); keeping the current block list")
                return false
            }
        }
        // Pass 1: count, check and log.
        var names = 0
        var bytes = 0
        var overAt: (String, Int)? = nil
        for (path, text) in texts {
            var logged = 0
            var problems = 0
            text.withUnsafeBytes { raw in
                BlockListText.parse(raw, add: { name, line in
                    names += 1
                    bytes += name.byteCount
                    if overAt == nil && !engine.blockListFits(names: names, bytes: bytes) { overAt = (path, line) }
                }, problem: { line, message in
                    problems += 1
                    guard logged < problemsLoggedPerFile else { return }
                    logged += 1
                    Log.warning("\(path):\(line): \(message); line skipped")
                })
            }
            if problems > logged { Log.warning("\(path): \(problems - logged) more bad lines skipped") }
        }
        if let (path, line) = overAt {
            Log.error("\(path):\(line): block lists exceed block_names_max \(engine.blockListCapacity) "
                + "(or its \(BlockList.nameByteCountAverage) bytes a name); refused, keeping the current block list")
            return false
        }
        // Pass 2: fill.
        engine.reloadBlockList { table in
            for (_, text) in texts {
                text.withUnsafeBytes { raw in
                    BlockListText.parse(raw, add: { name, _ in table.insert(name) }, problem: { _, _ in })
                }
            }
        }
        Log.info("block list: \(engine.blockListCount) domains from \(paths.count) files")
        return true
    }
}
