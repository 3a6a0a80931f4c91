import DNSWire
import LocalData

/// Answering a client whose question a block list names (`list
/// block_file`): NXDOMAIN, or 0.0.0.0 / :: for A / AAAA and NODATA for
/// other types (`option block_answer 'null'`), always with EDE 15
/// "Blocked" (RFC 8914 §4.16) for EDNS clients. After local data (a name
/// in the household's files is never blocked), before the cache.
extension ResolverCore {
    /// TTL of a blocked answer: short, so a list change shows soon.
    static let blockedTTLSeconds: UInt32 = 60

    mutating func answerBlocked(_ request: Request) -> Bool {
        guard blocked.count > 0, blocked.blocks(request.question.name) else { return false }
        stats.blockedAnswers += 1
        let q = request.question
        let null = settings.blockWithNullAddress
        guard var b = try? MessageBuilder(buffer: scratch, header: answerHeader(for: request, rcode: null ? .noError : .nxDomain))
        else { answerFailure(request); return true }
        b.setMaxByteCount(request.answerByteCountMax - (request.hasEDNS ? ResolverCore.optReserveByteCount : 0))
        do throws(BuildError) {
            try b.addQuestion(q.name, type: q.type, rrClass: q.rrClass)
            if null && (q.type == .a || q.type == .aaaa) {
                let count = q.type == .a ? 4 : 16
                for i in 0..<count { cache.rdataScratch[i] = 0 }
                try b.addRecord(.answer, owner: q.name, type: q.type, rrClass: .in, ttlSeconds: ResolverCore.blockedTTLSeconds,
                                rdata: UnsafeRawBufferPointer(rebasing: cache.rdataScratch[0..<count]))
            }
        } catch {
            answerFailure(request)
            return true
        }
        guard let n = finishAnswer(&b, request: request, truncated: false, ede: .blocked) else {
            answerFailure(request)
            return true
        }
        emitAnswer(client: Int(request.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]), fromLocalData: true)
        return true
    }

    /// Replaces the block list: `body` fills the emptied table. The loader
    /// checked with `blockListFits` first, so the old list is only emptied
    /// when the new one fits.
    public mutating func reloadBlockList(_ body: (inout BlockList) -> Void) {
        blocked.removeAll()
        body(&blocked)
    }

    public func blockListFits(names: Int, bytes: Int) -> Bool { blocked.fits(names: names, bytes: bytes) }
    public var blockListCount: Int { blocked.count }
    public var blockListCapacity: Int { blocked.capacity }
}
