"""The site's 派单查询 and `policykit lookup` agree: the same top answer (or the same "no confident
answer") for every query of the held-out set and the out-of-scope ones, in a real browser (Debian
chromium driven by Playwright, from tests/chromium.py). The site's search box has its own tests
(tests/test_search_browser.py)."""
from __future__ import annotations

import pytest
import yaml

import chromium
from conftest import ROOT

pytestmark = pytest.mark.browser
chromium.require("jieba")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = chromium.build_site(tmp_path_factory.mktemp("lookup-site") / "site")
    with chromium.serve(site) as url:
        yield url


@pytest.fixture
def page(browser, server):
    with chromium.watched_page(browser, server) as pg:
        chromium.open_lookup(pg, server, timeout=15000)
        yield pg


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
        chromium.ask_lookup(page, q)
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


def test_a_pair_answer_links_to_its_page(page, bundled_repo):
    """A 审管协同 answer's card links to the pair's own page (processes/approval/<id>/)."""
    from policykit.lookup import lookup
    data = yaml.safe_load((ROOT / "tests" / "data" / "lookup_queries.yaml").read_text(encoding="utf-8"))
    q = next(q["q"] for q in data["codes_and_pairs"] if lookup(bundled_repo, q["q"]).answers
             and lookup(bundled_repo, q["q"]).answers[0].kind == "pair")
    pair = lookup(bundled_repo, q).answers[0].key
    chromium.ask_lookup(page, q)
    card = page.locator(f".pk-pair[data-id='{pair}']")
    href = card.locator("h3 a").get_attribute("href")
    assert href and href.rstrip("/").endswith(f"processes/approval/{pair}"), href
    card.locator("h3 a").click()
    page.wait_for_load_state()
    sg = next(sg for sg in bundled_repo.approval_pairs if sg.id == pair)
    assert (sg.name or sg.item) in page.locator("h1").first.inner_text()
