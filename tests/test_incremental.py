"""Reusing earlier checks (check_memo, incremental) never changes a verdict.

On a small generated repository with planted defects: a check that reuses gives the very problem
list a check from scratch gives — when nothing changed (the whole result is read back), after one
file changed (only new facts and the joins over changed kinds run), after a rule changed, after a
day passed, and when a stored entry was tampered with.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from policykit import check_memo, incremental
from policykit.check import BUNDLED_RULES, run_check
from policykit.generate import change_one_file, generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("incr") / "city"
    generate(root, scale="small", seed=5)
    return root


@pytest.fixture
def city(generated, tmp_path, monkeypatch):
    root = tmp_path / "city"
    shutil.copytree(generated, root)
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("POLICYKIT_NO_CACHE", raising=False)
    return root


def _full(result) -> list:
    return [(p.file, p.line, p.column, p.path, p.rule, p.severity, p.message, p.waived_by) for p in result.problems]


def _scratch(root, **kw):
    """The reference: no cache, no reuse."""
    old = os.environ.get("POLICYKIT_NO_CACHE")
    os.environ["POLICYKIT_NO_CACHE"] = "1"
    try:
        return run_check(root, **kw)
    finally:
        if old is None:
            del os.environ["POLICYKIT_NO_CACHE"]
        else:  # pragma: no cover
            os.environ["POLICYKIT_NO_CACHE"] = old


def test_unchanged_repository_reads_the_whole_result_back(city):
    first = run_check(city, reuse=True)
    assert first.repo is not None and not first.reuse.get("whole")
    assert first.problems, "the generated city has planted defects"
    again = run_check(city, reuse=True)
    assert again.reuse.get("whole") is True and again.repo is None
    assert _full(again) == _full(first) == _full(_scratch(city))
    assert again.summary["files"] == first.summary["files"] and again.summary["facts"] == first.summary["facts"]


def test_one_changed_file_reruns_only_what_it_touches(city):
    run_check(city, reuse=True)
    rel = change_one_file(city, seed=2, defect=True)
    changed = run_check(city, reuse=True)
    assert not changed.reuse.get("whole")
    stats = changed.reuse
    assert stats["rules_single_reused"] + stats["rules_reused"] > 0, stats
    assert stats["rules_full"] < len(changed.rules), stats
    assert 0 < stats["new_facts"] < changed.fact_count / 10, stats
    assert _full(changed) == _full(_scratch(city))
    assert any(p.file == rel and p.rule == "PWR-ACCOUNTABILITY-CASES" for p in changed.problems)


def test_many_edits_in_a_row_stay_exact(city):
    run_check(city, reuse=True)
    for seed in range(3, 7):
        change_one_file(city, seed=seed, defect=seed % 2 == 0)
        assert _full(run_check(city, reuse=True)) == _full(_scratch(city)), seed


def test_a_changed_rule_is_run_again(city, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, rules)
    before = run_check(city, rules_dir=rules, reuse=True)
    target = next(p for p in before.problems if p.rule == "PWR-ACCOUNTABILITY-CASES")
    # change the rule's message: the memo key changes, the rule digest does not
    rule_file = next(p for p in rules.rglob("*.yaml") if "PWR-ACCOUNTABILITY-CASES" in p.read_text(encoding="utf-8")
                     and "id: PWR-ACCOUNTABILITY-CASES" in p.read_text(encoding="utf-8"))
    text = rule_file.read_text(encoding="utf-8")
    rule_file.write_text(text.replace("message: ", "message: 【改】", 1), encoding="utf-8")
    after = run_check(city, rules_dir=rules, reuse=True)
    assert not after.reuse.get("whole")
    moved = [p for p in after.problems if p.rule == "PWR-ACCOUNTABILITY-CASES"]
    assert moved and all(p.message.startswith("【改】") for p in moved)
    assert _full(after) == _full(_scratch(city, rules_dir=rules))
    assert target.message and not target.message.startswith("【改】")


def test_another_day_is_another_check(city):
    early = run_check(city, reuse=True, today=dt.date(2026, 1, 1))
    late = run_check(city, reuse=True, today=dt.date(2031, 1, 1))
    assert not late.reuse.get("whole")
    assert _full(late) == _full(_scratch(city, today=dt.date(2031, 1, 1)))
    assert _full(early) == _full(_scratch(city, today=dt.date(2026, 1, 1)))


def test_tampered_entries_are_not_trusted(city):
    first = run_check(city, reuse=True)
    cache_dir = Path(os.environ["POLICYKIT_CACHE_DIR"])
    # rewrite every stored result and state with plausible but false content, keeping the header
    forged = 0
    for path in cache_dir.rglob("*.json"):
        head, _, body = path.read_bytes().partition(b"\n")
        try:
            obj = json.loads(body)
        except ValueError:
            continue
        if isinstance(obj, dict) and "problems" in obj and "rules" in obj:
            obj["problems"] = []
        elif isinstance(obj, dict) and "kinds" in obj:
            for entry in obj["rules"].values():
                entry["matches"] = []
        else:
            continue
        path.write_bytes(head + b"\n" + json.dumps(obj).encode())
        forged += 1
    assert forged >= 2
    again = run_check(city, reuse=True)
    assert not again.reuse.get("whole")
    assert _full(again) == _full(first)


def test_symbolic_link_in_the_lists_turns_the_memo_off(city, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("x: 1\n", encoding="utf-8")
    (city / "lists" / "link.yaml").symlink_to(outside)
    from policykit.config import load_config
    assert check_memo.key_for(city, config=load_config(city)[0], rules_dir=BUNDLED_RULES, engine="durable",
                              today=dt.date.today(), legal_date=None) is None


def test_fact_digests_tell_content_and_place_apart(city):
    from policykit.facts import build_facts
    from policykit.repository import open_repository
    facts = build_facts(open_repository(city))
    digests = incremental.fact_digests(facts)
    assert len(set(digests)) == len(digests)  # no two facts alike: reuse is unambiguous here
    again = incremental.fact_digests(build_facts(open_repository(city)))
    assert again == digests  # the same content gives the same digest in another build


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(city):
    """Files are known by their stat (size, mtime, ctime, inode), as git's index knows them; an edit of
    the same length with the modification time put back still changes ctime, so it is read."""
    old = 1_600_000_000_000_000_000          # 2020: long before anything was hashed (not "racy")
    for path in (city / "lists").rglob("*.yaml"):
        os.utime(path, ns=(old, old))
    first = run_check(city, reuse=True)
    path = next(p for p in sorted((city / "lists" / "powers").glob("*.yaml"))
                if "category: 行政处罚" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    edited = text.replace("category: 行政处罚", "category: 行政处理", 1)   # same length in UTF-8
    assert len(edited.encode()) == len(text.encode())
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(old, old))
    again = run_check(city, reuse=True)
    assert not again.reuse.get("whole")
    assert _full(again) == _full(_scratch(city)) != _full(first)
