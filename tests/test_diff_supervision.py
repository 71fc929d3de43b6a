"""diff.py on the supervision system's records (lists/bodies … lists/evaluations): item-level
changes of bodies, divisions, disputes, findings, problems, ledgers, indicators and scores, on a
real throwaway git repository holding the bundled city."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import policykit
from gitrepo import BIANBAN, Repo, copy_bundled
from policykit.history import adjustments as A
from policykit.history import diff as D
from policykit.history import review as R
from policykit.cli import main

OPEN_FINDING = """findings:
  - 'no': 1
    finding: 执法检查计划未按季度公示
    severity: 一般
    due: 2026-12-31
    status: 整改中
"""
DECISION = """status: 已裁定
decision:
  date: 2026-01-05
  by: 明湖市委编办
  document: 明编办〔2026〕2号
  content: 餐饮服务业油烟排放由城市管理部门牵头监管，生态环境部门负责监测
  lead: zhzfj
  cooperating: [sthjj]
"""
NEW_PROBLEM = """  - id: RX-MH2601050001
    order_id: MH2601050001
    date: 2026-01-05
    content: 西城区小区楼下烧烤店油烟直排，多次投诉无果
    district: 西城区
    departments:
      - zhzfj
      - sthjj
    tags:
      - 推诿
    matter: 餐饮油烟扰民
    status: 办理中
"""


class Bundled(Repo):
    """The bundled city (lists/ and policykit.yaml of this repository) in a throwaway git repository."""

    def __init__(self, root: Path):
        super().__init__(copy_bundled(root), date="2026-01-10T10:00:00+08:00", **BIANBAN)


def adjust_records(c: Bundled) -> None:
    """One change to every kind of supervision record."""
    c.edit("lists/supervision/DD-2026-001.yaml", "status: 整改中",                       # finding 整改中 → 已整改
           "response:\n      date: 2026-01-08\n      measures: 建立季度公示制度\n    status: 已整改")
    c.append("lists/problems/12345-2025.yaml", NEW_PROBLEM)                              # a new hotline problem
    c.edit("lists/disputes/TC-2025-002.yaml", "status: 协调中\n", DECISION)              # a dispute decided
    c.edit("lists/bodies/YT-002.yaml", "status: 存续",                                  # a body 撤销
           "status: 撤销\nabolished:\n  date: 2026-01-08\n  document: 明编发〔2026〕1号\n  reason: 职责并入市应急管理委员会")
    c.path("lists/bodies/YT-011.yaml").unlink()                                          # a body's record deleted
    c.edit("lists/indicators/ZB-2025.yaml", "code: 1.3.1\n            name: 权责事项实际运行情况\n            weight: 50",
           "code: 1.3.1\n            name: 权责事项实际运行情况\n            weight: 60")  # indicator weights
    c.edit("lists/indicators/ZB-2025.yaml", "code: 1.3.2\n            name: 权责事项实际运行与机构编制资源匹配情况\n"
           "            weight: 50", "code: 1.3.2\n            name: 权责事项实际运行与机构编制资源匹配情况\n            weight: 40")
    c.edit("lists/divisions/SX-2025.yaml", "item: 370199101XK00102\n    name: 食品经营许可（食品经营许可证变更）\n"
           "    domain: 市场监管\n    type: 共有", "item: 370199101XK00102\n    name: 食品经营许可（食品经营许可证变更）\n"
           "    domain: 市场监管\n    type: 县级专有")                                  # division type changed
    c.edit("lists/performance/scjgj-2025.yaml", "handled: 1157\n    on_time: 1144",      # ledger entry volume
           "handled: 1203\n    on_time: 1190")
    c.edit("lists/evaluations/PG-2025-fgw.yaml", "indicator: 1.2.2\n    score: 80",       # a score
           "indicator: 1.2.2\n    score: 90")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    c = Bundled(tmp_path_factory.mktemp("sup") / "city")
    c.base = c.commit("初始清单", "2025-12-01T10:00:00+08:00")
    c.edit("lists/supervision/DD-2026-001.yaml", "findings: []\n", OPEN_FINDING)
    c.opened = c.commit("督导发现问题", "2026-01-02T10:00:00+08:00")
    adjust_records(c)
    c.head = c.commit("监管记录更新", "2026-01-10T10:00:00+08:00")
    return c


EXPECTED = [  # (group, object, key, types, level, department): in the diff's order
    ("议事协调机构", "body", "YT-011", ["取消"], "major", "fgw"),
    ("议事协调机构", "body", "YT-002", ["撤销"], "major", "yjglj"),
    ("市县事权划分", "division_item", "SX-2025|370199101XK00102", ["划分类型变更"], "major", None),
    ("职责争议调处", "dispute", "TC-2025-002", ["争议裁定"], "minor", "zhzfj"),
    ("督导评估工作台账", "finding", "DD-2026-001#1", ["整改状态变更", "整改反馈变更"], "minor", "zhzfj"),
    ("问题征集", "problem", "RX-MH2601050001", ["新增"], "minor", "zhzfj"),
    ("部门履职情况台账", "perf_entry", "LZ-scjgj-2025|370199101XK00101", ["办理量变更"], "minor", "scjgj"),
    ("履职评估指标体系", "indicator", "ZB-2025|1.3.1", ["指标权重变更"], "minor", None),
    ("履职评估指标体系", "indicator", "ZB-2025|1.3.2", ["指标权重变更"], "minor", None),
    ("部门履职评估", "score", "PG-2025-fgw|1.2.2", ["得分变更"], "minor", "fgw"),
]
FIELDS = {  # key -> [(field, type, before, after)]
    "YT-002": [("status", "撤销", "存续", "撤销"), ("abolished.date", "撤销", None, "2026-01-08"),
               ("abolished.document", "撤销", None, "明编发〔2026〕1号"),
               ("abolished.reason", "撤销", None, "职责并入市应急管理委员会")],
    "YT-011": [],
    "SX-2025|370199101XK00102": [("type", "划分类型变更", "共有", "县级专有")],
    "TC-2025-002": [("status", "争议裁定", "协调中", "已裁定"), ("decision.date", "争议裁定", None, "2026-01-05"),
                    ("decision.by", "争议裁定", None, "明湖市委编办"),
                    ("decision.document", "争议裁定", None, "明编办〔2026〕2号"),
                    ("decision.content", "争议裁定", None, "餐饮服务业油烟排放由城市管理部门牵头监管，生态环境部门负责监测"),
                    ("decision.lead", "争议裁定", None, "zhzfj"), ("decision.cooperating", "争议裁定", None, ["sthjj"])],
    "DD-2026-001#1": [("status", "整改状态变更", "整改中", "已整改"), ("response.date", "整改反馈变更", None, "2026-01-08"),
                      ("response.measures", "整改反馈变更", None, "建立季度公示制度")],
    "RX-MH2601050001": [],
    "LZ-scjgj-2025|370199101XK00101": [("handled", "办理量变更", 1157, 1203), ("on_time", "办理量变更", 1144, 1190)],
    "ZB-2025|1.3.1": [("weight", "指标权重变更", 50, 60)],
    "ZB-2025|1.3.2": [("weight", "指标权重变更", 50, 40)],
    "PG-2025-fgw|1.2.2": [("score", "得分变更", 80, 90)],
}


def rows(d: D.Diff):
    return [(c.adjustment, c.object, c.key, c.types, c.level, c.department) for c in d.changes]


def test_every_kind_of_supervision_record_change_is_reported_exactly(city):
    d = D.diff(city.root, city.opened, city.head)
    assert rows(d) == EXPECTED
    for c in d.changes:
        assert [(f.field, f.type, f.before, f.after) for f in c.fields] == FIELDS[c.key], c.key
    assert d.other_files == [] and d.warnings == []
    assert [c.key for c in d.majors] == ["YT-011", "YT-002", "SX-2025|370199101XK00102"]
    # located in the newer state (in the older one for what was removed)
    where = {c.key: (c.file, c.line) for c in d.changes}
    assert where["YT-002"] == ("lists/bodies/YT-002.yaml", 1)
    assert where["YT-011"] == ("lists/bodies/YT-011.yaml", 1)
    assert where["DD-2026-001#1"] == ("lists/supervision/DD-2026-001.yaml", 14)
    assert where["RX-MH2601050001"][0] == "lists/problems/12345-2025.yaml"
    text = (city.root / "lists/divisions/SX-2025.yaml").read_text(encoding="utf-8").splitlines()
    assert text[where["SX-2025|370199101XK00102"][1] - 1].strip() == "- 'no': 2"
    # a new or removed record carries the record, without its sub-records
    new = d.find("problem", "RX-MH2601050001")
    assert new.after["content"].startswith("西城区小区楼下烧烤店") and new.after["departments"] == ["zhzfj", "sthjj"]
    gone = d.find("body", "YT-011")
    assert gone.before["id"] == "YT-011" and gone.shape == "取消"
    assert d.find("body", "YT-002").shape == "取消"   # 撤销 counts as 取消 in the summary


def test_summary_counts_the_record_groups(city):
    s = D.diff(city.root, city.opened, city.head).summary()
    assert list(s["kinds"]) == ["议事协调机构", "市县事权划分", "职责争议调处", "督导评估工作台账", "问题征集",
                                "部门履职情况台账", "履职评估指标体系", "部门履职评估"]
    assert s["kinds"]["议事协调机构"] == {"total": 2, "major": 2, "新增": 0, "取消": 2, "划转": 0, "修改": 0,
                                         "types": {"取消": 1, "撤销": 1}}
    assert s["kinds"]["问题征集"]["新增"] == 1 and s["kinds"]["履职评估指标体系"]["修改"] == 2
    assert s["levels"] == {"major": 3, "minor": 7, "patch": 0}


def test_json_report(city):
    data = json.loads(R.render(D.diff(city.root, city.opened, city.head), "json"))
    by_key = {c["key"]: c for c in data["changes"]}
    assert set(by_key) == set(FIELDS)
    finding = by_key["DD-2026-001#1"]
    assert finding["object"] == "finding" and finding["object_label"] == "督导问题"
    assert finding["adjustment"] == "督导评估工作台账" and finding["level"] == "minor"
    assert finding["fields"][0] == {"field": "status", "label": "整改状态", "type": "整改状态变更",
                                    "before": "整改中", "after": "已整改"}
    assert finding["fields"][1]["label"] == "整改反馈·反馈日期"
    weight = by_key["ZB-2025|1.3.1"]
    assert weight["name"] == "1.3.1 权责事项实际运行情况"
    assert weight["fields"] == [{"field": "weight", "label": "权重", "type": "指标权重变更", "before": 50, "after": 60}]
    assert by_key["SX-2025|370199101XK00102"]["fields"] == [
        {"field": "type", "label": "划分类型", "type": "划分类型变更", "before": "共有", "after": "县级专有"}]
    assert by_key["PG-2025-fgw|1.2.2"]["fields"][0]["before"] == 80
    assert by_key["LZ-scjgj-2025|370199101XK00101"]["location"]["file"] == "lists/performance/scjgj-2025.yaml"
    assert data["departments"]["yjglj"] == "应急局" and data["departments"]["zhzfj"]


def test_text_report(city):
    text = R.render(D.diff(city.root, city.opened, city.head), "text")
    for line in ["议事协调机构（2 项）",
                 "    [重大] 撤销 YT-002 明湖市安全生产委员会  (lists/bodies/YT-002.yaml:1)",
                 "        状态：存续 → 撤销",
                 "        撤销或合并·文号：（无） → 明编发〔2026〕1号",
                 "市县事权划分（1 项）",
                 "  （不分部门）（1 项）",
                 "        划分类型：共有 → 县级专有",
                 "    [一般] 争议裁定 TC-2025-002 餐饮油烟扰民  (lists/disputes/TC-2025-002.yaml:1)",
                 "        调处决定·牵头部门：（无） → 城市管理局",
                 "        整改状态：整改中 → 已整改",
                 "    [一般] 新增 RX-MH2601050001 西城区小区楼下烧烤店油烟直排，多次投诉无果  "
                 "(lists/problems/12345-2025.yaml:663)",
                 "        2026-01-05 · 派单：城市管理局、生态环境局 · 办理中",
                 "        办理量：1157 → 1203",
                 "        按时办结量：1144 → 1190",
                 "        权重：50 → 60",
                 "        得分：80 → 90"]:
        assert line in text.splitlines(), line


def test_markdown_report(city):
    md = R.render(D.diff(city.root, city.opened, city.head), "markdown")
    assert "| 议事协调机构 | 0 | 2 | 0 | 0 | 2 | 2 |" in md
    assert "| **合计** | 1 | 2 | 0 | 7 | **10** | **3** |" in md
    assert ("| 议事协调机构 | 应急局 | `YT-002` 明湖市安全生产委员会 | 撤销 | 状态：存续 → 撤销；撤销或合并（见明细） |"
            in md)
    assert "| 市县事权划分 | （不分部门） | `SX-2025\\|370199101XK00102` 食品经营许可（食品经营许可证变更） | 划分类型变更 |" in md
    assert "| 一般 | `TC-2025-002` | 餐饮油烟扰民 | 争议裁定 | 状态：协调中 → 已裁定；调处决定（见明细） |" in md
    assert "| 调处决定·配合部门 | （无） | 生态环境局 |" in md


def test_pruned_fast_path_equals_reading_both_revisions_whole(city):
    fast = D.diff(city.root, city.opened, city.head)
    old = policykit.open_repository(city.root, at=city.opened)
    new = policykit.open_repository(city.root, at=city.head)
    whole = D.diff_repositories(old, new)
    assert [c.as_dict() for c in fast.changes] == [c.as_dict() for c in whole.changes]


def test_no_change_and_reordered_records_are_no_change(city, tmp_path):
    c = Bundled(tmp_path / "city")
    c.commit("初始清单", "2025-12-01T10:00:00+08:00")
    # the same records in another order and another file layout
    body = (c.root / "lists/bodies/YT-002.yaml").read_text(encoding="utf-8")
    (c.root / "lists/bodies/YT-002.yaml").unlink()
    c.path("lists/bodies/安全生产委员会.yaml").write_text(body, encoding="utf-8")
    c.edit("lists/performance/scjgj-2025.yaml", "compiled_by: 市场监管局办公室\n", "")
    c.append("lists/performance/scjgj-2025.yaml", "compiled_by: 市场监管局办公室\n")
    d = D.diff(c.root, "HEAD", None)
    assert d.changes == [] and d.warnings == []


def test_commit_changes_and_changelog_include_the_records(city):
    commit = [x for x in policykit.lists.gitdoor.commits(city.root, "HEAD") if x.sha == city.head][0]
    d = D.commit_changes(city.root, commit, lists_dir="lists")
    assert rows(d) == EXPECTED
    log = A.changelog(city.root, "2026-01-03", "2026-01-31")
    assert len(log.entries) == 1
    assert [(c.object, c.key, c.types) for c in log.entries[0].changes] == [(e[1], e[2], e[3]) for e in EXPECTED]
    assert rows(log.net) == EXPECTED
    md = A.render_changelog(log, "markdown")
    assert "| 议事协调机构 | 0 | 2 | 0 | 0 | 2 |" in md
    assert "| 督导评估工作台账 | 城市管理局 | `DD-2026-001#1` 执法检查计划未按季度公示 | 整改状态变更、整改反馈变更 | " \
           "整改状态：整改中 → 已整改；整改反馈（见明细） |" in md
    assert "| 履职评估指标体系 | （不分部门） | `ZB-2025\\|1.3.1` 1.3.1 权责事项实际运行情况 | 指标权重变更 | 权重：50 → 60 |" in md
    data = json.loads(A.render_changelog(log, "json"))
    keys = [c["key"] for c in data["entries"][0]["changes"]]
    assert "TC-2025-002" in keys and "RX-MH2601050001" in keys


def test_check_since_requires_a_record_for_a_body_cut_and_a_division_change(city):
    problems = A.check_since(city.root, city.opened)
    found = sorted((p.rule, p.file, p.line) for p in problems)
    assert [r for r, _, _ in found] == ["ADJ-RECORD-MISSING"] * 3
    where = {f for _, f, _ in found}
    assert where == {"lists/bodies/YT-002.yaml", "lists/bodies/YT-011.yaml", "lists/divisions/SX-2025.yaml"}
    messages = " ".join(p.message for p in problems)
    assert "撤销 议事协调机构 YT-002「明湖市安全生产委员会」（应急局）" in messages
    assert "划分类型变更 事权划分事项 SX-2025|370199101XK00102" in messages
    # the division item is located at the item in HEAD
    line = next(ln for _, f, ln in found if f.endswith("SX-2025.yaml"))
    text = (city.root / "lists/divisions/SX-2025.yaml").read_text(encoding="utf-8").splitlines()
    assert text[line - 1].strip() == "- 'no': 2"


def test_change_levels_scope_record_objects(city, tmp_path):
    levels = D.parse_change_levels({"督导问题/整改状态变更": "major", "撤销": "minor", "议事协调机构/取消": "patch"})
    d = D.diff(city.root, city.opened, city.head, levels=levels)
    assert {c.key: c.level for c in d.changes if c.object in ("finding", "body")} == {
        "DD-2026-001#1": "major", "YT-002": "minor", "YT-011": "patch"}
    with pytest.raises(policykit.errors.UsageError):
        D.parse_change_levels({"议事机构/撤销": "major"})


def test_cli_diff_json_and_changelog(city, capsys):
    assert main(["diff", city.opened, city.head, "-f", "json", "--root", str(city.root)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["key"] for c in data["changes"]] == [e[2] for e in EXPECTED]
    assert main(["changelog", "--since", "2026-01-03", "--root", str(city.root)]) == 0
    out = capsys.readouterr().out
    assert "`YT-002` 明湖市安全生产委员会" in out and "`RX-MH2601050001`" in out


def test_site_history_carries_the_record_changes(city):
    from policykit.site.changes import read_history
    hist = read_history(city.root)
    assert hist.available
    latest = hist.adjustments[0]
    assert latest.commit == city.head
    by_key = {c.key: c for c in latest.changes}
    body = by_key["YT-002"]
    assert (body.kind, body.object, body.label, body.group, body.department) == (
        "撤销", "body", "议事协调机构", "议事协调机构", "yjglj")
    assert body.title == "议事协调机构 YT-002「明湖市安全生产委员会」"
    assert body.summary == "状态：存续 → 撤销；撤销或合并（见明细）"
    assert by_key["DD-2026-001#1"].kind == "整改状态变更、整改反馈变更"
    assert "DD-2026-001#1" in hist.item_history()


LEDGER_DUTY = "  - duty: {unit: 办公室, no: 9}\n    handled: 3\n    on_time: 3\n    evidence: [公文处理系统统计]\n"


@pytest.mark.parametrize("case", ["header only", "one problem removed", "repeated id", "duty entries", "reordered"])
def test_pruning_record_files_never_changes_the_result(tmp_path, case):
    """Record files (problems, ledgers, divisions, scores) are pruned like power files: identical
    entries blanked. The result is exactly that of reading both revisions whole."""
    c = Bundled(tmp_path / "city")
    problems, ledger = "lists/problems/12345-2025.yaml", "lists/performance/zhzfj-2025.yaml"
    if case == "duty entries":
        c.append(ledger, LEDGER_DUTY)
    base = c.commit("初始清单", "2025-12-01T10:00:00+08:00")
    if case == "header only":   # every entry identical: one is kept, the schema wants at least one
        c.edit(problems, "imported_from: 12345-2025.csv", "imported_from: 12345-2025-v2.csv")
        c.edit("lists/divisions/SX-2025.yaml", "effective: 2025-07-01", "effective: 2025-08-01")
        c.edit("lists/evaluations/PG-2025-fgw.yaml", "stage: 综合评定", "stage: 问题反馈")
    elif case == "one problem removed":
        text = c.path(problems).read_text(encoding="utf-8")
        start = text.index("  - id: RX-MH2512290052")
        c.path(problems).write_text(text[:start], encoding="utf-8")
    elif case == "repeated id":  # the first of a repeated id counts, pruned or not
        c.append(problems, NEW_PROBLEM.replace("RX-MH2601050001", "RX-MH2501060113"))
        c.edit(problems, "content: 湖滨路与青年街交叉口", "content: 湖滨路与青年路交叉口")
    elif case == "duty entries":
        c.edit(ledger, "no: 9}\n    handled: 3", "no: 9}\n    handled: 4")
        c.edit(ledger, "handled: ", "handled: 1")
    elif case == "reordered":
        text = c.path(problems).read_text(encoding="utf-8")
        head, first, rest = text.partition("  - id: RX-MH2501060113")
        second = rest.index("  - id: ")
        c.path(problems).write_text(head + rest[second:] + first + rest[:second], encoding="utf-8")
    head = c.commit("调整", "2026-01-10T10:00:00+08:00")
    fast = D.diff(c.root, base, head)
    whole = D.diff_repositories(policykit.open_repository(c.root, at=base), policykit.open_repository(c.root, at=head))
    assert fast.warnings == whole.warnings == []
    assert [x.as_dict() for x in fast.changes] == [x.as_dict() for x in whole.changes]
    expected = {"header only": {("problem_batch", "12345-2025"), ("division", "SX-2025"),
                                ("evaluation", "PG-2025-fgw")},
                "one problem removed": {("problem", "RX-MH2512290052")},
                "repeated id": {("problem", "RX-MH2501060113")},
                "duty entries": {("perf_entry", "LZ-zhzfj-2025|办公室#9"),
                                 ("perf_entry", "LZ-zhzfj-2025|370199107XK00100")},
                "reordered": set()}[case]
    assert {(x.object, x.key) for x in fast.changes} == expected
