"""Departments have a lifecycle (设立, 更名, 合并, 撤销): past records keep pointing at the department as
it was, later ones and the current lists must name the successor, the site shows predecessors and
successors."""
from __future__ import annotations

import datetime as dt

import policykit
from policykit.checking.check import run_check
from policykit.cli import main

SPJ = """id: spj
code: "109"
name: 示例市食品药品监督管理局
short_name: 食药监局
type: 政府工作部门
units: []
lifecycle:
  - {event: 设立, date: 2014-06-01, approval: 示编发〔2014〕5号}
  - {event: 合并, date: 2026-07-01, approval: 示编发〔2026〕3号, successor: scjgj}
"""
PROBLEMS = """batch: 12345-2026
source: "12345"
problems:
  - id: RX-2512300001
    order_id: "2512300001"
    date: 2025-12-30
    content: 药店销售过期药品，投诉后无人处理
    departments: [spj]
    tags: [推诿]
    matter: 药品零售监管
  - id: RX-2607020001
    order_id: "2607020001"
    date: 2026-07-02
    content: 药店销售过期药品，投诉后无人处理
    departments: [spj, sthjj]
    tags: [推诿]
    matter: 药品零售监管
"""


def lifecycle_problems(root, today=dt.date(2026, 8, 1)):
    return [p for p in run_check(root, today=today, engine="oracle").problems if p.rule.startswith("ORG-LIFECYCLE")]


def test_model_events_successor_and_predecessors(city):
    root = city({"lists/organizations/spj.yaml": SPJ})
    repo = policykit.open_repository(root)
    spj = repo.departments["spj"]
    assert [e.event for e in spj.lifecycle] == ["设立", "合并"]
    assert spj.ended_on == dt.date(2026, 7, 1) and spj.successor == "scjgj"
    assert spj.existed_on(dt.date(2026, 6, 30)) and not spj.existed_on(dt.date(2026, 7, 1))
    assert repo.current_department("spj", dt.date(2026, 6, 30)) == "spj"
    assert repo.current_department("spj", dt.date(2026, 7, 1)) == "scjgj"
    assert [(p.id, e.event) for p, e in repo.predecessors_of("scjgj")] == [("spj", "合并")]


def test_successor_chain_and_rename(city):
    root = city({"lists/organizations/spj.yaml": SPJ.replace("successor: scjgj", "successor: sthjj"),
                 "lists/organizations/sthjj.yaml": """id: sthjj
code: "102"
name: 示例市生态环境局
short_name: 生态环境局
sanding:
  document: 示办发〔2019〕2号
  main_duties:
    - {no: 1, text: 负责生态环境监督执法。}
units:
  - {name: 执法科}
lifecycle:
  - {event: 更名, date: 2019-03-01, approval: 示编发〔2019〕1号, former_name: 示例市环境保护局}
  - {event: 撤销, date: 2027-01-01, approval: 示编发〔2026〕9号, successor: scjgj}
"""})
    repo = policykit.open_repository(root)
    assert repo.current_department("spj", dt.date(2026, 8, 1)) == "sthjj"
    assert repo.current_department("spj", dt.date(2027, 1, 1)) == "scjgj"      # followed through both ends
    assert repo.departments["sthjj"].name_on(dt.date(2018, 12, 31)) == "示例市环境保护局"
    assert repo.departments["sthjj"].name_on(dt.date(2019, 3, 1)) == "示例市生态环境局"


def test_past_records_stay_valid_later_ones_name_the_successor(city):
    root = city({"lists/organizations/spj.yaml": SPJ, "lists/problems/12345-2026.yaml": PROBLEMS})
    found = lifecycle_problems(root)
    assert [(p.rule, p.file, p.line) for p in found] == [
        ("ORG-LIFECYCLE-REFERENCE", "lists/problems/12345-2026.yaml", 15)]
    assert "RX-2607020001" in found[0].message and "市场监管局" in found[0].message
    assert "2026-07-01 合并" in found[0].message
    # the 2025 problem names a department that existed then: no problem of any kind about it
    every = run_check(root, today=dt.date(2026, 8, 1), engine="oracle").problems
    assert not [p for p in every if "RX-2512300001" in p.message]


def test_current_lists_after_the_end_name_the_successor(city):
    root = city({"lists/organizations/spj.yaml": SPJ})
    boundary = (root / "lists/boundaries/BJ-001.yaml").read_text(encoding="utf-8")
    assert "department: sthjj" in boundary
    city({"lists/boundaries/BJ-001.yaml": boundary.replace("department: sthjj", "department: spj", 1)})
    before = lifecycle_problems(root, today=dt.date(2026, 6, 30))
    after = lifecycle_problems(root, today=dt.date(2026, 7, 1))
    assert before == []
    assert [p.file for p in after] == ["lists/boundaries/BJ-001.yaml"] and "市场监管局" in after[0].message


def test_end_without_known_successor_is_an_error(city):
    root = city({"lists/organizations/spj.yaml": SPJ.replace(", successor: scjgj", "")})
    found = lifecycle_problems(root)
    assert [(p.rule, p.line) for p in found] == [("ORG-LIFECYCLE-SUCCESSOR", 9)]
    city({"lists/organizations/spj.yaml": SPJ.replace("successor: scjgj", "successor: spj")})
    assert [p.rule for p in lifecycle_problems(root)] == ["ORG-LIFECYCLE-SUCCESSOR"]


def test_bundled_city_carries_a_merger_and_a_rename():
    from timecity import ROOT
    repo = policykit.open_repository(ROOT)
    names = [p for p, _ in repo.predecessors_of("scjgj")]
    assert "明湖市食品药品监督管理局" in names and len(names) == 3
    assert repo.departments["wsjkw"].name_on(dt.date(2018, 1, 1)) == "明湖市卫生和计划生育委员会"


def test_site_shows_predecessors_and_successors(city, tmp_path):
    payload = "<script>alert(1)</script>"
    hostile = (SPJ.replace("示编发〔2014〕5号", f'"{payload}"')
               + f'  - {{event: 更名, date: 2020-01-01, approval: x, former_name: "{payload}"}}\n')
    hostile = hostile.replace("{event: 设立, date: 2014-06-01,",
                              f'{{event: 设立, predecessors: ["{payload}"], date: 2014-06-01,')
    root = city({"lists/organizations/spj.yaml": hostile})
    assert not [p for p in policykit.open_repository(root).load_problems if p.severity == "error"]
    out = tmp_path / "site"
    assert main(["docs", "build", "--root", str(root), "--site-dir", str(out), "--legal-date", "2026-08-01"]) == 0
    pages = {p.parent.name: p.read_text(encoding="utf-8") for p in out.rglob("index.html") if "departments" in p.parts}
    assert "机构沿革" in pages["scjgj"] and "前身：" in pages["scjgj"] and "食药监局" in pages["scjgj"]
    assert "职责现由" in pages["spj"] and "市场监管局" in pages["spj"] and "示编发〔2026〕3号" in pages["spj"]
    assert "机构沿革" not in pages["sthjj"]
    # list strings are text on the page: the payload is escaped wherever it is shown
    assert payload not in pages["spj"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["spj"]


def test_a_2026_merger_on_a_real_history_leaves_2025_records_valid(tmp_path):
    """商务局 (swj) merges into 发展改革委 (fgw) on 2026-07-01, its items moving with it: the 2025
    problems, ledger and supervision that name swj stay valid; today's lists that still name swj
    are told the successor; a later problem naming swj is an error. Deleting swj's file instead
    (what was possible before) breaks the 2025 problems."""
    import shutil
    from timecity import commit, dump, load, make_city, record, transfer
    root = make_city(tmp_path)
    for item in load(root, "lists/powers/swj.yaml")["items"]:
        transfer(root, str(item["code"]), "swj", "fgw")
    (root / "lists/powers/swj.yaml").unlink()
    org = load(root, "lists/organizations/swj.yaml")
    org["lifecycle"] = [{"event": "合并", "date": dt.date(2026, 7, 1), "approval": "明编办〔2026〕8号", "successor": "fgw"}]
    dump(root, "lists/organizations/swj.yaml", org)
    naive = tmp_path / "naive"
    shutil.copytree(root, naive, ignore=shutil.ignore_patterns(".git"))
    commit(root, record("机构改革", "商务局并入发展改革委", approval="明编办〔2026〕8号"), "2026-07-01T09:00:00+08:00")

    past = ("lists/problems/12345-2025.yaml", "lists/performance/swj-2025.yaml", "lists/supervision/DD-2025-004.yaml")
    found = run_check(root, today=dt.date(2026, 8, 1), engine="oracle").problems
    assert not [p for p in found if p.file in past and p.rule.startswith(("SUP-", "ORG-"))]
    refs = [p for p in found if p.rule == "ORG-LIFECYCLE-REFERENCE"]
    assert refs and all(p.file.startswith(("lists/boundaries/", "lists/catalogs/")) for p in refs)
    assert all("发展改革委" in p.message and "2026-07-01 合并" in p.message for p in refs)

    later = load(root, "lists/problems/12345-2025.yaml")
    named = next(p for p in later["problems"] if "swj" in p["departments"])
    later["problems"].append({**named, "id": "RX-2607150001", "order_id": "2607150001", "date": dt.date(2026, 7, 15)})
    dump(root, "lists/problems/12345-2025.yaml", later)
    found = run_check(root, today=dt.date(2026, 8, 1), engine="oracle").problems
    assert [p.message.split("（")[0] for p in found if p.rule == "ORG-LIFECYCLE-REFERENCE"
            and p.file == "lists/problems/12345-2025.yaml"] == ["问题 RX-2607150001"]

    (naive / "lists/organizations/swj.yaml").unlink()
    broken = run_check(naive, today=dt.date(2026, 8, 1), engine="oracle").problems
    assert [p for p in broken if p.rule == "SUP-PROBLEM-DEPARTMENT" and p.file == "lists/problems/12345-2025.yaml"]
