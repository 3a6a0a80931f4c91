// MessageRebuild: parses a whole message (every name, every RDATA of a known
// type, the OPT RR and its options) and writes it again with our own
// compression. Used by the fuzz target and the property tests, and by
// anything that must re-emit a foreign message. No allocation: the caller
// lends a scratch buffer for one RDATA (65535 bytes always suffices).

public enum RebuildError: Error, Equatable, Sendable {
    case wire(WireError)
    case build(BuildError)
}

public enum MessageRebuild {
    /// Rebuilds `message` into `out`; returns the byte count written.
    public static func rebuild(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer,
                               scratch: UnsafeMutableRawBufferPointer) throws(RebuildError) -> Int {
        try rebuild(message, into: out, scratch: scratch, dropping: { _, _ in false }).byteCount
    }

    /// Rebuilds `message` without the records `drop` names (the OPT RR is
    /// never offered to it); the bytes written and the records dropped.
    public static func rebuild(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer,
                               scratch: UnsafeMutableRawBufferPointer,
                               dropping drop: (Record, UnsafeRawBufferPointer) -> Bool) throws(RebuildError)
        -> (byteCount: Int, dropped: Int) {
        var dropped = 0
        var reader: MessageReader
        do { reader = try MessageReader(message) } catch { throw .wire(error) }
        var builder: MessageBuilder
        do { builder = try MessageBuilder(buffer: out, header: reader.header) } catch { throw .build(error) }
        while let question = try wire({ () throws(WireError) in try reader.nextQuestion() }) {
            try add(question, to: &builder)
        }
        while let record = try wire({ () throws(WireError) in try reader.nextRecord() }) {
            if record.type != .opt && drop(record, message) {
                dropped += 1
                continue
            }
            try add(record, from: message, to: &builder, scratch: scratch)
        }
        return (builder.byteCount, dropped)
    }

    static func add(_ question: Question, to builder: inout MessageBuilder) throws(RebuildError) {
        do { try builder.addQuestion(question.name, type: question.type, rrClass: question.rrClass) }
        catch { throw .build(error) }
    }

    static func add(_ record: Record, from message: UnsafeRawBufferPointer, to builder: inout MessageBuilder,
                    scratch: UnsafeMutableRawBufferPointer) throws(RebuildError) {
        if record.type == .opt {
            try addOPT(record, from: message, to: &builder)
            return
        }
        let owner: Name
        let length: Int
        do {
            owner = try record.owner(in: message)
            length = try RData.copyCanonical(record, from: message, into: scratch, lowercaseNames: false)
        } catch { throw .wire(error) }
        do {
            try builder.addRecord(record.section, owner: owner, type: record.type, rrClass: record.rrClass,
                                  ttlSeconds: record.ttlSeconds,
                                  rdata: UnsafeRawBufferPointer(rebasing: scratch[0..<length]))
        } catch { throw .build(error) }
    }

    static func addOPT(_ record: Record, from message: UnsafeRawBufferPointer,
                       to builder: inout MessageBuilder) throws(RebuildError) {
        let edns: EDNS
        do { edns = try EDNS(record, in: message) } catch { throw .wire(error) }
        builder.setRCode(edns.rcode(header: builder.header))
        var options = edns.options(in: message)
        do { try builder.addOPT(udpPayloadSize: edns.udpPayloadSize, version: edns.version, flags: edns.flags) }
        catch { throw .build(error) }
        while let option = try wire({ () throws(WireError) in try options.next() }) {
            let value = UnsafeRawBufferPointer(
                rebasing: message[option.valueOffset..<(option.valueOffset + option.valueLength)])
            do { try builder.addOption(option.code, value: value) } catch { throw .build(error) }
        }
    }

    /// Runs `body`, mapping its wire error.
    static func wire<T>(_ body: () throws(WireError) -> T) throws(RebuildError) -> T {
        do { return try body() } catch { throw .wire(error) }
    }
}
