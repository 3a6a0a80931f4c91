"""RFC 9567 error reporting through the running sprigd (issue 18 item 2).

fault_server.py answers `report-*.faults.example.` SERVFAIL with a
Report-Channel option naming `agent.bind9.example.`; BIND serves
bind9.example. and logs every query. A client's query for such a name gets
SERVFAIL, and sprigd resolves one report query
`_er.1.report-N.faults.example.<EDE>._er.agent.bind9.example. TXT` (§6.1.1):
which reaches BIND (its query log shows the whole name, QTYPE TXT). The
same failure again within the hour sends nothing more; `error_reports.*`
count it.
"""
import os
import re
import time

from harness import expect, expect_rcode, test
from tests_sprigd import ready
from tests_aggressive_nsec import stats

AGENT = "agent.bind9.example"
REPORT_NAME = re.compile(r"query: _er\.1\.report-1\.faults\.example\.\d+\._er\.agent\.bind9\.example IN TXT ", re.I)
REPORT_WAIT_SECONDS = 4.0      # the report is resolved after the client's answer


def agent_queries(bind_procs):
    """BIND query-log lines for names under the agent's `_er` label."""
    lines = []
    for p in bind_procs.values():
        lines += [l for l in p.log_tail(100000).splitlines()
                  if "query: " in l and ("_er." + AGENT) in l.lower()]
    return lines


@test
def a_failure_with_a_report_channel_sends_one_report(session, sprigd, faults, bind):
    ready("recursive")(session)
    before = stats(session, session.rundir("sprigd"))
    seen_before = len(agent_queries(bind))
    r = sprigd.query("report-1.faults.example.", "A", timeout=6, tries=1)
    expect_rcode(r, "SERVFAIL")
    deadline = time.monotonic() + REPORT_WAIT_SECONDS
    while len(agent_queries(bind)) == seen_before and time.monotonic() < deadline:
        time.sleep(0.1)
    seen = agent_queries(bind)[seen_before:]
    expect(seen, "no report query reached the agent's server (BIND); sprigd stats: %s"
           % {k: v for k, v in stats(session, session.rundir("sprigd")).items() if k.startswith("error_reports")})
    if os.environ.get("SPRIG_IT_SHOW"):
        print("\n".join(seen))
    expect(any(REPORT_NAME.search(l) for l in seen), "no query for the report name in:\n%s" % "\n".join(seen))
    after = stats(session, session.rundir("sprigd"))
    expect(after["error_reports.sent"] == before["error_reports.sent"] + 1,
           "error_reports.sent %d -> %d" % (before["error_reports.sent"], after["error_reports.sent"]))
    # The same failure again: no second report (per-report limit, and the
    # agent's answer is cached).
    r = sprigd.query("report-1.faults.example.", "A", timeout=6, tries=1)
    expect_rcode(r, "SERVFAIL")
    time.sleep(1.0)
    again = stats(session, session.rundir("sprigd"))
    expect(again["error_reports.sent"] == after["error_reports.sent"], "a second report for the same failure")
    expect(sprigd.process.alive(), "sprigd died")
