"""diff.py: item-level diff of two states of the lists, on real throwaway git repositories."""
from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import gitrepo
import policykit
from gitrepo import CLERK, Repo, copy_base
from policykit.history import diff as D
from policykit.history import review as R
from policykit.cli import main
from policykit.errors import UsageError

BASE = Path(__file__).resolve().parents[1] / "rules" / "_base"
FOOD = "370199101XK00100"
AIR = "370199102CF00100"
git = functools.partial(gitrepo.git, date="2024-01-10T10:00:00+08:00", **CLERK)


def item(code, name, category="行政检查", unit="食品安全科", article="第一条", extra=""):
    return (f'  - code: "{code}"\n    name: {name}\n    category: {category}\n    legal_basis:\n'
            f"      - {{level: 法律, title: 中华人民共和国食品安全法, article: {article}}}\n"
            f"    unit: {unit}\n    levels: [市级]\n    responsibilities: [检查责任：依法检查]\n"
            f"    accountability_targets: [承办人员]\n    accountability_cases: [不依法履行职责的]\n"
            f"    power_source: 法定本级行使\n    status: 在用\n{extra}")


NYNCJ_ORG = """id: nyncj
code: "103"
name: 示例市农业农村局
short_name: 农业农村局
sanding:
  document: 示办发〔2019〕3号
  main_duties:
    - {no: 1, text: 负责农产品质量安全监督管理。}
units:
  - {name: 质量安全科}
"""
NYNCJ_TASKS = """department: nyncj
units:
  - unit: 质量安全科
    duties:
      - {no: 1, sanding_duty: 1, content: 负责农产品质量安全检查, tasks: [开展抽检]}
"""
SCJGJ_EXTRA = (item("370199101CF00100", "对无证经营食品的处罚", "行政处罚")
               + item("370199101JC00100", "对食用农产品市场的检查")
               + item("370199101QR00100", "食品经营许可变更确认", "行政确认")
               + item("370199101XK00200", "小作坊登记", "行政许可")
               + item("370199101JC00200", "对餐饮服务的检查"))


class City(Repo):
    def __init__(self, root: Path):
        super().__init__(copy_base(root), date="2024-01-10T10:00:00+08:00", **CLERK)
        self.write("lists/organizations/nyncj.yaml", NYNCJ_ORG)
        self.write("lists/tasks/nyncj.yaml", NYNCJ_TASKS)
        self.write("lists/powers/nyncj.yaml", "department: nyncj\nitems:\n"
                   + item("370199103JC00100", "对农产品生产经营的检查", unit="质量安全科"))
        self.append("lists/powers/scjgj.yaml", SCJGJ_EXTRA)
        self.commit("初始清单")

    def cut_item(self, rel, code) -> str:
        """Remove the item ``code`` from a powers file and return its text."""
        text = self.text(rel)
        start = text.index(f'  - code: "{code}"')
        end = text.find("\n  - code:", start + 1)
        end = len(text) if end < 0 else end + 1
        self.write(rel, text[:start] + text[end:])
        return text[start:end]


@pytest.fixture
def city(tmp_path):
    return City(tmp_path / "city")


def adjust_everything(c: City) -> None:
    """One work-tree change of every kind the diff distinguishes."""
    p = "lists/powers/scjgj.yaml"
    c.edit(p, "unit: 食品安全科\n    levels: [市级]\n    sanding_duty: 2", "unit: 办公室\n    levels: [市级]\n    sanding_duty: 2")
    c.edit(p, "article: 第三十五条第一款}", "article: 第三十五条}\n      - {level: 行政法规, title: 食品安全法实施条例, article: 第十五条}")
    c.cut_item(p, "370199101CF00100")                                               # 取消
    moved = c.cut_item(p, "370199101JC00100")                                       # 划转 to nyncj
    c.append("lists/powers/nyncj.yaml", moved.replace("unit: 食品安全科", "unit: 质量安全科"))
    c.edit(p, "食品经营许可变更确认\n    category: 行政确认\n", "食品经营许可变更确认\n    category: 行政确认\n    remark: 2024年起网上办理\n")
    c.edit(p, '"370199101XK00200"\n    name: 小作坊登记\n    category: 行政许可', '"370199101QR00200"\n    name: 小作坊登记\n    category: 行政确认')
    text = c.text(p)
    i = text.index('"370199101JC00200"')
    c.write(p, text[:i] + text[i:].replace("status: 在用", "status: 取消", 1))
    c.append("lists/powers/nyncj.yaml", item("370199103XK00100", "农药经营许可", "行政许可", unit="质量安全科"))
    c.git("mv", "lists/powers/sthjj.yaml", "lists/powers/sthjj-main.yaml")
    b = "lists/boundaries/BJ-001.yaml"
    c.edit(b, "{department: sthjj, role: 牵头", "{department: sthjj, role: 配合")
    c.edit(b, "{department: scjgj, role: 配合", "{department: scjgj, role: 牵头")
    c.edit(b, "接到餐饮油烟投诉或监测超标时启动", "接到投诉、监测超标或媒体报道时启动")
    o = "lists/organizations/scjgj.yaml"
    c.edit(o, "负责食品安全监督管理。", "负责食品安全和食用农产品市场监督管理。")
    c.edit(o, "  - {name: 食品安全科}", "  - {name: 食品安全科}\n  - {name: 食品经营科}")
    t = "lists/tasks/scjgj.yaml"
    c.edit(t, "tasks: [办理公文]", "tasks: [办理公文, 管理档案]")
    c.append(t, "      - {no: 2, sanding_duty: 2, content: 负责食品经营许可的现场核查, tasks: [现场核查]}\n")
    g = "lists/catalogs/hlwjg.yaml"
    c.edit(g, "      - {department: scjgj, role: 牵头}", "      - {department: nyncj, role: 牵头}\n      - {department: scjgj, role: 配合}")


def rows(d: D.Diff):
    return [(c.adjustment, c.key, c.types, c.level, c.department) for c in d.changes]


EVERYTHING = [  # by kind, department id, level, then 取消 · 划转 · 新增 · 修改, then key
    ("权责清单", "370199101JC00100", ["划转", "承办机构变更"], "major", "nyncj"),
    ("权责清单", "370199103XK00100", ["新增"], "minor", "nyncj"),
    ("权责清单", "370199101CF00100", ["取消"], "major", "scjgj"),
    ("权责清单", "370199101JC00200", ["取消"], "major", "scjgj"),
    ("权责清单", "370199101QR00200", ["编码变更", "权力类型变更"], "minor", "scjgj"),
    ("权责清单", FOOD, ["依据增加", "依据变更", "承办机构变更"], "minor", "scjgj"),
    ("权责清单", "370199101QR00100", ["备注变更"], "patch", "scjgj"),
    ("职责任务清单", "scjgj/食品安全科#2", ["新增"], "minor", "scjgj"),
    ("职责任务清单", "scjgj/办公室#1", ["具体任务变更"], "minor", "scjgj"),
    ("职责边界清单", "BJ-001", ["牵头部门变更"], "major", "scjgj"),
    ("三定职责", "scjgj", ["三定职责变更", "内设机构变更"], "minor", "scjgj"),
    ("协调配合机制", "BJ-001", ["协调机制变更"], "minor", "scjgj"),
    ("监管事项目录", "hlwjg/JG-001", ["牵头部门变更", "认领变更"], "major", "nyncj"),
]


def test_every_kind_of_change_is_classified_exactly(city):
    adjust_everything(city)
    d = D.diff(city.root, "HEAD")
    assert rows(d) == EVERYTHING
    assert d.other_files == [] and d.warnings == []
    assert d.base_label.startswith("HEAD（") and d.head_label == "工作区"
    food = d.find("power", FOOD)
    assert [(f.type, f.label, f.before, f.after) for f in food.fields] == [
        ("承办机构变更", "承办机构", "食品安全科", "办公室"),
        ("依据变更", "实施依据", "【法律】《中华人民共和国食品安全法》第三十五条第一款", "【法律】《中华人民共和国食品安全法》第三十五条"),
        ("依据增加", "实施依据", None, "【行政法规】《食品安全法实施条例》第十五条"),
    ]
    assert (food.file, food.line, food.column, food.path) == ("lists/powers/scjgj.yaml", 3, 5, "$.items[0]")
    moved = d.find("power", "370199101JC00100")
    assert (moved.department_before, moved.department) == ("scjgj", "nyncj")
    assert [(f.field, f.before, f.after) for f in moved.fields] == [
        ("department", "scjgj", "nyncj"), ("unit", "食品安全科", "质量安全科")]
    assert (moved.file, moved.path) == ("lists/powers/nyncj.yaml", "$.items[1]")
    recoded = d.find("power", "370199101QR00200")
    assert recoded.previous_key == "370199101XK00200"
    assert [(f.field, f.before, f.after) for f in recoded.fields] == [
        ("code", "370199101XK00200", "370199101QR00200"), ("category", "行政许可", "行政确认")]
    gone = d.find("power", "370199101CF00100")
    assert gone.before["name"] == "对无证经营食品的处罚" and gone.after is None and gone.fields == []
    assert (gone.file, gone.line) == ("lists/powers/scjgj.yaml", 16)  # where it was
    status = d.find("power", "370199101JC00200")
    assert [(f.field, f.before, f.after) for f in status.fields] == [("status", "在用", "取消")]
    boundary = d.find("boundary", "BJ-001")
    assert [(f.field, f.before, f.after) for f in boundary.fields] == [("lead", ["sthjj"], ["scjgj"])]
    assert (boundary.file, boundary.line, boundary.path) == ("lists/boundaries/BJ-001.yaml", 5, "$.departments[1].role")
    mech = d.find("mechanism", "BJ-001")
    assert [(f.label, f.before, f.after) for f in mech.fields] == [
        ("启动情形", "接到餐饮油烟投诉或监测超标时启动", "接到投诉、监测超标或媒体报道时启动")]
    dept = d.find("department", "scjgj")
    assert [(f.label, f.subject, f.before, f.after) for f in dept.fields] == [
        ("主要职责", "第2条", "负责食品安全监督管理。", "负责食品安全和食用农产品市场监督管理。"),
        ("内设机构", "食品经营科", None, "食品经营科")]
    claims = d.find("catalog_item", "hlwjg/JG-001")
    assert [(f.field, f.before, f.after) for f in claims.fields] == [
        ("lead", ["scjgj"], ["nyncj"]), ("claims", None, [{"department": "scjgj", "role": "配合"}])]
    assert d.names == {"nyncj": "农业农村局", "scjgj": "市场监管局", "sthjj": "生态环境局"}


def test_summary_counts_by_kind_level_and_department(city):
    adjust_everything(city)
    s = D.diff(city.root, "HEAD").summary()
    assert s["total"] == 13 and s["levels"] == {"major": 5, "minor": 7, "patch": 1}
    assert {k: (v["total"], v["新增"], v["取消"], v["划转"], v["修改"], v["major"]) for k, v in s["kinds"].items()} == {
        "权责清单": (7, 1, 2, 1, 3, 3), "职责任务清单": (2, 1, 0, 0, 1, 0), "职责边界清单": (1, 0, 0, 0, 1, 1),
        "三定职责": (1, 0, 0, 0, 1, 0), "协调配合机制": (1, 0, 0, 0, 1, 0), "监管事项目录": (1, 0, 0, 0, 1, 1)}
    assert list(s["kinds"]) == ["权责清单", "职责任务清单", "职责边界清单", "三定职责", "协调配合机制", "监管事项目录"]
    assert s["kinds"]["权责清单"]["types"] == {"取消": 2, "划转": 1, "新增": 1, "编码变更": 1, "权力类型变更": 1,
                                           "依据增加": 1, "依据变更": 1, "承办机构变更": 2, "备注变更": 1}
    assert s["departments"] == {"nyncj": {"name": "农业农村局", "total": 3}, "scjgj": {"name": "市场监管局", "total": 10}}


def test_pruned_and_full_reads_give_the_same_diff(city):
    adjust_everything(city)
    fast = D.diff(city.root, "HEAD").as_dict()
    full = D.diff(city.root, "HEAD", prune=False).as_dict()
    assert fast == full
    base = policykit.open_repository(city.root, at="HEAD")
    work = policykit.open_repository(city.root)
    whole = D.diff_repositories(base, work).as_dict()
    assert whole["changes"] == fast["changes"]


def test_renamed_files_and_reordered_items_are_no_change(city):
    p = "lists/powers/scjgj.yaml"
    first = city.cut_item(p, FOOD)
    city.append(p, first)
    city.git("mv", p, "lists/powers/scjgj-renamed.yaml")
    city.git("mv", "lists/boundaries/BJ-001.yaml", "lists/boundaries/油烟.yaml")
    city.commit("改文件名、调顺序", "2024-02-01T10:00:00+08:00")
    assert D.diff(city.root, "HEAD~1", "HEAD").changes == []
    assert D.diff(city.root, "HEAD~1").changes == []


def test_diff_between_two_revisions_and_dates(city):
    city.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    second = city.commit("改承办机构", "2024-03-05T10:00:00+08:00")
    city.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [市级, 县级]")
    city.commit("加县级", "2024-04-05T10:00:00+08:00")
    d = D.diff(city.root, "2024-01-31", "2024-03-31")
    assert rows(d) == [("权责清单", FOOD, ["承办机构变更"], "minor", "scjgj")]
    assert d.head_revision == second
    d = D.diff(city.root, "HEAD~2", "HEAD")
    assert rows(d) == [("权责清单", FOOD, ["承办机构变更", "实施层级变更"], "minor", "scjgj")]
    assert [(f.before, f.after) for f in d.changes[0].fields] == [("食品安全科", "办公室"), (["市级"], ["市级", "县级"])]


def test_default_base_is_the_merge_base_with_main(city):
    git(city.root, "checkout", "-q", "-b", "topic")
    city.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    city.commit("改承办机构", "2024-03-05T10:00:00+08:00")
    git(city.root, "checkout", "-q", "main")
    city.edit("lists/powers/sthjj.yaml", "levels: [市级]", "levels: [县级]")
    city.commit("主线上的改动", "2024-03-06T10:00:00+08:00")
    git(city.root, "checkout", "-q", "topic")
    city.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [县级]")  # uncommitted
    d = D.diff(city.root)
    assert rows(d) == [("权责清单", FOOD, ["承办机构变更", "实施层级变更"], "minor", "scjgj")]
    assert "主分支合并基准" in d.base_label


def test_commit_changes_of_merges_and_squashes(city):
    root = city.root
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "feature")
    city.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    city.commit("改承办机构", "2024-03-05T10:00:00+08:00")
    git(root, "checkout", "-q", "main")
    city.edit("lists/powers/sthjj.yaml", "levels: [市级]", "levels: [县级]")
    city.commit("主线改层级", "2024-03-06T10:00:00+08:00")
    git(root, "merge", "-q", "--no-ff", "-m", "合并", "feature", date="2024-03-07T10:00:00+08:00")
    from policykit.lists import gitdoor as history
    merge = history.commit_info(root, "HEAD")
    assert merge.is_merge and D.commit_changes(root, merge).changes == []          # a clean merge adds nothing
    # an "evil" merge: the merge commit itself also changes an item
    git(root, "reset", "-q", "--hard", "HEAD~1")
    git(root, "merge", "-q", "--no-ff", "--no-commit", "feature", date="2024-03-07T10:00:00+08:00")
    city.edit("lists/boundaries/BJ-001.yaml", "纳入部门履职评估", "纳入年度考核")
    city.commit("合并并改督促落实", "2024-03-07T10:00:00+08:00")
    evil = history.commit_info(root, "HEAD")
    assert [(c.object, c.key, c.types) for c in D.commit_changes(root, evil).changes] == [
        ("mechanism", "BJ-001", ["协调机制变更"])]
    # a squash: one commit carrying what the branch did
    git(root, "checkout", "-q", "-b", "squashed", base)
    git(root, "merge", "-q", "--squash", "feature")
    city.commit("压缩合并", "2024-03-08T10:00:00+08:00")
    squash = history.commit_info(root, "HEAD")
    assert [(c.key, c.types) for c in D.commit_changes(root, squash).changes] == [(FOOD, ["承办机构变更"])]
    root_commit = history.commit_info(root, base)
    added = D.commit_changes(root, root_commit).changes
    assert len([c for c in added if c.object == "power"]) == 8 and {t for c in added for t in c.types} == {"新增"}


def test_change_levels_from_policykit_yaml(city):
    adjust_everything(city)
    config = (BASE.parents[1] / "policykit.yaml").read_text(encoding="utf-8")
    city.write("policykit.yaml", config + "change_levels:\n  备注变更: minor\n  权力事项/划转: minor\n  承办机构变更: 重大\n")
    d = D.diff(city.root, "HEAD")
    levels = {c.key: c.level for c in d.changes if c.object == "power"}
    assert levels["370199101QR00100"] == "minor"
    assert levels["370199101JC00100"] == "major"   # 划转 is minor now, but 承办机构变更 is major
    assert levels[FOOD] == "major" and levels["370199103XK00100"] == "minor"
    assert d.warnings == []
    with pytest.raises(UsageError, match="未知的调整类型「备注修改」"):
        D.parse_change_levels({"备注修改": "patch"})
    with pytest.raises(UsageError, match="未知的对象「事项」"):
        D.parse_change_levels({"事项/取消": "patch"})
    with pytest.raises(UsageError, match="级别应为 major/minor/patch"):
        D.parse_change_levels({"取消": "严重"})
    assert D.parse_change_levels({"边界事项/牵头部门变更": "minor"}).of("boundary", "牵头部门变更") == "minor"
    assert D.ChangeLevels().of("unit_duty", "取消") == "minor" and D.ChangeLevels().of("power", "取消") == "major"


def test_a_broken_file_is_reported_not_read_as_abolished_items(city):
    city.write("lists/powers/sthjj.yaml", "department: sthjj\nitems: [\n")
    d = D.diff(city.root, "HEAD")
    assert d.changes == []
    assert d.warnings == ["工作区中的 lists/powers/sthjj.yaml 有错误，其中的事项未参与比较（请先运行 policykit check） "
                          "(lists/powers/sthjj.yaml has errors and was not compared)"]


def test_other_changed_files_are_listed(city):
    city.write("lists/waivers.yaml", "waivers: []\n# 说明\n")
    city.write("policykit.yaml", "city: 示例市\n")
    d = D.diff(city.root, "HEAD")
    assert d.changes == [] and d.other_files == ["policykit.yaml", "lists/waivers.yaml"]


# ---- the pruning fast path ------------------------------------------------------------------------
def test_split_recognises_only_the_plain_block_layout():
    text = "department: x\n# c\nitems:\n\n  - code: a\n    name: 甲\n\n  # note\n  - code: b\n    name: |\n      多行\n\n      文本\n"
    head, header, entries, tail = D._split(text, "items")
    assert head == "department: x\n# c\nitems:\n\n" and header.group(0) == "items:" and tail == ""
    assert entries == ["  - code: a\n    name: 甲\n\n  # note\n", "  - code: b\n    name: |\n      多行\n\n      文本\n"]
    assert D._split("items:\n- code: a\n  name: 甲\nother: 1\n", "items")[3] == "other: 1\n"
    assert D._split("items:\r\n  - code: a\r\n  - code: b\r\n", "items")[2] == ["  - code: a\r\n", "  - code: b\r\n"]
    assert D._split("items: [{code: a}]\n", "items") is None
    assert D._split('items:\n  - code: a\n    name: "甲\n乙"\n', "items") is None   # continuation at column 0
    assert D._split("items:\n  - code: a\n---\n", "items") is None
    assert D._split("items:\n  code: a\n", "items") is None
    assert D._split("items:\n  - code: a\n\t- code: b\n", "items") is None


def test_prune_keeps_line_numbers_and_all_entries_pruned_becomes_empty_list():
    old = b"department: x\nitems:\n  - code: a\n    name: A\n  - code: b\n    name: B\n"
    new = b"department: x\nitems:\n  - code: a\n    name: A\n  - code: b\n    name: C\n"
    o, n, ko, kn = D._prune_pair(old, new, "items")
    assert n == b"department: x\nitems:\n\n\n  - code: b\n    name: C\n" and (ko, kn) == ([1], [1])
    o, n, ko, kn = D._prune_pair(old, old.replace(b"  - code: b\n    name: B\n", b""), "items")
    assert n == b"department: x\nitems: []\n\n\n" and kn == []


def _powers_file(items):
    out = "department: scjgj\nitems:\n"
    for code, name, unit, remark in items:
        out += item(code, name, unit=unit, extra=f"    remark: {remark}\n" if remark else "")
    return out


ITEMS = st.lists(st.tuples(st.sampled_from([f"370199101JC{n:03d}00" for n in range(1, 9)]),
                           st.sampled_from(["检查甲", "检查乙", "检查丙", "检查丁"]),
                           st.sampled_from(["办公室", "食品安全科"]), st.sampled_from([None, "甲", "乙"])),
                 max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=ITEMS, after=ITEMS, flow=st.booleans())
def test_property_pruning_never_changes_the_result(tmp_path_factory, before, after, flow):
    root = tmp_path_factory.mktemp("p") / "city"
    shutil.copytree(BASE, root)
    (root / "lists/powers/scjgj.yaml").write_text(_powers_file(before), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "x")
    text = _powers_file(after)
    if flow and after:  # one entry in flow style: the file is then read whole
        text = text.replace("    levels: [市级]\n", "    levels:\n    - 市级\n", 1)
    (root / "lists/powers/scjgj.yaml").write_text(text, encoding="utf-8")
    fast = D.diff(root, "HEAD").as_dict()
    full = D.diff(root, "HEAD", prune=False).as_dict()
    assert fast == full


# ---- rendering ------------------------------------------------------------------------------------
def test_text_report_exactly(city):
    city.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    city.cut_item("lists/powers/scjgj.yaml", "370199101CF00100")
    d = D.diff(city.root, "HEAD")
    d.base_label = "基准"
    assert R.as_text(d) == (
        "清单调整：基准 → 工作区 · 共 2 项（重大 1，一般 1，细微 0）\n"
        "\n"
        "权责清单（2 项）\n"
        "  市场监管局（2 项）\n"
        "    [重大] 取消 370199101CF00100 对无证经营食品的处罚  (lists/powers/scjgj.yaml:16)\n"
        "        原：行政处罚 · 承办：食品安全科 · 依据：【法律】《中华人民共和国食品安全法》第一条\n"
        "    [一般] 承办机构变更 370199101XK00100 食品经营许可  (lists/powers/scjgj.yaml:3)\n"
        "        承办机构：食品安全科 → 办公室\n")


def test_markdown_report_for_a_pull_request(city):
    adjust_everything(city)
    md = R.as_markdown(D.diff(city.root, "HEAD"))
    assert md.startswith("## 清单调整审阅\n")
    assert "| 权责清单 | 1 | 2 | 1 | 3 | 7 | 3 |" in md
    assert "| **合计** | 2 | 2 | 1 | 8 | **13** | **5** |" in md
    assert "### 重大调整（5 项，提交须附调整记录）" in md
    assert "| 权责清单 | 农业农村局 | `370199101JC00100` 对食用农产品市场的检查 | 划转 | 市场监管局 → 农业农村局；承办机构：食品安全科 → 质量安全科 |" in md
    assert "| 一般 | `370199101XK00200` → `370199101QR00200` | 小作坊登记 | 编码变更、权力类型变更 |" in md
    assert "#### 市场监管局（5 项：取消 2 · 修改 3；另划出 1 项至农业农村局）" in md
    assert "<details><summary>字段变更明细（4 项）</summary>" in md
    assert "| 认领 | （无） | 市场监管局（配合） |" in md
    assert "| 实施依据 | （无） | 【行政法规】《食品安全法实施条例》第十五条 |" in md
    assert "| 职责（生态环境局） |" not in md and "| 牵头部门 | 生态环境局 | 市场监管局 |" in md
    assert "| 具体任务 | — | 增加：管理档案（其余 1 项不变） |" in md
    assert "| 一般 | `scjgj/办公室#1` | 办公室·1：负责文电、会务和档案工作 | 具体任务变更 | 具体任务：增加「管理档案」 |" in md
    assert md.count("<details>") == md.count("</details>")


def test_long_department_tables_are_collapsed(city):
    items = "".join(item(f"370199101JC{n:03d}00", f"检查{n}") for n in range(10, 41))
    city.append("lists/powers/scjgj.yaml", items)
    md = R.as_markdown(D.diff(city.root, "HEAD"))
    assert "#### 市场监管局（31 项：新增 31）" in md and "<details><summary>展开 31 项</summary>" in md


def test_markdown_escapes_table_cells(city):
    city.edit("lists/powers/scjgj.yaml", "name: 食品经营许可", "name: 食品|经营<b>许可</b>")
    md = R.as_markdown(D.diff(city.root, "HEAD"))
    assert "食品\\|经营&lt;b&gt;许可&lt;/b&gt;" in md and "<b>" not in md


def test_json_report(city):
    adjust_everything(city)
    data = json.loads(R.as_json(D.diff(city.root, "HEAD")))
    assert data["summary"]["total"] == 13 and data["head"] == {"label": "工作区", "revision": None}
    moved = next(c for c in data["changes"] if c["key"] == "370199101JC00100")
    assert moved["object_label"] == "权力事项" and moved["adjustment"] == "权责清单"
    assert moved["location"] == {"file": "lists/powers/nyncj.yaml", "line": 15, "column": 5, "path": "$.items[1]"}
    assert moved["fields"][0] == {"field": "department", "label": "所属部门", "type": "划转", "before": "scjgj",
                                  "after": "nyncj"}
    assert data["departments"] == {"nyncj": "农业农村局", "scjgj": "市场监管局", "sthjj": "生态环境局"}


def test_cli_diff_formats_and_staged(city, capsys):
    adjust_everything(city)
    assert main(["diff", "HEAD", "--root", str(city.root), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["total"] == 13
    assert main(["diff", "HEAD", "--root", str(city.root), "-f", "text"]) == 0
    assert capsys.readouterr().out.startswith("清单调整：HEAD（")
    assert main(["diff", "--root", str(city.root)]) == 0   # on main: the merge base is HEAD itself
    assert "共 **13** 项调整" in capsys.readouterr().out
    git(city.root, "add", "lists/boundaries/BJ-001.yaml")
    assert main(["diff", "--staged", "--root", str(city.root), "-f", "text"]) == 0
    out = capsys.readouterr().out
    assert "暂存区" in out and "共 2 项" in out and "牵头部门变更 BJ-001" in out
    assert main(["diff", "nope", "--root", str(city.root)]) == 2
    assert "找不到修订「nope」" in capsys.readouterr().err


# ---- the documented example: one department's 20-item adjustment plus one boundary change ---------
DOC = Path(__file__).resolve().parents[1] / "docs" / "adjustments.md"
BEGIN, END = "<!-- example-report:begin -->", "<!-- example-report:end -->"
FSL = "中华人民共和国食品安全法"


def _p(code, name, category, unit, basis, responsibilities=None, cases=None, remark=None, status="在用"):
    lines = [f'  - code: "{code}"', f"    name: {name}", f"    category: {category}", "    legal_basis:"]
    lines += [f"      - {{level: {lv}, title: {t}, article: {a}}}" for lv, t, a in basis]
    lines += [f"    unit: {unit}", "    levels: [市级, 县级]",
              f"    responsibilities: [{', '.join(responsibilities or ['受理责任：依法受理', '审查责任：依法审查', '决定责任：依法决定'])}]",
              "    accountability_targets: [承办人员, 审核人员, 分管负责人]",
              f"    accountability_cases: [{', '.join(cases or ['不履行或者不正确履行职责的'])}]",
              "    power_source: 法定本级行使", f"    status: {status}"]
    if remark:
        lines.append(f"    remark: {remark}")
    return "\n".join(lines) + "\n"


def _example_items(after: bool) -> dict:
    """The 市场监管局 list before and after the adjustment; returns {dept: [item text]}."""
    a = after
    law = lambda art: [("法律", FSL, art)]  # noqa: E731
    s = [
        _p("370199101XK00100", "食品生产许可", "行政许可", "食品生产安全监督管理科", law("第三十五条")),
        _p("370199101XK00200", "食品经营许可", "行政许可",
           "食品经营安全监督管理科", law("第三十五条"),
           responsibilities=["受理责任：依法受理", "审查责任：依法审查", "决定责任：依法决定"]
           + (["事后监管责任：加强许可后监督检查"] if a else [])),
        _p("370199101XK00300", "特种设备安装改造修理许可", "行政许可", "特种设备安全监察科",
           [("法律", "中华人民共和国特种设备安全法", "第十八条")]),
        _p("370199101XK00400", "工业产品生产许可", "行政许可", "质量发展科",
           [("行政法规", "中华人民共和国工业产品生产许可证管理条例", "第二条")], status="取消" if a else "在用"),
        _p("370199101CF00100", "对未取得食品经营许可从事食品经营活动的处罚", "行政处罚", "执法稽查科",
           law("第一百二十二条" if a else "第一百二十条")),
        _p("370199101CF00200", "对生产经营不符合食品安全标准的食品的处罚", "行政处罚", "执法稽查科",
           law("第一百二十四条" if a else "第一百二十三条")),
        _p("370199101CF00300", "对无照经营的处罚", "行政处罚", "登记注册科",
           [("行政法规", "无证无照经营查处办法", "第十三条")],
           cases=["不履行或者不正确履行职责的"] + (["对无照经营行为应当查处而未查处的"] if a else [])),
        _p("370199101CF00400", "对销售不符合安全标准的产品的处罚", "行政处罚",
           "执法稽查科" if a else "质量发展科", [("法律", "中华人民共和国产品质量法", "第四十九条")]),
        _p("370199101CF00500", "对使用未经检验的特种设备的处罚", "行政处罚", "特种设备安全监察科",
           [("法律", "中华人民共和国特种设备安全法", "第八十四条")]),
        _p("370199101CF00600", "对发布虚假广告的处罚", "行政处罚", "执法稽查科" if a else "广告监督管理科",
           [("法律", "中华人民共和国广告法", "第五十五条")]),
        _p("370199101JC00100", "对食品生产经营活动的监督检查", "行政检查", "食品经营安全监督管理科",
           law("第一百一十条") + ([("部门规章", "食品生产经营监督检查管理办法", "第十条")] if a else [])),
        _p("370199101JC00200", "对特种设备生产使用单位的监督检查", "行政检查", "特种设备安全监察科",
           [("法律", "中华人民共和国特种设备安全法", "第五十七条")]),
        _p("370199101JC00300", "对计量器具的监督检查", "行政检查", "计量科" if not a else "质量发展科",
           [("法律", "中华人民共和国计量法", "第十八条")]),
        _p("370199101JC00400", "对网络交易的监督检查", "行政检查", "网络交易监督管理科",
           [("部门规章", "网络交易监督管理办法", "第三十五条")]),
        _p("370199101QZ00100", "查封、扣押不符合食品安全标准的食品", "行政强制", "执法稽查科",
           law("第一百一十条第四项" if a else "第一百一十条")),
        _p("370199101QZ00200", "查封、扣押有严重事故隐患的特种设备", "行政强制", "特种设备安全监察科",
           [("法律", "中华人民共和国特种设备安全法", "第六十一条")]),
        _p("370199101QR00100", "企业登记注册", "行政确认", "登记注册科",
           [("行政法规", "中华人民共和国市场主体登记管理条例", "第三条")], remark="全程网上办理" if a else None),
        _p("370199101QR00200", "个体工商户登记", "行政确认", "登记注册科",
           [("行政法规", "促进个体工商户发展条例", "第八条" if a else "第七条")]),
        _p("370199101JL00100", "对举报食品安全违法行为的奖励", "行政奖励",
           "消费者权益保护科" if a else "食品经营安全监督管理科",
           law("第一百一十五条")),
        _p("370199101QT00200", "消费者投诉举报处理", "其他行政权力", "消费者权益保护科",
           [("部门规章", "市场监督管理投诉举报处理暂行办法", "第四条" if a else "第三条")]),
    ]
    if a:
        s.append(_p("370199101QR00300", "食品小作坊登记", "行政确认", "食品生产安全监督管理科",
                    [("地方性法规", "山东省食品小作坊小餐饮和食品摊点管理条例", "第十条")]))
        s.append(_p("370199101JC00600", "对网络直播营销活动的监督检查", "行政检查", "网络交易监督管理科",
                    [("部门规章", "网络交易监督管理办法", "第三十五条")]))
        s.append(_p("370199101CF00800", "对网络交易平台经营者违法行为的处罚", "行政处罚", "网络交易监督管理科",
                    [("法律", "中华人民共和国电子商务法", "第八十一条")]))
    else:
        s.append(_p("370199101QT00100", "食品小作坊登记", "其他行政权力", "食品生产安全监督管理科",
                    [("地方性法规", "山东省食品小作坊小餐饮和食品摊点管理条例", "第十条")]))
        s.append(_p("370199101XK00500", "计量标准器具核准", "行政许可", "计量科",
                    [("法律", "中华人民共和国计量法", "第六条")]))
        s.append(_p("370199101JC00500", "对生猪屠宰活动的监督检查", "行政检查", "执法稽查科",
                    [("行政法规", "生猪屠宰管理条例", "第二十六条")]))
        s.append(_p("370199101CF00700", "对农药经营违法行为的处罚", "行政处罚", "执法稽查科",
                    [("行政法规", "农药管理条例", "第五十七条")]))
    n = [_p("370199103JC00100", "对农产品质量安全的监督检查", "行政检查", "农产品质量安全监管科",
            [("法律", "中华人民共和国农产品质量安全法", "第五十四条")])]
    if a:
        n.append(_p("370199101JC00500", "对生猪屠宰活动的监督检查", "行政检查", "畜牧兽医科",
                    [("行政法规", "生猪屠宰管理条例", "第二十六条")]))
        n.append(_p("370199103CF00100", "对农药经营违法行为的处罚", "行政处罚", "农产品质量安全监管科",
                    [("行政法规", "农药管理条例", "第五十七条")]))
    return {"scjgj": s, "nyncj": n}


EXAMPLE_ORGS = {
    "scjgj": ("101", "示例市市场监督管理局", "市场监管局",
              ["办公室", "食品生产安全监督管理科", "食品经营安全监督管理科", "特种设备安全监察科", "质量发展科", "执法稽查科",
               "登记注册科", "广告监督管理科", "网络交易监督管理科", "计量科", "消费者权益保护科"]),
    "nyncj": ("103", "示例市农业农村局", "农业农村局", ["办公室", "农产品质量安全监管科", "畜牧兽医科"]),
    "sthjj": ("102", "示例市生态环境局", "生态环境局", ["执法科"]),
}


def _example_boundary(after: bool) -> str:
    lead, co = ("scjgj", "nyncj") if after else ("nyncj", "scjgj")
    duties = {"nyncj": "负责食用农产品从种植养殖环节到进入批发、零售市场或者生产加工企业前的质量安全监督管理",
              "scjgj": "负责食用农产品进入批发、零售市场或者生产加工企业后的质量安全监督管理"}
    return (f"id: BJ-002\nname: 食用农产品质量安全监管\nbasis:\n  - {{level: 法律, title: {FSL}, article: 第六条}}\n"
            f"departments:\n  - {{department: {lead}, role: 牵头, duties: [{duties[lead]}]}}\n"
            f"  - {{department: {co}, role: 配合, duties: [{duties[co]}]}}\n"
            "mechanism:\n  trigger: 发现食用农产品质量安全问题时启动\n  handoff: 牵头部门在两个工作日内通报配合部门\n"
            "  dispute_resolution: 由市委编办组织协调\n  enforcement: 纳入部门履职评估\n")


def build_example_pr(root: Path) -> None:
    """main: the lists before; branch 调整/市场监管局: three reviewed commits (the pull request)."""
    shutil.copytree(BASE, root)
    for dept, (code, name, short, units) in EXAMPLE_ORGS.items():
        (root / f"lists/organizations/{dept}.yaml").write_text(
            f"id: {dept}\ncode: \"{code}\"\nname: {name}\nshort_name: {short}\nsanding:\n  document: 示办发〔2019〕{code}号\n"
            "  main_duties:\n    - {no: 1, text: 负责本部门职责范围内的监督管理。}\n"
            "units:\n" + "".join(f"  - {{name: {u}}}\n" for u in units), encoding="utf-8")
    (root / "lists/tasks/nyncj.yaml").write_text("department: nyncj\nunits: []\n", encoding="utf-8")

    def write(after):
        for dept, items in _example_items(after).items():
            (root / f"lists/powers/{dept}.yaml").write_text(f"department: {dept}\nitems:\n" + "".join(items),
                                                            encoding="utf-8")
        (root / "lists/boundaries/BJ-002.yaml").write_text(_example_boundary(after), encoding="utf-8")
    write(False)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "2024年版权责清单", date="2024-01-10T10:00:00+08:00")
    git(root, "checkout", "-q", "-b", "调整/市场监管局")
    write(True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "市场监管局权责清单动态调整\n\n调整类型: 职责调整\n"
        "调整事由: 《食品安全法》修正、机构职能调整，市场监管局权责清单相应调整\n"
        "调整依据: 中华人民共和国食品安全法（2021年修正）；明办发〔2024〕12号\n批准文号: 明编办〔2024〕31号\n",
        date="2024-09-20T16:00:00+08:00", author="市场监管局法规科")


def example_report(tmp: Path) -> str:
    root = tmp / "example"
    build_example_pr(root)
    from policykit.history.adjustments import records_between
    d = D.diff(root, "main...", "HEAD")
    return R.as_markdown(d, records=records_between(root, d.base_revision, "HEAD"))


def test_the_documented_example_report_is_the_real_output(tmp_path):
    report = example_report(tmp_path)
    d = D.diff(tmp_path / "example", "main...", "HEAD")
    scjgj = [c for c in d.changes if c.object == "power" and (c.department == "scjgj" or c.department_before == "scjgj")]
    assert len(scjgj) == 20 and len(d.changes) == 21 and len(d.majors) == 5
    text = DOC.read_text(encoding="utf-8")
    documented = text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n")
    assert documented == "````markdown\n" + report.rstrip("\n") + "\n````", \
        "docs/adjustments.md is out of date: run python tests/test_diff.py"


if __name__ == "__main__":  # regenerate the example in docs/adjustments.md
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        report = example_report(Path(tmp))
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + BEGIN + "\n````markdown\n" + report.rstrip("\n") + "\n````\n" + END + tail, encoding="utf-8")
    print(report)


def test_cli_diff_of_a_pull_request_lists_its_records(city, capsys):
    git(city.root, "checkout", "-q", "-b", "pr")
    city.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    city.commit("改承办机构\n\n调整类型: 职责调整\n调整事由: 科室分工调整\n批准文号: 明编办〔2024〕9号\n",
                "2024-03-05T10:00:00+08:00")
    city.cut_item("lists/powers/scjgj.yaml", "370199101CF00100")
    city.commit("取消处罚事项", "2024-03-06T10:00:00+08:00")
    assert main(["diff", "main...", "HEAD", "--root", str(city.root), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["commit"]["subject"], [x["type"] for x in r["records"]]) for r in data["records"]] == [
        ("改承办机构", ["职责调整"]), ("取消处罚事项", [])]
    assert data["base"]["label"].endswith("（与 main 的合并基准）")
    assert main(["diff", "main...", "HEAD", "--root", str(city.root)]) == 0
    md = capsys.readouterr().out
    assert "### 调整记录（2 个提交）" in md and "| 职责调整 | 科室分工调整 | — | 明编办〔2024〕9号 |" in md
    assert "| （未附调整记录） |" in md


def test_a_diff_leaves_the_parse_cache_of_the_work_tree_alone(city, tmp_path, monkeypatch):
    """Partial documents (changed files, identical entries blanked) are neither stored nor allowed to
    prune the entries a check of the work tree made."""
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "private-cache"))
    monkeypatch.delenv("POLICYKIT_NO_CACHE", raising=False)
    policykit.open_repository(city.root)
    entries = {p: p.stat().st_mtime_ns for p in (tmp_path / "private-cache").rglob("*.json")}
    assert entries
    adjust_everything(city)
    assert D.diff(city.root, "HEAD").changes
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "private-cache").rglob("*.json")}
    assert after == entries
