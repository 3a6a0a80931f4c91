// Parts the tests build on their own get an arena of their own, sized by
// the part's footprint (sprigd carves them all from one: MemoryPlan; the
// scenario Harness carves the cache and the core from one, as sprigd does).
import Cache
import Fixed
@testable import Resolver

extension AnswerCache {
    init(configuration: CacheConfiguration, hashSeed: UInt64) throws(CacheConfigurationError) {
        try self.init(configuration: configuration, hashSeed: hashSeed,
                      arena: Arena(rows: AnswerCache.footprint(configuration)))
    }
}

extension ResolverCore {
    init(settings: EngineSettings, upstreams: [Upstream], rootServers: [ServerAddress] = [],
         cache: consuming AnswerCache) {
        self.init(settings: settings, upstreams: upstreams, rootServers: rootServers, cache: cache,
                  arena: Arena(rows: ResolverCore.footprint(settings)))
    }
}

extension InfraCache {
    init() { self.init(arena: Arena(rows: [InfraCache.footprint])) }
}
