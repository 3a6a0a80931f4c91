import DNSWire

/// The NS name a server address was *configured* with: an in-tree hint's
/// `list nameserver 'NAME ADDR…'` (draft-kolkman-dns-in-tree-hints §2.1,
/// the learned set included) or the root hints (named.root: NS names and
/// their A/AAAA). Strict DoT authenticates a server by the name it was
/// reached by (AuthPolicy.swift: the CA bundle with that name, or the TLSA
/// at `_853._tcp.<name>`); for these servers that name is in the hint.
///
/// Seed 004 requirement 5: the hint's names and addresses come from the
/// configuration, so finding them depends on no server at all. For a
/// hinted zone only the hint's name counts: the cached NS set at that name
/// may be the parent's, which a hint never uses (§2.1), so a parent cannot
/// choose the name a hinted server is authenticated by. For the root the
/// hints' name comes first, then a cached root NS name (priming).
///
/// Never: looks anything up, or names an address the hint does not list.
extension ResolverCore {
    /// The configured NS name of `server` in `zone`: `.hinted(name)` (nil:
    /// the hint has no name for it), or `.notHinted` when `zone`'s servers
    /// come from elsewhere and the cache decides.
    func configuredNSName(serving server: ServerAddress, zone: Name) -> ConfiguredNSName {
        if inTreeHints.count > 0, let hint = inTreeHints.index(of: zone) {
            return .hinted(inTreeHints.nsName(ofAddress: server, inHint: hint))
        }
        if zone.isRoot {
            for i in 0..<min(rootServers.count, rootServerNames.count) where rootServers[i].sameHost(as: server) {
                return .hinted(rootServerNames[i])
            }
        }
        return .notHinted
    }
}

/// What the configuration says of a server's NS name.
enum ConfiguredNSName {
    /// The zone's servers come from a hint: this name (nil: none given).
    case hinted(Name?)
    /// Not a hinted server: the cached NS names decide.
    case notHinted
}
