// Every bound of the hint tables, with its reason. Memory: a table is its
// byte count (the root table is about 0.8 KB); views are a few words.

public enum HintLimits {
    /// Hint domains in one table: a household configures a handful; 64 keeps
    /// the linear lookups on the query path trivially cheap.
    public static let domainCountMax = 64
    /// Nameservers per domain: the root has 13; room for growth and for
    /// in-tree NS sets, still one byte in the format.
    public static let serversPerDomainMax = 32
    /// Addresses per nameserver (IPv4 and IPv6 together): the root servers
    /// have 2; more is almost always a mistake.
    public static let addressesPerServerMax = 4
    /// Trust anchors per domain: two KSKs during a rollover, each with a DS
    /// and a DNSKEY form, and some slack.
    public static let anchorsPerDomainMax = 8
    /// A whole table, as file or compiled bytes: bounds flash reads.
    public static let tableByteCountMax = 65_536
    /// Lines of a hints or trust-anchor text file: bounds start-up work.
    public static let textLineCountMax = 10_000
}
