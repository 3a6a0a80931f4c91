"""Issue 18 item 1, what a loopback hierarchy can show today: a parent that
serves DELEG records (draft-ietf-deleg-12, TYPE61440) from its zone file as
RFC 3597 unknown-type records, through a DELEG-unaware NSD.

`option deleg '1'` is still refused by this build (Config/NotCarriedOut.swift:
no DNSKEY-ADT type-bitmap check yet), so sprigd runs with DELEG off, as every
resolver does today: it must not send the DE flag, must resolve through the
NS delegation beside the DELEG as before, and must relay DELEG and
DELEGPARAM records asked for by type like any unknown type. The DELEG
resolution itself is covered in virtual time (ResolverTests/
DelegScenarioTests.swift).
"""
from harness import expect, expect_answer, expect_rcode, test
import dig
from tests_sprigd import ready

DELEG_RDATA = "\\# 8 00010004C0000263"          # server-ipv4=192.0.2.99
DELEGPARAM_RDATA = "\\# 23 0004001305706172616D076578616D706C65036E657400"  # include-delegparam=param.example.net.


def generic(rdata):
    """dig's RFC 3597 text, hex upper-cased and spaces dropped, for comparing."""
    return rdata.replace(" ", "").upper()


@test
def nsd_serves_deleg_records_as_unknown_types(zones):
    """The premise: NSD loads TYPE61440/TYPE65433 from the zone file and
    serves them at plain names; at the delegation point the NS occludes the
    DELEG, so NSD (DELEG-unaware, RFC 3597) refers by NS."""
    leaf = zones.servers["leaf"].addr
    r = dig.dig(leaf, "info.deleg.example.", "TYPE61440", rd=False, dnssec=False)
    expect_rcode(r, "NOERROR")
    expect([generic(x) for x in r.rdatas("TYPE61440")] == [generic(DELEG_RDATA)], r.summary())
    r = dig.dig(leaf, "www.child.deleg.example.", "A", rd=False, dnssec=False)
    expect_rcode(r, "NOERROR")
    expect(r.rrs("NS", "authority"), "no NS referral from NSD: %s" % r.summary())
    expect(not r.rrs("TYPE61440", "authority"), "NSD put the DELEG in a referral: %s" % r.summary())


@test
def sprigd_with_deleg_off_resolves_through_the_ns_beside_a_deleg(session, sprigd):
    """A parent whose zone carries DELEG beside NS resolves as before with
    `option deleg` at its default '0'."""
    ready("recursive")(session)
    r = sprigd.query("www.child.deleg.example.", "A")
    expect_rcode(r, "NOERROR")
    expect_answer(r, "A", ["192.0.2.61"])


@test
def sprigd_relays_deleg_and_delegparam_asked_by_type(session, sprigd):
    """QTYPE=DELEG at a plain name and QTYPE=DELEGPARAM (65433): answered
    with the records' bytes unchanged (RFC 3597 relay)."""
    ready("recursive")(session)
    r = sprigd.query("info.deleg.example.", "TYPE61440")
    expect_rcode(r, "NOERROR")
    expect([generic(x) for x in r.rdatas("TYPE61440")] == [generic(DELEG_RDATA)], r.summary())
    r = sprigd.query("params.deleg.example.", "TYPE65433")
    expect_rcode(r, "NOERROR")
    expect([generic(x) for x in r.rdatas("TYPE65433")] == [generic(DELEGPARAM_RDATA)], r.summary())
