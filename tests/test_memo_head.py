"""A remembered check result does not outlive a commit: the lists in force in a past period come from
the history (valid time), so a commit that changes no file can still change a verdict."""
from __future__ import annotations

import datetime as dt

from policykit.checking.check import BUNDLED_RULES
from policykit.lists import gitdoor
from policykit.lists.config import load_config
from policykit.speed import memo

from timecity import git, make_city


def _key(root):
    return memo.key_for(root, config=load_config(root)[0], rules_dir=BUNDLED_RULES, engine="durable",
                        today=dt.date(2026, 12, 7), legal_date=None)


def test_head_marker_reads_loose_packed_and_linked_work_trees(tmp_path):
    city = make_city(tmp_path)
    head = git(city, "rev-parse", "HEAD").strip()
    assert gitdoor.head_marker(city) == head
    assert gitdoor.head_marker(city / "lists") == head            # a directory inside the work tree
    git(city, "pack-refs", "--all")
    assert not (city / ".git/refs/heads/main").exists()
    assert gitdoor.head_marker(city) == head
    git(city, "worktree", "add", "-q", "-b", "other", str(tmp_path / "linked"))
    assert gitdoor.head_marker(tmp_path / "linked") == head
    git(city, "checkout", "-q", "--detach")
    assert gitdoor.head_marker(city) == head
    bare = tmp_path / "plain"
    bare.mkdir()
    assert gitdoor.head_marker(bare) == ""


def test_a_commit_that_changes_no_file_changes_the_memo_key(tmp_path):
    city = make_city(tmp_path)
    before = _key(city)
    assert before is not None and before == _key(city)
    git(city, "commit", "-q", "--allow-empty", "-m", "调整类型: 纠错\n生效日期: 2025-01-01",
        date="2025-06-01T10:00:00+08:00")
    after = _key(city)
    assert after is not None and after != before


def test_unreadable_head_means_no_memo(tmp_path):
    city = make_city(tmp_path)
    (city / ".git/HEAD").write_text("ref: ../../outside\n", encoding="utf-8")
    assert gitdoor.head_marker(city) is None
    assert _key(city) is None
