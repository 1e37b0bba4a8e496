"""Every alert of deploy/prometheus/adwatch-rules.yml reaches the people it is meant for.

The table below is the intended routing, written down independently of alertmanager.yml; the
test asks Alertmanager's own router (`amtool config routes test`) where each alert, with the
labels its rule gives it, would go. A new alert must be added here, i.e. routed on purpose.
"""
import os
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, fail, log  # noqa: E402

EXPECTED = {
    "AdRegistryAdsMissing": "regulator-duty",
    "AdRegistryPartyAdsMissing": "regulator-duty",
    "AdRegistryMissingSpend": "regulator-duty",
    "SpendOverStatutoryLimit": "regulator-duty",
    "AdRegistryListingDrop": "regulator-analysts",
    "AdRegistryReportGap": "regulator-analysts",
    "SpendNearStatutoryLimit": "regulator-digest",
    "SpendSurgeParty": "regulator-digest",
    "SpendSurgeTheme": "regulator-digest",
    "AdRegistryCrawlStale": "operators-email",
    "AdwatchIngestionStalled": "operators-email",
    "AdwatchConsumerLagging": "operators-email",
    "AdwatchRejectingInput": "operators-email",
    "AdwatchDown": "operators-page",
    "AdwatchPartitionIncident": "operators-page",
    "SpendOverNationLimit": "regulator-duty",
    "SpendNearNationLimit": "regulator-digest",
    "UnregisteredCampaignerOverThreshold": "regulator-analysts",
}

config = os.path.join(ROOT, "deploy", "alertmanager.yml")
with open(os.path.join(ROOT, "deploy", "prometheus", "adwatch-rules.yml")) as f:
    rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r]
names = {r["alert"] for r in rules}
if names != set(EXPECTED):
    fail(f"alerts without intended routing: {sorted(names - set(EXPECTED))}; "
         f"routing for alerts that do not exist: {sorted(set(EXPECTED) - names)}")
for rule in rules:
    labels = dict(rule.get("labels", {}), alertname=rule["alert"],
                  registry="meta", party="Labour", theme="nhs", nation="wales")
    for key in ("severity", "team", "summary", "runbook"):
        source = labels if key in ("severity", "team") else rule.get("annotations", {})
        if key not in source:
            fail(f"{rule['alert']} has no {key}")
    out = subprocess.run(["amtool", "config", "routes", "test", "--config.file=" + config]
                         + [f"{k}={v}" for k, v in sorted(labels.items())],
                         capture_output=True, text=True, check=True).stdout.strip()
    if out != EXPECTED[rule["alert"]]:
        fail(f"{rule['alert']} goes to {out!r}, expected {EXPECTED[rule['alert']]!r}")
    log(f"{rule['alert']:28} -> {out}")
print(f"PASS: {len(rules)} alerts routed as intended")
