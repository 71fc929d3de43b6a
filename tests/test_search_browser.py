"""The site's search box in a real browser (headless Debian chromium, Playwright): what comes first.

The bundled site is built once and served twice: as built (one index: the wrapper ranks beside
Material's lunr index) and split as a large city's is (the page loads the quick index, which the
wrapper ranks alone at once; the whole index comes later from a second worker). Both must rank a
title that is the query first, then titles holding it as a phrase, then codes, then body text, and
mark 缺少 only for words a hit lacks. What is expected is read from the lists and the built index,
not written here.
"""
from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request

import pytest

import chromium

pytestmark = pytest.mark.browser
chromium.require("jieba")


def _flat(html: str) -> str:
    return re.sub(r"[\s\u200b\u3000]+", "", re.sub(r"<[^>]*>", "", html)).lower()


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """{"whole": (url, docs), "split": (url, docs)}: the built site, and a copy whose index is split."""
    from policykit.site import searchworker as sw
    base = tmp_path_factory.mktemp("search-site")
    whole = chromium.build_site(base / "whole")
    split = base / "split"
    shutil.copytree(whole, split)
    index = split / "search" / "search_index.json"
    text = index.read_text(encoding="utf-8")
    assert "policykit_full" not in json.loads(text)["config"]          # the bundled city is small: not split
    index.write_text(sw.split(text, split, above=10), encoding="utf-8")
    assert json.loads(index.read_text(encoding="utf-8"))["config"]["policykit_full"] == sw.FULL_NAME
    with chromium.serve(whole) as whole_url, chromium.serve(split) as split_url:
        yield {name: (url, json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"])
               for name, url, site in (("whole", whole_url, whole), ("split", split_url, split))}


def _search(browser, url: str, query: str, *, block_full: bool = False, after=None):
    """Type ``query`` into the search box of a freshly loaded page; the results as
    ``[(title, location, missing words)]``, the seconds from the key press to the first one, and the
    misleading 缺少 marks (a struck word that its hit's own title or text shows).
    ``block_full`` refuses the whole index of a split site."""
    with chromium.watched_page(browser, url, console_errors=not block_full) as page:
        def route(r):
            if block_full and r.request.url.endswith("search_index.full.json"):
                return r.abort()
            return r.continue_()
        page.route("**/*", route)
        finished = []
        page.on("requestfinished", lambda r: finished.append(r.url))
        page.goto(url)
        if after:
            after(page, finished)
        chromium.open_search(page)
        t0 = time.perf_counter()
        chromium.type_search(page, query)
        page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=30000)
        seconds = time.perf_counter() - t0
        page.wait_for_timeout(300)
        rows = page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item')].map(li => {
            const a = li.querySelector('a'), h = li.querySelector('h1');
            return [h ? h.textContent : '', a ? new URL(a.href).pathname : '',
                    [...li.querySelectorAll(':scope > a .md-search-result__terms del')].map(d => d.textContent)];
        })""")
        # a 缺少 (missing) mark is misleading when the struck word is there in the hit's own title or text
        misleading = page.evaluate(r"""() => [...document.querySelectorAll('.md-search-result__article')]
          .flatMap(item => {
            const dels = [...item.querySelectorAll('del')].map(d => d.textContent.replace(/[*\u200b\s]/g, ''));
            const copy = item.cloneNode(true);
            copy.querySelectorAll('del').forEach(d => d.remove());
            const text = copy.textContent.replace(/[\u200b\s]/g, '');
            return dels.filter(d => d && text.includes(d));
          })""")
    return [(t.replace("\u200b", "").strip(), loc, missing) for t, loc, missing in rows], seconds, misleading


MODES = ["whole", "split"]


@pytest.mark.parametrize("mode", MODES)
def test_titles_holding_the_phrase_come_first_with_no_false_missing_marks(browser, sites, mode):
    url, docs = sites[mode]
    for query in ("行政处罚", "食品经营许可", "危险化学品"):
        holding = {d["location"] for d in docs if "#" not in d["location"] and query in _flat(d["title"])}
        assert holding, query
        rows, _, misleading = _search(browser, url, query)
        first = rows[:min(len(holding), 8)]
        assert all(query in _flat(title) for title, _, _ in first), (query, first)
        assert all(missing == [] for _, _, missing in first), (query, first)
        assert misleading == [], (query, misleading)


@pytest.mark.parametrize("mode", MODES)
def test_a_department_by_its_short_name_and_an_item_by_its_code(browser, sites, bundled_repo, mode):
    from policykit.site.searchworker import MARKER
    url, _ = sites[mode]
    with urllib.request.urlopen(url + "assets/javascripts/workers/") as r:      # noqa: S310 - localhost
        worker = re.search(r'href="(search\.[0-9a-f]+\.min\.js)"', r.read().decode("utf-8")).group(1)
    with urllib.request.urlopen(url + "assets/javascripts/workers/" + worker) as r:  # noqa: S310 - localhost
        assert r.read().decode("utf-8").startswith(MARKER)                      # the wrapper, not Material's own
    dept = bundled_repo.departments["scjgj"]
    rows, _, _ = _search(browser, url, dept.short_name)
    assert rows[0][0] == dept.name + f"（{dept.short_name}）" or rows[0][0].startswith(dept.name), rows[:3]
    assert rows[0][1].rstrip("/").endswith("departments/scjgj")
    item = max(bundled_repo.powers.values(), key=lambda i: i.code)
    rows, _, _ = _search(browser, url, item.code)
    assert rows[0][1].rstrip("/").endswith(f"items/{item.code}"), rows[:3]


@pytest.mark.parametrize("mode", MODES)
def test_the_boundary_matter_leads_among_equal_titles(browser, sites, bundled_repo, mode):
    url, _ = sites[mode]
    matters = [b for b in bundled_repo.boundaries if "危险化学品" in b.name]
    rows, _, _ = _search(browser, url, "危险化学品")
    assert {loc.rstrip("/").rsplit("/", 1)[-1] for _, loc, _ in rows[:len(matters)]} == {b.id for b in matters}, rows[:5]


def test_a_split_site_answers_from_the_quick_index_before_the_whole_one_arrives(browser, sites):
    """The whole index is refused: the quick index alone answers, ranked."""
    url, docs = sites["split"]
    rows, _, _ = _search(browser, url, "食品经营许可", block_full=True)
    holding = [d for d in docs if "食品经营许可" in _flat(d["title"])]
    assert holding and all("食品经营许可" in _flat(t) for t, _, _ in rows[:len(holding)]), rows[:3]


def test_a_split_site_answers_from_the_whole_index_once_it_is_there(browser, sites):
    """Section text is only in the whole index: once the second worker has it, a query for words that
    only a department's 三定 section holds finds the department."""
    url, docs = sites["split"]
    full_docs = json.loads(_full_index_text(sites))["docs"]
    quick_text = " ".join(_flat(d["title"]) + _flat(d["text"]) for d in docs)
    section = next(d for d in full_docs if "#sanding" in d["location"])
    words = [w for w in section["text"].split("\u200b") if len(w.strip()) >= 4 and _flat(w) not in quick_text]
    assert words, "no word only the 三定 section holds"
    word = words[0].strip()

    def wait_for_full(page, finished):
        for _ in range(300):
            if any(u.endswith("search_index.full.json") for u in finished):
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError(f"the whole index was never fetched: {finished}")
        page.wait_for_timeout(3000)                     # lunr builds the whole index after the fetch
    rows, _, _ = _search(browser, url, word, after=wait_for_full)
    dept = section["location"].split("#")[0]
    assert any(loc.rstrip("/").endswith(dept.rstrip("/")) for _, loc, _ in rows[:5]), (word, rows[:5])


def _full_index_text(sites) -> str:
    from policykit.site import searchworker as sw
    url, _ = sites["split"]
    with urllib.request.urlopen(url + "search/" + sw.FULL_NAME) as r:    # noqa: S310 - localhost
        return r.read().decode("utf-8")
