// DNSWire: the DNS wire format.
// Owns: names, messages, RR types, EDNS options; parse in place, build into
// caller-owned buffers. Never: allocates while parsing or building, or
// imports anything but the standard library.
public enum DNSWire {}
