"""The bundled site in a real browser: headless Debian chromium driven by Playwright for Python.

The site of the bundled lists is built with `mkdocs build --strict` and served on localhost; the
tests read it as a visitor would: the home page's figures and charts, a department's items, the
offline Chinese search (危险化学品 → the boundary matter) and the dispatcher's lookup. No request
may leave localhost. Screenshots are kept in test-artifacts/site/ (gitignored; CI keeps them).

Needs `apt-get install chromium fonts-noto-cjk` and `pip install playwright` (no browser download:
Playwright drives the Debian chromium through executable_path).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import chromium
from conftest import ROOT

pytestmark = pytest.mark.browser
chromium.require()

ARTIFACTS = ROOT / "test-artifacts" / "site"


@pytest.fixture(scope="module")
def repo():
    from policykit import open_repository
    return open_repository(ROOT)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with chromium.serve(chromium.build_site(tmp_path_factory.mktemp("browser-site") / "site")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    with chromium.launch() as b:
        yield b


@pytest.fixture
def page(browser, server):
    with chromium.watched_page(browser, server) as pg:
        yield pg


def shot(pg, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=False)
    return path


def test_home_renders_with_figures_and_charts(page, server, repo):
    page.goto(server)
    assert page.title().startswith(repo.config.city)
    figures = page.locator(".pk-figure")
    assert figures.count() >= 6
    items = page.locator(".pk-figure", has_text="权力事项").locator(".pk-figure-value").inner_text()
    assert int(items.split("项")[0].replace(",", "")) == len(repo.powers)
    charts = page.locator("svg.pk-chart")
    assert charts.count() >= 3
    box = charts.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.pk-chart rect.pk-chart-bar").count() >= len({i.category for i in repo.powers.values()})
    assert "数据截至" in page.locator(".pk-asof").inner_text()
    shot(page, "home")
    page.screenshot(path=str(ARTIFACTS / "home-full.png"), full_page=True)


def test_department_page_shows_its_items(page, server, repo):
    dept = max(repo.departments.values(), key=lambda d: len(repo.items_of(d.id)))
    items = repo.items_of(dept.id)
    page.goto(server + f"departments/{dept.id}/")
    assert page.locator("h1").first.inner_text() == dept.name
    details = page.locator("details.pk-item")
    assert details.count() == len(items)
    first = details.first
    first.locator("summary").click()
    assert first.locator("table.pk-kv").is_visible()
    assert items[0].legal_basis[0].title in first.inner_text()
    page.locator("#powers").scroll_into_view_if_needed()
    shot(page, "department")
    # and an item page, reached from the department page
    first.get_by_text("事项详情与调整历史").click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == items[0].full_name
    assert page.locator("#history").count() == 1
    shot(page, "item")


def test_searching_hazardous_chemicals_finds_the_boundary_matter(page, server, repo):
    matter = next((b for b in repo.boundaries if "危险化学品" in b.name), None)
    assert matter is not None, "the bundled city has a boundary matter on 危险化学品"
    page.goto(server)
    chromium.open_search(page)
    chromium.type_search(page, "危险化学品")
    result = page.locator(".md-search-result__item", has_text=matter.name).first
    result.wait_for(state="visible", timeout=15000)
    shot(page, "search")
    result.locator("a").first.click()
    page.wait_for_url(f"**/boundaries/{matter.id}/**")
    assert page.locator("h1").first.inner_text().rstrip("¶") == matter.name


def test_dispatcher_lookup_answers(page, server, repo):
    matter = next(b for b in repo.boundaries if "危险化学品" in b.name)
    lead = repo.departments[matter.lead]
    chromium.open_lookup(page, server)
    page.locator("#pk-lookup-input").fill("危险化学品 停车")
    card = page.locator(f'.pk-matter[data-id="{matter.id}"]')
    card.wait_for(state="visible", timeout=5000)
    text = card.inner_text()
    assert f"牵头部门：{lead.name}" in text
    for dept_id in matter.cooperating:
        assert repo.departments[dept_id].name in text
    for role in matter.roles:
        assert role.duties[0] in text
    assert "找到职责边界事项" in page.locator("#pk-lookup-status").inner_text()
    shot(page, "lookup")
    # a dispatcher's looser wording still lands on the matter (character pairs, not exact phrases)
    page.locator("#pk-lookup-input").fill("危化品车辆停车场")
    card.wait_for(state="visible", timeout=5000)
    # and nonsense says so
    page.locator("#pk-lookup-input").fill("量子纠缠")
    page.get_by_text("没有找到").wait_for(timeout=5000)


def test_scorecard_and_supervision_ledger_pages(page, server, repo):
    from policykit.supervision.evaluation import scorecards
    from policykit.lists.records import views
    import datetime as dt
    v = views(repo)
    period = sorted({e.period for e in v.evaluations})[0]
    card = scorecards(repo, period, today=dt.date.today())[0]
    # 履职评估: the period's results, then one department's scorecard with its chart and evidence
    page.goto(server + "supervision/evaluation/")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "部门履职评估"
    page.get_by_role("link", name="记分卡").first.click()
    page.wait_for_url(f"**/supervision/evaluation/{period}-{card.department}/")
    assert page.locator("h1").first.inner_text().rstrip("¶") == f"{card.department_name} {period} 年度履职评估记分卡"
    chart = page.locator(".pk-scorecard svg")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box and box["width"] > 400 and box["height"] > 200
    assert chart.locator("rect").count() > 2 * len(card.level1())
    assert card.department_name in chart.locator("text").all_text_contents()
    total = f"{card.total:g} / {card.max_total:g}"
    assert total in page.locator("article").inner_text()
    evidence = next(e for leaf in card.leaves for e in leaf.evidence if e.note)
    cell = page.locator("article table td", has_text=evidence.note).first
    cell.scroll_into_view_if_needed()
    assert cell.is_visible() and evidence.type in cell.inner_text()
    page.locator(".pk-scorecard").scroll_into_view_if_needed()
    shot(page, "scorecard")
    # 督导评估台账: a supervision entry links to the performance ledger entry it refers to (两账对应)
    s = next(s for s in v.supervisions if any(t.power for t in s.targets))
    t = next(t for t in s.targets if t.power)
    page.goto(server + f"supervision/inspections/#{s.id}")
    section = page.locator(f"h2#{s.id}")
    assert section.is_visible() and s.title in section.inner_text()
    shot(page, "supervision")
    page.locator(f'a[href$="ledgers/{t.ledger}/#e-{t.power}"]').first.click()
    page.wait_for_url(f"**/supervision/ledgers/{t.ledger}/#e-{t.power}")
    row = page.locator(f"tr:has(#e-{t.power})")
    assert row.is_visible()
    assert s.id in row.inner_text() and repo.powers[t.power].full_name in row.inner_text()
    ledger = next(l for l in v.ledgers if l.id == t.ledger)
    assert page.locator("h1").first.inner_text().rstrip("¶") == \
        f"{repo.departments[ledger.department].short_name} {ledger.period} 履职情况台账"
    shot(page, "ledger")
