"""An item keeps one identity across transfers, re-codes and renames (issue 17, part 4), on real git
histories of the bundled city: ``log`` by the old or the new code, ``diff`` of re-coded 市县事权划分
entries, the 原编码 record line, the changelog's 明细, and the 生效日期 field of the records."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitrepo import BIANBAN, Repo, copy_bundled
from policykit.cli import main
from policykit.history import adjustments as A
from policykit.history import diff as D
from policykit.lists import adjustment_records as AR

ROOT = Path(__file__).resolve().parents[1]
OLD = "370199109JC00600"        # 经营动物和动物产品的集贸市场防疫条件监督检查 (农业农村局)
NEW = "370199101JC00900"        # the same item after its transfer to 市场监管局
NAME = "经营动物和动物产品的集贸市场防疫条件监督检查"
RECORD = "调整类型: 机构改革\n调整事由: 农贸市场监管职能整合\n调整依据: 明发〔2026〕5号\n批准文号: 明编办〔2026〕3号\n"


class City(Repo):
    """The bundled city in a throwaway git repository; edits are plain text replacements."""

    def __init__(self, root: Path):
        super().__init__(copy_bundled(root), **BIANBAN)
        self.base = self.commit("明湖市清单", "2025-01-10T10:00:00+08:00")

    def move_power(self, code: str, source: str, target: str, new_code: str, rename: str | None = None) -> None:
        """Cut item ``code`` out of ``source``'s power list and append it to ``target``'s as ``new_code``."""
        src, dst = f"lists/powers/{source}.yaml", f"lists/powers/{target}.yaml"
        text = self.text(src)
        start = text.index(f'- code: "{code}"')
        end = text.find("\n- code:", start + 1)
        end = len(text) - 1 if end < 0 else end
        block = text[start:end + 1]
        self.write(src, text[:start] + text[end + 1:])
        block = block.replace(code, new_code)
        if rename:
            name = block.split("\n  name: ", 1)[1].split("\n", 1)[0]
            block = block.replace(f"\n  name: {name}\n", f"\n  name: {rename}\n", 1)
        self.write(dst, self.text(dst).rstrip("\n") + "\n" + block)


@pytest.fixture
def moved(tmp_path):
    """2026-03-01: OLD moves from 农业农村局 to 市场监管局 under NEW, in one commit; 2026-04-01: NEW edited."""
    c = City(tmp_path / "city")
    c.move_power(OLD, "nyncj", "scjgj", NEW)
    c.commit("划转集贸市场防疫条件监督检查\n\n" + RECORD, "2026-03-01T10:00:00+08:00")
    rel = "lists/powers/scjgj.yaml"
    text = c.text(rel)
    at = text.index(f'- code: "{NEW}"')
    c.write(rel, text[:at] + text[at:].replace("  - 市级\n", "  - 市级\n  - 乡镇(街道)级\n", 1))
    c.commit("增加实施层级\n\n调整类型: 职责调整\n调整事由: 向乡镇延伸\n批准文号: 明编办〔2026〕4号\n",
             "2026-04-01T10:00:00+08:00")
    return c


def _subjects(log):
    return [e.commit.subject for e in log.entries]


def test_log_by_the_new_code_shows_the_transfer_not_a_new_item(moved):
    # before: the transfer and re-code in one commit read only the files naming the new code: 新增
    log = A.item_log(moved.root, NEW)
    assert (log.key, log.name, log.former_keys) == (NEW, NAME, [OLD])
    assert _subjects(log) == ["增加实施层级", "划转集贸市场防疫条件监督检查", "明湖市清单"]
    transfer = log.entries[1].changes
    assert [(c.key, c.previous_key, c.types) for c in transfer] == [(NEW, OLD, ["划转", "编码变更"])]
    assert [(f.field, f.before, f.after) for f in transfer[0].fields][:2] == [
        ("department", "nyncj", "scjgj"), ("code", OLD, NEW)]
    assert [c.types for c in log.entries[2].changes] == [["新增"]]


def test_log_by_the_old_code_shows_the_whole_life_under_the_new_one(moved, capsys):
    # before: the old code's log ended with 取消 and knew nothing of the later commits
    log = A.item_log(moved.root, OLD)
    assert (log.key, log.asked, log.former_keys) == (NEW, OLD, [OLD])
    assert _subjects(log) == _subjects(A.item_log(moved.root, NEW))
    assert main(["log", OLD, "--root", str(moved.root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"权力事项 {NEW}「{NAME}」 的调整历史（3 次提交）\n曾用编码：{OLD}（{OLD} 为曾用编码")
    assert "取消" not in out
    assert main(["log", OLD, "--root", str(moved.root), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["key"], data["asked"], data["former_keys"]) == (NEW, OLD, [OLD])


def test_the_former_code_line_pairs_an_item_renamed_and_recoded_at_once(tmp_path):
    c = City(tmp_path / "city")
    c.move_power(OLD, "nyncj", "scjgj", NEW, rename="集贸市场动物防疫条件监督检查")
    message = "划转并更名\n\n" + RECORD
    c.commit(message + f"原编码: {OLD} -> {NEW}\n", "2026-03-01T10:00:00+08:00")
    d = D.diff(c.root, "HEAD~1", "HEAD")
    assert [(x.key, x.previous_key, x.types) for x in d.changes if x.object == "power"] == [
        (NEW, OLD, ["划转", "编码变更", "名称变更"])]
    assert _subjects(A.item_log(c.root, OLD)) == ["划转并更名", "明湖市清单"]
    # without the line, a renamed and re-coded item cannot be told from a new one
    c2 = City(tmp_path / "city2")
    c2.move_power(OLD, "nyncj", "scjgj", NEW, rename="集贸市场动物防疫条件监督检查")
    c2.commit(message, "2026-03-01T10:00:00+08:00")
    d2 = D.diff(c2.root, "HEAD~1", "HEAD")
    assert sorted(x.types[0] for x in d2.changes if x.object == "power") == ["取消", "新增"]


def test_diff_shows_a_recoded_division_entry_as_a_recode(tmp_path, capsys):
    """市县事权划分: the entry of a re-coded item is 编码变更, not 取消（重大）+ 新增."""
    c = City(tmp_path / "city")
    old, new = "370199101XK00101", "370199101XK00109"
    c.edit("lists/powers/scjgj.yaml", f'"{old}"', f'"{new}"')
    c.edit("lists/divisions/SX-2025.yaml", f"item: {old}", f"item: {new}")
    c.commit("食品经营许可重新编码\n\n调整类型: 纠错\n调整事由: 编码规则统一\n", "2026-02-01T10:00:00+08:00")
    d = D.diff(c.root, "HEAD~1", "HEAD")
    entries = [x for x in d.changes if x.object == "division_item"]
    assert [(x.key, x.previous_key, x.types, x.level) for x in entries] == [
        (f"SX-2025|{new}", f"SX-2025|{old}", ["编码变更"], "minor")]
    assert not [x for x in d.changes if "取消" in x.types]
    assert main(["diff", "HEAD~1", "HEAD", "--root", str(c.root), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["kinds"]["市县事权划分"]["取消"] == 0
    # the entry's log, by its old or its new key, is one life
    for key in (f"SX-2025|{new}", f"SX-2025|{old}"):
        log = A.item_log(c.root, key)
        assert (log.object, log.key, _subjects(log)) == (
            "division_item", f"SX-2025|{new}", ["食品经营许可重新编码", "明湖市清单"]), key


def test_changelog_has_the_details_its_table_points_to(moved, capsys):
    assert main(["changelog", "--since", "2026-01-01", "--root", str(moved.root)]) == 0
    out = capsys.readouterr().out
    sections = out.split("\n## ")
    transfer = next(s for s in sections if "明编办〔2026〕3号" in s.splitlines()[0])
    assert "### 明细" in transfer
    details = transfer.split("### 明细", 1)[1]
    assert f"`{OLD}` → `{NEW}` {NAME}（划转、编码变更）" in details
    assert "所属部门：农业农村局 → 市场监管局" in details and f"事项编码：{OLD} → {NEW}" in details


# ---- the record fields ----------------------------------------------------------------------------
def test_effective_date_and_former_code_fields():
    [r] = AR.parse_records("x\n\n" + RECORD + "生效日期: 2026-07-01\n原编码: A1 -> B2\nFormer-Code: C3 → D4\n")
    assert r.valid and r.effective == "2026-07-01" and r.recodes == [("A1", "B2"), ("C3", "D4")]
    assert str(r.effective_day) == "2026-07-01"
    assert str(AR.effective_date(r, "2026-03-01T10:00:00+08:00")) == "2026-07-01"
    [plain] = AR.parse_records("x\n\n" + RECORD)
    assert str(AR.effective_date(plain, "2026-03-01T10:00:00+08:00")) == "2026-03-01"   # the commit's day
    assert "生效日期: 2026-07-01" in AR.make_record("机构改革", "整合", "明发〔2026〕5号", "明编办〔2026〕3号",
                                                  "2026-07-01").trailers()


@pytest.mark.parametrize("line, error", [
    ("生效日期: 2026-02-30", "生效日期「2026-02-30」应为 YYYY-MM-DD"),
    ("Effective-Date: 明年", "应为 YYYY-MM-DD"),
    ("原编码: A1", "应写作「旧编码 -> 新编码」"),
    ("原编码: A1 -> A1", "新旧编码相同"),
    ("生效时间: 2026-07-01", "未知的调整记录字段「生效时间」，应为「生效日期」"),
])
def test_malformed_effective_date_and_former_code(line, error):
    [r] = AR.parse_records("x\n\n" + RECORD + line + "\n")
    assert not r.valid and any(error in e for e in r.errors), r.errors


# ---- valid time: --as-of on log and diff -----------------------------------------------------------
@pytest.fixture
def approved_ahead(tmp_path):
    """2026-03-01: OLD → NEW approved, 生效日期 2026-07-01; 2026-04-01: a new entry dated 2026-09-01."""
    c = City(tmp_path / "city")
    c.move_power(OLD, "nyncj", "scjgj", NEW)
    c.commit("划转集贸市场防疫条件监督检查\n\n" + RECORD + "生效日期: 2026-07-01\n", "2026-03-01T10:00:00+08:00")
    rel = "lists/powers/scjgj.yaml"
    text = c.text(rel)
    start = text.index(f'- code: "{NEW}"')
    block = text[start:].split("\n- code:", 1)[0] + "\n"
    later = block.replace(NEW, "370199101JC00950").replace(f"name: {NAME}", "name: 集贸市场防疫条件复核检查")
    later = later.replace("  status: 在用\n", "  status: 在用\n  effective: 2026-09-01\n", 1)
    c.write(rel, text.rstrip("\n") + "\n" + later)
    c.commit("新增复核检查（9 月 1 日起实施）\n\n调整类型: 职责调整\n调整事由: 新增检查\n批准文号: 明编办〔2026〕6号\n"
             "生效日期: 2026-04-01\n", "2026-04-01T10:00:00+08:00")
    return c


def test_log_as_of_reads_the_lists_in_force_then(approved_ahead, capsys):
    root = approved_ahead.root
    log = A.item_log(root, NEW)
    assert [str(e.in_force) for e in log.entries] == ["2026-07-01", "2025-01-10"]
    assert main(["log", NEW, "--root", str(root)]) == 0
    assert "划转集贸市场防疫条件监督检查（2026-07-01 生效）" in capsys.readouterr().out
    # on 1 May the transfer was approved but not in force: the item is still 农业农村局's, under OLD
    may = A.item_log(root, OLD, as_of="2026-05-01")
    assert (may.key, _subjects(may), str(may.as_of)) == (OLD, ["明湖市清单"], "2026-05-01")
    assert main(["log", NEW, "--root", str(root), "--as-of", "2026-05-01"]) == 0
    assert "（0 次提交）\n按 2026-05-01 生效的清单" in capsys.readouterr().out    # NEW did not exist yet
    july = A.item_log(root, OLD, as_of="2026-07-01")
    assert (july.key, _subjects(july)) == (NEW, ["划转集贸市场防疫条件监督检查", "明湖市清单"])
    assert main(["log", OLD, "--root", str(root), "--as-of", "2026-07-01"]) == 0
    assert "按 2026-07-01 生效的清单" in capsys.readouterr().out


def test_diff_between_two_days_in_force(approved_ahead, capsys):
    root = approved_ahead.root
    d = D.diff(root, base_as_of="2026-06-30", as_of="2026-07-01")
    assert [(c.key, c.previous_key, c.types) for c in d.changes if c.object == "power"] == [
        (NEW, OLD, ["划转", "编码变更"])]
    assert d.base_label.startswith("2026-06-30 生效的清单") and d.head_label.startswith("2026-07-01 生效的清单")
    # the new entry's file is the same on both days; its own date makes it appear on 1 September
    d = D.diff(root, base_as_of="2026-08-31", as_of="2026-09-01")
    assert [(c.key, c.types) for c in d.changes if c.object == "power"] == [("370199101JC00950", ["新增"])]
    assert D.diff(root, base_as_of="2026-07-01", as_of="2026-08-31").changes == []
    assert main(["diff", "--base-as-of", "2026-06-30", "--as-of", "2026-07-01", "--root", str(root),
                 "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["total"] == 1
    assert main(["diff", "--as-of", "2020-01-01", "--root", str(root)]) == 2
    assert main(["diff", "--as-of", "明天", "--root", str(root)]) == 2


def test_adjust_writes_and_checks_the_new_fields(capsys):
    assert main(["adjust", "--type", "机构改革", "--reason", "整合", "--basis", "明发〔2026〕5号", "--approval",
                 "明编办〔2026〕3号", "--effective", "2026-07-01", "--former-code", f"{OLD}->{NEW}"]) == 0
    out = capsys.readouterr().out
    assert out.endswith(f"生效日期: 2026-07-01\n原编码: {OLD} -> {NEW}\n")
    [r] = AR.parse_records(out)
    assert r.valid and r.recodes == [(OLD, NEW)]
    assert main(["adjust", "--type", "纠错", "--reason", "x", "--effective", "2026-13-01"]) == 1
    assert "生效日期「2026-13-01」应为 YYYY-MM-DD" in capsys.readouterr().err
    assert main(["adjust", "--type", "纠错", "--reason", "x", "--former-code", OLD]) == 1
    assert main(["adjust", "--template"]) == 0
    template = capsys.readouterr().out
    assert "# 生效日期: " in template and "# 原编码: " in template and AR.parse_records(AR.clean_message(template)) == []


def test_former_code_lines_chain_across_commits(tmp_path):
    c = City(tmp_path / "city")
    mid = "370199101JC00800"
    c.move_power(OLD, "nyncj", "scjgj", mid, rename="集贸市场动物防疫条件监督检查")
    c.commit("划转并更名\n\n" + RECORD + f"原编码: {OLD} -> {mid}\n", "2026-03-01T10:00:00+08:00")
    c.edit("lists/powers/scjgj.yaml", f'"{mid}"', f'"{NEW}"')
    c.commit("再次编码\n\n调整类型: 纠错\n调整事由: 顺序号\n" + f"原编码: {mid} -> {NEW}\n", "2026-03-02T10:00:00+08:00")
    d = D.diff(c.root, c.base, "HEAD")
    assert [(x.key, x.previous_key, x.types) for x in d.changes if x.object == "power"] == [
        (NEW, OLD, ["划转", "编码变更", "名称变更"])]
