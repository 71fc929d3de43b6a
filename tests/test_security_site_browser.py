"""The payload site in a real browser: no dialog, no injected element, no evaluated template.

The site is the one tests/test_security_site.py builds (``build_payload_site``: the bundled city with
every free-text string of every list and record kind replaced by script, HTML, Markdown-link,
attribute-list and Jinja payloads), served on localhost and read in headless Debian chromium through
Playwright (see tests/test_site_browser.py). Every kind of page is visited; 20 queries — payload
fragments, markers and codes — are typed into Material's search box and into the dispatcher lookup.
Throughout, ``page.on("dialog")`` must never fire, no element may carry a payload's tag or attribute
(``img[src=x]``, ``svg[onload]``, any ``on*`` attribute, ``a[href^=javascript:]``, a ``script`` with
``alert``), ``{{7*7}}`` must never read 49, and the payloads must be visible as text.
"""
from __future__ import annotations

import pytest

import chromium

pytestmark = pytest.mark.browser
chromium.require()

from test_security_site import MARK, build_payload_site  # noqa: E402  (after the skips: it needs the site extra)

# elements and attributes only a payload could have put there; scripts that call alert
INJECTED_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) out.push(`<${el.tagName} ${a.name}=${a.value}>`);
      if (/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && /^\\s*(javascript|data|vbscript):/i.test(a.value))
        out.push(`<${el.tagName} ${a.name}=${a.value}>`);
    }
    if ((el.tagName === 'IMG' || el.tagName === 'svg') && el.getAttribute('src') === 'x') out.push('<img src=x>');
    if (el.tagName === 'SCRIPT' && /alert\\(/.test(el.textContent)) out.push('<script>' + el.textContent.slice(0, 60));
    if (el.tagName === 'IFRAME') out.push('<iframe>');
  }
  return out;
}"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_payload_site(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def server(built):
    _, site, _ = built
    with chromium.serve(site) as url:
        yield url


@pytest.fixture
def page(browser, server):
    with chromium.watched_page(browser, server, console_errors=False) as pg:
        yield pg


def _check(pg, where: str) -> str:
    """No injected element on the page, no evaluated template; returns the page's visible text."""
    injected = pg.evaluate(INJECTED_JS)
    assert injected == [], f"{where}: {injected[:5]}"
    text = pg.evaluate("() => document.body.innerText")
    assert "〕49" not in text, f"{where}: {{{{7*7}}}} was evaluated"
    return text


def _urls(repo) -> list[str]:
    """One page of every kind."""
    from policykit.lists.records import views
    v = views(repo)
    dept = max(repo.departments.values(), key=lambda d: len(repo.items_of(d.id)))
    item = next(it for it in repo.powers.values() if it.department == dept.id)
    matter = repo.boundaries[0]
    from policykit.lists.laws import registry_of
    law_id = registry_of(repo).laws[0].id
    ledger = v.ledgers[0]
    period = sorted({e.period for e in v.evaluations})[0]
    scored = sorted({e.department for e in v.evaluations if e.period == period})[0]
    return ["", "departments/", f"departments/{dept.id}/", f"items/{item.code}/", "boundaries/",
            f"boundaries/{matter.id}/", "catalogs/", "laws/", f"laws/{law_id}/", "rules/", "changes/", "lookup/",
            "downloads/", "supervision/", "supervision/ledgers/", f"supervision/ledgers/{ledger.id}/",
            "supervision/inspections/", "supervision/problems/", "supervision/disputes/", "supervision/evaluation/",
            f"supervision/evaluation/{period}-{scored}/", "supervision/bodies/", "supervision/divisions/"]


def test_every_kind_of_page_shows_the_payloads_as_text(page, server, built):
    from policykit import open_repository
    root, site, _ = built
    repo = open_repository(root)
    urls = _urls(repo)
    shown = 0
    for url in urls:
        assert (site / url / "index.html").is_file(), url
        page.goto(server + url)
        page.wait_for_load_state("load")
        text = _check(page, url or "home")
        shown += text.count(f"〔{MARK}")
        for d in page.locator("details").all()[:3]:      # collapsed item details open without running anything
            d.evaluate("el => el.open = true")
        _check(page, url or "home")
    assert shown > 200, "the payloads are shown as text on the pages"
    assert page.dialogs == []
    # the matrix's cells, titles included, are text: hovering them runs nothing
    page.goto(server + "boundaries/")
    cells = page.locator("table.pk-matrix td.pk-lead")
    for i in range(min(cells.count(), 5)):
        cells.nth(i).hover()
    _check(page, "matrix")


QUERIES = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</title><script>", "[x](javascript:alert(1))",
           "{{7*7}}", "javascript:alert(1)", "<svg onload=alert(1)>", ' {: onclick="alert(1)" }', "![](x onerror",
           "<!--", "{% raw %}", "@@PKTITLE@@", f"{MARK}12", f"〔{MARK}100〕", "alert", "onerror", "script"]


def _queries(repo) -> list[str]:
    it = next(iter(repo.powers.values()))
    return QUERIES + [it.code, next(iter(repo.departments)), repo.boundaries[0].id]


def test_search_box_runs_nothing_it_is_given(page, server, built):
    from policykit import open_repository
    repo = open_repository(built[0])
    queries = _queries(repo)
    assert len(queries) == 20
    page.goto(server)
    chromium.open_search(page)
    box = page.locator("input.md-search__input")
    meta = page.locator(".md-search-result__meta")
    found = 0
    for q in queries:
        box.fill("")
        chromium.type_search(page, q)
        page.wait_for_function("() => !/初始化|Initializing/.test(document.querySelector('.md-search-result__meta')"
                               "?.textContent || '')", timeout=15000)
        page.wait_for_timeout(150)
        found += page.locator(".md-search-result__item").count()
        _check(page, f"search {q!r}")
    assert found > 0, meta.inner_text()
    # the marker finds the payload-named entries, shown as text
    box.fill("")
    page.keyboard.insert_text(MARK)
    page.keyboard.press("End")
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15000)
    assert f"〔{MARK}" in _check(page, "search results")


def test_dispatcher_lookup_runs_nothing_it_is_given(page, server, built):
    from policykit import open_repository
    repo = open_repository(built[0])
    chromium.open_lookup(page, server)
    hits = 0
    for q in _queries(repo):
        chromium.ask_lookup(page, q)
        hits += page.locator("#pk-lookup-results li, #pk-lookup-results .pk-card").count()
        text = _check(page, f"lookup {q!r}")
        assert q.strip() in text or "找到" in text       # the query is echoed as text, never as markup
    assert hits > 0
    # a matter named with a payload: its card shows the name as written
    matter = next(m for m in repo.boundaries if MARK in m.name)
    page.locator("#pk-lookup-input").fill(matter.name.split("〕")[0].lstrip("〔"))
    card = page.locator(f'.pk-matter[data-id="{matter.id}"]')
    card.wait_for(state="visible", timeout=5000)
    assert matter.name in card.inner_text()
    _check(page, "lookup card")
    # a 审管协同 pair, asked for by its id: its card and answer show the payload-named pair as text
    pair = next(sg for sg in repo.approval_pairs if MARK in (sg.name or ""))
    chromium.ask_lookup(page, pair.id)
    card = page.locator(f'.pk-pair[data-id="{pair.id}"]')
    card.wait_for(state="visible", timeout=5000)
    assert pair.name in card.inner_text()
    _check(page, "lookup pair card")
