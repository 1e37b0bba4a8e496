"""`adwatch demo` as a test fixture: started on loopback port 0, its listener URL read from the
first line it prints. Standard library only."""
import re
import subprocess
import threading

import harness


class Demo:
    """A running `adwatch demo` (killed at test exit if still running)."""

    def __init__(self, speed, duration, ads=2000):
        self.proc = harness.start(
            [harness.adwatch_binary(), "demo", "--listen", "127.0.0.1:0", "--speed", str(speed),
             "--duration", str(duration), "--ads", str(ads)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = self.proc.stdout.readline()
        match = re.search(r"http://(127\.0\.0\.1:\d+)/metrics", first)
        if not match:
            harness.fail(f"adwatch demo did not print its listener: {first!r}")
        self.address = match.group(1)
        self.url = "http://" + self.address
        harness.log(f"adwatch demo at {self.url}")
        # Drain the terminal summary so the pipe never fills.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
