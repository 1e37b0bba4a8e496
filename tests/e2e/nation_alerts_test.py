"""The per-nation limit alerts and UnregisteredCampaignerOverThreshold, on a real Prometheus with
the project's rules (deploy/prometheus/adwatch-rules.yml).

Prometheus scrapes two targets every second, as it would two adwatch instances: a real `adwatch
run` with the shipped config (on an empty topic of `adwatch kafka`), which exports the
configured nation limits (adwatch_spend_limit_nation_gbp), and a loopback endpoint serving the
per-nation spend and the unregistered-advertiser counts the test sets (adwatch_spend_nation_gbp,
adwatch_unregistered_over_threshold: families exported by issue 12's other parts, so that this
test does not depend on a stream that produces them). The test moves Labour's Welsh spend from
41.7% to 83.3% to 108.3% of its Welsh limit (£1,200,000 = 40 seats x £30,000) and Wales's
unregistered count from 0 to 3 and back, and checks through Prometheus's /api/v1/alerts that each
alert is inactive, then firing with the right labels and value, then resolved. It also evaluates
the nations dashboard's expressions against the served values.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, Prometheus, adwatch_binary, fail, http_get, listening_port, log,  # noqa
                     start, wait_for)

WELSH_LIMIT = 40 * 30000  # Labour contested all 40 Welsh seats in 2019 (deploy/adwatch.yaml)
NATION_ALERTS = ("SpendNearNationLimit", "SpendOverNationLimit",
                 "UnregisteredCampaignerOverThreshold")


class Served:
    """The metrics the stand-in instance serves; changed by the test between phases."""

    def __init__(self):
        self.lock = threading.Lock()
        self.welsh_lower = 0
        self.unregistered = {"england": 0, "scotland": 0, "wales": 0, "northern_ireland": 0}

    def text(self):
        with self.lock:
            lines = ["# TYPE adwatch_spend_nation_gbp gauge"]
            for bound, value in (("lower", self.welsh_lower), ("mid", self.welsh_lower + 100000),
                                 ("upper", self.welsh_lower + 200000)):
                lines.append(f'adwatch_spend_nation_gbp{{party="Labour",nation="wales",'
                             f'bound="{bound}"}} {value}')
            lines.append("# TYPE adwatch_unregistered_over_threshold gauge")
            for nation, count in self.unregistered.items():
                lines.append(f'adwatch_unregistered_over_threshold{{nation="{nation}"}} {count}')
            return "\n".join(lines) + "\n"

    def set(self, welsh_lower, welsh_unregistered):
        with self.lock:
            self.welsh_lower = welsh_lower
            self.unregistered["wales"] = welsh_unregistered


served = Served()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = served.text().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    adwatch = adwatch_binary()
    work = tempfile.mkdtemp(prefix="adwatch-nation-")
    kafka = start([adwatch, "kafka", "--partitions", "1"], stdin=subprocess.PIPE,
                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    brokers = kafka.stdout.readline().strip()
    if ":" not in brokers:
        fail("adwatch kafka did not print its bootstrap address")
    run = start([adwatch, "run", "--brokers", brokers, "--group", "e2e-nation",
                 "--listen", "127.0.0.1:0"], stderr=open(os.path.join(work, "run.log"), "w"))
    adwatch_address = f"127.0.0.1:{listening_port(run.pid)}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stand_in = f"127.0.0.1:{server.server_address[1]}"

    # The limit really comes from adwatch's shipped config.
    status, metrics = http_get(f"http://{adwatch_address}/metrics")
    expected = f'adwatch_spend_limit_nation_gbp{{party="Labour",nation="wales"}} {WELSH_LIMIT}\n'
    if status != 200 or expected not in metrics:
        fail(f"adwatch does not serve {expected.strip()!r} (HTTP {status})")

    served.set(500000, 0)  # 41.7%
    prometheus = Prometheus([adwatch_address, stand_in], [
        os.path.join(ROOT, "deploy", "prometheus", "adwatch-rules.yml")])
    wait_for("Prometheus to scrape both targets", lambda: len(prometheus.targets_up()) == 2, 60)

    def ratio():
        r = prometheus.query('party_nation:adwatch_spend_limit_nation:ratio'
                             '{party="Labour",nation="wales"}')
        return float(r[0]["value"][1]) if r else None

    def alerts(name):
        return [a for a in prometheus.alerts() if a["labels"]["alertname"] == name]

    def expect(name, state, labels=None, value=None):
        """Waits until `name` has one alert in `state` with `labels`, or none when state is None."""
        def ok():
            found = alerts(name)
            if state is None:
                return not found
            return (len(found) == 1 and found[0]["state"] == state
                    and all(found[0]["labels"].get(k) == v for k, v in (labels or {}).items())
                    and (value is None or abs(float(found[0]["value"]) - value) < 1e-9))
        wait_for(f"{name} {state or 'inactive'}", ok, 60)
        log(f"{name}: {state or 'inactive'}")

    wait_for("the nation ratio at 41.7%",
             lambda: ratio() is not None and abs(ratio() - 500000 / WELSH_LIMIT) < 1e-9, 60)
    # A few evaluations at 41.7%: nothing fires.
    wait_for("5 rule evaluations", lambda: prometheus.query(
        "count_over_time(party_nation:adwatch_spend_limit_nation:ratio"
        '{party="Labour",nation="wales"}[1m]) >= 5'), 60)
    for name in NATION_ALERTS:
        if alerts(name):
            fail(f"{name} is active at 41.7% and no unregistered advertisers: {alerts(name)}")
    log("no nation alert at 41.7% and 0 unregistered")

    served.set(1000000, 3)  # 83.3%; three unregistered advertisers over the Welsh threshold
    expect("SpendNearNationLimit", "firing", {"party": "Labour", "nation": "wales",
                                              "severity": "info", "team": "regulator"},
           1000000 / WELSH_LIMIT)
    expect("UnregisteredCampaignerOverThreshold", "firing",
           {"nation": "wales", "severity": "warn", "team": "regulator"}, 3)
    if alerts("SpendOverNationLimit"):
        fail("SpendOverNationLimit fires at 83.3%")
    if len(alerts("UnregisteredCampaignerOverThreshold")) != 1:
        fail("UnregisteredCampaignerOverThreshold fires for a nation with 0 advertisers over")

    # The nations dashboard's expressions see the served figures and the configured limit.
    check_dashboard(prometheus)

    served.set(1300000, 3)  # 108.3%
    expect("SpendOverNationLimit", "firing", {"party": "Labour", "nation": "wales",
                                              "severity": "page", "team": "regulator"},
           1300000 / WELSH_LIMIT)
    expect("SpendNearNationLimit", None)

    served.set(1300000, 0)  # attributed or registered: the count drops to 0
    expect("UnregisteredCampaignerOverThreshold", None)
    expect("SpendOverNationLimit", "firing")  # unaffected

    prometheus.stop()
    server.shutdown()
    run.terminate()
    run.wait(timeout=60)
    kafka.terminate()
    kafka.wait(timeout=60)
    log("PASS")


def check_dashboard(prometheus):
    with open(os.path.join(ROOT, "dashboards", "adwatch-nations.json")) as f:
        dashboard = json.load(f)
    exprs = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", [])]
    if not exprs:
        fail("no expressions in the nations dashboard")
    for title, expr in exprs:
        expr = expr.replace('party=~"$party"', 'party=~".*"').replace('nation=~"$nation"',
                                                                      'nation=~".*"')
        result = prometheus.query(expr)
        if not result:
            fail(f"nations dashboard {title!r}: no data for {expr}")
        values = {(r["metric"].get("party"), r["metric"].get("nation")): float(r["value"][1])
                  for r in result}
        if "adwatch_unregistered_over_threshold" in expr:
            if values.get((None, "wales")) != 3 or values.get((None, "england")) != 0:
                fail(f"nations dashboard {title!r}: {values}")
        elif "ratio" in expr:
            if abs(values.get(("Labour", "wales"), -1) - 1000000 / WELSH_LIMIT) > 1e-9:
                fail(f"nations dashboard {title!r}: {values}")
        elif "limit" in expr:
            if values.get(("Labour", "wales")) != WELSH_LIMIT:
                fail(f"nations dashboard {title!r}: {values}")
        else:
            bound = {"lower": 1000000, "mid": 1100000, "upper": 1200000}
            want = next(v for b, v in bound.items() if f'bound="{b}"' in expr)
            if values.get(("Labour", "wales")) != want:
                fail(f"nations dashboard {title!r}: {values} (expected {want})")
    log(f"nations dashboard: {len(exprs)} expressions checked against the served figures")


if __name__ == "__main__":
    main()
