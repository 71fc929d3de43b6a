"""The published site: `mkdocs build --strict` on small repositories, then the generated pages' content.

A synthetic city (policykit.site.synthetic) is put under git with two commits, the second an
adjustment carrying its record as trailers, and built with the repository's own mkdocs.yml through
`python -m mkdocs build --strict`. The pages are checked against figures computed from the same
lists, every relative link of every page is resolved (raw HTML links are not checked by mkdocs),
and nothing may be fetched from another host.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, git
from policykit.repository import open_repository

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
    from policykit.site.synthetic import generate
    generate(root, departments=5, items=40, matters=3, catalog_items=8, laws_from=ROOT / "lists" / "laws")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / "docs").mkdir(exist_ok=True)
    shutil.copy(ROOT / "docs" / "index.md", root / "docs" / "index.md")
    (root / "docs" / "developer-notes.md").write_text("# 开发说明\n\n[坏链接](nowhere.md)\n", encoding="utf-8")
    if with_git:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "初始清单")
        path = root / "lists" / "powers" / "d001.yaml"
        text = path.read_text(encoding="utf-8")
        first_name = re.search(r"^  name: (.+)$", text, re.M).group(1)
        path.write_text(text.replace(f"  name: {first_name}\n", f"  name: {first_name}调整后\n", 1), encoding="utf-8")
        git(root, "commit", "-q", "-am", TRAILERS)
    return root


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
    _, site, _, _ = built
    assert "页面不存在" in (site / "404.html").read_text(encoding="utf-8")
    assert "Made with" not in read(site, "")
    for url in ("", "departments/d001/", "rules/", "lookup/"):
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
    d = repo.departments["d001"]
    html = read(site, "departments/d001/")
    text = text_of(html)
    assert d.name in text
    for duty in d.main_duties:
        assert duty.text in text
    for unit in d.units:
        assert unit.name in text
    for duty in repo.unit_duties_of("d001"):
        assert duty.content in text
    items = repo.items_of("d001")
    assert html.count('<details class="pk-item"') == len(items)
    for it in items:
        assert it.code in html and it.legal_basis[0].title in text and it.accountability_cases[0] in text
    for category in {it.category for it in items}:
        assert re.search(rf"<h3[^>]*>{category}（\d+ 项）", html)
    for b in repo.matters_of("d001"):
        assert b.name in text
    # downloads
    assert 'href="../../downloads/d001.xlsx"' in html and 'href="../../downloads/d001.csv"' in html
    # toc of the HTML-rendered page
    assert 'href="#sanding"' in html and 'href="#powers"' in html


def test_item_page_has_details_and_its_adjustment_history(built):
    root, site, repo, _ = built
    it = repo.items_of("d001")[0]
    assert it.name.endswith("调整后")
    html = read(site, f"items/{it.code}/")
    text = text_of(html)
    assert f"<title>{it.full_name}" in html
    assert it.code in text and it.legal_basis[0].title in text and it.responsibilities[0] in text
    assert "职责调整" in text and "明编办〔2026〕7号" in text
    other = repo.items_of("d002")[0]
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
    roles = [r for b in repo.boundaries for r in b.roles]
    assert matrix.count('class="pk-lead"') == sum(1 for r in roles if r.role == "牵头")
    assert matrix.count('class="pk-coop"') == sum(1 for r in roles if r.role == "配合")
    b = repo.boundary("BJ-001")
    page = text_of(read(site, "boundaries/BJ-001/"))
    assert b.name in page and b.mechanism["trigger"] in page
    for r in b.roles:
        assert r.duties[0] in page


def test_catalogue_shows_who_claimed_each_item(built):
    _, site, repo, _ = built
    text = text_of(read(site, "catalogs/"))
    unclaimed = repo.unclaimed_catalog_items()
    assert unclaimed, "the synthetic city has unclaimed catalogue items"
    assert f"尚未明确唯一牵头部门 {len(unclaimed)} 项" in text
    for c in repo.catalog_items:
        assert c.name in text


def test_laws_page_lists_items_resting_on_each_law(built):
    _, site, repo, _ = built
    from policykit.laws import registry_of
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
    from policykit.check import BUNDLED_RULES
    from policykit.rules import load_rules
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
    assert repo.items_of("d001")[0].code in text


# ---- lookup, search, downloads --------------------------------------------------------------------
def test_lookup_data_answers_lead_and_cooperating(built):
    _, site, repo, _ = built
    data = json.loads((site / "lookup" / "lookup.json").read_text(encoding="utf-8"))
    matter = next(m for m in data["matters"] if m["id"] == "BJ-001")
    b = repo.boundary("BJ-001")
    assert matter["name"] == "危险化学品运输车辆停车场监管"
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
    assert "boundaries/BJ-001/" in locations
    titles = [d["title"] for d in index["docs"] if d["location"] == "boundaries/BJ-001/"]
    assert "危险化学品运输车辆停车场监管" in titles[0].replace("\u200b", "")
    # department names are single search terms thanks to the generated jieba dictionary
    d001 = repo.departments["d001"]
    entry = next(d for d in index["docs"] if d["location"] == "departments/d001/")
    assert entry["title"].replace("\u200b", "") == f"{d001.name}（{d001.short_name}）"
    assert f"\u200b{d001.name.removeprefix('明湖市')}\u200b" in entry["title"]
    assert entry["boost"] == 2


def test_dictionary_words_come_from_the_lists(built):
    _, _, repo, _ = built
    from policykit.site.searchdict import dictionary_words
    words = set(dictionary_words(repo))
    for d in repo.departments.values():
        assert d.short_name in words and d.name.removeprefix("明湖市") in words
        assert d.name not in words           # with the city prefix it would hide the name from search
    assert "危险化学品" in words               # a matter's domain
    assert "危险化学品运输车辆停车场监管" not in words   # long names are found through their parts
    assert all(2 <= len(w) <= 10 for w in words)


def test_downloads_in_the_published_column_layout(built):
    _, site, repo, _ = built
    from openpyxl import load_workbook
    items = repo.items_of("d002")
    raw = (site / "downloads" / "d002.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["序号", "事项编码", "事项名称", "子项名称", "权力类型"]
    assert "追责情形" in header and "实施依据" in header
    assert [r[1] for r in rows[1:]] == [it.code for it in items]
    wb = load_workbook(site / "downloads" / "d002.xlsx")
    ws = wb.worksheets[0]
    assert ws.cell(1, 1).value == f"{repo.departments['d002'].name}权责清单"
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
    (root / "lists" / "powers" / "d003.yaml").write_text("department: d003\nitems: [\n", encoding="utf-8")
    result = _mkdocs("build", "--strict", "-d", str(root / "site"), cwd=root)
    assert result.returncode != 0
    assert "lists/powers/d003.yaml" in result.stderr


def test_bundled_lists_build_strictly(tmp_path):
    if not (ROOT / "lists" / "organizations").is_dir():
        pytest.skip("the bundled sample city is not there")
    result = _mkdocs("build", "--strict", "-d", str(tmp_path / "site"), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    repo = open_repository(ROOT)
    home = read(tmp_path / "site", "")
    assert f'<span class="pk-figure-value">{len(repo.powers):,}<' in home
    assert check_links(tmp_path / "site") > 1000
