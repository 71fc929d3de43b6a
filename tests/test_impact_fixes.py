"""policykit impact (issue 17, part 6) on a real git history of the bundled city: an .xlsx output is a
real workbook, the work list drops the citations fixed and committed after the law changed, and the
counts say what they count (items, citations)."""
from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from gitrepo import BIANBAN, Repo, copy_bundled
from policykit.cli import main

LAW = "中华人民共和国突发事件应对法"      # 修订 2024-06-28, in force 2024-11-01
SINCE = "2024-01-01"


@pytest.fixture
def city(tmp_path):
    """The bundled city as committed on 2024-03-01, before the law was revised."""
    repo = Repo(copy_bundled(tmp_path / "city"), **BIANBAN)
    repo.commit("明湖市清单", "2024-03-01T10:00:00+08:00")
    return repo


def since_rows(root, capsys) -> dict:
    assert main(["impact", "--since", SINCE, "--root", str(root), "-f", "json"]) == 0
    return {r["law"]["title"]: r for r in json.loads(capsys.readouterr().out)}


def keys(cites) -> set:
    return {c["key"] for c in cites}


def test_since_xlsx_is_a_real_workbook(city, tmp_path, capsys):
    out = tmp_path / "since.xlsx"
    assert main(["impact", "--since", SINCE, "--root", str(city.root), "-f", "xlsx", "-o", str(out)]) == 0
    wb = load_workbook(out)                       # before: Markdown text, which openpyxl refuses
    rows = list(wb["影响事项"].iter_rows(values_only=True))
    assert rows[1][:7] == ("法律法规", "变化", "部门", "清单", "编码", "事项名称", "引用条款")
    data = since_rows(city.root, capsys)
    want = [(title, c["key"], c["article"]) for title, r in data.items() for c in r["citations"]]
    assert sorted((r[0], r[4], r[6]) for r in rows[2:]) == sorted(want)
    summary = {r[0]: r[2:] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    r = data[LAW]
    assert summary[LAW] == (len(keys(r["citations"])), len(r["citations"]), 0, 0)


def test_a_spreadsheet_file_with_a_text_format_is_refused(city, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["impact", "--since", SINCE, "--root", str(city.root), "-o", str(out)]) == 2
    assert "请加 -f xlsx" in capsys.readouterr().err and not out.exists()
    assert main(["impact", LAW, "--root", str(city.root), "-f", "json", "-o", str(out)]) == 2
    assert main(["impact", "--since", SINCE, "--root", str(city.root), "-f", "xlsx"]) == 2
    assert not out.exists()


def test_the_work_list_drops_citations_fixed_and_committed(city, capsys):
    before = since_rows(city.root, capsys)[LAW]
    assert {"370199113FW00100", "370199113QT00100", "370199110FW00200"} <= keys(before["citations"])
    assert before["reviewed"] == []
    # after the revision: one article re-cited, one title naming the version, committed in December
    city.edit("lists/powers/fgw.yaml", f"title: {LAW}\n    article: 第六十八条", f"title: {LAW}\n    article: 第六十九条")
    city.edit("lists/powers/swj.yaml", "article: 第七十三条", "article: 第七十五条")
    city.edit("lists/powers/fgw.yaml", f"title: {LAW}\n    article: 第四十五条第二款",
         f"title: {LAW}（2024年修订）\n    article: 第四十五条第二款")
    city.commit("按修订后的突发事件应对法核改条款\n\n调整类型: 法律立改废\n调整事由: 修订\n"
                "调整依据: 中华人民共和国突发事件应对法（2024年修订）\n批准文号: 明编办〔2024〕9号\n", "2024-12-01T10:00:00+08:00")
    after = since_rows(city.root, capsys)[LAW]
    reviewed = sorted((c["key"], c["article"], c["reviewed"]) for c in after["reviewed"])
    assert reviewed == [
        ("370199110FW00200", "第七十五条", "修改后已调整所引条款并提交"),     # both citations of the item
        ("370199110FW00200", "第四十六条第二款", "修改后已调整所引条款并提交"),
        ("370199113FW00100", "第六十九条", "修改后已调整所引条款并提交"),
        ("370199113QT00100", "第四十五条第二款", "依据已注明2024年版本"),
    ]
    left = {(c["key"], c["article"]) for c in after["citations"]}
    assert ("370199113QT00100", "第四十六条第一款") in left               # its other citation is not reviewed yet
    assert not {"370199113FW00100", "370199110FW00200"} & keys(after["citations"])   # before: still listed
    assert len(after["citations"]) + len(after["reviewed"]) == len(before["citations"])


def test_counts_say_what_they_count(city, capsys):
    r = since_rows(city.root, capsys)[LAW]
    items, cites = len(keys(r["citations"])), len(r["citations"])
    assert items < cites                          # 370199113QT00100 cites two articles, …
    assert main(["impact", "--since", SINCE, "--root", str(city.root)]) == 0
    out = capsys.readouterr().out
    section = out.split(f"## 《{LAW}》", 1)[1].split("\n## ", 1)[0]
    assert f"待核对：{items} 个事项、{cites} 处引用。" in section         # before: 「引用事项 {cites} 项」
    assert main(["impact", LAW, "--root", str(city.root)]) == 0
    assert f"共 {items} 个事项、{cites} 处引用，涉及" in capsys.readouterr().out


def test_impact_markdown_keeps_list_strings_literal():
    """An item name from a pull request is text in the work list: no HTML, no link, no @mention."""
    import datetime as dt
    from policykit.history.impact import render_markdown, render_since_markdown
    hostile = "<img src=x onerror=alert(1)> [点此](http://evil.example) @someone #12 | 管道"
    cite = {"list": "权责清单", "key": "X-1", "name": hostile, "article": "第一条", "file": "lists/a|b.yaml", "line": 3,
            "department_name": "@org/team"}
    law = {"title": "法<b>律</b>"}
    for md in (render_markdown({"law": law, "citations": [cite]}),
               render_since_markdown([{"law": law, "citations": [cite], "changes": []}], dt.date(2025, 1, 1))):
        assert "<img" not in md and "<b>" not in md and "](http" not in md.replace("\\](http", ""), md
        assert "@someone" not in md and "@org" not in md and "#12" not in md, md
        assert "&lt;img" in md and "\\[点此\\]" in md
    table = render_markdown({"law": law, "citations": [cite]}).splitlines()[-1]
    assert table.count(" | ") == 4, table             # the | inside the name and the file do not split the row
