// Cache: the RRset and negative cache (RFC 2308), in one fixed arena, with
// trust ranks and a serve-stale window (RFC 8767).
//
// Owns: `RRsetCache` — keys (owner name in wire form, compared ASCII
// case-insensitively; RR type; class), opaque value blobs the caller formats
// (the resolver's RDATAs + RRSIGs), TTL caps, expiry, stale window, trust
// ranks and replacement rules, eviction, statistics.
//
// Never: reads a clock (time is the `nowSeconds` parameter: the caller's
// monotonic clock in whole seconds, never going backwards), parses DNS
// messages or names (it works on bytes and does not import DNSWire), decides
// serve-stale policy (it reports fresh / stale / miss; the Resolver decides),
// allocates after init, or returns bogus data as stale. The infrastructure
// cache (per-server RTT, EDNS, transport) lives elsewhere.
//
// Memory (DESIGN.md §2.1): init carves two blocks from the daemon's arena
// (Fixed's `Arena`), never grown or freed: the record arena (`cache_size`
// bytes) and a hash index of 8-byte slots, one slot per 64 arena bytes × 4/3
// (≤ 75% load), so
//   footprintByteCount = arena + 8 × (⌊arena/64⌋ × 4/3 + 1) ≈ arena × 7/6.
// Per entry: a 35-byte record header (+ ≤ 7 bytes padding) in the arena,
// plus ≈ 10.7 bytes of index per possible entry. Entries are capped at
// arena/64 (a cache of tiny records evicts by count) and one record at
// arena/4 (≤ 64 KiB blob + 255-byte owner).
//
// Eviction: the arena is a ring log — records are appended at the head and
// room is made at the tail, where dead records, and entries past the stale
// window, are reclaimed, fresh entries looked up since their last pass get a
// second chance (moved to the head, CLOCK-style), and the rest (expired, or
// unused) are evicted. So each sweep drops gone and expired data before
// unused fresh data and keeps recently used fresh data; each insert takes at
// most `evictionStepsPerInsertMax` steps (O(1) amortised: every step is paid
// by an earlier insert or lookup), and refuses with `.refusedFull` when
// they run out. Refreshing a key whose new blob fits updates it in place.
//
// Negative entries: NODATA is stored under (name, type) like an RRset;
// NXDOMAIN under (name, reserved type 0), and `lookup` checks both keys.
// Storing an RRset or NODATA removes the name's NXDOMAIN entry, so when
// both exist the NXDOMAIN is newer and wins unless the typed entry has a
// higher rank and is fresh.
//
// Ranks (`TrustRank`): bogus < indeterminate < insecure <
// authoritativeUnvalidated < secure. An entry is replaced unless the old one
// ranks higher and is still fresh. Bogus entries are stored (so the
// resolver can answer SERVFAIL without re-validating, TTL ≤ 5 min) but are
// returned only while fresh; once expired they are gone. A bogus result
// replaces a stale entry for its key (the stale one is no longer fresh), so
// data is not served stale after its refresh failed validation (§6).
//
// Worked example:
//   var cache = try RRsetCache(configuration: CacheConfiguration(arenaByteCount: 4 << 20),
//                              hashSeed: try Random.uint64())
//   _ = cache.insert(owner: ownerWire, type: 1, rrClass: 1, kind: .rrset, rank: .secure,
//                    ttlSeconds: 300, blob: rdatasAndSigs, nowSeconds: now)
//   switch cache.lookup(owner: qnameWire, type: 1, rrClass: 1, nowSeconds: now) {
//   case .fresh(let hit, let ttl): _ = cache.withBlob(of: hit) { blob in build answer, TTL ttl }
//   case .stale(let hit, _):       resolve; on timeout answer from hit with TTL 30 (RFC 8767)
//   case .miss:                    resolve
//   }
