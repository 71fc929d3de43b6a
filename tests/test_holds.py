"""Checks that fit the repository (policykit.yaml ``holds:``; checking/holds.py, docs/init.md): a
repository holding only power lists gets no TSK-UNIT-HAS-LIST per internal unit, the rules not run are
named once, and lists that are there but not declared are not hidden."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policykit.checking.check import BUNDLED_RULES
from policykit.checking.facts import FACT_KINDS
from policykit.checking.holds import FACT_LIST, fit_rules, needed_lists
from policykit.checking.rules import load_rules
from policykit.cli import main
from policykit.lists.config import HOLDABLE, Config, load_config

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def bundled_rules():
    rules, problems = load_rules(BUNDLED_RULES, BUNDLED_RULES.parent)
    assert rules and not problems
    return rules


def power_city(tmp_path: Path, holds: str | None) -> Path:
    """The rules' example city (two departments with internal units, their power lists, a boundary
    matter and a catalogue) without its duty/task lists, with this repository's configuration."""
    root = tmp_path / "city"
    shutil.copytree(BUNDLED_RULES / "_base" / "lists", root / "lists")
    shutil.rmtree(root / "lists" / "tasks")
    config = (ROOT / "policykit.yaml").read_text(encoding="utf-8")
    if holds is not None:
        config += f"\nholds: {holds}\n"
    (root / "policykit.yaml").write_text(config, encoding="utf-8")
    return root


def findings(capsys, root: Path) -> tuple[int, list[dict]]:
    code, out, err = run(capsys, "check", root, "-f", "json", "--fail-on", "error")
    assert "Traceback" not in err
    return code, json.loads(out)["problems"]


def test_every_fact_kind_named_by_holds_exists_and_every_list_is_holdable():
    assert set(FACT_LIST) <= set(FACT_KINDS)
    assert set(FACT_LIST.values()) == set(HOLDABLE)


def test_rules_needing_a_list_not_held_are_left_out(bundled_rules):
    by_id = {r.id: r for r in bundled_rules}
    assert needed_lists(by_id["TSK-UNIT-HAS-LIST"]) == {"职责任务清单"}
    run_all, skipped_none = fit_rules(bundled_rules, Config())            # holds not declared: every rule
    assert len(run_all) == len(bundled_rules) and skipped_none == []
    kept, skipped = fit_rules(bundled_rules, Config(holds=("权责清单",)))
    kept_ids, skipped_ids = {r.id for r in kept}, {r.id for r in skipped}
    assert "TSK-UNIT-HAS-LIST" in skipped_ids and "BND-ONE-LEAD" in skipped_ids
    assert {"PWR-BASIS-PRESENT", "PWR-ACCOUNTABILITY-CASES", "ORG-DUPLICATE-ID"} <= kept_ids
    assert kept_ids | skipped_ids == set(by_id) and not kept_ids & skipped_ids
    # a rule is kept exactly when every list it reads is held
    assert all(needed_lists(r) <= {"权责清单"} for r in kept)
    everything, _ = fit_rules(bundled_rules, Config(holds=tuple(HOLDABLE)))
    assert len(everything) == len(bundled_rules)


def test_power_lists_only_no_unit_has_list_findings_and_one_notice(tmp_path, capsys):
    # without the declaration, every internal unit is reported for lacking a duty/task list
    code, problems = findings(capsys, power_city(tmp_path / "a", None))
    unit_findings = [p for p in problems if p["rule"] == "TSK-UNIT-HAS-LIST"]
    assert len(unit_findings) >= 3 and code == 1
    assert not any(p["rule"].startswith("CONFIG-HOLDS") for p in problems)

    root = power_city(tmp_path / "b", "[权责清单, 职责边界清单, 监管事项目录]")
    code, problems = findings(capsys, root)
    assert not any(p["rule"].startswith("TSK-") for p in problems)
    notices = [p for p in problems if p["rule"] == "CONFIG-HOLDS"]
    assert len(notices) == 1                                                   # said once, not per rule
    notice = notices[0]
    assert notice["severity"] == "info" and notice["file"] == "policykit.yaml"
    lines = (root / "policykit.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[notice["line"] - 1].startswith("holds:")
    assert "TSK-UNIT-HAS-LIST" in notice["message"] and "职责任务清单" in notice["message"]
    assert not any(p["rule"] == "CONFIG-HOLDS-UNDECLARED" for p in problems)  # nothing there that is not held
    # the power rules still run on the power lists
    assert code == (1 if any(p["severity"] == "error" for p in problems) else 0)


def test_power_rules_still_find_power_defects(tmp_path, capsys):
    root = power_city(tmp_path, "[权责清单]")
    power = root / "lists" / "powers" / "sthjj.yaml"
    text = power.read_text(encoding="utf-8")
    assert "accountability_cases" in text
    import yaml
    data = yaml.safe_load(text)
    data["items"][0]["accountability_cases"] = []
    power.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, problems = findings(capsys, root)
    assert code == 1 and any(p["rule"] == "PWR-ACCOUNTABILITY-CASES" for p in problems)


def test_lists_present_but_not_declared_are_named(tmp_path, capsys):
    root = power_city(tmp_path, "[权责清单]")          # the example city still has a boundary and a catalogue
    _, problems = findings(capsys, root)
    undeclared = sorted(p["message"] for p in problems if p["rule"] == "CONFIG-HOLDS-UNDECLARED")
    assert len(undeclared) == 2
    assert "lists/boundaries/" in undeclared[0] + undeclared[1] and "lists/catalogs/" in undeclared[0] + undeclared[1]
    assert all(p["severity"] == "warning" for p in problems if p["rule"] == "CONFIG-HOLDS-UNDECLARED")


def test_holds_is_checked_against_the_schema(tmp_path):
    root = power_city(tmp_path, "[权责清单, 权力清单]")   # a name that is not a list policykit knows
    config, problems = load_config(root)
    assert config.holds is None                     # a broken configuration is not half applied
    assert any(p.rule.startswith("SCHEMA") and p.severity == "error" and "holds" in p.path for p in problems)
    good, problems = load_config(power_city(tmp_path / "ok", "[权责清单]"))
    assert good.holds == ("权责清单",) and not problems


def test_a_rule_may_need_less_than_it_reads(tmp_path, capsys, bundled_rules):
    """X-OVERLAP-NAME reads boundary_power only for its exemption (``needs: [power]``): two departments
    listing the same power is reported in a repository of power lists only, too."""
    by_id = {r.id: r for r in bundled_rules}
    assert by_id["X-OVERLAP-NAME"].needs == ("power",) and needed_lists(by_id["X-OVERLAP-NAME"]) == {"权责清单"}
    assert by_id["TSK-UNIT-HAS-LIST"].needs is None
    root = power_city(tmp_path, "[权责清单]")
    power = root / "lists" / "powers" / "scjgj.yaml"
    power.write_text(power.read_text(encoding="utf-8").replace("name: 食品经营许可", "name: 对超标排放大气污染物的处罚", 1),
                     encoding="utf-8")
    _, problems = findings(capsys, root)
    assert len([p for p in problems if p["rule"] == "X-OVERLAP-NAME"]) == 2
    assert not any(p["rule"].startswith("TSK-") for p in problems)


def test_needs_must_be_among_the_kinds_read(tmp_path):
    rdir = tmp_path / "rules"
    rdir.mkdir()
    text = (BUNDLED_RULES / "task" / "unit-has-list.yaml").read_text(encoding="utf-8")
    (rdir / "r.yaml").write_text(text.replace("reads: [unit, task_unit]\n", "reads: [unit, task_unit]\nneeds: [power]\n"),
                                 encoding="utf-8")
    rules, problems = load_rules(rdir, tmp_path)
    assert rules == [] and len(problems) == 1 and "needs" in problems[0].message and problems[0].file == "rules/r.yaml"
