"""The deployment files hold together, offline (python3-yaml, no servers):
- dashboards/*.json: valid, current schema, `datasource` variable, every panel has a title and a
  unit and queries through ${datasource}, no hard-coded instance or job;
- deploy/compose.yaml: Kafka in KRaft mode, the services of the stack, every file it mounts or
  builds from exists, Grafana provisioning points at the mounted dashboards;
- deploy/k8s: every manifest parses, kustomization resources exist, the StatefulSet runs several
  replicas with a state volume, Service/ServiceMonitor/PodDisruptionBudget select its pods,
  referenced ConfigMaps exist, and generated/ equals a fresh render (PrometheusRule = the rule
  file, dashboard ConfigMaps = dashboards/, config = deploy/adwatch.yaml);
- deploy/Dockerfile installs every runtime package of the libraries `adwatch` links (ldd);
- the install step (`cmake --install`) and the systemd unit: installed into a temporary prefix,
  the unit passes `systemd-analyze verify`.
Environment: ADWATCH_BIN (the built binary), ADWATCH_BUILD_DIR (its build tree).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


def load_yaml_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def panels_of(panels):
    for p in panels:
        yield p
        yield from panels_of(p.get("panels", []))


def check_dashboards():
    uids = set()
    paths = sorted(glob.glob(os.path.join(ROOT, "dashboards", "*.json")))
    check(len(paths) >= 3, "expected the Spend, Registry health and Pipeline dashboards")
    for path in paths:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            d = json.load(f)  # raises on invalid JSON
        check(d.get("schemaVersion", 0) >= 36, f"{name}: schemaVersion {d.get('schemaVersion')}")
        check(d["uid"] not in uids, f"{name}: duplicate uid {d['uid']}")
        uids.add(d["uid"])
        variables = {v["name"]: v for v in d["templating"]["list"]}
        check(variables.get("datasource", {}).get("type") == "datasource",
              f"{name}: no datasource variable")
        for p in panels_of(d["panels"]):
            if p["type"] == "row":
                check(p.get("title"), f"{name}: row without a title")
                continue
            where = f"{name}: panel {p.get('id')} {p.get('title')!r}"
            check(p.get("title"), f"{where}: no title")
            check(p.get("description"), f"{where}: no description")
            check(p.get("fieldConfig", {}).get("defaults", {}).get("unit"), f"{where}: no unit")
            check(p.get("datasource", {}).get("uid") == "${datasource}",
                  f"{where}: datasource is not ${{datasource}}")
            check(p.get("targets"), f"{where}: no queries")
            for t in p.get("targets", []):
                check(t.get("datasource", {}).get("uid") == "${datasource}",
                      f"{where}: query datasource is not ${{datasource}}")
                check(not re.search(r"\b(instance|job)\s*=", t["expr"]),
                      f"{where}: hard-coded instance/job in {t['expr']}")
                check(t.get("legendFormat"), f"{where}: query without a legend")
                # Every instance exports its share: figures must be aggregated across them.
                check(re.search(r"\b(sum|max|min|count|topk|group)\b", t["expr"]),
                      f"{where}: not aggregated across instances: {t['expr']}")


def check_compose():
    compose = load_yaml_docs(os.path.join(DEPLOY, "compose.yaml"))[0]
    services = compose["services"]
    for s in ("kafka", "adwatch", "prometheus", "alertmanager", "grafana"):
        check(s in services, f"compose: no {s} service")
    kafka_env = services["kafka"]["environment"]
    check("controller" in kafka_env.get("KAFKA_PROCESS_ROLES", "") and
          not any("ZOOKEEPER" in k for k in kafka_env), "compose: Kafka is not in KRaft mode")
    check(services["kafka"]["image"].startswith("apache/kafka"), "compose: not Apache Kafka")
    for name, service in services.items():
        build = service.get("build")
        if build:
            context = os.path.normpath(os.path.join(DEPLOY, build["context"]))
            check(os.path.isfile(os.path.join(context, build["dockerfile"])),
                  f"compose: {name}: no {build['dockerfile']} in {context}")
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                check(os.path.exists(os.path.join(DEPLOY, source)),
                      f"compose: {name} mounts missing {source}")
            else:
                check(source in compose.get("volumes", {}), f"compose: undeclared volume {source}")
        for port in service.get("ports", []):
            check(port.startswith("127.0.0.1:"), f"compose: {name} publishes {port} beyond loopback")
    # Files named inside containers exist at the mounted location.
    def host_path(service, container_path):
        for volume in services[service].get("volumes", []):
            source, target = volume.split(":")[:2]
            if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
                return os.path.normpath(os.path.join(DEPLOY, source + container_path[len(target):]))
        return None
    for service in ("prometheus", "alertmanager"):
        for arg in services[service]["command"]:
            if arg.startswith("--config.file="):
                path = host_path(service, arg.split("=", 1)[1])
                check(path and os.path.isfile(path), f"compose: {service} config {arg} not mounted")
    prom_config = host_path("prometheus", "/etc/prometheus/prometheus-compose.yml")
    for rule_file in load_yaml_docs(prom_config)[0]["rule_files"]:
        check(glob.glob(os.path.join(os.path.dirname(prom_config), rule_file)),
              f"compose: Prometheus rule file {rule_file} missing")
    provider = load_yaml_docs(host_path(
        "grafana", "/etc/grafana/provisioning/dashboards/adwatch.yml"))[0]["providers"][0]
    dash_dir = host_path("grafana", provider["options"]["path"])
    check(dash_dir and glob.glob(os.path.join(dash_dir, "*.json")),
          "compose: Grafana dashboards provider path holds no dashboards")
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    check(os.path.isfile(host_path("grafana", home) or ""), f"compose: no home dashboard {home}")
    datasources = load_yaml_docs(host_path(
        "grafana", "/etc/grafana/provisioning/datasources/prometheus.yml"))[0]["datasources"]
    check(any(d["type"] == "prometheus" and "prometheus:9090" in d["url"] for d in datasources),
          "compose: Grafana has no Prometheus datasource")


def check_k8s():
    k8s = os.path.join(DEPLOY, "k8s")
    sys.path.insert(0, k8s)
    import render  # noqa: E402
    for name, text in render.render().items():
        with open(os.path.join(k8s, "generated", name), encoding="utf-8") as f:
            check(f.read() == text, f"k8s: generated/{name} is stale: run deploy/k8s/render.py")
    kustomization = load_yaml_docs(os.path.join(k8s, "kustomization.yaml"))[0]
    objects = []
    for resource in kustomization["resources"]:
        path = os.path.join(k8s, resource)
        if check(os.path.isfile(path), f"k8s: kustomization resource {resource} missing"):
            objects += load_yaml_docs(path)
    for o in objects:
        check(o.get("apiVersion") and o.get("kind") and o.get("metadata", {}).get("name"),
              f"k8s: object without apiVersion/kind/name: {str(o)[:80]}")
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    sts = by_kind["StatefulSet"]["adwatch"]
    spec = sts["spec"]
    pod_labels = spec["template"]["metadata"]["labels"]
    check(spec["replicas"] >= 2, "k8s: StatefulSet has a single replica")
    check(spec["selector"]["matchLabels"].items() <= pod_labels.items(), "k8s: selector mismatch")
    container = spec["template"]["spec"]["containers"][0]
    claims = {c["metadata"]["name"] for c in spec["volumeClaimTemplates"]}
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    for mount in container["volumeMounts"]:
        check(mount["name"] in claims or mount["name"] in volumes,
              f"k8s: mount {mount['name']} has no volume")
    check(any(m["mountPath"] == "/var/lib/adwatch" and m["name"] in claims
              for m in container["volumeMounts"]), "k8s: state is not on a persistent volume")
    args = container["args"]
    check(args[args.index("--state") + 1] == "/var/lib/adwatch", "k8s: --state not the volume")
    config_path = args[args.index("--config") + 1]
    for v in volumes.values():
        if "configMap" in v:
            cm = by_kind.get("ConfigMap", {}).get(v["configMap"]["name"])
            if check(cm, f"k8s: ConfigMap {v['configMap']['name']} missing"):
                mount = next(m for m in container["volumeMounts"] if m["name"] == v["name"])
                check(config_path.startswith(mount["mountPath"]) and
                      os.path.basename(config_path) in cm["data"],
                      f"k8s: {config_path} is not in ConfigMap {v['configMap']['name']}")
    ports = {p["name"] for p in container["ports"]}
    service = by_kind["Service"][spec["serviceName"]]
    check(service["spec"]["selector"].items() <= pod_labels.items(), "k8s: Service selects no pod")
    check(service["spec"].get("publishNotReadyAddresses"),
          "k8s: Service hides replicas that are rebuilding from Prometheus")
    check(all(p["targetPort"] in ports for p in service["spec"]["ports"]), "k8s: Service port")
    for monitor in by_kind.get("ServiceMonitor", {}).values():
        check(monitor["spec"]["selector"]["matchLabels"].items() <=
              service["metadata"]["labels"].items(), "k8s: ServiceMonitor selects no Service")
        check(all(e["port"] in {p["name"] for p in service["spec"]["ports"]}
                  for e in monitor["spec"]["endpoints"]), "k8s: ServiceMonitor port")
    for pdb in by_kind.get("PodDisruptionBudget", {}).values():
        check(pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(), "k8s: PDB")
    rules = load_yaml_docs(os.path.join(DEPLOY, "prometheus", "adwatch-rules.yml"))[0]
    check(by_kind["PrometheusRule"]["adwatch"]["spec"] == rules,
          "k8s: PrometheusRule differs from deploy/prometheus/adwatch-rules.yml")
    dashboards = {os.path.basename(p): open(p, encoding="utf-8").read()
                  for p in glob.glob(os.path.join(ROOT, "dashboards", "*.json"))}
    shipped = {}
    for cm in by_kind["ConfigMap"].values():
        if cm["metadata"]["labels"].get("grafana_dashboard") == "1":
            shipped.update(cm["data"])
    check(shipped == dashboards, "k8s: dashboard ConfigMaps differ from dashboards/")


def check_dockerfile():
    text = open(os.path.join(DEPLOY, "Dockerfile"), encoding="utf-8").read()
    images = re.findall(r"^FROM (\S+)", text, re.M)
    check(len(images) >= 2 and all(i.startswith("debian:12") for i in images),
          f"Dockerfile: not multi-stage Debian 12: {images}")
    runtime = set(re.findall(r"\b(lib[\w.+-]+)", text[text.rindex("\nFROM "):]))
    binary = os.environ.get("ADWATCH_BIN", "")
    if not check(os.path.isfile(binary), "set ADWATCH_BIN"):
        return
    libs = re.findall(r"=> (/\S+)", subprocess.run(["ldd", binary], capture_output=True,
                                                   text=True, check=True).stdout)
    owners = subprocess.run(["dpkg", "-S", *[os.path.realpath(lib) for lib in libs]],
                            capture_output=True, text=True).stdout
    needed = {line.split(":")[0] for line in owners.splitlines()}
    base = {"libc6", "libgcc-s1", "libstdc++6", "libasan8", "libubsan1"}  # image; sanitizers
    missing = needed - base - runtime
    check(not missing, f"Dockerfile: runtime stage lacks {sorted(missing)}")


def check_install_and_systemd():
    build_dir = os.environ.get("ADWATCH_BUILD_DIR", "")
    if not check(os.path.isdir(build_dir), "set ADWATCH_BUILD_DIR"):
        return
    with tempfile.TemporaryDirectory() as prefix:
        subprocess.run(["cmake", "--install", build_dir, "--prefix", prefix], check=True,
                       capture_output=True)
        check(os.access(os.path.join(prefix, "bin", "adwatch"), os.X_OK), "install: no bin/adwatch")
        config = os.path.join(prefix, "etc", "adwatch", "adwatch.yaml")
        check(os.path.isfile(config), "install: no etc/adwatch/adwatch.yaml")
        unit = open(os.path.join(DEPLOY, "systemd", "adwatch.service"), encoding="utf-8").read()
        check("ExecStart=/usr/local/bin/adwatch run" in unit, "systemd: ExecStart path")
        local = os.path.join(prefix, "adwatch.service")
        with open(local, "w") as f:
            f.write(unit.replace("/usr/local", prefix).replace("/etc/adwatch/", prefix + "/etc/adwatch/"))
        verify = subprocess.run(["systemd-analyze", "verify", local], capture_output=True,
                                text=True, timeout=60)
        check(verify.returncode == 0 and not verify.stderr.strip(),
              f"systemd-analyze verify: {verify.stderr.strip()}")


def check_crawler_units():
    """The crawler's systemd service and timer verify, and the k8s CronJob runs `crawl meta`
    with its state on a volume and the token from a Secret file (never an argument value)."""
    binary = os.environ.get("ADWATCH_BIN", "")
    with tempfile.TemporaryDirectory() as d:
        names = ["adwatch-crawl-meta.service", "adwatch-crawl-meta.timer"]
        for name in names:
            text = open(os.path.join(DEPLOY, "systemd", name), encoding="utf-8").read()
            with open(os.path.join(d, name), "w") as f:
                f.write(text.replace("/usr/local/bin/adwatch", binary))
        verify = subprocess.run(["systemd-analyze", "verify", *[os.path.join(d, n) for n in names]],
                                capture_output=True, text=True, timeout=60)
        check(verify.returncode == 0 and not verify.stderr.strip(),
              f"systemd-analyze verify crawler: {verify.stderr.strip()}")
    unit = open(os.path.join(DEPLOY, "systemd", "adwatch-crawl-meta.service"), encoding="utf-8").read()
    check("$${file:/etc/adwatch/meta-token}" in unit, "systemd: crawler token not read from a file")
    jobs = [o for o in load_yaml_docs(os.path.join(DEPLOY, "k8s", "crawlers.yaml"))
            if o["kind"] == "CronJob"]
    if check(len(jobs) == 1, "k8s: no crawler CronJob"):
        pod = jobs[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        args = pod["containers"][0]["args"]
        check(args[:2] == ["crawl", "meta"], "k8s: CronJob does not run crawl meta")
        mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        state = args[args.index("--state") + 1]
        check("persistentVolumeClaim" in volumes.get(mounts.get(state, ""), {}),
              "k8s: crawler state not on a persistent volume")
        token = args[args.index("--token") + 1]
        check(token.startswith("${file:") and
              "secret" in volumes.get(mounts.get(os.path.dirname(token[7:-1]), ""), {}),
              "k8s: crawler token not from a Secret file")


for step in (check_dashboards, check_compose, check_k8s, check_dockerfile,
             check_install_and_systemd, check_crawler_units):
    step()
for failure in failures:
    print("FAIL: " + failure)
print("PASS" if not failures else f"{len(failures)} failures")
sys.exit(1 if failures else 0)
