// Each test's Transport gets an arena of its own, sized by its limits'
// footprint (sprigd carves it from the daemon's one: MemoryPlan).
import Fixed
import Platform
@testable import Transport

extension Transport {
    convenience init(limits: TransportLimits) throws(Errno) {
        try self.init(limits: limits, arena: Arena(rows: limits.footprint))
    }
}
