"""A registry outage observed by the crawler, seen by a real Prometheus with the project's rules.

Separate processes, as an operator runs them: the loopback stand-in of the Meta Ad Library API
(tests/integration/ad_library_server.py), `adwatch kafka`, `adwatch run`, Prometheus scraping it
every second with deploy/prometheus/adwatch-rules.yml, and `adwatch crawl meta` run once per
crawl with its state directory. Crawl 0: every ad listed. Crawl 1, the outage: 40% of the ads
vanish from the listing (some still answer by id, the others not found). Crawl 2: all listed
again. After each crawl: AdRegistryAdsMissing inactive, firing (registry meta), resolved; the
missing, unlisted and removed counts equal what the server served.
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
TOKEN = "EAAe2eTOKENnever-logged-42"
adwatch = adwatch_binary()
work = tempfile.mkdtemp(prefix="adwatch-crawl-outage-")

ADS = 50


def ad(i):
    return {"id": str(99000000 + i), "page_id": "8807334278" if i % 2 else "25749647410",
            "page_name": "Page %d" % (i % 5), "ad_creative_bodies": ["Polling day"],
            "ad_delivery_start_time": "2019-11-20", "currency": "GBP",
            "spend": {"lower_bound": str(100 * (i % 4 + 1)), "upper_bound": str(100 * (i % 4 + 1) + 99)},
            "impressions": {"lower_bound": "1000", "upper_bound": "4999"},
            "delivery_by_region": [{"region": "England", "percentage": "1"}],
            "demographic_distribution": [], "publisher_platforms": ["facebook"]}


hidden = [i for i in range(ADS) if i % 5 < 2]                # 40% vanish in crawl 1
by_id = [i for i in hidden if i % 3 == 0]                    # of which these answer by id
crawls = [
    {"listing": [ad(i) for i in range(ADS)]},
    {"listing": [ad(i) for i in range(ADS) if i not in hidden],
     "by_id": {ad(i)["id"]: ad(i) for i in by_id}, "faults": ["throttle:613", "5xx"]},
    {"listing": [ad(i) for i in range(ADS)]},
]
scenario = os.path.join(work, "scenario.json")
with open(scenario, "w") as f:
    json.dump({"token": TOKEN, "crawls": crawls}, f)
token_file = os.path.join(work, "token")
with open(token_file, "w") as f:
    f.write(TOKEN + "\n")

api = start(["/usr/bin/python3", os.path.join(ROOT, "tests", "integration", "ad_library_server.py"),
             scenario], stdout=subprocess.PIPE, text=True)
api_port = int(api.stdout.readline())
kafka = start([adwatch, "kafka", "--partitions", "2"], stdin=subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
brokers = kafka.stdout.readline().strip()
if ":" not in brokers:
    fail("adwatch kafka did not print its bootstrap address")
run = start([adwatch, "run", "--brokers", brokers, "--group", "e2e-crawl-outage",
             "--listen", "127.0.0.1:0"], stderr=open(os.path.join(work, "run.log"), "w"))
adwatch_url = f"http://127.0.0.1:{listening_port(run.pid)}"
prometheus = Prometheus([adwatch_url[len("http://"):]],
                        [os.path.join(ROOT, "deploy", "prometheus", "adwatch-rules.yml")])
wait_for("Prometheus to scrape adwatch", prometheus.targets_up, 60)


def metric_sum(name):
    status, body = http_get(adwatch_url + "/metrics")
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def alert_state():
    states = [a["state"] for a in prometheus.alerts() if a["labels"]["alertname"] == ALERT]
    return states[0] if states else "inactive"


applied = 0
listed_before = set()
for n, crawl in enumerate(crawls):
    status, _ = http_get(f"http://127.0.0.1:{api_port}/control?crawl={n}")
    if status != 200:
        fail("the API stand-in did not switch crawls")
    done = subprocess.run([adwatch, "crawl", "meta", "--brokers", brokers, "--state",
                           os.path.join(work, "state"), "--api-base",
                           f"http://127.0.0.1:{api_port}", "--token", "${file:%s}" % token_file,
                           "--page-limit", "9", "--retry-base", "0.05"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        fail(f"crawl {n} exited {done.returncode}: {done.stderr[-500:]}")
    if TOKEN in done.stdout + done.stderr:
        fail("the access token appeared in the crawler's output")
    log(done.stdout.strip())
    listed = {a["id"] for a in crawl["listing"]}
    lookups = listed_before - listed
    applied += len(listed) + len(lookups) + 2  # the crawl_end reaches both partitions
    wait_for(f"adwatch to consume crawl {n}",
             lambda: metric_sum("adwatch_events_total") >= applied, 120)
    missing = metric_sum("adwatch_registry_ads_missing")
    unlisted = metric_sum("adwatch_registry_ads_unlisted")
    removed = metric_sum("adwatch_registry_ads_removed")
    expect_unlisted = len([i for i in lookups if i in crawl.get("by_id", {})])
    log(f"crawl {n}: {missing:.0f} missing, {unlisted:.0f} unlisted, {removed:.0f} removed")
    if (missing, unlisted, removed) != (len(lookups), expect_unlisted,
                                        len(lookups) - expect_unlisted):
        fail(f"crawl {n}: expected {len(lookups)} missing, {expect_unlisted} unlisted")
    if n == 0:
        wait_for("a rule evaluation after crawl 0",
                 lambda: prometheus.query("registry:adwatch_ads_missing:ratio"), 30)
        if alert_state() != "inactive":
            fail(f"{ALERT} is {alert_state()} before the outage")
    elif n == 1:
        if missing != len(hidden):
            fail(f"the outage hid {missing:.0f} ads, the server hid {len(hidden)}")
        wait_for(f"{ALERT} firing", lambda: alert_state() == "firing", 60)
        alert = [a for a in prometheus.alerts() if a["labels"]["alertname"] == ALERT][0]
        log(f"{ALERT} firing: {alert['annotations']['summary']}")
        if alert["labels"].get("registry") != "meta":
            fail(f"unexpected alert {alert}")
    else:
        wait_for(f"{ALERT} resolved", lambda: alert_state() == "inactive", 60)
        log(f"{ALERT} resolved after the registry listed the ads again")
    listed_before |= listed

prometheus.stop()
run.terminate()
if run.wait(timeout=60) != 0:
    fail("adwatch run did not stop cleanly on SIGTERM")
kafka.terminate()
kafka.wait(timeout=60)
print("PASS")
