#!/usr/bin/env python3
"""A loopback stand-in for the Meta Ad Library API (Graph API `ads_archive`), for the crawler
tests. Never reaches the internet; binds 127.0.0.1 port 0, prints the port on the first line of
stdout, and exits by itself when its parent dies.

Shapes follow Meta's public documentation:
- Ad Library API, `GET /<version>/ads_archive` with `ad_reached_countries` (a JSON array of
  country codes), `ad_type=POLITICAL_AND_ISSUE_ADS`, `ad_active_status` (ACTIVE|ALL|INACTIVE),
  `ad_delivery_date_min/max` (YYYY-mm-dd), `search_terms` or `search_page_ids`, `fields`,
  `limit`: https://developers.facebook.com/docs/graph-api/reference/ads_archive/ ("The ad objects
  are returned in data. If you paginate through results and reach a point where data contains no
  values, this means you have reached the end of the result set.")
- ArchivedAd fields (`id`, `page_id`, `page_name`, `bylines`, `spend` {lower_bound, upper_bound}
  as strings, `ad_snapshot_url` which carries the access token, …):
  https://developers.facebook.com/docs/marketing-api/reference/archived-ad/
- Cursor paging: `{"data": [...], "paging": {"cursors": {"before": "…", "after": "…"},
  "next": "<url with after=…>"}}`, `next` absent on the last page:
  https://developers.facebook.com/docs/graph-api/results (Paginated results, cursor-based).
- Errors: `{"error": {"message", "type": "OAuthException", "code", "error_subcode",
  "fbtrace_id"}}`; code 190 = invalid/expired access token (subcode 463 expired); codes 1
  (unknown) and 2 (service temporarily unavailable) are transient; 4 (application request limit),
  17 (user request limit), 32 (page request limit), 613 (calls within one hour exceeded) and
  80000-80014 (business use case rate limits) throttle; 100 subcode 33 answers a GET of an
  object id that does not exist: https://developers.facebook.com/docs/graph-api/guides/error-handling/
- Rate-limit usage headers `x-app-usage: {"call_count":28,"total_time":25,"total_cputime":25}`
  (percentages) and `x-business-use-case-usage: {"<business id>": [{"type": "ads_archive",
  "call_count": 100, "total_cputime": 25, "total_time": 25,
  "estimated_time_to_regain_access": 1}]}` (minutes):
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting/

Scenario (argv[1], JSON): {"token": T, "business_id": B, "crawls": [{"listing": [ad, ...],
"by_id": {id: ad}, "faults": [fault, ...], "by_id_faults": [...], "expired": bool,
"fail_listing_after_pages": N}]}. The current crawl is chosen with `GET /control?crawl=N`.
Each fault answers one request (the next one is served normally): "throttle:CODE" (HTTP 400 or
403 with usage headers), "5xx" (HTTP 503, HTML body), "code:1"/"code:2" (transient error),
"usage_high" (a normal page whose usage headers say 96%). `fail_listing_after_pages` answers
every listing request past that many pages with HTTP 500 until the next /control call.
`GET /log` returns the requests seen (paths without the token) as JSON.
"""
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

SCENARIO = json.load(open(sys.argv[1]))
TOKEN = SCENARIO["token"]
BUSINESS = SCENARIO.get("business_id", "1234567890")
STATE = {"crawl": 0, "faults": [], "by_id_faults": [], "pages": 0, "log": []}
REQUIRED_FIELDS = {"id", "page_id", "page_name", "bylines", "spend", "impressions", "currency",
                   "ad_delivery_start_time", "ad_creative_bodies", "delivery_by_region",
                   "demographic_distribution", "publisher_platforms"}


def crawl():
    return SCENARIO["crawls"][STATE["crawl"]]


def with_snapshot(ad):
    out = dict(ad)
    # Like the real API: the snapshot URL embeds the caller's access token.
    out["ad_snapshot_url"] = ("https://www.facebook.com/ads/archive/render_ad/?id=%s&access_token=%s"
                              % (ad["id"], TOKEN))
    return out


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def send_json(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        usage = {"call_count": 3, "total_time": 2, "total_cputime": 1}
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if not headers or "x-app-usage" not in headers:
            self.send_header("x-app-usage", json.dumps(usage))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message, subcode=None, headers=None, kind="OAuthException"):
        err = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}
        if subcode is not None:
            err["error_subcode"] = subcode
        self.send_json(status, {"error": err}, headers)

    def apply_fault(self, fault):
        if fault.startswith("throttle:"):
            code = int(fault.split(":")[1])
            buc = {BUSINESS: [{"type": "ads_archive", "call_count": 100, "total_cputime": 40,
                               "total_time": 40, "estimated_time_to_regain_access": 0}]}
            headers = {"x-business-use-case-usage": json.dumps(buc),
                       "x-app-usage": json.dumps({"call_count": 100, "total_time": 40,
                                                  "total_cputime": 40})}
            messages = {4: "Application request limit reached", 17: "User request limit reached",
                        32: "Page request limit reached",
                        613: "Calls to this api have exceeded the rate limit."}
            self.error(403 if code == 4 else 400, code,
                       messages.get(code, "There have been too many calls for this ad account."),
                       headers=headers)
        elif fault == "5xx":
            data = b"<html><body>Service Unavailable</body></html>"
            self.send_response(503)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif fault.startswith("code:"):
            code = int(fault.split(":")[1])
            self.error(500, code, "An unknown error occurred" if code == 1
                       else "Service temporarily unavailable", kind="OAuthException")
        else:
            raise ValueError(fault)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        q = {k: v[-1] for k, v in query.items()}
        if url.path == "/control":
            STATE["crawl"] = int(q["crawl"])
            STATE["faults"] = list(crawl().get("faults", []))
            STATE["by_id_faults"] = list(crawl().get("by_id_faults", []))
            STATE["pages"] = 0
            return self.send_json(200, {"crawl": STATE["crawl"]})
        if url.path == "/log":
            return self.send_json(200, STATE["log"])
        STATE["log"].append(url.path + "?" + "&".join(
            sorted(k for k in q if k != "access_token")))
        parts = url.path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("v"):
            return self.error(400, 2500, "Unknown path components: " + url.path)
        if crawl().get("expired") or q.get("access_token") != TOKEN:
            return self.error(400, 190, "Error validating access token: Session has expired.",
                              subcode=463)
        fields = set(q.get("fields", "").split(","))
        if not REQUIRED_FIELDS <= fields or "ad_snapshot_url" in fields:
            return self.error(400, 100, "(#100) fields: missing " +
                              ",".join(sorted(REQUIRED_FIELDS - fields)))
        if parts[1] == "ads_archive":
            return self.listing(q)
        return self.by_id(parts[1])

    def listing(self, q):
        if (q.get("ad_type") != "POLITICAL_AND_ISSUE_ADS" or q.get("ad_active_status") != "ALL"
                or json.loads(q.get("ad_reached_countries", "null")) != ["GB"]
                or "search_terms" not in q and "search_page_ids" not in q):
            return self.error(400, 100, "(#100) Invalid parameter")
        if STATE["faults"]:
            fault = STATE["faults"].pop(0)
            if fault != "usage_high":
                return self.apply_fault(fault)
            usage_high = True
        else:
            usage_high = False
        limit = int(q.get("limit", "25"))
        after = q.get("after", "")
        offset = int(after[4:]) if after.startswith("off-") else 0
        stop = crawl().get("fail_listing_after_pages")
        if stop is not None and STATE["pages"] >= stop:
            return self.error(500, 1, "An unknown error occurred")
        STATE["pages"] += 1
        ads = crawl()["listing"]
        page = [with_snapshot(a) for a in ads[offset:offset + limit]]
        body = {"data": page}
        if page:
            body["paging"] = {"cursors": {"before": "off-%d" % offset,
                                          "after": "off-%d" % (offset + len(page))}}
            if offset + len(page) < len(ads):
                params = dict(q)
                params["after"] = "off-%d" % (offset + len(page))
                body["paging"]["next"] = ("https://graph.facebook.com/v21.0/ads_archive?" +
                                          urllib.parse.urlencode(params))
        headers = None
        if usage_high:
            headers = {"x-app-usage": json.dumps({"call_count": 96, "total_time": 40,
                                                  "total_cputime": 30})}
        self.send_json(200, body, headers)

    def by_id(self, ad_id):
        if STATE["by_id_faults"]:
            return self.apply_fault(STATE["by_id_faults"].pop(0))
        ad = crawl().get("by_id", {}).get(ad_id)
        if ad is None:
            return self.error(400, 100, "Unsupported get request. Object with ID '%s' does not "
                              "exist, cannot be loaded due to missing permissions, or does not "
                              "support this operation." % ad_id, subcode=33,
                              kind="GraphMethodException")
        self.send_json(200, with_snapshot(ad))


def watch_parent(server):
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    server.shutdown()


def main():
    server = HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=watch_parent, args=(server,), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
