// MessageReader: walks a message in place (no copies, no allocation).
// Questions first, then the records of answer, authority and additional in
// order. Every name is validated (bounded pointers) as it is passed, every
// RDLENGTH checked against the message end, and the OPT RR's placement
// checked (RFC 6891 §6.1.1). RDATA contents are checked on demand
// (`RData.validate`) so the hot path only pays for what it reads.

public struct MessageReader {
    public let message: UnsafeRawBufferPointer
    public let header: Header
    /// Offset of the next unread question or record.
    public var offset: Int { position }
    /// The section the next question/record belongs to.
    public var section: Section { currentSection }
    @usableFromInline var position: Int
    @usableFromInline var currentSection: Section
    @usableFromInline var remainingInSection: Int
    /// The OPT RR, once the reader has passed it.
    public var opt: Record? { optRecord }
    @usableFromInline var optRecord: Record?

    @inlinable
    public init(_ message: UnsafeRawBufferPointer) throws(WireError) {
        let header = try Header(from: message)
        self.message = message
        self.header = header
        self.position = Header.byteCount
        self.currentSection = .question
        self.remainingInSection = Int(header.questionCount)
        self.optRecord = nil
        // Counts above what 65535 bytes can hold are hostile, not truncated.
        let largest = max(max(header.questionCount, header.answerCount),
                          max(header.authorityCount, header.additionalCount))
        guard Int(largest) <= Limits.recordsPerSectionMax else { throw .tooManyRecords }
    }

    /// The next question, or nil once the question section is done.
    @inlinable
    public mutating func nextQuestion() throws(WireError) -> Question? {
        guard currentSection == .question, remainingInSection > 0 else { return nil }
        let (name, end) = try Name.read(from: message, at: position)
        guard end + 4 <= message.count else { throw .truncatedQuestion }
        let question = Question(name: name, type: RRType(loadU16(message, end)),
                                rrClass: RRClass(loadU16(message, end + 2)))
        position = end + 4
        remainingInSection -= 1
        return question
    }

    /// The next record of answer/authority/additional (skipping any unread
    /// questions), or nil at the end of the additional section.
    @inlinable
    public mutating func nextRecord() throws(WireError) -> Record? {
        while currentSection == .question && remainingInSection > 0 {
            _ = try nextQuestion()
        }
        while remainingInSection == 0 {
            guard let next = Section(rawValue: currentSection.rawValue + 1) else { return nil }
            currentSection = next
            remainingInSection = header.count(of: next)
        }
        let record = try readRecord(at: position)
        position = record.rdataEnd
        remainingInSection -= 1
        if record.type == .opt { try noteOPT(record) }
        return record
    }

    @inlinable
    func readRecord(at start: Int) throws(WireError) -> Record {
        let end = try Name.skip(in: message, at: start)
        guard end + 10 <= message.count else { throw .truncatedRecord }
        let rdataLength = Int(loadU16(message, end + 8))
        guard end + 10 + rdataLength <= message.count else { throw .rdataPastEnd }
        return Record(section: currentSection, ownerOffset: start, type: RRType(loadU16(message, end)),
                      rrClass: RRClass(loadU16(message, end + 2)), ttlSeconds: loadU32(message, end + 4),
                      rdataOffset: end + 10, rdataLength: rdataLength)
    }

    @usableFromInline
    mutating func noteOPT(_ record: Record) throws(WireError) {
        guard record.section == .additional else { throw .optNotInAdditional }
        guard optRecord == nil else { throw .duplicateOPT }
        guard message[record.ownerOffset] == 0 else { throw .badOPTOwner }
        optRecord = record
    }

    /// Reads everything that is left; afterwards `opt` is final and
    /// `offset` is the end of the last record.
    public mutating func skipToEnd() throws(WireError) {
        while try nextRecord() != nil {}
    }

    /// True once every counted question and record has been read.
    public var isAtEnd: Bool { currentSection == .additional && remainingInSection == 0 }
}
