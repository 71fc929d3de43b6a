"""Work processes (流程再造): the bundled city's processes, the library's queries, the schema, and every
process rule firing at its planted defect in a copy of the bundled city, the engine agreeing with the
plain-Python oracle."""
from pathlib import Path

import yaml

import policykit
from policykit.checking.check import run_check
from policykit.checking.facts import build_facts
from policykit.checking.rules import load_rules
from policykit.lists.processes import time_units

ROOT = Path(__file__).resolve().parents[1]
PROCESS_RULES = {"PRC-DUTY-COVERED", "PRC-DUTY-REF", "PRC-ITEM-REF", "PRC-TIME-LIMIT", "PRC-MATERIALS",
                 "PRC-STEP-UNIT", "PRC-HANDOFF", "PRC-HANDOFF-REF"}


def _edit(root: Path, rel: str, change) -> None:
    from policykit.lists.loader import Limits, load_bytes
    path = root / rel
    data = load_bytes(path.read_bytes(), rel, Limits()).data     # YAML 1.2: ``no:`` is a key, not false
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# ---- the bundled city ----------------------------------------------------------------------------
def test_bundled_city_has_processes_for_three_departments_linked_both_ways(bundled_repo):
    depts = {p.department for p in bundled_repo.processes}
    assert {"swj", "fgw", "xzspj"} <= depts
    # each process belongs to a unit duty that exists, and each of those duties finds its process back
    duties = {d.key: d for d in bundled_repo.unit_duties}
    for p in bundled_repo.processes:
        assert p.duty_key in duties
        assert p in bundled_repo.processes_of_duty(p.department, p.duty_unit, p.duty_no)
    # the process that carries out the 相对集中许可 item, found from the item
    [licence] = bundled_repo.processes_for_item("370199114XK00100")
    assert licence.id == "LC-xzspj-002" and licence.total_days == 10
    assert [p.id for p in bundled_repo.processes_of("xzspj")] == ["LC-xzspj-001", "LC-xzspj-002", "LC-xzspj-003",
                                                          "LC-xzspj-004"]
    assert bundled_repo.processes_of("nobody") == [] and bundled_repo.processes_for_item("0") == []


def test_bundled_city_has_a_cross_department_handoff_on_a_boundary_matter(bundled_repo):
    [prepaid] = [p for p in bundled_repo.processes_of("swj") if "370199110CF00100" in p.items]
    cross = [s for s in prepaid.steps if s.cross]
    assert [(s.department, s.unit, s.handoff) for s in cross] == [("scjgj", "广告与消费者权益保护科", "BJ-006")]
    assert prepaid.handoff_departments == ("scjgj",)
    assert {"swj", "scjgj"} <= {r.department for r in bundled_repo.boundary("BJ-006").roles}


def test_bundled_city_is_clean_of_process_problems():
    result = run_check(ROOT)
    assert [p for p in result.problems if p.rule.startswith(("PRC-", "SGXT-"))] == []
    assert PROCESS_RULES <= {r.id for r in result.rules}


def test_time_units_compare_working_and_calendar_days():
    assert time_units(5, "工作日") == time_units(7, "自然日")
    assert time_units(5, "工作日") < time_units(8, "自然日")
    assert time_units(3, "工作日") > time_units(4, "自然日")


# ---- schema -------------------------------------------------------------------------------------
def test_a_process_without_steps_is_a_located_schema_problem(city):
    root = city({"lists/processes/scjgj.yaml": (
        "department: scjgj\nprocesses:\n  - id: LC-scjgj-001\n    name: 公文办理流程\n"
        "    duty: {unit: 办公室, no: 1}\n    day_type: 工作日\n    steps: []\n")})
    repo = policykit.open_repository(root)
    problems = [p for p in repo.load_problems if p.file == "lists/processes/scjgj.yaml"]
    assert problems and problems[0].rule.startswith("SCHEMA") and problems[0].line == 7
    assert repo.processes == []


def test_a_process_day_type_outside_the_two_is_refused(city):
    root = city({"lists/processes/scjgj.yaml": (
        "department: scjgj\nprocesses:\n  - id: LC-scjgj-001\n    name: 公文办理流程\n"
        "    duty: {unit: 办公室, no: 1}\n    day_type: 小时\n    steps:\n      - {no: 1, name: 登记, unit: 办公室, days: 1}\n")})
    repo = policykit.open_repository(root)
    assert any(p.file == "lists/processes/scjgj.yaml" and p.line == 6 for p in repo.load_problems)


# ---- planted defects in a copy of the bundled city ----------------------------------------------------
def _plant(root: Path) -> None:
    def processes(data):
        by_id = {p["id"]: p for p in data["processes"]}
        licence = by_id["LC-xzspj-002"]
        licence["steps"][1]["days"] = 8                       # total 12 > promised 10 → PRC-TIME-LIMIT
        licence["steps"][0]["materials"] = licence["steps"][0]["materials"][:3]   # one 申请材料 dropped → PRC-MATERIALS
        licence["items"].append("370199110CF00100")          # swj's item → PRC-ITEM-REF
        by_id["LC-xzspj-001"]["steps"][0]["unit"] = "综合科"   # no such unit → PRC-STEP-UNIT
        by_id["LC-xzspj-003"]["steps"][1]["handoff"] = "BJ-006"   # BJ-006 does not involve xzspj → PRC-HANDOFF-REF
        by_id["LC-xzspj-004"]["duty"]["no"] = 9              # no such duty → PRC-DUTY-REF, and 审管协同科#2 uncovered
        by_id["LC-xzspj-004"]["steps"].append({"no": 4, "name": "通报卫生健康委", "department": "wsjkw",
                                                 "unit": "综合监督科", "days": 1})   # no matter, no pair → PRC-HANDOFF
    _edit(root, "lists/processes/xzspj.yaml", processes)


def _where(problems, rule):
    return sorted((p.file, p.line) for p in problems if p.rule == rule)


def test_each_process_rule_finds_its_planted_defect(bundled_copy):
    root = bundled_copy
    _plant(root)
    result = run_check(root)
    f = "lists/processes/xzspj.yaml"
    got = {rule: _where(result.problems, rule) for rule in PROCESS_RULES}
    assert all(got[rule] for rule in PROCESS_RULES), got
    assert all(file == f for rule in PROCESS_RULES - {"PRC-DUTY-COVERED"} for file, _ in got[rule])
    assert got["PRC-DUTY-COVERED"] == [("lists/tasks/xzspj.yaml", 31)]
    messages = {p.rule: p.message for p in result.problems if p.rule in PROCESS_RULES}
    assert "时限合计 12 个工作日，超过事项 370199114XK00100「食品生产许可」的承诺时限 10 个工作日" in messages["PRC-TIME-LIMIT"]
    assert "专职或者兼职的食品安全专业技术人员" in messages["PRC-MATERIALS"]
    assert "370199110CF00100" in messages["PRC-ITEM-REF"]
    assert "综合科" in messages["PRC-STEP-UNIT"]
    assert "BJ-006" in messages["PRC-HANDOFF-REF"]
    assert "wsjkw" in messages["PRC-HANDOFF"] and "xzspj" in messages["PRC-HANDOFF"]
    # nothing else in the city moved
    clean = run_check(ROOT)
    others = {(p.rule, p.file, p.line) for p in result.problems if p.rule not in PROCESS_RULES}
    assert others == {(p.rule, p.file, p.line) for p in clean.problems}


def test_engine_and_oracle_agree_on_the_process_rules(bundled_copy):
    root = bundled_copy
    _plant(root)
    durable = run_check(root, engine="durable")
    plain = run_check(root, engine="oracle")
    key = lambda ps: sorted((p.rule, p.file, p.line, p.column, p.message) for p in ps)  # noqa: E731
    assert key(durable.problems) == key(plain.problems)
    assert any(p.rule.startswith("PRC-") for p in durable.problems)


def test_coverage_by_department_type_from_the_configuration(bundled_copy):
    root = bundled_copy
    text = (root / "policykit.yaml").read_text(encoding="utf-8")
    (root / "policykit.yaml").write_text(text.replace("processes:\n  approval_body: xzspj",
                                                      "processes:\n  approval_body: xzspj\n  coverage: [政府工作部门]"),
                                         encoding="utf-8")
    repo = policykit.open_repository(root)
    assert repo.config.processes["coverage"] == ["政府工作部门"]
    facts = build_facts(repo)
    uncovered = [f for f in facts if f.kind == "process_duty_expected"]
    with_processes = {p.department for p in repo.processes}
    assert {f.data["department"] for f in uncovered} == set(repo.departments) - with_processes
    assert len(uncovered) == sum(1 for d in repo.unit_duties if d.department not in with_processes)
    result = run_check(root)
    uncovered = {p.file for p in result.problems if p.rule == "PRC-DUTY-COVERED"}
    assert "lists/tasks/scjgj.yaml" in uncovered and "lists/tasks/swj.yaml" not in uncovered


def test_the_process_rules_carry_article_and_examples():
    rules, problems = load_rules(ROOT / "rules", ROOT)
    assert not [p for p in problems if "process" in p.file]
    mine = [r for r in rules if r.id in PROCESS_RULES or r.id.startswith("SGXT-")]
    assert len(mine) == 12
    for r in mine:
        assert "第二十五条" in r.article or "第二十六条" in r.article
        assert {ex["expect"] for ex in r.examples} == {"pass", "fail"}


# ---- review: the diff names process changes ---------------------------------------------------------------
def test_diff_reports_process_changes_by_kind(bundled_copy):
    from gitrepo import Repo
    from policykit.history.diff import diff_repositories
    repo = Repo(bundled_copy)
    root = repo.root
    repo.commit("清单")

    def change(data):
        by_id = {p["id"]: p for p in data["processes"]}
        by_id["LC-xzspj-002"]["steps"][1]["days"] = 5                       # 时限变更
        by_id["LC-xzspj-002"]["steps"][0]["materials"].append("营业执照")    # 要件变更
        by_id["LC-xzspj-001"]["duty"]["unit"] = "审管协同科"                  # 所属职责变更
        data["processes"].append({"id": "LC-xzspj-009", "name": "档案归档流程", "duty": {"unit": "办公室", "no": 1},
                                  "day_type": "工作日", "steps": [{"no": 1, "name": "归档", "unit": "办公室", "days": 1}]})
    _edit(root, "lists/processes/xzspj.yaml", change)
    repo.commit("流程调整")
    old = policykit.open_repository(root, at="HEAD~1")
    new = policykit.open_repository(root)
    result = diff_repositories(old, new)
    got = {(c.object, c.key): tuple(c.types) for c in result.changes if c.object.startswith("process")}
    assert got[("process_step", "LC-xzspj-002#2")] == ("时限变更",)
    assert got[("process_step", "LC-xzspj-002#1")] == ("要件变更",)
    assert got[("process", "LC-xzspj-001")] == ("所属职责变更",)
    assert got[("process", "LC-xzspj-009")] == ("新增",) and got[("process_step", "LC-xzspj-009#1")] == ("新增",)
    assert len(got) == 5


# ---- spreadsheet: export, import back, bad rows ---------------------------------------------------------
def test_export_then_import_gives_back_the_bundled_processes(tmp_path):
    import openpyxl
    from policykit.cli import main
    from policykit.lists.loader import Limits, load_bytes
    xlsx = tmp_path / "流程.xlsx"
    assert main(["processes", "export", "--out", str(xlsx), "--root", str(ROOT)]) == 0
    ws = openpyxl.load_workbook(xlsx).active
    assert [c.value for c in ws[2]][:3] == ["部门标识", "流程编号", "流程名称"]
    assert all(c.data_type in ("s", "n") for row in ws.iter_rows(min_row=3) for c in row if c.value is not None)
    out = tmp_path / "lists" / "processes"
    assert main(["processes", "import", str(xlsx), "--out", str(out)]) == 0
    for dept in ("swj", "fgw", "xzspj"):
        want = load_bytes((ROOT / "lists" / "processes" / f"{dept}.yaml").read_bytes(), "a", Limits()).data
        got = load_bytes((out / f"{dept}.yaml").read_bytes(), "b", Limits()).data
        assert got == want, dept


def test_import_reports_bad_rows_and_keeps_formula_text_as_text(tmp_path, capsys):
    from policykit.cli import main
    from policykit.io.importers.processes import HEADER
    csv = tmp_path / "流程.csv"
    rows = [HEADER,
            ["scjgj", "LC-scjgj-001", "公文办理流程", "办公室", "1", "", "工作日", "1", "=登记", "", "办公室", "", "1", "", "", ""],
            ["scjgj", "", "", "", "", "", "", "2", "审核", "", "办公室", "", "两天", "", "", ""],
            ["", "", "", "", "", "", "", "", "孤立的行", "", "", "", "", "", "", ""]]
    csv.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    code = main(["processes", "import", str(csv), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 1 and "时限（天）应为非负整数：两天" in out and ":3:" in out
    from policykit.lists.loader import Limits, load_bytes
    data = load_bytes((tmp_path / "out" / "scjgj.yaml").read_bytes(), "o", Limits()).data
    [proc] = data["processes"]
    assert [s["name"] for s in proc["steps"]] == ["=登记"]       # the bad row skipped, the text kept as written
