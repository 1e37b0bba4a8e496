"""`adwatch run` behind its own TLS and basic auth, flooded with wrong passwords from its start.

Separate processes, as an operator runs them: `adwatch kafka` (embedded cluster on loopback),
`adwatch run` with a web config holding `basic_auth_users` (bcrypt cost 10) and
`tls_server_config` (a CA and server certificate made here by certtool), and a real Prometheus
scraping it over HTTPS with the password. From the moment the listener is up, 6 flooding
clients (each on its own loopback address, 127.0.0.2-7) send wrong passwords over TLS in a
loop. Meanwhile a scraper on 127.0.0.1 with the right password — first presented during the
flood, so it needs bcrypt — scrapes every 200 ms: every scrape must answer 200 within
SCRAPE_BOUND seconds. `prometheus:<password>\\0junk` is refused (401) and does not displace
the remembered password. Prometheus must see the target up. Plain HTTP gets no answer.
"""
import base64
import http.client
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import crypt  # noqa: E402  (deprecated, still in Debian 12's Python 3.11)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, Prometheus, adwatch_binary, fail, listening_port, log,  # noqa
                     start, wait_for)

PASSWORD = "s3cret-pass"
FLOOD_SECONDS = 12
SCRAPE_BOUND = 2.0  # seconds; Prometheus' default scrape timeout is 10 s
adwatch = adwatch_binary()
work = tempfile.mkdtemp(prefix="adwatch-flood-")


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def template(name, body):
    path = os.path.join(work, name + ".tmpl")
    with open(path, "w") as f:
        f.write(body + "expiration_days = 2\n")
    return path


def p(name):
    return os.path.join(work, name)


run("certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", p("ca.key"))
run("certtool", "--generate-self-signed", "--load-privkey", p("ca.key"), "--template",
    template("ca", 'cn = "adwatch e2e CA"\nca\ncert_signing_key\n'), "--outfile", p("ca.pem"))
run("certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", p("server.key"))
run("certtool", "--generate-certificate", "--load-privkey", p("server.key"),
    "--load-ca-certificate", p("ca.pem"), "--load-ca-privkey", p("ca.key"), "--template",
    template("server", 'cn = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\n'
                       "signing_key\nencryption_key\n"), "--outfile", p("server.pem"))

bcrypt_hash = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))
with open(p("web.yml"), "w") as f:
    f.write(f"basic_auth_users:\n  prometheus: {bcrypt_hash}\n"
            "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n")
with open(os.path.join(ROOT, "deploy", "adwatch.yaml")) as f:
    config = f.read()
with open(p("adwatch.yaml"), "w") as f:
    f.write(config + f"\nweb_config: {p('web.yml')}\n")

check = subprocess.run([adwatch, "check-config", p("adwatch.yaml")], capture_output=True,
                       text=True)
if check.returncode != 0:
    fail("check-config refused the TLS web config: " + check.stdout + check.stderr)

kafka = start([adwatch, "kafka", "--partitions", "2"], stdin=subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
brokers = kafka.stdout.readline().strip()
if ":" not in brokers:
    fail("adwatch kafka did not print its bootstrap address")
adwatch_run = start([adwatch, "run", "--config", p("adwatch.yaml"), "--brokers", brokers,
                     "--group", "e2e-flood", "--listen", "127.0.0.1:0"],
                    stderr=open(p("run.log"), "w"))
port = listening_port(adwatch_run.pid)
log(f"adwatch listening on {port}")

context = ssl.create_default_context(cafile=p("ca.pem"))


def get(path, credentials, source="127.0.0.1", timeout=10.0):
    """(status, body) of a GET over TLS from `source`; status 0 when the connection fails."""
    auth = base64.b64encode(credentials.encode("latin-1")).decode()
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=timeout,
                                       source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Authorization": "Basic " + auth})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return 0, ""
    finally:
        conn.close()


stop = threading.Event()
flood_counts = {}


def flood(source):
    n = 0
    while not stop.is_set():
        get("/metrics", "prometheus:wrong-" + str(n), source)
        n += 1
    flood_counts[source] = n


flooders = [threading.Thread(target=flood, args=(f"127.0.0.{i}",)) for i in range(2, 8)]
for t in flooders:
    t.start()
time.sleep(0.5)  # the flood is on before the first right password arrives

latencies = []
statuses = []
nul_checked = False
deadline = time.time() + FLOOD_SECONDS
while time.time() < deadline:
    t0 = time.time()
    status, body = get("/metrics", "prometheus:" + PASSWORD)
    latencies.append(time.time() - t0)
    statuses.append(status)
    if not nul_checked and status == 200:
        nul_status, _ = get("/healthz", "prometheus:" + PASSWORD + "\0junk", "127.0.0.8")
        if nul_status != 401:
            fail(f"prometheus:<password>\\0junk answered {nul_status}, expected 401")
        nul_checked = True
    time.sleep(max(0.0, 0.2 - (time.time() - t0)))

# The real Prometheus, over HTTPS with the password, while the flood goes on.
with open(p("password"), "w") as f:
    f.write(PASSWORD)
prometheus = Prometheus([f"127.0.0.1:{port}"], scrape_extra={
    "scheme": "https",
    "tls_config": {"ca_file": p("ca.pem")},
    "basic_auth": {"username": "prometheus", "password_file": p("password")},
})
wait_for("Prometheus to scrape adwatch over TLS", prometheus.targets_up, 60)
stop.set()
for t in flooders:
    t.join()

_, metrics = get("/metrics", "prometheus:" + PASSWORD)
busy = unauthorized = 0.0
for line in metrics.splitlines():
    if line.startswith('adwatch_http_rejected_requests_total{reason="busy"}'):
        busy = float(line.rsplit(" ", 1)[1])
    if line.startswith('adwatch_http_rejected_requests_total{reason="unauthorized"}'):
        unauthorized = float(line.rsplit(" ", 1)[1])

plain = socket.create_connection(("127.0.0.1", port), timeout=5)
plain.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
try:
    answer = plain.recv(64)
except OSError:
    answer = b""
plain.close()

log(f"flood: {sum(flood_counts.values())} wrong-password requests from {len(flooders)} clients "
    f"({unauthorized:.0f} answered 401, {busy:.0f} 503 without bcrypt)")
log(f"scrapes: {len(statuses)}, {statuses.count(200)} answered 200, latency max "
    f"{max(latencies) * 1000:.0f} ms, median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms")
if statuses.count(200) != len(statuses):
    fail(f"correct scrapes not answered 200 during the flood: {statuses}")
if max(latencies) > SCRAPE_BOUND:
    fail(f"a correct scrape took {max(latencies):.2f} s (bound {SCRAPE_BOUND} s)")
if not nul_checked:
    fail("the NUL password was not checked")
if sum(flood_counts.values()) < 100 or busy < 1:
    fail(f"the flood did not reach the password budget: {flood_counts}, busy {busy}")
if answer.startswith(b"HTTP/"):
    fail("plain HTTP was answered on the TLS listener: " + repr(answer))
print("PASS", flush=True)
