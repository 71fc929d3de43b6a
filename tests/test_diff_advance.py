"""A transfer written in advance is a 划转 in the review: the old department's entry gains an expiry
date and the new department's entry, under the same code, an effective date. The diff compares each
side as it will be (the entry taking effect last), so the reviewer sees the item move and
``check --since`` asks for the adjustment record a 划转 needs — not only a new 失效日期."""
from __future__ import annotations

from policykit.cli import main
from policykit.history.diff import diff
from timecity import advance_transfer, commit, make_city, record

CODE = "370199101XK00101"                 # 食品经营许可（食品经营许可证核发）, 市场监管局


def _advance(tmp_path, message: str):
    root = make_city(tmp_path)
    advance_transfer(root, CODE, "scjgj", "zhzfj", "2027-01-01", unit="综合执法科")
    commit(root, message, "2026-11-01T10:00:00+08:00")
    return root


def test_the_review_shows_the_transfer_and_its_day(tmp_path):
    root = _advance(tmp_path, "提前写入划转")
    [change] = [c for c in diff(root, "HEAD~1", "HEAD").changes if c.key == CODE]
    assert "划转" in change.types and change.level == "major", (change.types, change.level)
    assert (change.department_before, change.department) == ("scjgj", "zhzfj")
    assert any(f.field == "effective" and str(f.after) == "2027-01-01" for f in change.fields), change.fields


def test_check_since_asks_for_its_record_and_takes_one(tmp_path, capsys):
    root = _advance(tmp_path, "提前写入划转")
    assert main(["check", str(root), "--since", "HEAD~1", "-f", "json"]) == 1
    assert "ADJ-RECORD-MISSING" in capsys.readouterr().out
    recorded = _advance(tmp_path / "b", record("职责划转", "食品经营许可划转城市管理局", effective="2027-01-01"))
    main(["check", str(recorded), "--since", "HEAD~1", "-f", "json"])
    assert "ADJ-RECORD-MISSING" not in capsys.readouterr().out
