/// Byte-wise comparison with a literal. `String ==` normalises Unicode and
/// pulls the Unicode data tables into Embedded builds (absent on MIPS);
/// command lines and protocol words are ASCII, so bytes suffice.
public func matches(_ text: String, _ literal: StaticString) -> Bool {
    let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    return text.utf8.elementsEqual(bytes)
}
