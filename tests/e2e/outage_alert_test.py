"""The registry outage of the uk2019 scenario, seen by a real Prometheus with the project's rules.

Separate processes, as an operator runs them: `adwatch kafka` (embedded cluster on loopback),
`adwatch simulate`, `adwatch run`, and Prometheus scraping it every second with
deploy/prometheus/adwatch-rules.yml. The stream is replayed in three parts: up to the first
crawl of the outage (9 December), through the outage, and from the first crawl after it. After
each part the test waits until adwatch has applied it, then checks through Prometheus's own
/api/v1/alerts that AdRegistryAdsMissing is inactive, firing, then resolved; and that adwatch's
/api/v1/ads lists exactly as many ads as the registry metrics count missing. The stream carries
Meta's own daily report too (`report` lines): AdRegistryReportGap, the second witness, must
likewise be inactive before the outage, fire during it and resolve after it.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, Prometheus, adwatch_binary, fail, http_get, listening_port, log,  # noqa
                     start, wait_for)

ALERT = "AdRegistryAdsMissing"
GAP_ALERT = "AdRegistryReportGap"
adwatch = adwatch_binary()
work = tempfile.mkdtemp(prefix="adwatch-outage-")

# The simulated campaign, split before the first crawl_end of the outage and after its last.
stream = os.path.join(work, "uk2019.jsonl")
subprocess.run([adwatch, "simulate", "--out", stream, "--ads", "400"], check=True,
               stderr=subprocess.DEVNULL)
with open(stream) as f:
    lines = f.readlines()
ends = [i for i, line in enumerate(lines) if '"kind":"crawl_end"' in line]


def completed(i):
    return json.loads(lines[i])["completed_at"]


outage_start = next(i for i in ends if completed(i) >= "2019-12-09")
last_outage_end = max(i for i in ends if completed(i) < "2019-12-11")
parts = [lines[:outage_start], lines[outage_start:last_outage_end + 1], lines[last_outage_end + 1:]]

kafka = start([adwatch, "kafka", "--partitions", "2"], stdin=subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
brokers = kafka.stdout.readline().strip()
if ":" not in brokers:
    fail("adwatch kafka did not print its bootstrap address")
run = start([adwatch, "run", "--brokers", brokers, "--group", "e2e-outage",
             "--listen", "127.0.0.1:0"], stderr=open(os.path.join(work, "run.log"), "w"))
adwatch_url = f"http://127.0.0.1:{listening_port(run.pid)}"
prometheus = Prometheus([adwatch_url[len("http://"):]],
                        [os.path.join(ROOT, "deploy", "prometheus", "adwatch-rules.yml")])
wait_for("Prometheus to scrape adwatch", prometheus.targets_up, 60)


def metric_sum(name):
    """Sum of a metric family's samples as adwatch serves them right now."""
    status, body = http_get(adwatch_url + "/metrics")
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def alert_state(name=ALERT):
    states = [a["state"] for a in prometheus.alerts() if a["labels"]["alertname"] == name]
    return "firing" if "firing" in states else states[0] if states else "inactive"


applied = 0
for n, part in enumerate(parts):
    path = os.path.join(work, f"part{n}.jsonl")
    with open(path, "w") as f:
        f.writelines(part)
    subprocess.run([adwatch, "replay", "--brokers", brokers, path], check=True,
                   stderr=subprocess.DEVNULL)
    applied += sum(2 if '"kind":"crawl_end"' in line else 1 for line in part)  # 2 partitions
    wait_for(f"adwatch to consume part {n}",
             lambda: metric_sum("adwatch_events_total") >= applied, 120)
    missing = metric_sum("adwatch_registry_ads_missing")
    known = metric_sum("adwatch_registry_ads_known")
    status, body = http_get(adwatch_url + "/api/v1/ads?limit=1000")
    listed = json.loads(body)
    log(f"part {n}: {missing:.0f} of {known:.0f} known ads missing; API lists {listed['total']}")
    if status != 200 or listed["total"] != missing:
        fail(f"/api/v1/ads lists {listed['total']} ads, the metrics count {missing:.0f} missing")
    if n == 0:
        # Before the outage nothing is missing, and the rule has been evaluated on that.
        wait_for("a rule evaluation after part 0",
                 lambda: prometheus.query("ALERTS_FOR_STATE") == [] and
                 prometheus.query("registry:adwatch_ads_missing:ratio"), 30)
        if alert_state() != "inactive":
            fail(f"{ALERT} is {alert_state()} before the outage")
        if metric_sum("adwatch_report_spend_gbp") <= 0:
            fail("no report spend: the stream carries no report lines")
        if alert_state(GAP_ALERT) != "inactive":
            fail(f"{GAP_ALERT} is {alert_state(GAP_ALERT)} before the outage "
                 f"(gap £{metric_sum('adwatch_report_gap_gbp'):.0f})")
    elif n == 1:
        if missing < 0.25 * known:
            fail(f"the outage hid only {missing:.0f} of {known:.0f} ads")
        ads = listed["ads"]
        if not all(a["state"] in ("missing", "unlisted", "removed") and a["page_name"]
                   for a in ads):
            fail("the API lists ads without a lost state or page name")
        if not any(a["state"] == "unlisted" for a in ads):
            fail("the crawler found hidden ads by id: some must be unlisted")
        wait_for(f"{ALERT} firing", lambda: alert_state() == "firing", 60)
        alert = [a for a in prometheus.alerts() if a["labels"]["alertname"] == ALERT][0]
        log(f"{ALERT} firing: {alert['annotations']['summary']}")
        if alert["labels"].get("registry") != "meta" or "runbook" not in alert["annotations"]:
            fail(f"unexpected alert {alert}")
        wait_for(f"{GAP_ALERT} firing", lambda: alert_state(GAP_ALERT) == "firing", 60)
        gaps = [a for a in prometheus.alerts()
                if a["labels"]["alertname"] == GAP_ALERT and a["state"] == "firing"]
        log(f"{GAP_ALERT} firing for {sorted(a['labels']['party'] for a in gaps)}: "
            f"{gaps[0]['annotations']['summary']}")
    else:
        wait_for(f"{ALERT} resolved", lambda: alert_state() == "inactive", 60)
        log(f"{ALERT} resolved after the registry listed the ads again")
        wait_for(f"{GAP_ALERT} resolved", lambda: alert_state(GAP_ALERT) == "inactive", 60)
        log(f"{GAP_ALERT} resolved: the ads shown account for the reported spend again")

prometheus.stop()
run.terminate()
if run.wait(timeout=60) != 0:
    fail("adwatch run did not stop cleanly on SIGTERM")
kafka.terminate()
kafka.wait(timeout=60)
print("PASS")
