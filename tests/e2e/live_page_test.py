"""The live page of `adwatch demo`, loaded in headless Chromium (Debian `chromium`): the DOM
after the page's scripts ran shows charts drawn from data (points and bars counted by the page
itself on its canvases, registry rows, no error), and the screenshot is not blank (PNG decoded
with zlib, the chart areas hold many non-background pixels).

Writes the screenshot to live-page.png in the working directory (the README's picture is
docs/live-page.png, taken the same way from a longer run).
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

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


def main():
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
        m = re.search(rf'<canvas id="{element_id}"[^>]*{name}="(\d+)"', html)
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
