#!/usr/bin/env python3
"""`make demo`: a signed DNS hierarchy on 127.53.0.0/24 (NSD), a resolver in
front of it, a few dig answers through that resolver, then everything stops.

The resolver is DEMO_RESOLVER (or --resolver): "unbound" (reference),
"sprigd" (recursive, once it resolves) or "sprigd-forward" (sprigd forwarding
to the validating Unbound).
"""
import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

import dig  # noqa: E402
import harness  # noqa: E402
import servers  # noqa: E402

QUERIES = [
    ("www.a.example.", "A", {}, "signed zone: expect NOERROR with the ad flag"),
    ("cname.a.example.", "A", {}, "CNAME chain across three zones"),
    ("host.x.y.z.a.example.", "AAAA", {}, "three delegations deep"),
    ("nonexistent.a.example.", "A", {}, "NXDOMAIN, validated by NSEC"),
    ("www.insecure.example.", "A", {}, "unsigned child: NOERROR without ad"),
    ("www.bogus-ds.example.", "A", {}, "DS does not match: SERVFAIL"),
    ("www.bogus-ds.example.", "A", {"cd": True}, "same with +cd: the data, unvalidated"),
    ("big.a.example.", "TXT", {"bufsize": 512}, "too big for 512 bytes: TC, dig retries on TCP"),
]


DEMO_RESOLVERS = {
    "unbound": "unbound",                    # validating recursive Unbound
    "sprigd": "sprigd",                      # sprigd recursive from the root hints
    "sprigd-forward": "sprigd_forwarder",    # sprigd forwarding to that Unbound
}


def start_resolver(session, which):
    if which not in DEMO_RESOLVERS:
        raise SystemExit("DEMO_RESOLVER must be one of %s, not %r" % (
            ", ".join(DEMO_RESOLVERS), which))
    import tests_sprigd  # noqa: F401  (registers the sprigd_forwarder fixture)
    return session.get(DEMO_RESOLVERS[which])


def show(resolver, name, rrtype, options, note):
    flags = " ".join("+%s" % k if v is True else "+%s=%s" % (k, v) for k, v in options.items())
    print("\n$ dig @%s -p %d %s %s +dnssec %s   # %s" % (
        resolver.addr, resolver.port, name, rrtype, flags, note))
    try:
        r = resolver.query(name, rrtype, **options)
    except dig.DigError as e:
        print("  no answer: %s" % e)
        return
    if r.truncated_retry:
        print("  ;; Truncated, retrying in TCP mode.")
    print("  status %s, flags: %s%s" % (r.rcode, " ".join(sorted(r.flags)),
                                        ", EDE %s" % r.ede if r.ede else ""))
    for rr in r.answer:
        if rr.type != "RRSIG":
            rdata = rr.rdata if len(rr.rdata) < 70 else rr.rdata[:66] + " ..."
            print("  %s %d %s %s" % (rr.name, rr.ttl, rr.type, rdata))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--resolver", default=os.environ.get("DEMO_RESOLVER", "sprigd"))
    ap.add_argument("--sprigd", help="sprigd binary (default: newest build)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    args.sprigd_ready = {"forward", "recursive"}
    if os.geteuid() != 0:
        raise SystemExit("make demo needs root: NSD and the resolver bind port 53 on 127.53.x")
    servers.install_cleanup()
    workdir = tempfile.mkdtemp(prefix="sprig-demo-")
    session = harness.Session(workdir, args)
    try:
        h = session.get("hierarchy")
        print(h.describe())
        resolver = start_resolver(session, args.resolver)
        print("\nResolver: %s on %s#%d (root hints %s, trust anchor %s)" % (
            resolver.name, resolver.addr, resolver.port, h.root_hints_path, h.trust_anchor))
        for name, rrtype, options, note in QUERIES:
            show(resolver, name, rrtype, options, note)
    except (harness.Skip, RuntimeError) as e:
        print("\ndemo: %s" % e)
        failed = True
    else:
        failed = False
    finally:
        servers.stop_all()
        print("\nEverything stopped%s." % (" (work dir kept: %s)" % workdir if args.keep else ""))
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
