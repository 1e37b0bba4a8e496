"""Scrape latency of `adwatch run` under the listener attacks of docs/SECURITY.md.

Usage: listener_attacks.py ADWATCH_BINARY [SECONDS_PER_ATTACK]

Starts `adwatch kafka` and `adwatch run` (plain HTTP, no auth, on loopback), then for each
attack (clients on 127.0.0.2, the scraper on 127.0.0.1) scrapes /metrics every 100 ms for the
given time and prints the scrapes answered 200 and their p50 / max latency. Run it for two
binaries one after the other on the same machine to compare them; state the machine's load.
"""
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from harness import listening_port, start  # noqa: E402

binary = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
ATTACKER = "127.0.0.2"

kafka = start([binary, "kafka", "--partitions", "2"], stdin=subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
brokers = kafka.stdout.readline().strip()
run = start([binary, "run", "--brokers", brokers, "--group", "bench", "--listen", "127.0.0.1:0"],
            stderr=subprocess.DEVNULL)
port = listening_port(run.pid)


def connect(source=ATTACKER):
    s = socket.socket()
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def exchange(raw, source="127.0.0.1"):
    """Sends `raw` and reads the whole answer (until the server closes)."""
    try:
        s = connect(source)
        s.sendall(raw)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        s.close()
        return out
    except OSError:
        return b""


def scrape():
    t0 = time.time()
    answer = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return answer[9:12] == b"200", (time.time() - t0) * 1000


def slowloris(stop):
    conns = []
    while not stop.is_set():
        while len(conns) < 100:
            try:
                s = connect()
                s.sendall(b"GET /metrics HTTP/1.1\r\n")
                conns.append(s)
            except OSError:
                break
        for s in list(conns):
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                conns.remove(s)
                s.close()
        stop.wait(1.0)
    for s in conns:
        s.close()


def idle(stop):
    conns = []
    while not stop.is_set():
        while len(conns) < 300:
            try:
                conns.append(connect())
            except OSError:
                break
        stop.wait(0.2)
        for s in list(conns):
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    conns.remove(s)
                    s.close()
            except BlockingIOError:
                pass
            except OSError:
                conns.remove(s)
                s.close()
    for s in conns:
        s.close()


def connection_flood(stop):
    while not stop.is_set():
        try:
            connect().close()
        except OSError:
            pass


def big_headers(stop):
    raw = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 * 1024) + b"\r\n\r\n"
    while not stop.is_set():
        exchange(raw, ATTACKER)


def pipelining(stop):
    raw = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 50
    while not stop.is_set():
        exchange(raw, ATTACKER)


attacks = [("calm", None, 0), ("100 slowloris connections", slowloris, 1),
           ("300 idle connections", idle, 1), ("connection flood (4 clients)", connection_flood, 4),
           ("100 KB headers (4 clients)", big_headers, 4),
           ("pipelining, 50 requests a connection (4 clients)", pipelining, 4)]
print(f"binary {binary}; load average before: {os.getloadavg()[0]:.1f}")
for name, attack, clients in attacks:
    stop = threading.Event()
    threads = [threading.Thread(target=attack, args=(stop,)) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    ok, latencies = 0, []
    deadline = time.time() + seconds
    while time.time() < deadline:
        good, ms = scrape()
        ok += good
        latencies.append(ms)
        time.sleep(max(0.0, 0.1 - ms / 1000))
    stop.set()
    for t in threads:
        t.join()
    latencies.sort()
    print(f"{name}: {ok} of {len(latencies)} scrapes 200, latency p50 {latencies[len(latencies) // 2]:.1f}"
          f" ms, max {latencies[-1]:.1f} ms (load {os.getloadavg()[0]:.1f})", flush=True)

for target in ["/metrics/../", "//metrics", "/%2e%2e/metrics", "/metrics%2e", "/%6detrics"]:
    answer = exchange(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    print(f"path {target}: {answer[9:12].decode() or 'no answer'}")
answer = exchange(b"GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n")
print(f"GET / HTTP/9.9: {answer[9:12].decode() or 'no answer'}")
run.terminate()
run.wait(30)
