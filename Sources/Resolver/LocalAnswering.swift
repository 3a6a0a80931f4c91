import DNSWire
import LocalData

/// Answering a client from local data (Sources/LocalData): special-use
/// names (RFC 6761 §6.3, §6.4), locally served zones (RFC 6303, RFC 8375)
/// and the local domain. Consulted before the cache and before any task
/// exists, in both modes, so these names never reach an upstream or the
/// root, and answer with the WAN down.
extension ResolverCore {
    /// Answers `request` when its question is local; false when it is not.
    /// The answer is authoritative (AA: the zones are ours), never AD.
    mutating func answerLocally(_ request: Request) -> Bool {
        guard let match = local.match(request.question) else { return false }
        stats.localAnswers += 1
        var header = answerHeader(for: request, rcode: .noError)
        header.aa = true
        guard let n = buildLocal(match, request, header: header) else {
            answerFailure(request)
            return true
        }
        emitAnswer(client: Int(request.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]), fromLocalData: true)
        return true
    }

    func buildLocal(_ match: LocalMatch, _ request: Request, header: Header) -> Int? {
        guard var b = try? MessageBuilder(buffer: scratch, header: header) else { return nil }
        b.setMaxByteCount(request.answerByteCountMax - (request.hasEDNS ? ResolverCore.optReserveByteCount : 0))
        var truncated = false
        do throws(BuildError) {
            try b.addQuestion(request.question.name, type: request.question.type, rrClass: request.question.rrClass)
            b.setRCode(try local.write(match, request.question, into: &b))
        } catch {
            guard error == .noSpace else { return nil }
            truncated = true
        }
        return finishAnswer(&b, request: request, truncated: truncated, ede: nil)
    }
}

extension ResolverCore {
    /// Replaces the household's names (hosts and lease files): `body` adds
    /// every pair; until it returns, no query is answered (single thread),
    /// so none sees a half-built table.
    public mutating func reloadLocalNames(_ body: (inout LocalNames) -> Void) {
        local.reloadNames(body)
    }

    /// The local domain one-label names from the files go into.
    public var localDomain: Name? { local.localDomain }
}

extension ResolverCore {
    /// Names in the household's table now, and its capacity (`local_names_max`).
    public var localNameCount: Int { local.names.count }
    public var localNameCapacity: Int { local.names.capacity }

    /// `sprig leases`: one `name address` line per pair of the table
    /// (names as served, address in presentation form). Control path only.
    public func localNameLines() -> [String] {
        var lines: [String] = []
        var bytes = [UInt8](repeating: 0, count: 16)
        local.names.forEachEntry { wire, address in
            let name = (try? Name(wire: wire))?.text ?? "?"
            let n = bytes.withUnsafeMutableBytes { address.write(into: $0) }
            let text = IPAddress(bytes: Array(bytes[0..<n]))?.text ?? "?"
            lines.append(name + " " + text)
        }
        return lines
    }
}
