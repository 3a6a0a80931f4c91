// MemoryPlan: the one table of the daemon's memory (DESIGN.md §2.1). Every
// pool's count comes from the config here, through the types that size the
// pools (`ServerLimits`, `EngineSettings`, `CacheConfiguration`); every row
// is the byte count its owner states next to the code that carves it. The
// total sizes the one arena (Sources/Fixed/Arena.swift) that start-up carves
// every pool from, in this order, before it seals it.
//
// Why here: Server is the lowest module that sees both the config and every
// owner of a pool — the cache (`AnswerCache`), the core and its validator
// (`ResolverCore`, `ValidationEngine`), `Transport` and the server's own
// sockets. Resolver sees the config but not Transport or the sockets.
//
// Never: reserves anything itself, or prints. `sprigd --print-footprint`
// carves everything from an arena of `byteCount` and prints the arena's own
// rows (what was reserved, not what was meant); MemoryPlanTests proves the
// two tables are the same, row by row, for several configs.
//
// Example (defaults, the `small` preset: 1 MiB cache, 128 clients, 192 outgoing):
//   let plan = MemoryPlan(config: SprigConfig())
//   plan.rows[0]   // ("cache records (RRsets, negative answers)", 16384, 1048576)
//   plan.byteCount // what sprigd reserves in one block
import Cache
import Config
import Fixed
import Resolver

public struct MemoryPlan {
    /// The server's pool sizes (`max_clients`, `max_tcp_clients`, `max_outgoing`).
    public let limits: ServerLimits
    /// The core's (`max_clients`, `max_outgoing`, `dnssec`, `aggressive_nsec`…).
    public let settings: EngineSettings
    /// The cache's (`cache_size`).
    public let cache: CacheConfiguration
    /// Every pool, in the order start-up carves them: the cache, the core
    /// (the validator last), then the server (Transport's in between).
    public let rows: [Arena.Row]

    /// The plan for `config`.
    public init(config: SprigConfig) {
        self.init(limits: ServerLimits(config: config), settings: EngineSettings(config: config),
                  cache: CacheConfiguration(config: config))
    }

    /// The plan for these sizes. The server and the core size their pools
    /// for the same clients and outgoing queries: one number each, from
    /// `max_clients` and `max_outgoing`.
    public init(limits: ServerLimits, settings: EngineSettings, cache: CacheConfiguration) {
        precondition(limits.maxClients == settings.maxClients && limits.maxOutgoing == settings.maxOutgoing,
                     "max_clients and max_outgoing size the server and the core alike")
        self.limits = limits
        self.settings = settings
        self.cache = cache
        rows = Arena.table(AnswerCache.footprint(cache) + ResolverCore.footprint(settings) + EventLoop.footprint(limits))
    }

    /// Bytes of the arena: every row.
    public var byteCount: Int { Arena.byteCount(of: rows) }
}
