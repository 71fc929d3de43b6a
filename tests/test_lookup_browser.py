"""The site's 派单查询 and `policykit lookup` agree: the same top answer (or the same "no confident
answer") for every query of the held-out set and the out-of-scope ones, in a real browser (Debian
chromium driven by Playwright, launched as in tests/test_site_browser.py)."""
from __future__ import annotations

import functools
import http.server
import os
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if Path(p).exists()), None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
if CHROMIUM is None:
    pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
pytest.importorskip("material", reason="mkdocs-material is not installed")
pytest.importorskip("jieba")
if not (ROOT / "lists" / "boundaries").is_dir():
    pytest.skip("the bundled sample city is not there", allow_module_level=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = tmp_path_factory.mktemp("lookup-site") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return site


def _serve(site):
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


@pytest.fixture(scope="module")
def server(built):
    httpd, url = _serve(built)
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def split_server(built, tmp_path_factory):
    """The same site with its search index split as a large city's is (the quick index the page loads,
    the whole one fetched and built by a second worker)."""
    import shutil
    from policykit.site import searchworker as sw
    site = tmp_path_factory.mktemp("split-site") / "site"
    shutil.copytree(built, site)
    workers = site / sw.WORKERS
    worker = next(p for p in workers.glob("search.*.min.js"))
    worker.write_text((workers / sw.ORIGINAL).read_text(encoding="utf-8"), encoding="utf-8")
    index = site / "search" / "search_index.json"
    index.write_text(sw.split(index.read_text(encoding="utf-8"), site, above=0), encoding="utf-8")
    assert sw.install(site)
    httpd, url = _serve(site)
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def page(server):
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # noqa: BLE001 — a chromium that cannot start here is an environment problem
            pytest.skip(f"chromium could not be started: {exc}")
        pg = b.new_page()
        pg.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:")
                 else route.abort())           # nothing leaves this machine
        pg.goto(server + "lookup/")
        pg.locator("#pk-lookup[data-loaded]").wait_for(state="attached", timeout=15000)
        yield pg
        b.close()


def test_site_and_cli_give_the_same_top_answer(page):
    import policykit
    from policykit.lookup import lookup
    repo = policykit.open_repository(ROOT)
    data = yaml.safe_load((ROOT / "tests" / "data" / "lookup_queries.yaml").read_text(encoding="utf-8"))
    queries = ([q["q"] for q in data["queries"]] + list(data["out_of_scope"]) + ["危险化学品 停车", "行政处罚", "处"]
               + [q["q"] for q in data["codes_and_pairs"]] + list(data["codes_and_pairs_out_of_scope"])
               + ["ＢＪ－００３", "hlwjg/jg-001", "370199101XK001", "370199101", "BJ-003 占道经营"])
    differ = []
    for q in queries:
        r = lookup(repo, q)
        want = r.answers[0].key if r.confident else ""
        page.evaluate("() => { document.getElementById('pk-lookup-status').textContent = ''; }")
        page.locator("#pk-lookup-input").fill(q)
        page.wait_for_function("() => document.getElementById('pk-lookup-status').textContent !== ''", timeout=5000)
        got = page.locator("#pk-lookup-results").get_attribute("data-top") or ""
        first = page.locator("#pk-lookup-results [data-id]").first
        if got != want:
            differ.append((q, want, got))
        if r.confident:
            answer = page.locator("#pk-lookup-results .pk-answer").inner_text()
            assert "牵头部门" in answer
            if r.answers[0].kind == "pair":          # the approving body named as cooperating, and why
                assert "配合部门" in answer and r.answers[0].reason in answer, answer
        else:
            assert "暂无确定对应" in page.locator("#pk-lookup-results").inner_text()
            if r.departments:
                assert repo.departments[r.departments[0].department].name in page.locator(".pk-depts").inner_text()
        if r.answers and first.count():
            ids = page.locator("#pk-lookup-results [data-id]").evaluate_all("els => els.map(e => e.dataset.id)")
            assert r.answers[0].key in ids, q
    assert not differ, differ


def _search(page, server, query):
    page.goto(server)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").focus()
    page.keyboard.insert_text(query)
    page.keyboard.press("End")          # Material searches on keyup; inserting text fires none
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=20000)
    page.wait_for_timeout(300)
    titles = page.locator(".md-search-result__item h1").all_inner_texts()
    # a 缺少 (missing) mark is misleading when the struck term is there in the hit's own title or text
    misleading = page.evaluate(r"""() => [...document.querySelectorAll('.md-search-result__article')].flatMap(item => {
        const dels = [...item.querySelectorAll('del')].map(d => d.textContent.replace(/[*\u200b\s]/g, ''));
        const copy = item.cloneNode(true);
        copy.querySelectorAll('del').forEach(d => d.remove());
        const text = copy.textContent.replace(/[\u200b\s]/g, '');
        return dels.filter(d => d && text.includes(d));
    })""")
    return [t.replace("\u200b", "").strip() for t in titles], misleading


def test_site_search_takes_a_chinese_query_whole(page, server):
    """Material cut 行政处罚 into 行政* + 处*: 处 alone put 医疗废物处置 first and marked 行政 missing on
    every hit. With the wrapped worker the query is the index's whole term."""
    from policykit.site.searchworker import MARKER
    worker = page.evaluate("() => fetch(JSON.parse(document.getElementById('__config').textContent).search)"
                           ".then(r => r.text())")
    assert worker.startswith(MARKER)
    titles, misleading = _search(page, server, "行政处罚")
    assert titles and "行政处罚" in titles[0], titles[:3]
    assert not any("医疗废物处置" == t for t in titles[:5]), titles[:5]
    assert misleading == []
    titles, misleading = _search(page, server, "食品经营许可")
    assert titles[0].startswith("食品经营许可"), titles[:3]
    assert misleading == []
    titles, _ = _search(page, server, "危险化学品")
    assert titles[0] == "危险化学品运输车辆停车场监管", titles[:3]


def test_a_split_index_answers_first_from_pages_then_from_everything(page, split_server):
    """A large index is split: the page loads the quick one (pages, their titles and the start of their
    text); a second worker builds the whole one and answers once ready — here, a word found only in a
    matter's 争议解决 section (延缓) comes back once the whole index is built."""
    import json
    import urllib.request
    quick = json.loads(urllib.request.urlopen(split_server + "search/search_index.json").read())
    whole = json.loads(urllib.request.urlopen(split_server + "search/search_index.full.json").read())
    assert quick["config"]["policykit_full"] == "search_index.full.json"
    assert all("#" not in d["location"] for d in quick["docs"]) and len(whole["docs"]) > len(quick["docs"])
    titles, _ = _search(page, split_server, "食品经营许可")        # first answers, from the quick index
    assert titles[0].startswith("食品经营许可"), titles[:3]
    box = page.locator("input.md-search__input")
    for _ in range(60):                                             # then from the whole index
        box.fill("")
        page.keyboard.press("End")
        page.keyboard.insert_text("延缓")
        page.keyboard.press("End")
        page.wait_for_timeout(500)
        if page.locator(".md-search-result__item").count():
            break
    assert "应急物资保障" in page.locator(".md-search-result__item h1").first.inner_text().replace("\u200b", "")
