/// `option memory 'tiny|small|medium|large'`: every pool size at once, the
/// way Unbound's OpenWrt package offers its memory presets. Each size it
/// sets can still be given on its own (`cache_size`, `max_clients`, …),
/// wherever it stands in the section: the preset fills only the sizes the
/// section does not set. `sprigd --print-footprint` prints each preset's total
/// for the file's other settings; Board/openwrt/README.md has the RAM table.
public enum MemoryPreset: Int, CaseIterable, Equatable, Sendable {
    /// 32 MB routers: the whole footprint ≤ 2 MB with DNSSEC on (a 256 KiB
    /// cache: a household's working set of a few hundred names).
    case tiny
    /// 64–128 MB routers: the built-in default (`builtIn`, #17 item 2),
    /// about 3.6 MB of pools, what the OpenWrt package ships too.
    case small
    /// 256 MB routers (about 9.5 MB of pools).
    case medium
    /// 256 MB and more.
    case large

    public var name: StaticString {
        switch self {
        case .tiny: return "tiny"
        case .small: return "small"
        case .medium: return "medium"
        case .large: return "large"
        }
    }

    /// The preset of a file with no `option memory`: `small`, which suits
    /// the 64–128 MB routers most households have (#17 item 2). SprigConfig's
    /// pool sizes default to its sizes.
    public static let builtIn: MemoryPreset = .small

    /// The name as text (messages, `--print-footprint`).
    public var text: String { Bytes.string(name) }

    /// The pool sizes of this preset.
    public var sizes: PoolSizes {
        switch self {
        case .tiny:
            // One outgoing TCP connection (64 KiB buffer; 32 pipelined
            // queries): TC retries and DoT share it on a 32 MB router.
            return PoolSizes(cacheByteCount: 256 << 10, maxClients: 64, maxOutgoing: 64, maxTCPClients: 4,
                             maxOutgoingTCP: 1, localNamesMax: 256)
        case .small:
            return PoolSizes(cacheByteCount: 1 << 20, maxClients: 128, maxOutgoing: 192, maxTCPClients: 16,
                             maxOutgoingTCP: 4, localNamesMax: 512)
        case .medium:
            return PoolSizes(cacheByteCount: 4 << 20, maxClients: 256, maxOutgoing: 512, maxTCPClients: 64,
                             maxOutgoingTCP: 8, localNamesMax: 1024)
        case .large:
            return PoolSizes(cacheByteCount: 16 << 20, maxClients: 1024, maxOutgoing: 2048, maxTCPClients: 128,
                             maxOutgoingTCP: 16, localNamesMax: 4096)
        }
    }
}

/// The sizes a memory preset sets (each one an option of its own too).
public struct PoolSizes: Equatable, Sendable {
    public var cacheByteCount: Int
    public var maxClients: Int
    public var maxOutgoing: Int
    public var maxTCPClients: Int
    public var maxOutgoingTCP: Int
    public var localNamesMax: Int
}

extension SprigConfig {
    /// This config with every size `preset` sets. The parser applies it
    /// before the section's own size options, which therefore win.
    public func applying(_ preset: MemoryPreset) -> SprigConfig {
        var c = self
        let s = preset.sizes
        c.memory = preset
        c.cacheByteCount = s.cacheByteCount
        c.maxClients = s.maxClients
        c.maxOutgoing = s.maxOutgoing
        c.maxTCPClients = s.maxTCPClients
        c.maxOutgoingTCP = s.maxOutgoingTCP
        c.localNamesMax = s.localNamesMax
        return c
    }
}
