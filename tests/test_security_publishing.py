"""The public site and personal data: the publishing policy, its detectors, and the supervision pages.

1. The detectors (policykit.site.publishing) on realistic 12345 text: order numbers, phones, ID numbers,
   e-mails, callers' names and addresses below street level go; districts, streets, document numbers,
   dates, amounts and the substance stay.
2. The policy from policykit.yaml (``publishing:``): fields, detectors, address level; a bad block is
   a located SCHEMA-CONFIG error.
3. A repository whose 12345 records carry an order number, a full address, a caller's name, phone, ID
   number and e-mail, built into a site by ``policykit docs build`` (with git history): none of it is in
   any page, the search index or a download; the street-level location and the substance are.
4. XSS: every free-text string of every supervision record of the bundled city carries a payload; the
   generated supervision pages contain no element or attribute from a payload and show each as text.
5. The supervision pages build HTML only from Markup-typed fragments (a check of the module's source)
   and speak to citizens: no commands, paths, program messages.
"""
from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import BASE, ROOT, git
from gitrepo import Repo
from policykit.site.publishing import (DEFAULT_POLICY, MARK, PublishingPolicy, public_problem, public_site_data, redact_text)
from policykit import open_repository

# ---- 1. detectors ------------------------------------------------------------------------------------
REDACTED = [
    ("市民王先生来电反映：东城区大明湖街道锦绣家园小区3号楼2单元501室楼下烧烤店油烟直排，联系电话13812345678。",
     "市民［姓名已隐去］来电反映：东城区大明湖街道［地址已隐去］楼下烧烤店油烟直排，联系电话［电话已隐去］。"),
    ("来电人：张三丰，电话0531-87654321，身份证号370102198001011234，邮箱zhang.san@example.com",
     "来电人：［姓名已隐去］，电话［电话已隐去］，身份证号［身份证号已隐去］，邮箱［邮箱已隐去］"),
    ("工单号MH2501060113反映湖滨路88号烧烤店油烟扰民，原工单2503020001未办结",
     "工单号［工单号已隐去］反映［地址已隐去］烧烤店油烟扰民，原工单［工单号已隐去］未办结"),
    ("湖滨路与青年街交叉口在建商业综合体工地未覆盖裸土", "［地址已隐去］交叉口在建商业综合体工地未覆盖裸土"),
    ("关于李女士反映的问题，王小明先生称已多次拨打１３９１２３４５６７８无人接听",
     "关于［姓名已隐去］反映的问题，［姓名已隐去］称已多次拨打［电话已隐去］无人接听"),
    ("业主赵阿姨反映幸福里小区二期5栋电梯故障，座机（0531）88776655转8001",
     "业主［姓名已隐去］反映［地址已隐去］电梯故障，座机［电话已隐去］"),
    ("槐荫区段店镇后魏村村民反映村口道路破损", "槐荫区段店镇［地址已隐去］村民反映村口道路破损"),
    ("联系人刘女士 +86 139-1234-5678，身份证37010219800101123X", "联系人［姓名已隐去］ ［电话已隐去］，身份证［身份证号已隐去］"),
]
KEPT = [
    "依据明编办〔2025〕9号和市人大十五届五次会议第056号建议，地铁1号线沿线施工扬尘由住建部门牵头",
    "12345 热线 2025-06-30 至 2025-07-10 办理 35 件，罚款5万元，满意度78.2分",
    "对危险化学品道路运输企业未取得道路运输经营许可的行政处罚（370199103CF00800）",
    "农业农村局办公室组织老旧小区改造和背街小巷整治，交通运输局负责公路工程扬尘",
    "东城区大明湖街道办事处、历城区华山街道、长清区平安镇",
    "职责边界事项 BJ-011 建筑施工扬尘治理，争议 TC-2025-001，督导 DD-2025-001",
    "西城区健身房预付卡跑路，烧烤一条街油烟扰民",
]


@pytest.mark.parametrize("text,expected", REDACTED)
def test_detectors_hide_personal_data_in_12345_text(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_detectors_keep_what_is_no_personal_data(text):
    assert redact_text(text) == text


def test_address_levels_and_detectors_follow_the_configuration():
    text = "东城区大明湖街道锦绣家园小区3号楼，张先生，电话13812345678"
    district = PublishingPolicy.from_config({"addresses": "district"})
    assert district.redact_text(text) == "东城区［地址已隐去］，［姓名已隐去］，电话［电话已隐去］"
    full = PublishingPolicy.from_config({"addresses": "full", "redact": ["phones"]})
    assert full.redact_text(text) == "东城区大明湖街道锦绣家园小区3号楼，张先生，电话［电话已隐去］"
    assert PublishingPolicy.from_config({"addresses": "full", "redact": []}).redact_text(text) == text
    for bad in ({"problems": ["content"]}, {"redact": ["addresses"]}, {"addresses": "house"}):
        with pytest.raises(ValueError):
            PublishingPolicy.from_config(bad)


def test_public_problem_drops_order_number_reporter_and_remark():
    rec = {"id": "RX-MH2501060113", "order_id": "MH2501060113", "date": dt.date(2025, 1, 6), "reporter": "王建国",
           "content": "王先生反映锦绣家园小区油烟扰民，电话13812345678", "district": "东城区", "departments": ["sthjj"],
           "result": "已电话回访13812345678", "remark": "内部备注", "status": "已办结"}
    out = public_problem(rec, aliases={"RX-MH2501060113": "RX-20250106-01"})
    assert out == {"id": "RX-20250106-01", "date": dt.date(2025, 1, 6), "district": "东城区", "departments": ["sthjj"],
                   "content": "［姓名已隐去］反映［地址已隐去］油烟扰民，电话［电话已隐去］", "status": "已办结"}
    assert rec["order_id"] == "MH2501060113"                       # the record itself is untouched
    kept = PublishingPolicy.from_config({"problems": ["order_id", "district"]}).public_problem(rec)
    assert kept["order_id"] == "MH2501060113"
    assert kept["id"] == "RX-MH2501060113" and "status" not in kept


def test_detectors_are_linear_on_long_hostile_text():
    import time
    text = ("王" * 3000 + "路" * 3000 + "1" * 3000 + "小区" * 1000 + "先生" * 1000 + "-1" * 2000) * 2
    t0 = time.perf_counter()
    redact_text(text)
    assert time.perf_counter() - t0 < 2.0


# ---- 2. configuration ------------------------------------------------------------------------------------
def test_bad_publishing_block_is_a_located_config_error(city, capsys):
    from policykit.cli import main
    config = (ROOT / "policykit.yaml").read_text(encoding="utf-8")
    root = city({"policykit.yaml": config + "\npublishing:\n  problems: [content, order_id]\n  addresses: house\n"})
    code = main(["check", str(root), "-q"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    line = len(config.splitlines()) + 3
    assert f"policykit.yaml:{line}:14: 错误 [SCHEMA-CONFIG] 问题字段的值「content」不在允许范围内" in out
    assert f"policykit.yaml:{line + 1}:14: 错误 [SCHEMA-CONFIG] 地址公开到哪一级（addresses）的值「house」" in out


def test_configured_policy_reaches_the_site(city):
    from policykit.lists.config import load_config
    config = (ROOT / "policykit.yaml").read_text(encoding="utf-8")
    root = city({"policykit.yaml": config + "\npublishing:\n  problems: [order_id, district]\n  addresses: district\n"})
    cfg, problems = load_config(root)
    assert problems == [] and cfg.publishing == {"problems": ["order_id", "district"], "addresses": "district"}
    policy = PublishingPolicy.from_config(cfg)
    assert not policy.hides_order_ids and policy.addresses == "district" and not policy.publishes("problems", "matter")


# ---- 3. a site built from records with personal data -----------------------------------------------------
PROBLEMS = """batch: 12345-2025
source: '12345'
imported_from: 12345工单导出-王建国.csv
imported_on: 2025-02-01
problems:
  - id: RX-MH2501060113
    order_id: MH2501060113
    date: 2025-01-06
    content: 来电人王建国先生（手机13912345678）反映：东城区大明湖街道锦绣家园小区3号楼2单元501室楼下烧烤店油烟直排，身份证号370102198001011234，邮箱wangjg@example.com，座机0531-87654321
    district: 东城区
    reporter: 王建国
    departments: [sthjj, scjgj]
    tags: [推诿]
    matter: 餐饮油烟污染监管
    boundary: BJ-001
    status: 办理中
    result: 已联系王建国先生（13912345678）现场核查
    remark: 回访电话13912345678
  - id: RX-2501150032
    order_id: '2501150032'
    date: 2025-01-15
    content: 市民李秀英女士反映湖滨路88号一楼餐馆油烟扰民，原工单号2501060099未解决，联系人：张三丰，电话：87654321
    district: 湖滨区
    departments: [sthjj]
    matter: 餐饮油烟污染监管
    status: 办理中
  - id: RX-2502010007
    order_id: '2502010007'
    date: 2025-02-01
    content: <script>alert(1)</script>[x](javascript:alert(1)){{7*7}}"><img src=x onerror=alert(1)>夜间施工噪声扰民
    district: </title><script>alert(2)</script>
    departments: [sthjj]
    matter: '{: onclick="alert(3)"}<svg onload=alert(4)>施工噪声'
    status: 已办结
"""
DISPUTE = """id: TC-2025-001
matter: 餐饮油烟污染监管
raised: 2025-03-01
raised_by: 12345热线（工单MH2501060113）
problems: [RX-MH2501060113, RX-2501150032]
parties:
  - department: sthjj
    position: 来电人王建国先生所在锦绣家园小区的烧烤店，油烟属于餐饮服务，应由市场监管部门处理
  - department: scjgj
    position: 油烟排放超标的查处属于生态环境部门职责
mediator: 示例市委编办
status: 已裁定
decision:
  date: 2025-04-01
  by: 示例市委编办
  document: 示编办〔2025〕3号
  content: 餐饮油烟超标排放由生态环境局牵头查处，市场监管局配合
  lead: sthjj
  cooperating: [scjgj]
adjustment:
  boundary: BJ-001
  commit: 4f1c2a9e8b7d6c5b4a3928171615141312111009
  date: 2025-04-10
  note: 职责边界事项 BJ-001 明确生态环境局牵头
"""
SUPERVISION = """id: DD-2025-001
title: '餐饮油烟投诉处置专项督查"><svg onload=alert(5)>'
kind: 专项
lead_source: '12345'
lead_ref: 工单MH2501060113
problems: [RX-MH2501060113]
organizer: 示例市委编办
department: sthjj
opened: 2025-03-10
targets:
  - ledger: LZ-sthjj-2025
    power: "370199102CF00100"
findings:
  - 'no': 1
    finding: 锦绣家园小区3号楼油烟投诉（联系人王建国，13912345678）三次未查处到位
    severity: 较重
    due: 2025-04-30
    response:
      date: 2025-04-20
      measures: 已约谈王建国先生并现场检查，电话回访13912345678
      result: 涉事烧烤店已安装油烟净化设施
      evidence: [示环罚字〔2025〕12号]
    status: 已整改
status: 已办结
closed: 2025-05-10
"""
# what must not be published, and what must (the street-level location and the substance)
SECRETS = ["MH2501060113", "2501150032", "2501060099", "2502010007", "王建国", "李秀英", "张三丰", "13912345678",
           "370102198001011234", "wangjg@example.com", "0531-87654321", "87654321", "锦绣家园", "501室", "3号楼",
           "湖滨路", "88号", "回访电话", "工单导出"]
PUBLIC = ["东城区大明湖街道", "楼下烧烤店油烟直排", "湖滨区", "餐馆油烟扰民", "RX-20250106-01", "RX-20250115-01",
          "涉事烧烤店已安装油烟净化设施", "示编办〔2025〕3号"]


def _site_files(site: Path):
    """(relative path, text) of every file of a built site; spreadsheets as their cells' text."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".xlsx":
            from openpyxl import load_workbook
            wb = load_workbook(path, read_only=True)
            yield rel, "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                                 if c is not None)
            wb.close()
        elif path.suffix in (".html", ".json", ".csv", ".xml", ".txt", ".svg"):
            yield rel, path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def personal_site(tmp_path_factory):
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install -e '.[site]')")
    root = tmp_path_factory.mktemp("personal") / "city"
    shutil.copytree(BASE, root)
    (root / "lists" / "problems").mkdir()
    (root / "lists" / "problems" / "12345-2025.yaml").write_text(PROBLEMS, encoding="utf-8")
    (root / "lists" / "disputes").mkdir()
    (root / "lists" / "disputes" / "TC-2025-001.yaml").write_text(DISPUTE, encoding="utf-8")
    (root / "lists" / "supervision").mkdir()
    (root / "lists" / "supervision" / "DD-2025-001.yaml").write_text(SUPERVISION, encoding="utf-8")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", root / "docs" / "index.md")
    Repo(root).commit("导入 12345 工单 MH2501060113 等")
    path = root / "lists" / "problems" / "12345-2025.yaml"
    path.write_text(PROBLEMS.replace("    status: 办理中\n    result:", "    status: 已办结\n    result:", 1), encoding="utf-8")
    git(root, "commit", "-q", "-am", "工单MH2501060113办结（来电人王建国，13912345678）\n\n调整类型: 问题办理\n调整事由: 回访王建国先生")
    assert not [p for p in open_repository(root).load_problems if p.severity == "error"]
    site = root.parent / "site"
    result = subprocess.run([sys.executable, "-m", "policykit", "docs", "build", "--root", str(root), "--site-dir", str(site),
                             "--legal-date", "2025-06-30"], cwd=root, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(root), "NO_MKDOCS_2_WARNING": "1",
                                 "POLICYKIT_CACHE_DIR": str(root.parent / "cache")})
    assert result.returncode == 0, result.stdout + result.stderr
    return root, site


def test_personal_data_is_in_no_page_search_entry_or_download(personal_site):
    root, site = personal_site
    files = dict(_site_files(site))
    assert "search/search_index.json" in files and any(f.startswith("downloads/") for f in files)
    assert "changes/index.html" in files and "RX-20250106-01" in files["changes/index.html"]
    leaks = [(rel, secret) for rel, text in files.items() for secret in SECRETS if secret in text]
    assert leaks == []
    problems = files["supervision/problems/index.html"]
    for word in PUBLIC[:6]:
        assert word in problems
    for word in PUBLIC[6:]:
        assert word in files["supervision/inspections/index.html"] + files["supervision/disputes/index.html"]
    assert MARK["phone"] in problems and MARK["name"] in problems and MARK["address"] in problems
    import json
    docs = json.loads(files["search/search_index.json"])["docs"]
    indexed = re.sub(r"[\s\u200b]", "", "".join(d["text"] for d in docs if d["location"].startswith("supervision/problems/")))
    assert "楼下烧烤店油烟直排" in indexed and "东城区大明湖街道" in indexed   # the substance is still found by search


def test_supervision_search_entries_hold_escaped_text(personal_site):
    import json
    _, site = personal_site
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    entries = [d for d in docs if d["location"].startswith("supervision/")]
    assert entries and any("alert(1)" in d["text"] for d in entries)
    for d in entries:
        for key in ("title", "text"):
            assert not re.search(r"<(script|img|svg|iframe)\b", d[key], re.I), d


def test_built_supervision_pages_carry_no_injected_markup(personal_site):
    _, site = personal_site
    for page in sorted((site / "supervision").rglob("*.html")):
        found = _Markup.scan(page.read_text(encoding="utf-8"), theme=True)
        assert found.injected == [], (page, found.injected)
    text = _Markup.scan((site / "supervision" / "problems" / "index.html").read_text(encoding="utf-8"), theme=True).text
    assert "<script>alert(1)</script>[x](javascript:alert(1)){{7*7}}\"><img src=x onerror=alert(1)>" in text


# ---- 4. payloads in every string field of every supervision record -------------------------------------------
PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '</title><script>alert(1)</script>',
            '[x](javascript:alert(1))', '{{7*7}}', 'javascript:alert(1)', '<svg onload=alert(1)>',
            '{: onclick="alert(1)"}', '<!--', '{% raw %}', '![](x onerror=alert(1))', '*a* `b` | c &amp; <b>d</b>']
RECORD_DIRS = ("performance", "supervision", "problems", "disputes", "indicators", "evaluations", "bodies", "divisions")
KEEP = {"id", "batch", "department", "departments", "ledger", "power", "item", "boundary", "system", "indicator", "code",
        "host", "lead", "cooperating", "delegatee", "merged_into", "dispute", "problems", "period", "applies_to", "metric",
        "lead_source", "source", "tags", "status", "kind", "type", "severity", "stage", "commit", "members"}


class _Markup(HTMLParser):
    """Elements and attributes of a page that came from a payload; the page's text."""

    SVG = {"svg", "g", "rect", "text", "title", "circle", "path", "line", "tspan"}
    ALLOWED = {"article", "div", "table", "thead", "tbody", "tr", "th", "td", "a", "p", "ul", "ol", "li", "strong", "br", "span",
               "small", "h1", "h2", "h3"} | SVG

    def __init__(self, theme: bool):
        super().__init__(convert_charrefs=True)
        self.theme, self.injected, self.parts, self.in_article = theme, [], [], not theme

    @classmethod
    def scan(cls, html: str, theme: bool = False) -> "_Markup":
        parser = cls(theme)
        parser.feed(html)
        parser.close()
        return parser

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.in_article = True
        if not self.in_article:
            return
        if tag not in self.ALLOWED:
            self.injected.append((tag, attrs))
        for name, value in attrs:
            if name.startswith("on") or name in ("src", "srcdoc", "style") and tag not in self.SVG and value != "text-align: right":
                self.injected.append((tag, name, value))
            if name in ("href", "xlink:href") and (value or "").strip().lower().startswith(("javascript:", "data:")):
                self.injected.append((tag, name, value))

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article = False

    def handle_data(self, data):
        if self.in_article:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _payload_lists(dest: Path) -> int:
    """The bundled records with a payload appended to every free-text string that stays schema-valid;
    returns how many strings carry one."""
    load = lambda text: yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: E731
    dump = lambda data: yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),  # noqa: E731
                                  allow_unicode=True, sort_keys=False)
    shutil.copytree(ROOT / "lists", dest / "lists")
    shutil.copy(ROOT / "policykit.yaml", dest / "policykit.yaml")
    originals, mutated, count = {}, {}, [0]

    def walk(value, key):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key not in KEEP:
            count[0] += 1
            return value + PAYLOADS[count[0] % len(PAYLOADS)]
        return value
    for d in RECORD_DIRS:
        for path in sorted((dest / "lists" / d).glob("*.yaml")):
            rel = path.relative_to(dest).as_posix()
            originals[rel] = load(path.read_text(encoding="utf-8"))
            mutated[rel] = walk(originals[rel], None)
            path.write_text(dump(mutated[rel]), encoding="utf-8")
    # what the schemas refuse (patterns, lengths, enums) goes back to what it was
    for _ in range(3):
        errors = [p for p in open_repository(dest).load_problems if p.severity == "error"]
        if not errors:
            break
        for p in errors:
            keys = [int(i) if i else name for i, name in re.findall(r"\[(\d+)\]|\.([^.\[]+)", p.path)]
            node, orig = mutated[p.file], originals[p.file]
            for k in keys[:-1]:
                node, orig = node[k], orig[k]
            if keys and node[keys[-1]] != orig[keys[-1]]:
                node[keys[-1]] = orig[keys[-1]]
                count[0] -= 1
        for rel in {p.file for p in errors}:
            (dest / rel).write_text(dump(mutated[rel]), encoding="utf-8")
    assert not [p for p in open_repository(dest).load_problems if p.severity == "error"]
    return count[0]


@pytest.fixture(scope="module")
def payload_pages(tmp_path_factory):
    from policykit.site.pages import SitePages
    root = tmp_path_factory.mktemp("payloads")
    count = _payload_lists(root)
    repo = open_repository(root)
    site = SitePages(repo, legal_date=dt.date(2026, 3, 1))
    pages = {g.src_uri: (g.content, g.render()) for g in site.supervision.generate()}
    fragments = [x for d in repo.departments for x in site.supervision.department_links("departments/x.md", d)]
    fragments += [x for code in site.powers for x in site.supervision.item_related("items/x.md", code)]
    return repo, pages, fragments, count


def test_every_string_field_is_text_on_every_supervision_page(payload_pages):
    repo, pages, fragments, count = payload_pages
    assert count > 1500 and len(pages) > 20
    kinds = {uri.split("/")[1].split(".")[0] for uri in pages}
    assert {"index", "ledgers", "inspections", "problems", "disputes", "evaluation", "bodies", "divisions"} <= kinds
    shown = ""
    for uri, (_content, page) in pages.items():
        html = str(page.html)
        found = _Markup.scan(html)
        assert found.injected == [], (uri, found.injected[:3])
        shown += found.text
    for payload in PAYLOADS:
        assert payload in shown, payload
    for fragment in fragments:
        assert _Markup.scan(str(fragment)).injected == []
    # which payload lands in a linked title depends on how many string fields the records have; some
    # payload that looks like markup must be there, shown as text
    assert any(p in _Markup.scan(str(f)).text for f in fragments for p in PAYLOADS if "<" in p)


def test_page_titles_stay_text_in_markdown(payload_pages):
    import markdown
    from policykit.site.supervision import _md_title
    for payload in PAYLOADS + ["# x {#id onclick=alert(1)}", "a\nb", "\\", "标题 {: .x onclick=alert(1) }"]:
        out = markdown.markdown(f"# {_md_title('记分卡 ' + payload)}\n",
                                extensions=["tables", "attr_list", "md_in_html", "admonition", "toc"])
        found = _Markup.scan(out)
        assert found.injected == [] and re.fullmatch(r'<h1 id="[\w-]*">[^<]*</h1>', out), (payload, out)
        assert found.text == "记分卡 " + " ".join(payload.split()), (payload, out)


# ---- 5. by construction, and for citizens -----------------------------------------------------------------
def test_supervision_pages_build_html_only_from_literal_templates():
    src = (ROOT / "src" / "policykit" / "site" / "supervision.py").read_text(encoding="utf-8")
    tree = ast.parse(src)
    helpers = {"_html", "_join", "Markup"}
    allowed = {"_html", "_join", "_chart"}   # Markup(variable) only inside these three helpers
    owner = {}
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(fn):
            owner.setdefault(node, fn.name)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in helpers]
    assert len(calls) > 100
    for call in calls:
        first = call.args[0] if call.args else None
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        assert literal or (call.func.id == "Markup" and owner.get(call) in allowed), \
            f"supervision.py:{call.lineno}: {call.func.id}() with a template that is not a literal"
    assert "f'<" not in src and 'f"<' not in src and src.count(".format(") == 1   # the one in _html


DEVELOPER_TEXT = re.compile(r"policykit |import-hotline|lists/|\.ya?ml\b|\.csv\b|docs/|Traceback|Error|详见|`|\{[a-z_.]+\}")


def test_bundled_supervision_pages_speak_to_citizens():
    from policykit.site.pages import SitePages
    site = SitePages(open_repository(ROOT), legal_date=dt.date(2026, 3, 1))
    pages = list(site.supervision.generate())
    assert len(pages) > 20
    for g in pages:
        text = _Markup.scan(str(g.render().html)).text
        assert not DEVELOPER_TEXT.search(text), (g.src_uri, DEVELOPER_TEXT.search(text).group())
    problems = _Markup.scan(str(site.supervision.problems_page().html)).text
    assert "为保护来电群众的个人信息，公开时隐去了工单编号" in problems
    raw = open_repository(ROOT)
    from policykit.lists.records import views
    assert all(p.order_id not in problems for p in views(raw).problems if p.order_id)


def test_the_public_copy_is_the_only_copy_the_pages_read():
    from policykit.site.pages import SitePages
    repo = open_repository(ROOT)
    site = SitePages(repo, legal_date=dt.date(2026, 3, 1))
    assert site.repo is not repo and site.supervision.repo is site.repo
    assert all(not f.startswith("lists/problems/") for f in site.repo.documents)
    assert public_site_data(site.repo)[0] is site.repo
    order_ids = {p["order_id"] for _f, d in repo.records["problem"] for p in d["problems"] if p.get("order_id")}
    dumped = repr(site.repo.records)
    assert order_ids and not [o for o in order_ids if o in dumped]
    assert DEFAULT_POLICY.hides_order_ids
