// Fixed: containers whose whole capacity is reserved at start-up (slot pools
// with free lists, an indexed timer heap). Used by the resolver and the
// server so that no query path ever allocates (DESIGN.md §2.1).
// Never: grows, shrinks or allocates after init; knows nothing of DNS.
