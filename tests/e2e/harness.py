"""Processes for end-to-end tests: adwatch itself and a real Prometheus server, on loopback.

Every server binds port 0 (Prometheus too: Go's listener takes it) and the bound port is read
back from /proc, so tests never race for ports. Every process is killed when the test exits,
whatever happens. Standard library only.
"""
import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_children = []


def _kill_children():
    for p in _children:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_kill_children)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def log(message):
    print(time.strftime("%H:%M:%S ") + message, flush=True)


def start(args, **kwargs):
    """Starts a child process that is killed when the test ends."""
    p = subprocess.Popen(args, **kwargs)
    _children.append(p)
    return p


def listening_port(pid, timeout=30.0):
    """The TCP port process `pid` listens on (the first, once it has one)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        inodes = set()
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            pass
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                for line in f.readlines()[1:]:
                    cols = line.split()
                    if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                        return int(cols[1].split(":")[1], 16)
        time.sleep(0.1)
    fail(f"process {pid} did not start listening within {timeout:.0f} s")


def http_get(url, timeout=10.0):
    """(status, body) of a GET; status 0 when the connection fails."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def wait_for(what, predicate, timeout, interval=0.5):
    """Polls `predicate` until it returns a true value; fails the test after `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    fail(f"timed out after {timeout:.0f} s waiting for {what}")


class Prometheus:
    """A real Prometheus server scraping `targets` every second with the given rule files."""

    def __init__(self, targets, rule_files=(), interval="1s", scrape_extra=None):
        self.dir = tempfile.mkdtemp(prefix="adwatch-prom-")
        config = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [os.path.abspath(f) for f in rule_files],
            "scrape_configs": [{"job_name": "adwatch",
                                "static_configs": [{"targets": list(targets)}],
                                **(scrape_extra or {})}],
        }
        config_path = os.path.join(self.dir, "prometheus.yml")
        with open(config_path, "w") as f:
            json.dump(config, f)  # JSON is YAML
        self.proc = start(["prometheus", "--config.file=" + config_path,
                           "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                           "--web.listen-address=127.0.0.1:0", "--log.level=warn"],
                          stdout=subprocess.DEVNULL, stderr=open(
                              os.path.join(self.dir, "prometheus.log"), "w"))
        self.url = f"http://127.0.0.1:{listening_port(self.proc.pid)}"
        wait_for("Prometheus ready", lambda: http_get(self.url + "/-/ready")[0] == 200, 60)

    def api(self, path, **params):
        status, body = http_get(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        if status != 200:
            fail(f"Prometheus {path} {params}: HTTP {status} {body[:300]}")
        return json.loads(body)["data"]

    def query(self, expr):
        """The instant vector of `expr` now, as a list of {metric, value}."""
        return self.api("query", query=expr)["result"]

    def alerts(self):
        return self.api("alerts")["alerts"]

    def targets_up(self):
        return [t for t in self.api("targets")["activeTargets"] if t["health"] == "up"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def adwatch_binary():
    binary = os.environ.get("ADWATCH_BIN", "")
    if not os.path.exists(binary):
        fail("set ADWATCH_BIN to the adwatch binary")
    return binary
