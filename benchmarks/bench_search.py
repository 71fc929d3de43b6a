#!/usr/bin/env python3
"""Benchmark: the site's search in a real browser — time to first results and what comes first.

    python benchmarks/bench_search.py [--site DIR | --repo DIR] [--runs 3] [--json OUT]

Without ``--site`` it builds the site of ``--repo`` (default: a Jinan-scale city generated with
``policykit bench generate``'s generator, seed 7, as ``bench_site.py`` does) with
``policykit docs build --strict``. The site is served on 127.0.0.1; headless Debian chromium
(Playwright, as the browser tests launch it) opens the home page, types a query into Material's search box and measures from the key press to
the first result on screen. Every page load starts the search worker afresh, which fetches the index
(from the HTTP cache after the first time) and prepares it before it can answer (on a split site the
quick index, ranked by the wrapper without a lunr index; on a small site Material's lunr index too): so
each query is typed on a freshly loaded page, the first one of a run with an empty cache. It
prints, per query, the milliseconds and the first three result titles, and the index's size.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if Path(p).exists()), None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
QUERIES = ["危险化学品", "行政处罚", "行政处罚法", "应急管理局", "预付卡", "占道经营", "医疗废物", "食品经营许可"]
TARGET_MS = 1000


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def build_site(repo: Path, site: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "policykit", "docs", "build", "--root", str(repo),
                           "--site-dir", str(site), "--strict"], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"build failed ({proc.returncode})")
    return time.perf_counter() - t0


def measure(site: Path, queries, runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    out = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for run in range(runs):
                context = browser.new_context()          # empty cache: the first query loads the index
                page = context.new_page()
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                           else route.abort())
                for i, q in enumerate(queries):
                    page.goto(base)        # each page load starts Material's search worker afresh
                    page.locator("label.md-search__icon, .md-search__input").first.click()
                    box = page.locator("input.md-search__input")
                    box.focus()
                    page.keyboard.insert_text(q)
                    t0 = time.perf_counter()
                    page.keyboard.press("End")      # Material searches on keyup
                    first = page.locator(".md-search-result__item").first
                    first.wait_for(state="visible", timeout=60000)
                    ms = (time.perf_counter() - t0) * 1000
                    titles = page.locator(".md-search-result__item h1").all_inner_texts()[:3]
                    missing = page.locator(".md-search-result del").count()
                    out.append({"run": run, "query": q, "first": i == 0, "ms": round(ms),
                                "top": [t.replace("\u200b", "").strip() for t in titles], "missing_marks": missing})
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, help="an already built site directory")
    ap.add_argument("--repo", type=Path, help="a repository to build (default: a generated Jinan-scale city)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--queries", help="comma-separated queries (default: the eight of the benchmark)")
    args = ap.parse_args()
    if CHROMIUM is None:
        raise SystemExit("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    tmp = None
    site = args.site
    build_seconds = None
    if site is None:
        tmp = tempfile.TemporaryDirectory(prefix="policykit-bench-search-")
        repo = args.repo
        if repo is None:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from bench_site import generate_city
            repo = Path(tmp.name) / "city"
            generate_city(repo, 7)
        site = Path(tmp.name) / "site"
        build_seconds = build_site(repo, site)
    index = site / "search" / "search_index.json"
    data = json.loads(index.read_text(encoding="utf-8"))
    queries = [q for q in args.queries.split(",") if q] if args.queries else QUERIES
    results = measure(site, queries, args.runs)
    firsts = [r["ms"] for r in results if r["first"]]
    later = [r["ms"] for r in results if not r["first"]]
    summary = {"machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}",
               "index_mb": round(index.stat().st_size / 1e6, 2), "index_docs": len(data["docs"]),
               "build_seconds": build_seconds and round(build_seconds, 1),
               "first_query_ms": firsts, "later_queries_ms_median": sorted(later)[len(later) // 2] if later else None,
               "target_ms": TARGET_MS}
    for r in results:
        if r["run"] == 0:
            print(f"{r['query']:>8}  {r['ms']:>6} ms  缺少标记 {r['missing_marks']}  {' | '.join(r['top'])}")
    print(json.dumps(summary, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "results": results}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
