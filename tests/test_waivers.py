"""Waivers: owner, approval and expiry; waived problems reported as waived; expired or unused ones reported."""
import datetime as dt
import json

from policykit.checking.check import run_check
from policykit.cli import main

NO_CASES = """department: sthjj
items:
  - code: "370199102CF00100"
    name: 对超标排放大气污染物的处罚
    category: 行政处罚
    legal_basis:
      - {level: 法律, title: 中华人民共和国大气污染防治法, article: 第九十九条}
    unit: 执法科
    levels: [市级]
    sanding_duty: 1
    responsibilities: [立案责任：对违法行为予以立案]
    accountability_targets: [执法人员]
    accountability_cases: []
    power_source: 法定本级行使
    status: 在用
"""


def waiver(expires, items='["370199102CF00100"]', rule="PWR-ACCOUNTABILITY-CASES"):
    approved_on = dt.date.fromisoformat(str(expires)) - dt.timedelta(days=300)  # within the 365-day term
    return f"""waivers:
  - rule: {rule}
    items: {items}
    owner: 市委编办审改科
    approval: 明编办〔2026〕3号
    expires: {expires}
    approved_by: 市委编办主任办公会
    approved_on: {approved_on}
    reason: 追责情形正在与市纪委监委会商
"""


IN_FORCE = (dt.date.today() + dt.timedelta(days=30)).isoformat()  # approved 270 days ago, expires in 30


def test_waiver_waives_until_it_expires(city, capsys):
    root = city({"lists/powers/sthjj.yaml": NO_CASES, "lists/waivers.yaml": waiver("2026-12-31")})
    live = run_check(root, today=dt.date(2026, 6, 1))
    problem = next(p for p in live.problems if p.rule == "PWR-ACCOUNTABILITY-CASES")
    assert problem.waived_by and "明编办〔2026〕3号" in problem.waived_by
    assert live.failing("error") == []
    expired = run_check(root, today=dt.date(2027, 1, 1))
    rules = {p.rule: p for p in expired.problems}
    assert rules["PWR-ACCOUNTABILITY-CASES"].waived_by is None
    assert rules["WVR-EXPIRED"].file == "lists/waivers.yaml" and rules["WVR-EXPIRED"].line == 6


def test_waived_problem_in_json_and_exit_code(city, capsys):
    root = city({"lists/powers/sthjj.yaml": NO_CASES, "lists/waivers.yaml": waiver(IN_FORCE)})
    assert main(["check", str(root), "-q", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    waived = [p for p in data["problems"] if p.get("waived_by")]
    assert [p["rule"] for p in waived] == ["PWR-ACCOUNTABILITY-CASES"]
    assert data["summary"]["waived"] == 1 and data["summary"]["error"] == 0


def test_waiver_matching_nothing_is_reported(city):
    root = city({"lists/waivers.yaml": waiver(IN_FORCE)})
    result = run_check(root)
    assert [(p.rule, p.line) for p in result.problems] == [("WVR-UNUSED", 2)]
