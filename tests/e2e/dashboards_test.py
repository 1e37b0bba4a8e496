"""Every PromQL expression of every Grafana dashboard in dashboards/ returns data from a real
Prometheus server scraping `adwatch demo` every second (loopback, port 0).

Dashboard variables are substituted the way Grafana does for "All" ($party -> .*), interval
macros by what Grafana would choose for a 1 s scrape interval. Panels, template-variable queries
and alert annotations are all evaluated; annotations only need to be valid PromQL (no alert
fires during a short demo), everything else must return at least one series.
"""
import glob
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from demo import Demo  # noqa: E402

MACROS = {"$__rate_interval": "4s", "$__interval": "1s", "$__range": "1m"}

def substitute(expr, variables):
    for macro, value in MACROS.items():
        expr = expr.replace(macro, value)
    for name, value in variables.items():
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    if "$" in expr.replace("$labels", "").replace("$value", ""):
        harness.fail(f"unsubstituted variable in {expr!r}")
    return expr


def panel_exprs(panels):
    for panel in panels:
        yield from panel_exprs(panel.get("panels", []))  # collapsed rows
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def variable_query(variable):
    """label_values(metric, label) as an instant query with one series per value."""
    query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
    match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query.strip())
    if not match:
        harness.fail(f"variable {variable['name']}: unsupported query {query!r}")
    return f"group by ({match.group(2)}) ({match.group(1)})"


def main():
    demo = Demo(speed=100000, duration=150)
    prometheus = harness.Prometheus([demo.address], rule_files=[
        os.path.join(harness.ROOT, "deploy/prometheus/adwatch-rules.yml")])
    harness.wait_for("Prometheus scraping adwatch", prometheus.targets_up, 30)
    # Enough of the campaign for every family (registry crawls, 7 days of windows), and enough
    # scrapes for rates over $__rate_interval.
    harness.wait_for("a completed crawl in Prometheus",
                     lambda: prometheus.query("sum(adwatch_registry_ads_known) > 0"), 90)
    harness.wait_for("10 scrapes", lambda: prometheus.query("count_over_time(up[1m]) >= 10"), 30)

    checked = 0
    failures = []
    for path in sorted(glob.glob(os.path.join(harness.ROOT, "dashboards", "*.json"))):
        with open(path) as f:
            dashboard = json.load(f)
        name = os.path.basename(path)
        variables = {}
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                expr = variable_query(variable)
                if not prometheus.query(expr):
                    failures.append(f"{name}: variable {variable['name']}: no data for {expr}")
                variables[variable["name"]] = variable.get("allValue") or ".*"
            elif variable["type"] == "custom":  # a fixed list (nation): "All"
                variables[variable["name"]] = variable.get("allValue") or ".*"
            checked += 1
        for title, expr in panel_exprs(dashboard["panels"]):
            title = substitute(title, variables)
            expr = substitute(expr, variables)
            result = prometheus.query(expr)
            if not result:
                failures.append(f"{name}: panel {title!r}: no data for {expr}")
            elif all(r["value"][1] in ("NaN",) for r in result):
                failures.append(f"{name}: panel {title!r}: only NaN for {expr}")
            checked += 1
        for annotation in dashboard["annotations"]["list"]:
            if "expr" in annotation:
                prometheus.query(substitute(annotation["expr"], variables))  # fails if invalid
                checked += 1
    harness.log(f"evaluated {checked} expressions")
    for failure in failures:
        print("FAIL: " + failure, flush=True)
    if failures or checked == 0:
        sys.exit(1)
    demo.stop()
    prometheus.stop()
    harness.log("PASS")


if __name__ == "__main__":
    start = time.time()
    main()
    harness.log(f"took {time.time() - start:.0f} s")
