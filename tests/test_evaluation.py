"""Performance evaluation: the real indicator system (xls), scores from ledgers and evaluations, scorecards."""
import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

import policykit
from policykit.checking.check import run_check
from policykit.cli import main
from policykit.supervision.evaluation import (import_indicators, read_indicator_xls, render, render_svg, scorecards)

ROOT = Path(__file__).resolve().parents[1]
XLS_NAME = "3.2自治区机构编制执行情况和使用效益评估指标体系.xls"
BUNDLED = ROOT / "lists" / "indicators" / "ZB-2025.yaml"


@pytest.fixture
def xls(shared_dir):
    path = shared_dir / "datasets" / "karamay-2024" / "other" / XLS_NAME
    if not path.is_file():
        pytest.skip("the real indicator system is absent")
    return path


@pytest.fixture(scope="module")
def repo():
    return policykit.open_repository(ROOT)


def _leaves(system):
    return [l for t in system["indicators"] for c in t["children"] for l in c["children"]]


def _sums_are_100(system):
    core = [t for t in system["indicators"] if t["type"] == "共性"]
    assert sum(t["weight"] for t in core) == 100
    for t in core:
        assert sum(c["weight"] for c in t["children"]) == 100, t["code"]
        for c in t["children"]:
            assert sum(l["weight"] for l in c["children"]) == 100, c["code"]


# ---- import ---------------------------------------------------------------------------------
def test_real_indicator_system_reads_three_sheets(xls):
    sheets = {s.sheet: s for s in read_indicator_xls(xls)}
    assert list(sheets) == ["党委单位", "政府部门", "直属事业单位"]
    assert {k: len(_leaves(s.system)) for k, s in sheets.items()} == {"党委单位": 22, "政府部门": 27, "直属事业单位": 23}
    for s in sheets.values():
        _sums_are_100(s.system)
        assert (s.system["core_points"], s.system["individual_points"]) == (100, 20)
        assert s.system["formula"] == "实际得分=∑（三级指标分值×三级指标权重×所在二级指标权重×所在一级指标权重）"
        assert s.system["indicators"][-1] == {"code": "6", "name": "个性指标", "type": "个性", "weight": 100,
                                              "note": "由部门结合实际合理确定", "children": []}
    gov = sheets["政府部门"].system
    assert gov["name"] == "机构编制执行情况和使用效益评估指标体系（政府部门）"
    assert gov["organization_types"] == ["政府工作部门", "部门管理机构", "直属特设机构"]
    assert [(t["code"], t["name"], t["weight"]) for t in gov["indicators"]] == [
        ("1", "履职尽责情况和相关效益", 25), ("2", "“三定”规定执行情况", 25), ("3", "机构配置效益", 15),
        ("4", "编制和领导职数使用效益", 20), ("5", "机构编制管理规范", 15), ("6", "个性指标", 100)]
    assert [(c["code"], c["weight"]) for c in gov["indicators"][0]["children"]] == [
        ("1.1", 15), ("1.2", 20), ("1.3", 20), ("1.4", 10), ("1.5", 15), ("1.6", 20)]
    leaves = {l["code"]: l for l in _leaves(gov)}
    # an unnumbered 三级指标 under a 二级 with one child gets <二级>.1
    assert leaves["1.1.1"]["name"] == "党组（党委）履行机构编制主体责任情况" and leaves["1.1.1"]["source_row"] == 4
    assert leaves["1.3.1"]["points"][0] == "对照权责清单，是否存在长期不运行或运行频次不高的权力事项。"
    assert len(leaves["1.3.1"]["points"]) == 5
    assert leaves["3.1.1"]["method"].startswith("查阅部门“三定”规定。采取扣分制")   # 「评估方式及标准」 without a colon
    assert {c: l["computed"] for c, l in leaves.items() if "computed" in l} == {
        "1.3.1": {"metric": "idle_powers", "per": 25}, "1.4.1": {"metric": "buck_passing", "steps": [50, 100]},
        "1.4.2": {"metric": "inactive_bodies", "steps": [30, 60, 100]}, "1.5.1": {"metric": "late_findings", "per": 50},
        "1.5.2": {"metric": "open_findings", "per": 25}}
    assert {l["scoring"] for l in leaves.values()} == {"扣分制", "加分制", "评级制"}
    assert leaves["1.6.3"]["scoring"] == "评级制" and leaves["1.6.1"]["scoring"] == "加分制"


def test_the_sources_weight_label_defect_is_a_located_warning(xls):
    problems = [p for s in read_indicator_xls(xls) for p in s.problems]
    assert [(p.line, p.column, p.severity, p.path) for p in problems] == [(17, 6, "warning", "$['党委单位'][17][F]")]
    assert problems[0].message == "第F列是二级指标权重，但写作「所在一级指标权重100%」，按列位置取作二级指标3.1的权重 100%"
    assert problems[0].file == str(xls)


def test_import_into_a_directory_checks_clean(xls, city):
    root = city({})
    result = import_indicators(xls, root / "lists" / "indicators")
    assert sorted(p.name for p in result.written) == ["dwdw.yaml", "zfbm.yaml", "zssydw.yaml"]
    data = yaml.safe_load((root / "lists/indicators/zssydw.yaml").read_text(encoding="utf-8"))
    assert data["id"] == "zssydw" and data["source"] == f"{XLS_NAME} · 工作表「直属事业单位」"
    assert run_check(root).problems == []
    again = import_indicators(xls, root / "lists" / "indicators")
    assert again.written == []                                   # re-import: no change


def test_reimport_keeps_what_the_city_added(xls, tmp_path):
    out = tmp_path / "ZB-2025.yaml"
    shutil.copy(BUNDLED, out)
    result = import_indicators(xls, out, sheet="政府部门")
    assert result.written == [] and out.read_bytes() == BUNDLED.read_bytes()
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["id"] == "ZB-2025" and data["name"] == "明湖市部门履职评估指标体系（2025年）"
    assert [c["name"] for c in data["categories"]] == ["行政执法类", "社会服务类", "综合经济类"]
    assert [c["code"] for c in data["indicators"][-1]["children"]] == ["6.1", "6.2", "6.3"]


def test_import_errors_exit_2_in_chinese(tmp_path, capsys, xls):
    text = tmp_path / "x.xls"
    text.write_text("不是表格", encoding="utf-8")
    code = main(["evaluate", "import-indicators", str(text), "--out", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "不是电子表格文件（.xls 或 .xlsx）" in err
    code = main(["evaluate", "import-indicators", str(xls), "--out", str(tmp_path / "one.yaml")])
    _, err = capsys.readouterr()
    assert code == 2 and "有 3 个工作表，--out 应为目录，或用 --sheet 选择一个" in err
    code = main(["evaluate", "import-indicators", str(xls), "--out", str(tmp_path), "--sheet", "不存在"])
    _, err = capsys.readouterr()
    assert code == 2 and "没有工作表「不存在」" in err


# ---- scores ---------------------------------------------------------------------------------
def test_scorecards_of_2025(repo):
    cards = scorecards(repo, "2025", today=None)
    assert [(c.department, c.total, c.core, c.individual) for c in cards] == [
        ("scjgj", 113.95, 95.65, 18.3), ("wsjkw", 113.95, 95.76, 18.18), ("fgw", 111.04, 94.31, 16.73),
        ("zhzfj", 109.23, 93.05, 16.18)]
    for c in cards:
        assert (c.core_max, c.individual_max, c.max_total) == (100, 20, 120)
        assert round(sum(l.points for l in c.leaves), 2) == c.total
        assert c.unscored == [] and c.stage == "综合评定"
    scj = {l.code: l for l in cards[0].leaves}
    assert len(scj) == 29 and scj["6.1.1"].group == "个性" and "6.2.1" not in scj
    assert (scj["1.3.1"].status, scj["1.3.1"].score, scj["1.3.1"].count) == ("计算", 75, 1)
    assert [(e.type, e.ref, e.item) for e in scj["1.3.1"].evidence] == [("履职台账", "LZ-scjgj-2025", "370199101JL00200")]
    assert (scj["1.4.1"].score, scj["1.4.1"].count) == (0, 4)
    assert scj["1.4.1"].evidence[0].note == "「餐饮油烟扰民」推诿/多头 3 件：RX-MH2504210819、RX-MH2509090791、WZ-2025-002"
    assert [e.ref for e in scj["1.5.1"].evidence] == ["DD-2025-012", "RX-MH2512230828"] and scj["1.5.1"].score == 0
    assert (scj["1.5.2"].score, scj["1.4.2"].score) == (100, 100)
    assert scj["1.6.2"].status == "评分" and scj["1.6.2"].reason == "政务服务满意度88.6分，扣20分"
    # 1.3.1 is worth 100 × 25% × 20% × 50% = 2.5 points; 75 of 100 gives 1.875
    assert (scj["1.3.1"].max_points, scj["1.3.1"].points) == (2.5, 1.875)


def test_on_time_rate_matches_the_ledger(repo):
    ledger = yaml.safe_load((ROOT / "lists/performance/scjgj-2025.yaml").read_text(encoding="utf-8"))
    cats = {i.code: i.category for i in repo.items_of("scjgj")}
    rows = [e for e in ledger["entries"] if e.get("power") and cats[e["power"]] in ("行政处罚", "行政强制", "行政检查")]
    rate = sum(e["on_time"] for e in rows) / sum(e["handled"] for e in rows)
    card = next(c for c in scorecards(repo, "2025") if c.department == "scjgj")
    leaf = next(l for l in card.leaves if l.code == "6.1.1")
    assert leaf.score == round(rate * 100, 1) == 99.2
    assert leaf.evidence[0].note.startswith(f"按时办结 {sum(e['on_time'] for e in rows)}/{sum(e['handled'] for e in rows)} 件")


def test_a_department_without_an_evaluation_record_is_marked_unscored(repo):
    [card] = scorecards(repo, "2025", departments=["yjglj"], system="ZB-2025")
    assert card.evaluation is None and card.category == "行政执法类"
    assert len(card.unscored) == 23 and all(l.points == 0 for l in card.unscored)
    assert {l.code for l in card.leaves if l.status == "计算"} == {"1.3.1", "1.4.1", "1.4.2", "1.5.1", "1.5.2", "6.1.1"}


def test_renderings(repo):
    cards = scorecards(repo, "2025")
    text = render(cards, "text")
    assert text.splitlines()[2].split() == ["1.", "市场监管局", "总分", "113.95", "/", "120", "共性", "95.65", "/", "100",
                                           "个性", "18.3", "/", "20"]
    md = render(cards, "markdown")
    assert "| 1 | 市场监管局 | 113.95 / 120 | 95.65 | 18.3 | 综合评定 | 0 |" in md
    data = json.loads(render(cards, "json"))
    assert [c["total"] for c in data["scorecards"]] == [113.95, 113.95, 111.04, 109.23]
    svg = render_svg(cards)
    tree = ET.fromstring(svg)
    assert tree.tag.endswith("svg") and tree.find("{http://www.w3.org/2000/svg}title").text == "2025 年度部门履职评估记分卡"
    texts = " ".join(t.text or "" for t in tree.iter("{http://www.w3.org/2000/svg}text"))
    for name in ("市场监管局", "卫生健康委", "发展改革委", "城市管理局"):
        assert name in texts
    assert "履职台账 LZ-scjgj-2025（370199101JL00200）：「产品质量违法行为检举奖励」本期办理 0 件，未说明原因" in texts
    assert "1.4.1 协同高效情况：0 分（计算，−1.25）" in texts


def test_evaluate_cli(tmp_path, capsys):
    out = tmp_path / "cards.svg"
    code = main(["evaluate", "--root", str(ROOT), "--period", "2025", "-f", "svg", "-o", str(out)])
    _, err = capsys.readouterr()
    assert code == 0 and "已写入" in err and ET.parse(out).getroot().tag.endswith("svg")
    code = main(["evaluate", "--root", str(ROOT)])
    _, err = capsys.readouterr()
    assert code == 2 and "请用 --period 指定评估期间" in err
    code = main(["evaluate", "--root", str(ROOT), "--period", "2025年"])
    _, err = capsys.readouterr()
    assert code == 2 and "期间格式应为" in err and "Traceback" not in err
    code = main(["evaluate", "--root", str(ROOT), "--period", "2025", "--department", "nosuch"])
    _, err = capsys.readouterr()
    assert code == 2 and "部门名录中没有部门「nosuch」" in err
