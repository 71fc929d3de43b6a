"""The supervision system around the lists: the bundled city's records, facts (overdue from today),
rules with located messages, the problems report, coordination-body figures."""
import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

import policykit
from policykit.checking.check import run_check
from policykit.cli import main
from policykit.checking.facts import build_facts
from policykit.checking.rules import load_rules
from policykit.checking.ruletest import coverage, run_examples
from policykit.supervision.bodies import bodies_cut_between, bodies_figures, format_figures
from policykit.lists.records import period_bounds, views
from policykit.supervision.report import boundary_for_matter, format_markdown, format_text, problems_report

ROOT = Path(__file__).resolve().parents[1]
LISTS = ROOT / "lists"

PERF = """id: LZ-scjgj-2025
department: scjgj
period: 2025
entries:
  - {power: "370199101XK00100", handled: 120, on_time: 118, evidence: [办件统计]}
"""
SUP = """id: DD-2025-001
title: 食品经营许可办理时限专项督查
kind: 专项
lead_source: 12345
department: scjgj
opened: 2025-03-10
targets:
  - {ledger: LZ-scjgj-2025, power: "370199101XK00100"}
findings:
  - no: 1
    finding: 2件许可申请超过法定时限办结
    due: 2025-05-10
    status: 整改中
status: 进行中
"""


@pytest.fixture(scope="module")
def repo():
    return policykit.open_repository(ROOT)


def _yaml(rel):
    return yaml.safe_load((ROOT / rel).read_text(encoding="utf-8"))


# ---- the bundled city ------------------------------------------------------------------------
def test_bundled_city_carries_a_year_of_supervision_records(repo):
    v = views(repo)
    assert sorted(l.department for l in v.ledgers) == sorted(repo.departments)
    assert all(l.period == "2025" for l in v.ledgers)
    # every in-use power item of every department has a 2025 ledger entry
    for dept in repo.departments:
        listed = {e.power for l in v.ledgers if l.department == dept for e in l.entries}
        assert {i.code for i in repo.items_of(dept) if i.status == "在用"} <= listed, dept
    assert len(v.supervisions) == 14 and sum(len(s.findings) for s in v.supervisions) == 16
    assert {s.lead_source for s in v.supervisions} == {"12345", "人大", "政协", "督查", "纪检", "电视问政", "审计", "自查"}
    assert Counter(p.origin for p in v.problems) == {"12345": 56, "电视问政": 3, "部门": 2, "区县": 2}
    assert len(v.divisions) == 1 and len(v.divisions[0].items) == 57
    assert Counter(i.type for i in v.divisions[0].items) == {"共有": 51, "市级专有": 1, "授权": 4, "委托": 1}
    assert [e.department for e in v.evaluations] == ["fgw", "scjgj", "wsjkw", "zhzfj"]
    kinds = Counter((b.type, b.status) for b in v.bodies)
    assert kinds[("临时", "存续")] == 1 and kinds[("临时", "撤销")] == 2 and kinds[("长期", "合并")] == 2


def test_bundled_supervision_records_check_clean():
    result = run_check(ROOT)
    assert result.problems == [], [f"{p.location()} [{p.rule}] {p.message}" for p in result.problems[:10]]
    ids = {r.id for r in result.rules}
    assert {"SUP-TARGETS", "SUP-OVERDUE", "DISPUTE-BOUNDARY", "BODY-WORK-RULES", "DIV-DELEGATEE-LIST", "EVAL-WEIGHTS"} <= ids


def test_the_decided_dispute_became_boundary_item_bj011(repo):
    d = _yaml("lists/disputes/TC-2025-001.yaml")
    assert d["status"] == "已裁定" and d["decision"]["lead"] == "zjj"
    b = repo.boundary(d["adjustment"]["boundary"])
    assert b.name == d["matter"] == "建筑施工扬尘治理" and b.lead == "zjj"
    assert set(d["decision"]["cooperating"]) == set(b.cooperating)
    # the problems that led to the dispute are registered, and the buck-passing stopped after the decision
    v = views(repo)
    ids = {p.id for p in v.problems}
    assert set(d["problems"]) <= ids
    decided = d["decision"]["date"]
    after = [p for p in v.problems if p.matter == "建筑施工扬尘治理" and p.date > decided]
    before = [p for p in v.problems if p.matter == "建筑施工扬尘治理" and p.date <= decided]
    assert len(after) == 5 and not any(p.buck_passing for p in after)
    assert sum(p.buck_passing for p in before) == 7


def test_the_dispute_names_the_commit_that_added_the_boundary_item():
    sha = _yaml("lists/disputes/TC-2025-001.yaml")["adjustment"]["commit"]
    try:
        files = subprocess.run(["git", "show", "--name-only", "--format=", sha], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git history with that commit is not available")
    assert "lists/boundaries/BJ-011.yaml" in files


# ---- facts ---------------------------------------------------------------------------------
def _facts(root, today, kind):
    return [f.data for f in build_facts(policykit.open_repository(root), today=today) if f.kind == kind]


def test_overdue_is_computed_from_the_due_date_and_today(city):
    root = city({"lists/performance/scjgj-2025.yaml": PERF, "lists/supervision/DD-2025-001.yaml": SUP})
    [before] = _facts(root, dt.date(2025, 5, 10), "finding")
    [after] = _facts(root, dt.date(2025, 5, 20), "finding")
    assert before["overdue"] is False and before["overdue_day_count"] == 0
    assert after["overdue"] is True and after["overdue_day_count"] == 10 and after["due"] == "2025-05-10"
    assert after["closed"] is False and after["has_response"] is False


def test_supervision_fact_kinds_document_every_field_they_emit():
    from policykit.checking.supervision_facts import SUPERVISION_FACT_KINDS
    repo = policykit.open_repository(ROOT)
    seen = {}
    for f in build_facts(repo, today=dt.date(2026, 1, 1)):
        if f.kind in SUPERVISION_FACT_KINDS:
            seen.setdefault(f.kind, set()).update(k for k in f.data if k not in ("kind", "key", "seq"))
            assert all(isinstance(v, (str, int, bool)) for v in f.data.values()), f.data
    for kind, fields in seen.items():
        assert fields <= set(SUPERVISION_FACT_KINDS[kind]), (kind, fields - set(SUPERVISION_FACT_KINDS[kind]))
    assert set(seen) == set(SUPERVISION_FACT_KINDS) - {"evaluation_required"} or set(seen) == set(SUPERVISION_FACT_KINDS)


# ---- rules ----------------------------------------------------------------------------------
def test_every_supervision_rule_has_passing_and_failing_examples_that_hold():
    rules, problems = load_rules(ROOT / "rules", ROOT)
    assert problems == []
    ours = [r for r in rules if r.file.startswith("rules/supervision/")]
    assert len(ours) == 58
    assert {r.id.split("-")[0] for r in ours} == {"SUP", "DISPUTE", "BODY", "DIV", "EVAL"}
    assert coverage(ours) == {"pass": [], "fail": []}
    results = run_examples(ours, ROOT / "rules")
    assert [r for r in results if not r.ok] == []
    assert len(results) == 122


def test_overdue_finding_is_reported_in_chinese_at_its_due_date(city, capsys):
    root = city({"lists/performance/scjgj-2025.yaml": PERF, "lists/supervision/DD-2025-001.yaml": SUP})
    code = main(["check", str(root), "-q"])
    out, _ = capsys.readouterr()
    assert code == 1
    line = next(l for l in out.splitlines() if "[SUP-OVERDUE]" in l)
    assert line.startswith("lists/supervision/DD-2025-001.yaml:12:10: 错误 [SUP-OVERDUE] 督导 DD-2025-001 第 1 个问题"
                           "「2件许可申请超过法定时限办结」（scjgj）整改期限 2025-05-10 已过")
    assert "仍整改中" in line


def test_broken_references_are_located(city):
    sup = SUP.replace('power: "370199101XK00100"', 'power: "370199101XK00999"').replace("status: 整改中", "status: 已整改")
    root = city({"lists/performance/scjgj-2025.yaml": PERF, "lists/supervision/DD-2025-001.yaml": sup,
                 "lists/bodies/YT-001.yaml": "id: YT-001\nname: 示例委员会\nkind: 临时\nhost: scjgj\nmembers:\n"
                                             "  - {department: xyz}\nestablished: {document: 示政字〔2020〕1号}\nstatus: 存续\n"})
    result = run_check(root, today=dt.date(2026, 1, 1))
    got = sorted((p.rule, p.file, p.line) for p in result.problems)
    assert got == [
        ("BODY-INACTIVE", "lists/bodies/YT-001.yaml", 1),
        ("BODY-MEMBER", "lists/bodies/YT-001.yaml", 6),
        ("BODY-OFFICE-RULES", "lists/bodies/YT-001.yaml", 1),
        ("BODY-TEMP-TERM", "lists/bodies/YT-001.yaml", 3),
        ("BODY-WORK-RULES", "lists/bodies/YT-001.yaml", 1),
        ("SUP-ITEM", "lists/supervision/DD-2025-001.yaml", 8),
        ("SUP-LEDGER-ENTRY", "lists/supervision/DD-2025-001.yaml", 8),
        ("SUP-RESPONSE", "lists/supervision/DD-2025-001.yaml", 13),
    ]
    member = next(p for p in result.problems if p.rule == "BODY-MEMBER")
    assert member.message == "议事协调机构 YT-001「示例委员会」的成员单位「xyz」未在部门名录中登记"
    assert member.column == 18


def test_schema_problems_use_chinese_titles(city):
    root = city({"lists/supervision/DD-2025-001.yaml": SUP.replace("kind: 专项", "kind: 突击")})
    result = run_check(root)
    [p] = [p for p in result.problems if p.rule == "SCHEMA-SUPERVISION"]
    assert (p.line, p.column) == (3, 7)
    assert p.message.startswith("督导类型（kind）的值「突击」不在允许范围内：日常、专项、定期")


# ---- problems report ------------------------------------------------------------------------
def test_problems_report_trend_and_matters_without_boundary(repo):
    data = problems_report(repo, "quarter", period="2025")
    assert (data["total"], data["buck_passing"], data["share"]) == (63, 27, 0.4286)
    assert [(t["period"], t["total"], t["buck_passing"]) for t in data["trend"]] == [
        ("2025-Q1", 16, 10), ("2025-Q2", 17, 9), ("2025-Q3", 15, 5), ("2025-Q4", 15, 3)]
    assert [(m["matter"], m["total"], m["buck_passing"]) for m in data["without_boundary"]] == [
        ("餐饮油烟扰民", 6, 5), ("共享单车乱停放", 5, 4), ("电动自行车楼道充电", 6, 3), ("小区二次供水", 4, 2)]
    dust = next(m for m in data["matters"] if m["matter"] == "建筑施工扬尘治理")
    assert dust["boundary"] == "BJ-011" and dust["disputes"] == ["TC-2025-001"]
    assert dust["buck_passing_by_period"] == {"2025-Q1": 4, "2025-Q2": 3}
    assert data["departments"][0] == {"department": "zhzfj", "name": "城市管理局", "total": 33, "buck_passing": 19,
                                      "share": 0.5758}
    # independent count straight from the YAML text
    total = buck = 0
    for path in (LISTS / "problems").glob("*.yaml"):
        for p in yaml.safe_load(path.read_text(encoding="utf-8"))["problems"]:
            total += 1
            buck += bool({"推诿", "多头"} & set(p.get("tags") or ()))
    assert (total, buck) == (63, 27)


def test_problems_report_months_and_formats(repo):
    data = problems_report(repo, "month")
    assert len(data["trend"]) == 12 and data["trend"][0] == {"period": "2025-01", "total": 4, "buck_passing": 3,
                                                            "share": 0.75, "tags": {"推诿": 3, "多头": 1}}
    text = format_text(data)
    assert text.startswith("问题征集 63 件，其中推诿或多头 27 件（42.9%）")
    assert "餐饮油烟扰民：6 件，推诿/多头 5 件，2025-01-21 至 2025-10-28，派单 城市管理局(6)、生态环境局(5)、市场监管局(3)" in text
    md = format_markdown(data)
    assert "## 尚无职责边界事项的事项" in md and "| 共享单车乱停放 | 5 | 4 |" in md


def test_matter_names_match_boundary_items(repo):
    assert boundary_for_matter(repo, "占道经营治理").id == "BJ-010"
    assert boundary_for_matter(repo, "占道 经营·治理").id == "BJ-010"      # normalised
    assert boundary_for_matter(repo, "占道经营").id == "BJ-010"            # contained, ≥ 4 characters
    assert boundary_for_matter(repo, "扬尘") is None                       # too short to guess
    assert boundary_for_matter(repo, "餐饮油烟扰民") is None
    assert boundary_for_matter(repo, None) is None


def test_problems_report_cli(capsys):
    code = main(["problems", "report", "--root", str(ROOT), "--period", "quarter", "-f", "json"])
    out, _ = capsys.readouterr()
    assert code == 0 and json.loads(out)["buck_passing"] == 27
    code = main(["problems", "report", "--root", str(ROOT), "--within", "2025年"])
    _, err = capsys.readouterr()
    assert code == 2 and "期间格式应为 2025、2025-Q1 或 2025-03" in err


def test_periods():
    assert period_bounds("2025") == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert period_bounds("2024-Q1") == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert period_bounds(2024) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert period_bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    with pytest.raises(ValueError):
        period_bounds("2024-13")


# ---- coordination bodies ----------------------------------------------------------------------
def test_bodies_cut_and_share_from_the_data(repo):
    fig = bodies_figures(repo)
    assert (fig["registered"], fig["active"], fig["cut"], fig["abolished"], fig["merged"]) == (11, 6, 5, 3, 2)
    assert fig["cut_share"] == 0.4545 and fig["cut_by_year"] == {2024: 3, 2025: 2}
    assert fig["active_by_kind"] == {"长期": 5, "临时": 1} and fig["temporary_past_term"] == []
    since = bodies_figures(repo, since=dt.date(2024, 1, 1))
    assert (since["base"], since["cut"], since["cut_share"]) == (10, 5, 0.5)       # YT-006 was set up later
    assert format_figures(since).splitlines()[1] == "自 2024-01-01，精简 5 个（撤销 3 个、合并 2 个），占 10 个的 50.0%。"
    in_2025 = bodies_figures(repo, since=dt.date(2025, 1, 1), until=dt.date(2025, 12, 31))
    assert sorted(b["id"] for b in in_2025["bodies"] if b["abolished"] and b["abolished"] >= "2025") == ["YT-010", "YT-011"]
    assert in_2025["cut"] == 2


def test_bodies_cut_between_two_revisions(tmp_path, repo):
    before = tmp_path / "before"
    after = tmp_path / "after"
    for root in (before, after):
        shutil.copytree(ROOT / "rules" / "_base", root)
        (root / "lists" / "bodies").mkdir(parents=True)
    body = ("id: {id}\nname: 示例{id}\nkind: 长期\nhost: scjgj\nmembers: [{{department: sthjj}}]\n"
            "established: {{document: 示政字〔2020〕1号}}\nstatus: {status}\n{extra}")
    for i in range(1, 5):
        (before / f"lists/bodies/YT-00{i}.yaml").write_text(body.format(id=f"YT-00{i}", status="存续", extra=""),
                                                             encoding="utf-8")
    (after / "lists/bodies/YT-001.yaml").write_text(body.format(id="YT-001", status="存续", extra=""), encoding="utf-8")
    (after / "lists/bodies/YT-002.yaml").write_text(body.format(
        id="YT-002", status="合并", extra="abolished: {date: 2025-01-01, document: 示编发〔2025〕1号, merged_into: YT-001}\n"),
        encoding="utf-8")
    (after / "lists/bodies/YT-003.yaml").write_text(body.format(
        id="YT-003", status="撤销", extra="abolished: {date: 2025-01-01, document: 示编发〔2025〕1号}\n"), encoding="utf-8")
    result = bodies_cut_between(policykit.open_repository(before), policykit.open_repository(after))
    assert (result["before"], result["after"], result["cut"], result["cut_share"]) == (4, 1, 3, 0.75)
    assert [(b["id"], b["how"]) for b in result["cut_bodies"]] == [("YT-002", "合并"), ("YT-003", "撤销"), ("YT-004", "删除")]


def test_bodies_past_their_term_are_judged_on_the_given_day(repo):
    temporary = [b for b in views(repo).bodies if b.active and b.type == "临时" and b.term_end]
    assert temporary, "the bundled city has an active temporary body with a term"
    last = max(b.term_end for b in temporary)
    assert bodies_figures(repo)["temporary_past_term"] == [b.id for b in temporary if b.term_end < dt.date.today()]
    on_term = bodies_figures(repo, today=last)
    assert on_term["temporary_past_term"] == [b.id for b in temporary if b.term_end < last]
    assert on_term["as_of"] == last.isoformat()
    after = bodies_figures(repo, today=last + dt.timedelta(days=1))
    assert after["temporary_past_term"] == sorted(b.id for b in temporary)
    assert "超过存续期限的临时机构：" + "、".join(after["temporary_past_term"]) in format_figures(after)
    # the other figures do not depend on the day
    assert {k: v for k, v in after.items() if k not in ("temporary_past_term", "as_of")} == \
        {k: v for k, v in on_term.items() if k not in ("temporary_past_term", "as_of")}
