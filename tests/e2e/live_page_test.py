"""The live page of `adwatch demo`, loaded in headless Chromium (Debian `chromium`): the DOM
after the page's scripts ran shows charts drawn from data (points and bars counted by the page
itself on its canvas and SVG charts, registry rows, no error), and the screenshot is not blank (PNG decoded
with zlib, the chart areas hold many non-background pixels).

The drawing itself is measured in the page through the DevTools protocol (over
--remote-debugging-pipe): the theme legend's items must not overlap each other, every series of
a chart has its own colour, and no statutory-limit diamond touches a label.

The nation view is drawn from a summary with spend by nation served beside the page's own HTML
(rows, shares of the nation limits and their colours checked exactly), and on the demo's page its
header and rows are checked against the demo's /api/v1/summary.

Writes the screenshot to live-page.png in the working directory (the README's picture is
docs/live-page.png, taken from a slower demo during the 9 December outage).
"""
import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from demo import Demo  # noqa: E402

WIDTH, HEIGHT = 1400, 1000


def chromium(url, *args):
    binary = shutil.which("chromium") or harness.fail("chromium is not installed")
    profile = tempfile.mkdtemp(prefix="adwatch-chromium-")
    # No network but loopback: the page must be self-contained.
    result = subprocess.run(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + profile,
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         f"--window-size={WIDTH},{HEIGHT}", "--virtual-time-budget=8000", *args, url],
        capture_output=True, text=True, timeout=90)
    shutil.rmtree(profile, ignore_errors=True)
    return result


class DevTools:
    """Chromium driven over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON):
    standard library only."""

    def __init__(self, width, height):
        binary = shutil.which("chromium") or harness.fail("chromium is not installed")
        self.profile = tempfile.mkdtemp(prefix="adwatch-chromium-")
        to_chrome, self.out = os.pipe()
        self.inp, from_chrome = os.pipe()
        # Above 4, so that placing them on fds 3 and 4 cannot close one of them.
        to_chrome, from_chrome = (self.above(to_chrome), self.above(from_chrome))
        # bash places the pipe ends on fds 3 and 4 (dash takes single-digit fds only).
        self.proc = harness.start(
            ["/bin/bash", "-c", f'exec "$@" 3<&{to_chrome} 4>&{from_chrome} '
                                f'{to_chrome}<&- {from_chrome}>&-', "bash", binary,
             "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + self.profile,
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--remote-debugging-pipe", f"--window-size={width},{height}", "about:blank"],
            pass_fds=(to_chrome, from_chrome), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self.buffer, self.next_id, self.session = b"", 0, None
        self.size = (width, height)

    @staticmethod
    def above(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return high

    def call(self, method, timeout=60, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        harness.fail(f"DevTools {method}: {reply['error']}")
                    return reply["result"]
            chunk = os.read(self.inp, 1 << 20)
            if not chunk:
                harness.fail(f"chromium closed the DevTools pipe during {method}")
            self.buffer += chunk
        harness.fail(f"DevTools {method}: no answer in {timeout} s")

    def open(self, url):
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride", width=self.size[0], height=self.size[1],
                  deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", url=url)

    def evaluate(self, expression, timeout=60):
        result = self.call("Runtime.evaluate", timeout, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            harness.fail(f"in the page: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        os.close(self.out)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.inp)
        shutil.rmtree(self.profile, ignore_errors=True)


# Boxes as the browser laid them out, and the colours it painted.
SNAPSHOT = """
(() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return [r.left, r.top, r.right, r.bottom]; };
  const fill = e => getComputedStyle(e).fill;
  return {
    legend: [...document.querySelectorAll("#themes .legend-item")].map(g => ({
      name: g.dataset.series, box: box(g), color: fill(g.querySelector(".swatch"))})),
    segments: [...document.querySelectorAll("#themes .segment")].map(r => ({
      name: r.dataset.series, color: fill(r)})),
    bars: [...document.querySelectorAll("#todate .mid")].map(r => fill(r)),
    limits: [...document.querySelectorAll("#todate .limit")].map(box),
    labels: [...document.querySelectorAll("#todate text")].map(t => ({
      text: t.textContent, box: box(t)})),
    chart: box(document.getElementById("themes")),
  };
})()
"""

# Waits until the page has drawn from the API, with at least one limit diamond (the demo's
# third parties reach the scale of their limits within seconds), for up to 60 s.
WAIT = """
new Promise((resolve, reject) => {
  const started = Date.now();
  const poll = () => {
    const status = document.getElementById("status");
    const drawn = status !== null && status.textContent.startsWith("updated") &&
      document.querySelectorAll("#themes .legend-item").length > 0;
    const limits = document.querySelectorAll("#todate .limit").length > 0;
    if (drawn && (limits || Date.now() - started > 60000)) {
      resolve(true);
    } else if (Date.now() - started > 60000) {
      reject(new Error("the page did not draw within 60 s"));
    } else {
      setTimeout(poll, 100);
    }
  };
  poll();
})
"""


def intersect(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_drawing(url, samples=10):
    """The layout of the theme and spend charts, measured by the browser as the demo's figures
    grow: once drawn, then at every page refresh (2 s) for `samples` more."""
    tools = DevTools(WIDTH, HEIGHT)
    try:
        tools.open(url)
        tools.evaluate(WAIT, timeout=90)
        for sample in range(samples + 1):
            if sample:
                time.sleep(2)
            check_layout(tools.evaluate(SNAPSHOT), sample)
    finally:
        tools.close()


def check_layout(m, sample):
    legend = m["legend"]
    if len(legend) < 3:
        harness.fail(f"theme legend has {len(legend)} items")
    chart = m["chart"]
    for i, a in enumerate(legend):
        if (a["box"][0] < chart[0] - 1 or a["box"][2] > chart[2] + 1 or a["box"][3] > chart[3] + 1
                or a["box"][2] - a["box"][0] < 15):
            harness.fail(f"legend item {a['name']} is outside the chart or empty: {a['box']}")
        for b in legend[i + 1:]:
            if intersect(a["box"], b["box"]):
                harness.fail(f"legend items {a['name']} {a['box']} and {b['name']} {b['box']} "
                             "overlap")
    colors = {}
    for item in legend:
        colors.setdefault(item["color"], []).append(item["name"])
    shared = {c: n for c, n in colors.items() if len(n) > 1}
    if shared:
        harness.fail(f"themes share a colour: {shared}")
    legend_color = {item["name"]: item["color"] for item in legend}
    for seg in m["segments"]:
        if legend_color.get(seg["name"]) != seg["color"]:
            harness.fail(f"theme {seg['name']} is drawn {seg['color']} but its legend says "
                         f"{legend_color.get(seg['name'])}")
    if len(set(m["bars"])) != len(m["bars"]):
        harness.fail(f"two parties share a colour in the spend chart: {m['bars']}")
    if not m["limits"]:
        harness.fail("no statutory-limit diamond drawn (the demo's third parties reach their "
                     "limits' scale within seconds)")
    for d in m["limits"]:
        for label in m["labels"]:
            if intersect(d, label["box"]):
                harness.fail(f"limit diamond {d} overlaps label {label['text']!r} "
                             f"{label['box']}")
    harness.log(f"drawing {sample}: {len(legend)} legend items apart, {len(colors)} theme "
                f"colours, {len(m['bars'])} party colours, {len(m['limits'])} limit diamonds "
                f"clear of {len(m['labels'])} labels")


def png_rgb(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        harness.fail("screenshot is not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6):
                harness.fail(f"unexpected PNG format depth={depth} color={color}")
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def colored_pixels(rows, bpp, x0, y0, x1, y1):
    """Pixels in the box that are clearly coloured (not white, grey or black text)."""
    n = 0
    for y in range(y0, y1):
        line = rows[y]
        for x in range(x0, x1):
            r, g, b = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
            if max(r, g, b) - min(r, g, b) > 60:
                n += 1
    return n


def check_nation_view():
    """The nation view drawn from a summary with spend by nation (served with the page's own HTML
    from a loopback stand-in, so that it is checked before any stream carries region data):
    rows by total spend, mid amounts, the share of a nation limit its lower bound reached,
    orange from 80% and red from 100%, nothing for nations without a limit."""
    with open(os.path.join(harness.ROOT, "src", "export", "live_page.html")) as f:
        page = f.read()
    zero = {"lower": 0, "mid": 0, "upper": 0}
    def bounds(lower, mid, upper):
        return {"lower": lower, "mid": mid, "upper": upper}
    summary = {
        "watermark": "2019-12-01T00:00:00Z", "windows": ["7d"], "themes": ["none"],
        "parties": [], "registries": [], "incidents": [], "events": {"applied": 1},
        "nations": {"names": ["england", "scotland", "wales", "northern_ireland", "unknown"],
                    "parties": [
            {"party": "Labour", "limits": [15960000, 1770000, 1200000, None, None],
             "to_date": [bounds(100, 150, 200), zero, bounds(1000000, 1100000, 1200000), zero,
                         bounds(5, 6, 7)]},
            {"party": "SNP", "limits": [None, 1770000, None, None, None],
             "to_date": [zero, bounds(1800000, 1900000, 2000000), zero, zero, zero]},
            {"party": "People's Vote", "limits": [319800, 55400, 44000, 30800, None],
             "to_date": [zero] * 5},  # a limit, no spend: no row
        ]}}
    bodies = {"/": page, "/api/v1/summary": json.dumps(summary),
              "/api/v1/history": json.dumps({"parties": [], "points": []})}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = bodies.get(self.path, "").encode()
            self.send_response(200 if self.path in bodies else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dom = chromium(f"http://127.0.0.1:{server.server_address[1]}/", "--dump-dom")
    server.shutdown()
    table = re.search(r'<table id="nations" data-rows="(\d+)">.*?</table>', dom.stdout, re.S)
    if not table or table.group(1) != "2":
        harness.fail(f"nation view: expected 2 rows: {table.group(0) if table else dom.stdout[-800:]}")
    rows = re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table.group(0))
    if [r[0] for r in rows] != ["SNP", "Labour"]:
        harness.fail(f"nation view rows: {[r[0] for r in rows]}")
    expected = [
        '<td data-nation="scotland" data-share="1.0169" class="bad">£1.90m<span class="share"> · '
        '101% of £1.77m</span></td>',
        '<td data-nation="wales" data-share="0.8333" class="near">£1.10m<span class="share"> · '
        '83% of £1.20m</span></td>',
        '<td data-nation="england" data-share="0.0000">£150<span class="share"> · 0% of '
        '£15.96m</span></td>',
        '<td data-nation="unknown">£6</td>', '<td data-nation="northern_ireland">£0</td>']
    for cell in expected:
        if cell not in table.group(0):
            harness.fail(f"nation view lacks {cell}: {table.group(0)}")
    harness.log("nation view: rows, shares and colours as served")


def main():
    check_nation_view()
    demo = Demo(speed=100000, duration=120)
    # Wait until the page has something to draw: spend, a crawl, a few history points.
    def has_data():
        status, body = harness.http_get(demo.url + "/api/v1/history")
        if status != 200 or len(json.loads(body)["points"]) < 5:
            return False
        summary = json.loads(harness.http_get(demo.url + "/api/v1/summary")[1])
        return summary["registries"] and any(p["to_date"]["mid"] > 0 for p in summary["parties"])
    harness.wait_for("data on the live page", has_data, 90)

    dom = chromium(demo.url + "/", "--dump-dom")
    if dom.returncode != 0:
        harness.fail(f"chromium --dump-dom exited {dom.returncode}: {dom.stderr[-500:]}")
    html = dom.stdout
    def attr(element_id, name):
        m = re.search(rf'<(?:canvas|svg) id="{element_id}"[^>]*{name}="(\d+)"', html)
        return int(m.group(1)) if m else -1
    if attr("history", "data-points") < 5:
        harness.fail(f"history chart drew {attr('history', 'data-points')} points")
    if attr("todate", "data-bars") < 3 or attr("themes", "data-bars") < 3:
        harness.fail("spend or theme chart drew fewer than 3 bars")
    if not re.search(r'<span id="status" class="note">updated ', html):
        harness.fail("the page did not update from the API")
    if not re.search(r'<tbody><tr><td>meta</td><td>\d+</td>', html):
        harness.fail("registry table has no row for meta")
    if not re.search(r'id="watermark">2019-\d\d-\d\dT', html):
        harness.fail("watermark not shown")
    # Top spenders: advertisers with a spend range; unattributed ones marked.
    spenders = re.search(r'<table id="spenders">.*?<tbody>(.*?)</tbody>', html, re.S)
    rows = re.findall(r'<tr[^>]*>(.*?)</tr>', spenders.group(1), re.S) if spenders else []
    if len(rows) < 3:
        harness.fail(f"top spenders table has {len(rows)} rows")
    for row in rows:
        cells = re.findall(r'<td[^>]*>(.*?)</td>', row, re.S)
        if len(cells) != 5 or not re.match(r'£?[\d,.]+[km]? – £?[\d,.]+[km]?$', cells[4]):
            harness.fail(f"top spenders row is not advertiser, registry, party, ads, range: {row}")
    unattributed = [r for r in rows if "unattributed" in r]
    if any('class="bad"' not in r for r in unattributed):
        harness.fail("an unattributed top spender is not marked")
    harness.log(f"top spenders: {len(rows)} rows, {len(unattributed)} unattributed")

    # The nation view: its header lists the five nations; once the figures hold spend by nation
    # (issue 12's nation split), it has a row per party with such spend, showing the share of a
    # nation limit where the party has one.
    if not re.search(r'<table id="nations" data-rows="\d+"><thead><tr><th>party</th><th>England'
                     r'</th><th>Scotland</th><th>Wales</th><th>Northern Ireland</th>'
                     r'<th>unknown</th></tr></thead>', html):
        harness.fail("nation view header missing")
    summary = json.loads(harness.http_get(demo.url + "/api/v1/summary")[1])
    with_spend = [p for p in summary["nations"]["parties"]
                  if any(b["mid"] > 0 for b in p["to_date"])]
    rows = int(re.search(r'<table id="nations" data-rows="(\d+)"', html).group(1))
    if with_spend and rows == 0:
        harness.fail("the summary has spend by nation but the nation view shows no row")
    if rows and not re.search(r'<td data-nation="\w+" data-share="[\d.]+"( class="\w+")?>', html) \
            and any(x is not None for p in with_spend for x in p["limits"]):
        harness.fail("no nation cell shows a share of a nation limit")
    harness.log(f"nation view: {rows} rows ({len(with_spend)} parties with spend by nation)")

    check_drawing(demo.url + "/")

    shot = os.path.abspath("live-page.png")
    result = chromium(demo.url + "/", "--screenshot=" + shot)
    if result.returncode != 0 or not os.path.exists(shot):
        harness.fail(f"chromium --screenshot exited {result.returncode}: {result.stderr[-500:]}")
    width, height, bpp, rows = png_rgb(shot)
    if (width, height) != (WIDTH, HEIGHT):
        harness.fail(f"screenshot is {width}x{height}")
    # The two top charts (left and right halves below the header) carry coloured lines/bars.
    left = colored_pixels(rows, bpp, 20, 90, WIDTH // 2 - 20, 420)
    right = colored_pixels(rows, bpp, WIDTH // 2 + 20, 90, WIDTH - 20, 420)
    harness.log(f"coloured pixels: history chart {left}, spend chart {right}")
    if left < 2000 or right < 5000:
        harness.fail("charts look empty in the screenshot")
    demo.stop()
    harness.log("PASS")


if __name__ == "__main__":
    start = time.time()
    main()
    harness.log(f"took {time.time() - start:.0f} s")
