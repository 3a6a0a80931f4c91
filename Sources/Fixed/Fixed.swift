// Fixed: the arena every pool is carved from at start-up (Arena.swift, sealed
// once start-up ends), and containers whose whole capacity is carved from it
// (slot pools with free lists, an indexed timer heap). Used by every module
// that reserves memory, so that no query path ever allocates (DESIGN.md §2.1).
// Never: grows, shrinks or allocates after init; knows nothing of DNS.
