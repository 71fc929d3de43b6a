"""Checks for the wrong edits CI used to let through (issue 17, part 5), on real git histories of the
bundled city: a transfer that leaves the boundary matter's lead, the catalogue claim and the 市县事权划分
at the old department; a division type that contradicts the item's levels; a dispute citing a made-up
or unrelated commit; a transfer recorded as 纠错 without a 批准文号."""
from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import BIANBAN, Repo, copy_bundled, git
import policykit
from policykit.checking.check import run_check
from policykit.cli import main
from policykit.history import adjustments as A

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
MOVED = "370199101JC00600"     # 食用农产品市场销售质量安全监督检查: 市场监管局, in BJ-007, JG-006 and SX-2025
MOVED_RULES = {"X-BOUNDARY-LEAD-MOVED", "X-CATALOG-CLAIM-MOVED", "X-DIVISION-MOVED"}
REFORM = "调整类型: 机构改革\n调整事由: 农贸市场监管职能整合\n调整依据: 明发〔2026〕5号\n批准文号: 明编办〔2026〕3号\n"


class City(Repo):
    """The bundled city in a throwaway git repository, committed on 2025-01-10."""

    def __init__(self, root: Path):
        super().__init__(copy_bundled(root), **BIANBAN)
        self.base = self.commit("明湖市清单", "2025-01-10T10:00:00+08:00")

    def transfer(self, code, source, target):
        """Move power item ``code`` (its whole entry, code kept) from ``source``'s list to ``target``'s."""
        src, dst = f"lists/powers/{source}.yaml", f"lists/powers/{target}.yaml"
        text = self.text(src)
        start = text.index(f'- code: "{code}"')
        end = text.find("\n- code:", start + 1)
        block = text[start:end + 1]
        self.write(src, text[:start] + text[end + 1:])
        self.write(dst, self.text(dst).rstrip("\n") + "\n" + block)

    def problems(self, rules):
        result = run_check(self.root, rules_dir=RULES, only_rules=set(rules))
        return sorted((p.rule, p.file, p.message) for p in result.problems if p.rule in rules)


@pytest.fixture
def city(tmp_path):
    return City(tmp_path / "city")


# ---- leads, claims and divisions left at the old department --------------------------------------
def test_a_transfer_that_leaves_lead_claim_and_division_behind_is_flagged(city):
    assert city.problems(MOVED_RULES) == []
    assert policykit.open_repository(city.root).lead_of("农贸市场管理") == "scjgj"
    city.transfer(MOVED, "scjgj", "nyncj")
    city.commit("划转食用农产品市场销售监督检查\n\n" + REFORM, "2026-03-01T10:00:00+08:00")
    # the lists still send 农贸市场管理 to 市场监管局, which no longer does any of it …
    assert policykit.open_repository(city.root).lead_of("农贸市场管理") == "scjgj"
    found = city.problems(MOVED_RULES)
    assert [(r, f) for r, f, _ in found] == [
        ("X-BOUNDARY-LEAD-MOVED", "lists/boundaries/BJ-007.yaml"),
        ("X-CATALOG-CLAIM-MOVED", "lists/catalogs/hlwjg.yaml"),
        ("X-DIVISION-MOVED", "lists/divisions/SX-2025.yaml"),
    ]
    assert "边界事项 BJ-007「农贸市场管理」的牵头部门市场监管局已不实施任何相关权力事项（2 项相关事项现由农业农村局实施）" in found[0][2]
    assert "监管事项 JG-006" in found[1][2] and f"事项 {MOVED} 现属农业农村局" in found[2][2]


def test_moving_lead_claim_and_division_with_the_item_passes(city):
    city.transfer(MOVED, "scjgj", "nyncj")
    b = "lists/boundaries/BJ-007.yaml"
    city.edit(b, "- department: scjgj\n  role: 牵头", "- department: scjgj\n  role: 配合")
    city.edit(b, "- department: nyncj\n  role: 配合", "- department: nyncj\n  role: 牵头")
    c = "lists/catalogs/hlwjg.yaml"
    text = city.text(c)
    at = text.index('- code: "JG-006"')
    city.write(c, text[:at] + text[at:].replace("- department: scjgj\n    role: 牵头\n  - department: nyncj\n    role: 配合",
                                                "- department: scjgj\n    role: 配合\n  - department: nyncj\n    role: 牵头", 1))
    city.edit("lists/divisions/SX-2025.yaml", "departments:\n  - scjgj\n", "departments:\n  - scjgj\n  - nyncj\n")
    city.commit("划转并调整牵头部门、认领和事权划分\n\n" + REFORM, "2026-03-01T10:00:00+08:00")
    assert city.problems(MOVED_RULES) == []
    assert policykit.open_repository(city.root).lead_of("农贸市场管理") == "nyncj"


# ---- 市县事权划分 type against the item's levels -------------------------------------------------------
def test_a_division_type_contradicting_the_items_levels(city):
    """The issue's case: 共有 turned into 市级专有 with only city duties. DIV-TYPE-LEVELS compares the type
    with the duties written, which agree, so it passes; the item is still implemented at 市级 and 县级."""
    rules = {"DIV-TYPE-LEVELS", "X-DIVISION-ITEM-LEVELS"}
    assert city.problems(rules) == []
    rel = "lists/divisions/SX-2025.yaml"
    text = city.text(rel)
    start = text.index("item: 370199101CF00100")
    end = text.index("power_source:", start)
    entry = text[start:end]
    fixed = entry.replace("type: 共有", "type: 市级专有").split("    county_duties:")[0]
    city.write(rel, text[:start] + fixed + "    " + text[end:])
    city.commit("改为市级专有", "2026-03-01T10:00:00+08:00")
    found = city.problems(rules)
    assert [(r, f) for r, f, _ in found] == [("X-DIVISION-ITEM-LEVELS", rel)]
    assert "划分类型为市级专有，但权责清单中该事项的实施层级为市级、县级（应为共有）" in found[0][2]


# ---- a dispute's adjustment.commit --------------------------------------------------------------------
def _dispute_commit(city, ref):
    """Quoted: a hash of digits only would be read by YAML as a number."""
    city.edit("lists/disputes/TC-2025-001.yaml", "commit: db56617f524e7920b3cfe7626683b1a1eba5bbd2", f'commit: "{ref}"')


def _dispute_problems(city, since):
    return [(p.rule, p.severity, p.file, p.line, p.message) for p in A.check_since(city.root, since)
            if p.rule.startswith("ADJ-DISPUTE")]


def test_a_dispute_citing_a_made_up_or_unrelated_commit(city):
    base = city.base   # the commit that added BJ-011, the matter TC-2025-001's decision is carried out by
    city.edit("lists/boundaries/BJ-007.yaml", "每半年通报一次", "每季度通报一次")
    unrelated = city.commit("改农贸市场督促落实\n\n调整类型: 纠错\n调整事由: 通报频次\n", "2026-02-01T10:00:00+08:00")
    line = city.text("lists/disputes/TC-2025-001.yaml").split("\n").index(
        "  commit: db56617f524e7920b3cfe7626683b1a1eba5bbd2") + 1

    _dispute_commit(city, "3f9c2ab")
    city.commit("登记落实提交", "2026-02-02T10:00:00+08:00")
    [made_up] = _dispute_problems(city, unrelated)
    assert made_up[:4] == ("ADJ-DISPUTE-COMMIT", "error", "lists/disputes/TC-2025-001.yaml", line)
    assert "落实调整提交「3f9c2ab」在仓库历史中不存在" in made_up[4]

    city.edit("lists/disputes/TC-2025-001.yaml", '"3f9c2ab"', f'"{unrelated[:10]}"')
    city.commit("改落实提交", "2026-02-03T10:00:00+08:00")
    [other] = _dispute_problems(city, unrelated)
    assert other[0] == "ADJ-DISPUTE-COMMIT" and "没有修改所落实的边界事项 BJ-011" in other[4]

    city.edit("lists/disputes/TC-2025-001.yaml", f'"{unrelated[:10]}"', f'"{base}"')
    city.commit("写明真正的提交", "2026-02-05T10:00:00+08:00")
    assert _dispute_problems(city, unrelated) == []       # the base commit added BJ-011


def test_check_since_reports_it_through_the_cli(city, capsys):
    since = city.base
    _dispute_commit(city, "deadbeef00")
    city.commit("登记落实提交", "2026-02-02T10:00:00+08:00")
    assert main(["check", str(city.root), "--since", since, "--rules", str(RULES)]) == 1
    out = capsys.readouterr().out
    assert "[ADJ-DISPUTE-COMMIT]" in out and "deadbeef00" in out


def test_a_shallow_clone_cannot_verify_and_says_so(city, tmp_path):
    city.edit("lists/boundaries/BJ-007.yaml", "每半年通报一次", "每季度通报一次")
    old = city.commit("改督促落实\n\n调整类型: 纠错\n调整事由: 通报频次\n", "2026-02-01T10:00:00+08:00")
    _dispute_commit(city, city.base[:12])
    city.commit("登记落实提交", "2026-02-02T10:00:00+08:00")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{city.root}", str(clone))
    found = [(p.rule, p.severity) for p in A.check_since(clone, old) if p.rule.startswith("ADJ-DISPUTE")]
    assert found == [("ADJ-DISPUTE-COMMIT-UNVERIFIED", "warning")]


# ---- which record kinds need a 批准文号 ------------------------------------------------------------------
def test_a_transfer_recorded_as_a_correction_without_approval(city):
    city.transfer(MOVED, "scjgj", "nyncj")
    city.commit("调整一项检查\n\n调整类型: 纠错\n调整事由: 原清单归属有误\n", "2026-03-01T10:00:00+08:00")
    found = [p for p in A.check_since(city.root, city.base) if p.rule == "ADJ-TRANSFER-AS-CORRECTION"]
    assert [(p.severity, p.file) for p in found] == [("error", "lists/powers/nyncj.yaml")]
    assert f"权力事项 {MOVED}「食用农产品市场销售质量安全监督检查」由市场监管局划转至农业农村局" in found[0].message


@pytest.mark.parametrize("record", [
    REFORM,
    "调整类型: 纠错\n调整事由: 原清单归属有误\n批准文号: 明编办〔2026〕7号\n",   # approved: the 编办 saw the transfer
])
def test_a_transfer_with_an_approval_is_not_flagged(city, record):
    city.transfer(MOVED, "scjgj", "nyncj")
    city.commit("划转一项检查\n\n" + record, "2026-03-01T10:00:00+08:00")
    assert [p for p in A.check_since(city.root, city.base) if p.rule == "ADJ-TRANSFER-AS-CORRECTION"] == []


def test_the_commit_msg_hook_refuses_a_transfer_written_as_a_correction(city):
    city.transfer(MOVED, "scjgj", "nyncj")
    city.git("add", "-A")
    ok, report = A.check_message(city.root, "调整一项检查\n\n调整类型: 纠错\n调整事由: 原清单归属有误\n")
    assert not ok and "本次提交划转了 1 个事项，但调整记录只写作「纠错」且没有批准文号" in report
    assert f"权力事项 {MOVED}「食用农产品市场销售质量安全监督检查」：市场监管局 → 农业农村局" in report
    assert A.check_message(city.root, "划转一项检查\n\n" + REFORM) == (True, "")


def test_the_log_shows_the_effective_date_and_the_former_code(city, capsys):
    city.edit("lists/powers/scjgj.yaml", f'"{MOVED}"', '"370199101JC00690"')
    city.commit("重新编码\n\n" + REFORM + f"生效日期: 2026-07-01\n原编码: {MOVED} -> 370199101JC00690\n",
                "2026-03-01T10:00:00+08:00")
    assert main(["log", MOVED, "--root", str(city.root)]) == 0
    out = capsys.readouterr().out
    assert f"文号：明编办〔2026〕3号 · 生效：2026-07-01 · 原编码：{MOVED} → 370199101JC00690\n" in out
