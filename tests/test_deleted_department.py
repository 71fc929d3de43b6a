"""A department's file deleted instead of its end recorded in ``lifecycle``: ``check`` says so once
per record that still names it (ORG-FILE-DELETED, at the record) instead of a cascade of
unknown-department errors, and says what to do; the way it advises then checks clean for the past."""
from __future__ import annotations

import shutil

import pytest

from policykit.checking.check import run_check
from timecity import commit, load, make_city, record

FILES = ("lists/organizations/fgw.yaml", "lists/powers/fgw.yaml", "lists/tasks/fgw.yaml")
# the rules that report a department id the registry does not know, or its duties and items
CASCADE = {"BODY-MEMBER", "SUP-DEPARTMENT", "SUP-PERF-DEPARTMENT", "SUP-PERF-DUTY", "SUP-ITEM-DUTY",
           "SUP-PROBLEM-DEPARTMENT", "EVAL-DEPARTMENT", "EVAL-CATEGORY-DEPARTMENT", "REF-BOUNDARY-DEPT",
           "REF-CO-DEPT", "PRC-DUTY-REF", "PRC-ITEM-REF"}


def _rules(result) -> dict:
    out: dict = {}
    for p in result.problems:
        out.setdefault(p.rule, []).append(p)
    return out


@pytest.fixture()
def city(tmp_path):
    return make_city(tmp_path)


def _delete(root) -> None:
    for rel in FILES:
        (root / rel).unlink()


def test_a_deleted_department_is_one_clear_problem_per_record(city):
    _delete(city)
    sha = commit(city, record("机构改革", "撤销发展改革委", approval="明编办〔2026〕9号"), "2026-02-01T09:00:00+08:00")
    found = _rules(run_check(city))
    assert not set(found) & CASCADE, {r: len(v) for r, v in found.items()}
    deleted = found["ORG-FILE-DELETED"]
    assert all(p.severity == "error" for p in deleted)
    # at the record: the 2025 ledger's department, a coordination body's member, a boundary role ...
    ledger = next(p for p in deleted if p.file == "lists/performance/fgw-2025.yaml")
    assert (ledger.line, ledger.path) == (2, "$.department")
    assert {"lists/bodies/YT-003.yaml", "lists/boundaries/BJ-001.yaml", "lists/problems/12345-2025.yaml",
            "lists/supervision/DD-2025-013.yaml", "lists/processes/fgw.yaml"} <= {p.file for p in deleted}
    message = ledger.message
    assert message.startswith("部门 明湖市发展和改革委员会（fgw）的文件 lists/organizations/fgw.yaml 已于 2026-02-01 "
                              f"在提交 {sha[:7]} 中删除，但履职台账 LZ-fgw-2025 仍引用它")
    assert "lifecycle 中记录撤销或合并" in message
    held = found["CHECK-HELD-BACK"]
    assert [(p.file, p.severity) for p in held] == [("lists/organizations/fgw.yaml", "info")]
    assert "已删除" in held[0].message


def test_deleted_in_the_work_tree_before_committing(city):
    _delete(city)
    found = _rules(run_check(city))
    assert not set(found) & CASCADE
    assert all("在工作区中删除（尚未提交）" in p.message for p in found["ORG-FILE-DELETED"])


def test_the_advised_way_checks_clean_for_the_past(city):
    """The file kept with a 撤销 in lifecycle: 2025 records stay valid; the lists of today that still
    name fgw are pointed at the successor (ORG-LIFECYCLE-REFERENCE), nothing about deleted files."""
    org = (city / FILES[0]).read_text(encoding="utf-8")
    assert "lifecycle:" not in org
    (city / FILES[0]).write_text(org + "lifecycle:\n- {event: 撤销, date: 2026-02-01, approval: 明编办〔2026〕9号, "
                                       "successor: scjgj}\n", encoding="utf-8")
    commit(city, record("机构改革", "撤销发展改革委", approval="明编办〔2026〕9号"), "2026-02-01T09:00:00+08:00")
    found = _rules(run_check(city))
    assert "ORG-FILE-DELETED" not in found and not set(found) & CASCADE
    assert not any(p.file.startswith(("lists/performance/", "lists/evaluations/")) for v in found.values() for p in v
                   if p.rule.startswith("ORG-"))


def test_without_history_the_references_stay_unknown(city, tmp_path):
    """Outside git a deleted file leaves no trace: the unknown-department errors, as before."""
    _delete(city)
    bare = tmp_path / "without-git"
    shutil.copytree(city, bare, ignore=shutil.ignore_patterns(".git"))
    found = _rules(run_check(bare))
    assert "ORG-FILE-DELETED" not in found
    assert {"SUP-PERF-DEPARTMENT", "REF-BOUNDARY-DEPT"} <= set(found)


def test_a_department_that_never_existed_is_no_deleted_one(city):
    data = load(city, "lists/supervision/DD-2025-013.yaml")
    text = (city / "lists/supervision/DD-2025-013.yaml").read_text(encoding="utf-8")
    (city / "lists/supervision/DD-2025-013.yaml").write_text(
        text.replace(f"department: {data['department']}", "department: fgww", 1), encoding="utf-8")
    found = _rules(run_check(city))
    assert "ORG-FILE-DELETED" not in found and "SUP-DEPARTMENT" in found


def test_switched_off_it_hides_nothing(city):
    """severity_overrides ORG-FILE-DELETED: off gives the unknown-department errors back, not silence."""
    _delete(city)
    config = city / "policykit.yaml"
    text = config.read_text(encoding="utf-8")
    assert text.count("severity_overrides: {}") == 1
    config.write_text(text.replace("severity_overrides: {}", 'severity_overrides: {ORG-FILE-DELETED: "off"}'),
                      encoding="utf-8")
    found = _rules(run_check(city))
    assert "ORG-FILE-DELETED" not in found and "CHECK-HELD-BACK" not in found
    assert {"SUP-PERF-DEPARTMENT", "REF-BOUNDARY-DEPT"} <= set(found)
