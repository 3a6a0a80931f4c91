// Until Config's own TrustAnchor gives way to DNSWire's (next commit), this
// file, which does not import Config, names DNSWire's for sprigd.
import DNSWire

typealias AnchorRecord = TrustAnchor
