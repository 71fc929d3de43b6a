"""The published site: `mkdocs build --strict` on small repositories, then the generated pages' content.

A generated city (``policykit bench generate --scale small``, policykit.bench.generate) is put under git
with two commits, the second an adjustment carrying its record as trailers, and built with the
repository's own mkdocs.yml through `python -m mkdocs build --strict`. The pages are checked against
figures computed from the same lists, every relative link of every page is resolved (raw HTML links
are not checked by mkdocs), and nothing may be fetched from another host. Then the bundled city
(one build shared by the module): the legal bases' in-force status and the supervision pages, with
figures computed by the library; and scripted law cases (a repealed law, a title not in the registry).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, git, penalty_item
from gitrepo import Repo
from policykit import open_repository

pytest.importorskip("material", reason="mkdocs-material is not installed (pip install -e '.[site]')")

TRAILERS = """调整食品经营许可的名称

调整类型: 职责调整
调整事由: 按省级清单统一事项名称
调整依据: 明湖市人民政府令第1号
批准文号: 明编办〔2026〕7号
"""


def _mkdocs(*args, cwd):
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "NO_MKDOCS_2_WARNING": "1",
                               "POLICYKIT_CACHE_DIR": str(Path(cwd) / ".cache")})


def make_city(root: Path, *, with_git: bool = True) -> Path:
    """The generator's small city (24 departments, 520 items, 14 matters, planted defects), without the
    planted files that do not load: a strict build publishes only lists that load."""
    from policykit.bench.generate import generate
    generate(root, scale="small", seed=1)
    for rel in {p.file for p in open_repository(root).load_problems if p.severity == "error"}:
        (root / rel).unlink()
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / "docs").mkdir(exist_ok=True)
    shutil.copy(ROOT / "docs" / "index.md", root / "docs" / "index.md")
    (root / "docs" / "developer-notes.md").write_text("# 开发说明\n\n[坏链接](nowhere.md)\n", encoding="utf-8")
    if with_git:
        Repo(root).commit("初始清单")
        path = root / "lists" / "powers" / f"{picks(open_repository(root))[0]}.yaml"
        text = path.read_text(encoding="utf-8")
        first_name = re.search(r"^    name: (.+)$", text, re.M).group(1)
        path.write_text(text.replace(f"    name: {first_name}\n", f"    name: {first_name}调整后\n", 1), encoding="utf-8")
        git(root, "commit", "-q", "-am", TRAILERS)
    return root


def picks(repo) -> list[str]:
    """Registered departments, by id, whose items are all in ``lists/powers/<id>.yaml`` (the generator
    also writes misnamed and ghost power files, as defects)."""
    files = defaultdict(set)
    for it in repo.power_items:
        files[it.department].add(it.source.file)
    return sorted(d for d, fs in files.items() if d in repo.departments and fs == {f"lists/powers/{d}.yaml"})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_city(tmp_path_factory.mktemp("site") / "city")
    result = _mkdocs("build", "--strict", "-d", str(root / "site"), cwd=root)
    assert result.returncode == 0, result.stderr
    return root, root / "site", open_repository(root), result.stderr


def read(site: Path, url: str) -> str:
    path = site / url
    if url.endswith("/") or not url:
        path = path / "index.html"
    return path.read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append((tag, value))


def check_links(site: Path) -> int:
    """Every relative href/src of every page resolves to a file of the site; nothing external is loaded."""
    checked = 0
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, link in parser.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https") or link.startswith("//"):
                assert tag == "a", f"{page}: external resource {link}"
                continue
            if parts.scheme or not parts.path:
                continue
            base = site if parts.path.startswith("/") else page.parent   # 404.html is root-relative
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if parts.path.endswith("/"):
                target = target / "index.html"
            assert target.exists(), f"{page.relative_to(site)}: broken link {link}"
            checked += 1
    return checked


# ---- the build ----------------------------------------------------------------------------------
def test_strict_build_generates_every_kind_of_page(built):
    root, site, repo, log = built
    for url in ("", "departments/", "boundaries/", "catalogs/", "laws/", "rules/", "changes/", "lookup/",
                "downloads/"):
        assert (site / url / "index.html").is_file(), url
    for dept in repo.departments:
        assert (site / "departments" / dept / "index.html").is_file()
    for code in repo.powers:
        assert (site / "items" / code / "index.html").is_file()
    for b in repo.boundaries:
        assert (site / "boundaries" / b.id / "index.html").is_file()
    # developers' docs/ pages are not published, the landing text is
    assert not (site / "developer-notes").exists()
    assert "本站公布明湖市各部门" in read(site, "")
    # nothing generated was written into the repository
    assert not (root / "docs" / "departments").exists()
    assert not list(root.glob("**/jieba*.txt"))


def test_every_link_resolves_and_nothing_is_fetched_elsewhere(built):
    _, site, _, _ = built
    assert check_links(site) > 500
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", html), page


def test_pages_are_chinese(built):
    _, site, repo, _ = built
    assert "页面不存在" in (site / "404.html").read_text(encoding="utf-8")
    assert "Made with" not in read(site, "")
    for url in ("", f"departments/{picks(repo)[0]}/", "rules/", "lookup/"):
        html = read(site, url)
        assert '<html lang="zh"' in html
        body = html.split("<article", 1)[1].split("</article>", 1)[0]
        body = text_of(re.sub(r"<(pre|code)[^>]*>.*?</\1>", " ", body, flags=re.S))  # YAML examples keep English keys
        han = len(re.findall(r"[\u4e00-\u9fff]", body))
        latin = len(re.findall(r"[A-Za-z]{3,}", body))
        assert han > 5 * latin, url


# ---- home ----------------------------------------------------------------------------------------
def test_home_figures_are_computed_from_the_lists(built):
    root, site, repo, _ = built
    html = read(site, "")
    figures = dict((label, int(value.replace(",", ""))) for label, value in re.findall(
        r'<span class="pk-figure-label">([^<]+)</span><span class="pk-figure-value">([\d,]+)<', html))
    assert figures["部门"] == len(repo.departments)
    assert figures["权力事项"] == len(repo.powers)
    assert figures["内设机构"] == sum(len(d.units) for d in repo.departments.values())
    assert figures["处室职责"] == len(repo.unit_duties)
    assert figures["职责边界事项"] == len(repo.boundaries)
    assert figures["监管事项"] == len(repo.catalog_items)
    # charts are inline SVG, one bar per category
    assert html.count('<svg class="pk-chart"') >= 3
    categories = {it.category for it in repo.powers.values()}
    first_chart = html.split('<svg class="pk-chart"')[1]
    assert first_chart.count('class="pk-chart-bar"') == len(categories)
    # the "as of" line names the HEAD commit and its date
    head = git(root, "rev-parse", "HEAD").strip()
    day = git(root, "log", "-1", "--format=%cs").strip()
    assert head[:8] in html and day in html


# ---- departments ---------------------------------------------------------------------------------
def test_department_page_shows_sanding_units_items_and_matters(built):
    _, site, repo, _ = built
    d1 = picks(repo)[0]
    d = repo.departments[d1]
    html = read(site, f"departments/{d1}/")
    text = text_of(html)
    assert d.name in text
    for duty in d.main_duties:
        assert duty.text in text
    for unit in d.units:
        assert unit.name in text
    for duty in repo.unit_duties_of(d1):
        assert duty.content in text
    items = repo.items_of(d1)
    assert html.count('<details class="pk-item"') == len(items)
    for it in items:
        assert it.code in html and it.legal_basis[0].title in text and it.accountability_cases[0] in text
    for category in {it.category for it in items}:
        assert re.search(rf"<h3[^>]*>{category}（\d+ 项）", html)
    for b in repo.matters_of(d1):
        assert b.name in text
    # downloads
    assert f'href="../../downloads/{d1}.xlsx"' in html and f'href="../../downloads/{d1}.csv"' in html
    # toc of the HTML-rendered page
    assert 'href="#sanding"' in html and 'href="#powers"' in html


def test_item_page_has_details_and_its_adjustment_history(built):
    root, site, repo, _ = built
    d1, d2 = picks(repo)[:2]
    it = repo.items_of(d1)[0]
    assert it.name.endswith("调整后")
    html = read(site, f"items/{it.code}/")
    text = text_of(html)
    assert f"<title>{it.full_name}" in html
    assert it.code in text and it.legal_basis[0].title in text and it.responsibilities[0] in text
    assert "职责调整" in text and "明编办〔2026〕7号" in text
    other = repo.items_of(d2)[0]
    other_html = read(site, f"items/{other.code}/")
    assert other.full_name in other_html and "明编办〔2026〕7号" not in other_html
    assert "新增" in text_of(other_html)          # the first commit added it
    # every item page shares the shell: same assets, same toc
    assert other_html.count('href="#basis"') == html.count('href="#basis"') >= 1


# ---- boundaries, catalogue, laws, rules, changes -------------------------------------------------
def test_boundary_list_and_matrix(built):
    _, site, repo, _ = built
    html = read(site, "boundaries/")
    matrix = html.split('<table class="pk-matrix">', 1)[1].split("</table>", 1)[0]
    # one cell per department and matter (a planted defect names a department twice in one matter)
    cells = {(r.department, b.id): r.role for b in repo.boundaries for r in b.roles}
    assert matrix.count('class="pk-lead"') == sum(1 for role in cells.values() if role == "牵头")
    assert matrix.count('class="pk-coop"') == sum(1 for role in cells.values() if role == "配合")
    b = next(b for b in repo.boundaries if b.mechanism.get("trigger") and all(r.duties for r in b.roles))
    page = text_of(read(site, f"boundaries/{b.id}/"))
    assert b.name in page and b.mechanism["trigger"] in page
    for r in b.roles:
        assert r.duties[0] in page


def test_catalogue_shows_who_claimed_each_item(built):
    _, site, repo, _ = built
    text = text_of(read(site, "catalogs/"))
    unclaimed = repo.unclaimed_catalog_items()
    assert unclaimed, "the generated city has unclaimed catalogue items"
    assert f"尚未明确唯一牵头部门 {len(unclaimed)} 项" in text
    for c in repo.catalog_items:
        assert c.name in text


def test_laws_page_lists_items_resting_on_each_law(built):
    _, site, repo, _ = built
    from policykit.lists.laws import registry_of
    reg = registry_of(repo)
    counts = {}
    for it in repo.powers.values():
        for law_id in {reg.resolve(b.title).law.id for b in it.legal_basis if reg.resolve(b.title).law}:
            counts[law_id] = counts.get(law_id, 0) + 1
    law_id, n = max(counts.items(), key=lambda kv: kv[1])
    html = read(site, f"laws/{law_id}/")
    assert f"以其为依据的权力事项（{n} 项）" in html


def test_rules_page_is_generated_from_the_rule_files(built):
    _, site, _, _ = built
    from policykit.checking.check import BUNDLED_RULES
    from policykit.checking.rules import load_rules
    rules, _ = load_rules(BUNDLED_RULES, ROOT)
    html = read(site, "rules/")
    text = text_of(html)
    for r in rules:
        assert r.id in text and r.title in text and r.article in text
    assert "示例（不通过）" in text and "示例（通过）" in text
    assert re.search(r"<h2[^>]*>第八条", html)


def test_changes_page_shows_the_adjustment_record(built):
    _, site, repo, _ = built
    text = text_of(read(site, "changes/"))
    for value in ("职责调整", "按省级清单统一事项名称", "明湖市人民政府令第1号", "明编办〔2026〕7号"):
        assert value in text
    assert repo.items_of(picks(repo)[0])[0].code in text


# ---- lookup, search, downloads --------------------------------------------------------------------
def test_lookup_data_answers_lead_and_cooperating(built):
    _, site, repo, _ = built
    data = json.loads((site / "lookup" / "lookup.json").read_text(encoding="utf-8"))
    b = next(b for b in repo.boundaries if b.lead and b.cooperating)
    matter = next(m for m in data["matters"] if m["id"] == b.id)
    assert matter["name"] == b.name
    assert [r["department"] for r in matter["roles"] if r["role"] == "牵头"] == [b.lead]
    assert {r["department"] for r in matter["roles"] if r["role"] == "配合"} == set(b.cooperating)
    assert (site / "lookup" / matter["url"]).resolve().joinpath("index.html").exists()
    assert len(data["items"]) == sum(1 for it in repo.powers.values() if it.status != "取消")
    js = (site / "assets" / "policykit" / "lookup.js").read_text(encoding="utf-8")
    assert "fetch(" in js and "http" not in js.replace("http://", "").split("fetch(")[0][-50:]


def test_search_index_is_segmented_and_covers_items_and_matters(built):
    _, site, repo, _ = built
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["separator"].startswith("[\\s\\u200b")
    locations = {d["location"] for d in index["docs"]}
    for code in repo.powers:
        assert f"items/{code}/" in locations
    b = repo.boundaries[0]
    assert f"boundaries/{b.id}/" in locations
    titles = [d["title"] for d in index["docs"] if d["location"] == f"boundaries/{b.id}/"]
    assert b.name in titles[0].replace("\u200b", "")
    # department names are single search terms thanks to the generated jieba dictionary
    d001 = repo.departments[picks(repo)[0]]
    entry = next(d for d in index["docs"] if d["location"] == f"departments/{d001.id}/")
    assert entry["title"].replace("\u200b", "") == f"{d001.name}（{d001.short_name}）"
    assert f"\u200b{d001.name.removeprefix('明湖市')}\u200b" in entry["title"]
    assert entry["boost"] == 2


def test_dictionary_words_come_from_the_lists(built):
    _, _, repo, _ = built
    from policykit.site.searchdict import dictionary_words
    words = set(dictionary_words(repo))
    for d in repo.departments.values():
        assert d.short_name in words and d.name.removeprefix("明湖市") in words
        if d.name.startswith("明湖市"):
            assert d.name not in words       # with the city prefix it would hide the name from search
    b = next(b for b in repo.boundaries if b.domain and 2 <= len(b.domain) <= 10)
    assert b.domain in words                 # a matter's domain
    assert b.name not in words               # long names are found through their parts
    assert all(2 <= len(w) <= 10 for w in words)


def test_downloads_in_the_published_column_layout(built):
    _, site, repo, _ = built
    from openpyxl import load_workbook
    d2 = picks(repo)[1]
    items = repo.items_of(d2)
    raw = (site / "downloads" / f"{d2}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["序号", "事项编码", "事项名称", "子项名称", "权力类型"]
    assert "追责情形" in header and "实施依据" in header
    assert [r[1] for r in rows[1:]] == [it.code for it in items]
    wb = load_workbook(site / "downloads" / f"{d2}.xlsx")
    ws = wb.worksheets[0]
    assert ws.cell(1, 1).value == f"{repo.departments[d2].name}权责清单"
    assert [c.value for c in ws[2]][:3] == ["序号", "事项编码", "事项名称"]
    assert ws.max_row == 2 + len(items)


# ---- other ways in ---------------------------------------------------------------------------------
def test_cli_builds_a_repository_without_mkdocs_yml_and_outside_git(tmp_path, capsys):
    from policykit.cli import main
    root = make_city(tmp_path / "plain", with_git=False)
    (root / "mkdocs.yml").unlink()
    shutil.rmtree(root / "docs")
    code = main(["docs", "build", "--root", str(root), "--site-dir", str(tmp_path / "out"), "--strict"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "读取清单" in err and "网站已生成" in err
    home = read(tmp_path / "out", "")
    assert "明湖市政府部门职责清单" in home and "不是 git 仓库" in home
    assert "暂无调整记录" in read(tmp_path / "out", "changes/")
    assert check_links(tmp_path / "out") > 100


def test_plain_html_urls_resolve_too(tmp_path):
    root = make_city(tmp_path / "flat", with_git=False)
    cfg = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(cfg + "\nuse_directory_urls: false\n", encoding="utf-8")
    result = _mkdocs("build", "--strict", "-d", str(root / "site"), cwd=root)
    assert result.returncode == 0, result.stderr
    code = next(iter(open_repository(root).powers))
    assert (root / "site" / "items" / f"{code}.html").is_file()
    assert check_links(root / "site") > 500


def test_strict_build_fails_on_a_list_file_that_does_not_load(tmp_path):
    root = make_city(tmp_path / "broken", with_git=False)
    d3 = picks(open_repository(root))[2]
    (root / "lists" / "powers" / f"{d3}.yaml").write_text(f"department: {d3}\nitems: [\n", encoding="utf-8")
    result = _mkdocs("build", "--strict", "-d", str(root / "site"), cwd=root)
    assert result.returncode != 0
    assert f"lists/powers/{d3}.yaml" in result.stderr


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The bundled city's site, built once for the module with the repository's own mkdocs.yml."""
    if not (ROOT / "lists" / "organizations").is_dir():
        pytest.skip("the bundled sample city is not there")
    site = tmp_path_factory.mktemp("bundled") / "site"
    result = _mkdocs("build", "--strict", "-d", str(site), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return site, open_repository(ROOT)


def test_bundled_lists_build_strictly(bundled):
    site, repo = bundled
    home = read(site, "")
    assert f'<span class="pk-figure-value">{len(repo.powers):,}<' in home
    assert check_links(site) > 1000


# ---- legal bases in force (issue 10) ---------------------------------------------------------------
def _law_basis_facts(repo, when):
    from policykit.checking.facts import build_facts
    return [f.data for f in build_facts(repo, legal_date=when) if f.kind == "law_basis"]


def test_bundled_item_and_matter_pages_show_each_basis_in_force(bundled):
    site, repo = bundled
    from policykit.lists.laws import registry_of
    reg, today = registry_of(repo), dt.date.today()
    it = max(repo.powers.values(), key=lambda i: len(i.legal_basis))
    html = read(site, f"items/{it.code}/")
    basis = html.split('id="basis"', 1)[1].split("</ol>", 1)[0]
    assert basis.count("<li>") == len(it.legal_basis)
    for b in it.legal_basis:
        law = reg.resolve(b.title).law
        assert law is not None and law.in_force(today)
        assert f'href="../../laws/{law.id}/"' in basis
    assert basis.count('class="pk-law pk-law-in_force"') == len(it.legal_basis)
    assert f"效力状况按法律日期 {today.isoformat()} 核对" in text_of(html)
    # the same status on the department page's item details and on a boundary matter's page
    dept = read(site, f"departments/{it.department}/")
    assert dept.count("pk-law pk-law-in_force") == sum(len(i.legal_basis) for i in repo.items_of(it.department))
    m = next(m for m in repo.boundaries if m.basis)
    page = read(site, f"boundaries/{m.id}/")
    assert page.count("pk-law pk-law-in_force") == len(m.basis)


def test_bundled_laws_index_counts_bases_by_status(bundled):
    site, repo = bundled
    facts = _law_basis_facts(repo, dt.date.today())
    text = text_of(read(site, "laws/"))
    in_force = sum(1 for f in facts if f.get("in_force") and not f.get("article_beyond"))
    assert f"全部 {len(facts)} 条实施依据" in text and f"其中现行有效 {in_force} 条" in text
    powers = sum(1 for f in facts if f["list"] == "power")
    assert f"权力事项 {powers} 条、职责边界事项 {len(facts) - powers} 条" in text
    chart = read(site, "laws/").split('aria-label="实施依据按效力状况统计"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('class="pk-chart-bar"') == 5


LAWS = {
    "lists/laws/zyysf.yaml": """id: zyysf
title: 中华人民共和国执业医师法
level: 法律
versions:
  - {event: 制定, promulgated: 1998-06-26, effective: 1999-05-01, articles: 48}
  - {event: 废止, promulgated: 2021-08-20, effective: 2022-03-01}
""",
    "lists/laws/dqwrfzf.yaml": """id: dqwrfzf
title: 中华人民共和国大气污染防治法
level: 法律
versions:
  - {event: 制定, promulgated: 1987-09-05, effective: 1988-06-01}
  - {event: 修订, promulgated: 2015-08-29, effective: 2016-01-01, articles: 129, renumbered: true}
""",
    "lists/laws/tz.yaml": """id: tz
title: 关于加强餐饮油烟管理的通知
level: 规范性文件
versions:
  - {event: 制定, promulgated: 2020-03-01, effective: 2020-03-01, articles: 12}
""",
}


def _item(code, name, title, article, level="法律"):
    return penalty_item(code, name, title, article, level=level)


@pytest.fixture(scope="module")
def law_cases(tmp_path_factory):
    """rules/_base with scripted bases: a repealed law, a title not in the registry (with a suggestion),
    an article beyond the law's length, a normative document setting a penalty; built with the CLI."""
    from conftest import BASE, write_files
    from policykit.cli import main
    root = tmp_path_factory.mktemp("laws") / "city"
    shutil.copytree(BASE, root)
    powers = ("department: sthjj\nitems:\n"
              + _item("370199102CF00100", "对超标排放大气污染物的处罚", "中华人民共和国大气污染防治法", "第九十九条")
              + _item("370199102CF00200", "对非法行医的处罚", "中华人民共和国执业医师法", "第三十九条")
              + _item("370199102CF00300", "对医师违规执业的处罚", "中华人民共和国执业医生法", "第三十七条")
              + _item("370199102CF00400", "对排放恶臭气体的处罚", "中华人民共和国大气污染防治法", "第一百三十条")
              + _item("370199102CF00500", "对餐饮油烟超标的处罚", "关于加强餐饮油烟管理的通知", "第五条", level="规范性文件"))
    write_files(root, {**LAWS, "lists/powers/sthjj.yaml": powers})
    site = root.parent / "site"
    assert main(["docs", "build", "--root", str(root), "--site-dir", str(site), "--strict"]) == 0
    return root, site, open_repository(root)


def test_repealed_law_shows_on_the_item_page(law_cases):
    _, site, _ = law_cases
    html = read(site, "items/370199102CF00200/")
    basis = html.split('id="basis"', 1)[1].split("</ol>", 1)[0]
    assert '<span class="pk-law pk-law-repealed"' in basis and "已废止（2022-03-01）" in basis
    assert 'href="../../laws/zyysf/"' in basis            # the registry entry it resolved to
    assert "现行有效" not in basis
    ok = read(site, "items/370199102CF00100/").split('id="basis"', 1)[1].split("</ol>", 1)[0]
    assert "现行有效" in ok and 'href="../../laws/dqwrfzf/"' in ok


def test_unresolved_beyond_and_weak_bases_say_so(law_cases):
    _, site, _ = law_cases
    unresolved = text_of(read(site, "items/370199102CF00300/"))
    assert "未能对应登记的法规（最相近的是《中华人民共和国执业医师法》）" in unresolved
    assert "条款超出（第130条 &gt; 共129条）" in text_of(read(site, "items/370199102CF00400/"))
    weak = text_of(read(site, "items/370199102CF00500/"))
    assert "现行有效" in weak and "规范性文件不得设定行政许可、行政处罚、行政强制" in weak


def test_laws_index_summary_matches_the_checker(law_cases):
    root, site, repo = law_cases
    from policykit.checking.check import run_check
    facts = _law_basis_facts(repo, dt.date.today())
    expect = Counter()
    for f in facts:
        expect["未能对应登记的法规" if not f["resolved"] else "已废止" if f["repealed"] else "尚未施行"
               if f["not_yet_in_force"] else "条款超出" if f["article_beyond"] else "现行有效"] += 1
    assert expect["已废止"] == expect["条款超出"] == 1 and expect["未能对应登记的法规"] >= 1
    text = text_of(read(site, "laws/"))
    rows = dict(re.findall(r"(现行有效|条款超出|尚未施行|已废止|未能对应登记的法规) \d+ \d+ (\d+)", text))
    assert {k: int(v) for k, v in rows.items()} == {k: expect[k] for k in rows} and len(rows) == 5
    # every basis the rules flag is listed for checking, with what is wrong with it
    rules = {p.rule for p in run_check(root).problems if p.rule.startswith("LAW-")}
    assert {"LAW-REPEALED", "LAW-UNRESOLVED", "LAW-ARTICLE-BEYOND", "LAW-WEAK-SETS-STRONG"} <= rules
    flagged = sum(1 for f in facts if not f["resolved"] or f["repealed"] or f["not_yet_in_force"] or f["article_beyond"]
                  or f.get("weak_sets_strong") or f.get("level_mismatch") or f.get("renumbered_after_cited"))
    assert f"需要核对的依据（{flagged} 条）" in text
    assert "对非法行医的处罚" in text and "已废止（2022-03-01）" in text


def test_the_legal_date_decides(law_cases):
    _, _, repo = law_cases
    from policykit.site.pages import SitePages
    it = repo.powers["370199102CF00200"]
    before = SitePages(repo, legal_date=dt.date(2021, 6, 1)).item_page(it).body
    after = SitePages(repo, legal_date=dt.date(2022, 3, 1)).item_page(it).body
    assert "现行有效" in before and "已废止" not in before and "法律日期 2021-06-01" in before
    assert "已废止（2022-03-01）" in after


# ---- the supervision system (issue 7) --------------------------------------------------------------
def test_supervision_pages_are_in_the_navigation(bundled):
    site, repo = bundled
    from policykit.lists.records import views
    v = views(repo)
    home = read(site, "")
    for title, url in (("履职台账", "supervision/ledgers/"), ("督导评估台账", "supervision/inspections/"),
                       ("问题征集", "supervision/problems/"), ("问题调处", "supervision/disputes/"),
                       ("履职评估", "supervision/evaluation/"), ("议事协调机构", "supervision/bodies/"),
                       ("市县事权划分", "supervision/divisions/")):
        assert (site / url / "index.html").is_file(), url
        assert re.search(rf'href="{re.escape(url)}"[^>]*>\s*(<[^>]+>\s*)*{title}', home), title
    for l in v.ledgers:
        assert (site / "supervision" / "ledgers" / l.id / "index.html").is_file()
    text = text_of(read(site, "supervision/"))
    assert f"履职台账 {len(v.ledgers)} 份" in text and f"征集问题 {len(v.problems)} 件" in text


def test_ledgers_and_supervisions_correspond(bundled):
    site, repo = bundled
    from policykit.lists.records import views
    v, today = views(repo), dt.date.today()
    findings = [f for s in v.supervisions for f in s.findings]
    html = read(site, "supervision/inspections/")
    text = text_of(html)
    assert f"共督导 {len(v.supervisions)} 次" in text and f"发现问题 {len(findings)} 个" in text
    assert f"逾期未整改 {sum(f.overdue(today) for f in findings)} 个" in text
    for s in v.supervisions:
        assert f'id="{s.id}"' in html and s.title in text
        for t in s.targets:   # each supervision links to the ledger entries it refers to
            assert f'href="../ledgers/{t.ledger}/#e-{t.power}"' in html if t.power else f"../ledgers/{t.ledger}/" in html
    # and each ledger entry links back to the supervisions that target it
    s = next(s for s in v.supervisions if any(t.power for t in s.targets))
    t = next(t for t in s.targets if t.power)
    ledger = next(l for l in v.ledgers if l.id == t.ledger)
    page = read(site, f"supervision/ledgers/{ledger.id}/")
    row = page.split(f'id="e-{t.power}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="../../inspections/#{s.id}"' in row
    assert f'href="../../../items/{t.power}/"' in row
    assert page.count('<span id="e-') == sum(1 for e in ledger.entries if e.power or e.duty)
    assert f"{sum(e.handled for e in ledger.entries)} 件" in text_of(page)


def test_overdue_findings_are_flagged(bundled, tmp_path):
    _, repo = bundled
    from policykit.site.pages import SitePages
    from policykit.lists.records import views
    # a copy of the bundled lists where one finding was never answered
    root = tmp_path / "city"
    shutil.copytree(ROOT / "lists", root / "lists")
    shutil.copy(ROOT / "policykit.yaml", root / "policykit.yaml")
    s = next(s for s in views(repo).supervisions if len(s.findings) == 1 and s.findings[0].due)
    path = root / s.source.file
    text = path.read_text(encoding="utf-8")
    head, findings = text.split("findings:", 1)
    findings = re.sub(r"\n    response:\n(      .*\n)+", "\n", findings)
    findings = re.sub(r"status: 已销号\n    closed_on: .*\n", "status: 整改中\n", findings)
    path.write_text(head + "findings:" + findings.replace("status: 已办结", "status: 进行中"), encoding="utf-8")
    copy = open_repository(root)
    f = next(x for x in views(copy).supervisions if x.id == s.id).findings[0]
    assert f.status == "整改中" and f.response is None
    later = f.due + dt.timedelta(days=10)
    html = SitePages(copy, legal_date=later).supervision.inspections_page().html
    section = html.split(f'id="{s.id}"', 1)[1]
    assert "逾期 10 天" in section and f"截至 {later.isoformat()} <strong>逾期未整改 1 个</strong>" in html
    on_time = SitePages(copy, legal_date=f.due).supervision.inspections_page().html
    assert "pk-overdue" not in on_time and "<strong>逾期未整改 0 个</strong>" in on_time


def test_problems_page_trend_and_matters_without_boundary(bundled):
    site, repo = bundled
    from policykit.supervision.report import problems_report
    rep = problems_report(repo, "quarter")
    html = read(site, "supervision/problems/")
    text = text_of(html)
    assert f"其中推诿或多头 {rep['buck_passing']} 件" in text
    chart = html.split('<svg class="pk-chart pk-chart-stacked"', 1)[1].split("</svg>", 1)[0]
    assert chart.count("<g>") == len(rep["trend"])
    for r in rep["trend"]:
        assert f"{r['period']}：共 {r['total']} 件" in chart
    body = text_of(html.split("<article", 1)[1].split("</article>", 1)[0])
    section = body.split("尚无职责边界事项的事项", 1)[1].split("按部门", 1)[0]
    assert rep["without_boundary"]
    for r in rep["without_boundary"]:
        assert r["matter"] in section
    hotline = [p for p in rep["matters"] if p["boundary"]]
    assert f'href="../../boundaries/{hotline[0]["boundary"]}/"' in html
    from policykit.site.publishing import public_site_data
    from policykit.lists.records import views
    published = views(public_site_data(repo)[0]).problems   # 12345 ids carry the order number: published renumbered
    assert len(published) == len(views(repo).problems)
    for p, raw in zip(published, views(repo).problems):
        assert f'id="{p.id}"' in html and (raw.order_id is None or raw.order_id not in html)


def test_disputes_link_to_the_adjustment(bundled):
    site, repo = bundled
    from policykit.lists.records import views
    html = read(site, "supervision/disputes/")
    text = text_of(html)
    for d in views(repo).disputes:
        assert f'id="{d.id}"' in html
        for p in d.parties:
            assert p.position in text
        if d.adjustment and d.adjustment.get("boundary"):
            assert f'href="../../boundaries/{d.adjustment["boundary"]}/"' in html
            assert d.decision["document"] in text


def test_evaluation_pages_show_scorecards_with_chart_and_evidence(bundled):
    site, repo = bundled
    from policykit.supervision.evaluation import scorecards
    from policykit.lists.records import views
    v = views(repo)
    system = v.systems[0]
    index = text_of(read(site, "supervision/evaluation/"))
    for leaf in system.leaves():
        assert f"{leaf.code} {leaf.name}" in index
    assert "由记录计算" in index
    from policykit.site.publishing import public_site_data
    for period in {e.period for e in v.evaluations}:
        cards = scorecards(public_site_data(repo)[0], period, today=dt.date.today())   # evidence as published
        for c in cards:
            assert f"{c.total:g} / {c.max_total:g}" in index
            html = read(site, f"supervision/evaluation/{period}-{c.department}/")
            assert '<div class="pk-scorecard"><svg' in html
            text = text_of(html)
            for leaf in c.leaves:
                for e in leaf.evidence[:2]:
                    assert (e.note or e.ref) in text
            dept = read(site, f"departments/{c.department}/")
            assert f'href="../../supervision/evaluation/{period}-{c.department}/"' in dept


def test_bodies_and_divisions(bundled):
    site, repo = bundled
    from policykit.supervision.bodies import bodies_figures
    from policykit.lists.records import views
    fig = bodies_figures(repo)
    html = read(site, "supervision/bodies/")
    text = text_of(html)
    assert f"精简 {fig['cut']} 个" in text and f"{fig['cut_share'] * 100:.1f}%" in text
    for b in views(repo).bodies:
        assert f'id="{b.id}"' in html and b.name in text
    div = read(site, "supervision/divisions/")
    items = [it for d in views(repo).divisions for it in d.items]
    assert div.count("<tr>") - len(views(repo).divisions) * 6 - 1 >= len(items) - 1
    delegated = next(it for it in items if it.delegation and it.delegation.get("delegatee"))
    assert f'href="../../items/{delegated.item}/"' in div
    assert "本部门清单中的事项" in text_of(div)


# ---- policykit docs build --legal-date --------------------------------------------------------------
def test_cli_legal_date_decides_the_bundled_bases(tmp_path, capsys):
    """Two CLI builds of the bundled city, one as of 2021-06-01 and one as of a later day: an item whose
    basis (read from the registry through the checker's facts) was not in force yet, or was repealed
    in between, shows the status of each day."""
    if not (ROOT / "lists" / "organizations").is_dir():
        pytest.skip("the bundled sample city is not there")
    from html import escape
    from policykit.cli import main
    from policykit.site.lawstatus import status_of
    repo = open_repository(ROOT)
    early, late = dt.date(2021, 6, 1), dt.date(2024, 1, 1)
    before = {f["key"]: f for f in _law_basis_facts(repo, early) if f["list"] == "power"}
    after = {f["key"]: f for f in _law_basis_facts(repo, late) if f["list"] == "power"}
    changed = sorted(k for k in before if k in after and status_of(before[k]).status != status_of(after[k]).status)
    assert changed, "some basis of the bundled city changes status between the two days"
    key = changed[0]
    code = before[key]["owner"]
    pages = {}
    for day in (early, late):
        out = tmp_path / day.isoformat()
        assert main(["docs", "build", "--root", str(ROOT), "--site-dir", str(out), "--strict",
                     "--legal-date", day.isoformat()]) == 0, capsys.readouterr().err
        pages[day] = read(out, f"items/{code}/")
    for day, facts in ((early, before), (late, after)):
        html = pages[day]
        assert f"效力状况按法律日期 {day.isoformat()} 核对" in text_of(html)
        basis = html.split('id="basis"', 1)[1].split("</ol>", 1)[0]
        st = status_of(facts[key])
        assert f'<span class="pk-law pk-law-{st.status}" title="法律日期 {day.isoformat()}">{escape(st.text)}</span>' in basis
    assert pages[early] != pages[late]
    from policykit.site import plugin
    assert plugin.OPTION_OVERRIDES == {}                        # the override ends with the command


def test_cli_legal_date_must_be_a_date(tmp_path, capsys):
    from policykit.cli import main
    assert main(["docs", "build", "--root", str(ROOT), "--site-dir", str(tmp_path / "out"),
                 "--legal-date", "2021-13-01"]) == 2
    err = capsys.readouterr().err
    assert "法律日期应为 YYYY-MM-DD 格式的日期" in err and "2021-13-01" in err
    assert not (tmp_path / "out").exists()
