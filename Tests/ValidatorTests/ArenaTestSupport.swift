// Each part the tests build on its own gets an arena of its own, sized by
// the part's footprint (sprigd carves them all from one: MemoryPlan).
import Fixed
@testable import Validator

extension ValidatorScratch {
    init(reserving: Bool = true, rememberingSignatures: Bool = true) {
        self.init(reserving: reserving, rememberingSignatures: rememberingSignatures,
                  arena: Arena(rows: ValidatorScratch.footprint(reserving: reserving,
                                                                rememberingSignatures: rememberingSignatures)))
    }
}

extension ValidationEngine {
    init(reserving: Bool, clockVouchedFor: Bool, nsecTableEntryCount: Int) {
        self.init(reserving: reserving, clockVouchedFor: clockVouchedFor, nsecTableEntryCount: nsecTableEntryCount,
                  arena: Arena(rows: ValidationEngine.footprint(reserving: reserving,
                                                                nsecTableEntryCount: nsecTableEntryCount)))
    }
}

extension TrustAnchorStore {
    init() { self.init(arena: Arena(rows: TrustAnchorStore.footprint)) }
}

extension NegativeTrustAnchors {
    init() { self.init(arena: Arena(rows: NegativeTrustAnchors.footprint)) }
}

extension NSECTable {
    init(entryCount: Int) { self.init(entryCount: entryCount, arena: Arena(rows: NSECTable.footprint(entryCount: entryCount))) }
}
