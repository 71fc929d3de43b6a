"""Law registry: resolution of customary title variants, in-force checks on both time axes, impact."""
import datetime as dt
import json


import policykit
from policykit.checking.check import run_check
from policykit.cli import main
from policykit.lists.laws import article_numbers, chinese_number, normalise_title, parse_ranges, registry_of
from conftest import penalty_item

XZCFF = """id: xzcff
title: 中华人民共和国行政处罚法
level: 法律
versions:
  - {event: 制定, promulgated: 1996-03-17, effective: 1996-10-01, articles: 64}
  - {event: 修订, promulgated: 2021-01-22, effective: 2021-07-15, articles: 86, renumbered: true}
"""
DQ = """id: dqwrfzf
title: 中华人民共和国大气污染防治法
level: 法律
versions:
  - {event: 制定, promulgated: 1987-09-05, effective: 1988-06-01}
  - {event: 修订, promulgated: 2015-08-29, effective: 2016-01-01, articles: 129, renumbered: true}
"""
SPAQF = """id: spaqf
title: 中华人民共和国食品安全法
level: 法律
versions:
  - {event: 制定, promulgated: 2009-02-28, effective: 2009-06-01, articles: 104}
  - {event: 修订, promulgated: 2015-04-24, effective: 2015-10-01, articles: 154, renumbered: true}
"""


def power(title, article, category="行政处罚", letters="CF", level="法律"):
    return "department: sthjj\nitems:\n" + penalty_item(f"370199102{letters}00100", "对超标排放大气污染物的处罚", title,
                                                          article, category=category, level=level)


def rules_of(result, prefix="LAW-"):
    return sorted((p.rule, p.file, p.line) for p in result.problems if p.rule.startswith(prefix))


def test_numbers_and_titles():
    assert chinese_number("一百二十三") == 123 and chinese_number("二十") == 20 and chinese_number("十五") == 15
    assert article_numbers("第三十五条第一款、第三十六条") == [35, 36]
    for variant in ["《中华人民共和国行政处罚法》", "行政处罚法", "中华人民共和国行政处罚法（2021年修订）",
                    "中华人民共和国行政处罚法(2017年修正)", " 行政处罚法 "]:
        assert normalise_title(variant) == "行政处罚法"
    assert parse_ranges("12,15-18") == {12, 15, 16, 17, 18}


def test_bundled_registry_is_clean_and_resolves_variants():
    repo = policykit.open_repository(".")
    reg = registry_of(repo)
    assert len(reg.laws) >= 40
    assert reg.find("《行政处罚法》（2021年修订）").id == "xzcff"
    law = reg.find("执业医师法")
    assert law.in_force(dt.date(2021, 12, 31)) and not law.in_force(dt.date(2022, 3, 1))
    assert reg.find("行政处罚法").article_count(dt.date(2020, 1, 1)) == 64
    assert reg.find("行政处罚法").article_count(dt.date(2022, 1, 1)) == 86


def test_repealed_law_is_located(city):
    root = city({"lists/laws/zyysf.yaml": """id: zyysf
title: 中华人民共和国执业医师法
level: 法律
versions:
  - {event: 制定, promulgated: 1998-06-26, effective: 1999-05-01, articles: 48}
  - {event: 废止, promulgated: 2021-08-20, effective: 2022-03-01}
""", "lists/laws/dqwrfzf.yaml": DQ, "lists/laws/spaqf.yaml": SPAQF,
        "lists/powers/sthjj.yaml": power("中华人民共和国执业医师法", "第三十七条")})
    before = run_check(root, legal_date=dt.date(2021, 6, 1))
    after = run_check(root, legal_date=dt.date(2022, 3, 1))
    assert rules_of(before) == []
    assert rules_of(after) == [("LAW-REPEALED", "lists/powers/sthjj.yaml", 7)]
    msg = next(p.message for p in after.problems if p.rule == "LAW-REPEALED")
    assert "2022-03-01 废止" in msg


def test_amendment_that_renumbers_articles(city):
    # 第八十六条 exists only since the 2021 revision; a version-tagged citation of 2017 must be re-checked
    root = city({"lists/laws/xzcff.yaml": XZCFF, "lists/laws/dqwrfzf.yaml": DQ, "lists/laws/spaqf.yaml": SPAQF,
                 "lists/powers/sthjj.yaml": power("中华人民共和国行政处罚法（2017年修正）", "第八十六条")})
    old = run_check(root, legal_date=dt.date(2020, 1, 1))
    new = run_check(root, legal_date=dt.date(2022, 1, 1))
    assert ("LAW-ARTICLE-BEYOND", "lists/powers/sthjj.yaml", 7) in rules_of(old)
    assert ("LAW-RENUMBERED", "lists/powers/sthjj.yaml", 7) in rules_of(new)
    assert not any(r == "LAW-ARTICLE-BEYOND" for r, *_ in rules_of(new))


def test_not_yet_effective_rule(city):
    root = city({"lists/laws/dqwrfzf.yaml": DQ, "lists/laws/spaqf.yaml": SPAQF, "lists/laws/gz.yaml": """id: gz
title: 示例市扬尘污染防治办法
level: 地方政府规章
versions:
  - {event: 制定, promulgated: 2026-01-05, effective: 2026-06-01, articles: 40}
""", "lists/powers/sthjj.yaml": power("示例市扬尘污染防治办法", "第三十条", level="地方政府规章")})
    assert rules_of(run_check(root, legal_date=dt.date(2026, 3, 1))) == [
        ("LAW-NOT-YET-IN-FORCE", "lists/powers/sthjj.yaml", 7)]
    assert rules_of(run_check(root, legal_date=dt.date(2026, 7, 1))) == []


def test_normative_document_setting_a_penalty(city):
    root = city({"lists/laws/dqwrfzf.yaml": DQ, "lists/laws/spaqf.yaml": SPAQF, "lists/laws/tz.yaml": """id: tz
title: 关于加强餐饮油烟管理的通知
level: 规范性文件
versions:
  - {event: 制定, promulgated: 2020-03-01, effective: 2020-03-01, articles: 12}
""", "lists/powers/sthjj.yaml": power("关于加强餐饮油烟管理的通知", "第五条", level="规范性文件")})
    result = run_check(root)
    assert ("LAW-WEAK-SETS-STRONG", "lists/powers/sthjj.yaml", 7) in rules_of(result)
    assert ("PWR-BASIS-STRONG", "lists/powers/sthjj.yaml") in {(p.rule, p.file) for p in result.problems}


def test_impact_cli_markdown_json_and_articles(city, capsys, tmp_path):
    root = city({"lists/laws/xzcff.yaml": XZCFF, "lists/laws/dqwrfzf.yaml": DQ, "lists/laws/spaqf.yaml": SPAQF,
                 "lists/powers/sthjj.yaml": power("行政处罚法", "第二十八条")})
    assert main(["impact", "行政处罚法", "--root", str(root), "-f", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [c["key"] for c in report["citations"]] == ["370199102CF00100"]
    assert report["citations"][0]["line"] == 7
    assert main(["impact", "行政处罚法", "--root", str(root), "-f", "json", "--amended-articles", "1-10"]) == 0
    assert json.loads(capsys.readouterr().out)["citations"] == []
    assert main(["impact", "行政处罚法", "--root", str(root)]) == 0
    assert "## 生态环境局" in capsys.readouterr().out
    out = tmp_path / "worklist.xlsx"
    assert main(["impact", "行政处罚法", "--root", str(root), "-f", "xlsx", "-o", str(out)]) == 0
    from openpyxl import load_workbook
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[2][2] == "370199102CF00100" and rows[2][7] == "法律立改废"
    assert main(["impact", "--since", "2021-01-01", "--root", str(root), "-f", "json"]) == 0
    changed = {r["law"]["id"] for r in json.loads(capsys.readouterr().out)}
    assert changed == {"xzcff"}
    assert main(["impact", "行政罚法", "--root", str(root)]) == 2
    assert "是否是「中华人民共和国行政处罚法」" in capsys.readouterr().err
