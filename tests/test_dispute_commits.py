"""Plain ``policykit check`` in a git repository verifies the commit every dispute (职责争议) records
in ``adjustment.commit``, not only the disputes a ``check --since`` range changes: one batched git
lookup for all of them, an error for a hash that names nothing on this branch, a warning in a
shallow clone, nothing outside git."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from policykit.checking.check import run_check
from policykit.cli import main
from timecity import commit, git, load, make_city

DISPUTE = "lists/disputes/TC-2025-001.yaml"
RULES = ("ADJ-DISPUTE-COMMIT", "ADJ-DISPUTE-COMMIT-UNVERIFIED")


def _record(root, value) -> None:
    """Write ``value`` as TC-2025-001's adjustment.commit (a line edit: the file stays as written)."""
    path = root / DISPUTE
    text = path.read_text(encoding="utf-8")
    old = str(load(root, DISPUTE)["adjustment"]["commit"])
    path.write_text(text.replace(f"commit: {old}", f"commit: {value}"), encoding="utf-8")


def _found(root, **kw) -> list:
    return [(p.rule, p.severity, p.file, p.line, p.message) for p in run_check(root, **kw).problems
            if p.rule in RULES]


@pytest.fixture()
def city(tmp_path):
    """The bundled city in a new repository: TC-2025-001 records the commit that added BJ-011."""
    root = make_city(tmp_path)
    first = git(root, "rev-parse", "HEAD").strip()
    _record(root, first)
    commit(root, "调处决定的落实提交", "2025-07-02T09:00:00+08:00")
    return root, first


def test_a_recorded_commit_of_this_branch_passes(city):
    root, _ = city
    assert _found(root) == []


def test_a_hash_that_names_nothing_is_an_error_in_plain_check(city):
    root, _ = city
    _record(root, "db56617f524e7920b3cfe7626683b1a1eba5bbd2")     # a commit of another repository
    found = _found(root)
    assert [(r, s, f) for r, s, f, *_ in found] == [("ADJ-DISPUTE-COMMIT", "error", DISPUTE)]
    rule, _, _, line, message = found[0]
    assert line == next(i for i, text in enumerate((root / DISPUTE).read_text(encoding="utf-8").splitlines(), 1)
                        if "commit:" in text)
    assert "TC-2025-001" in message and "在仓库历史中不存在" in message
    # the command line: located, exit 1
    assert main(["check", str(root), "-q", "-f", "json"]) == 1


def test_abbreviations_other_branches_trees_and_non_hashes(city):
    root, first = city
    _record(root, first[:9])
    assert _found(root) == []                                     # an abbreviated id of this branch
    git(root, "checkout", "-q", "-b", "elsewhere")
    (root / "note.txt").write_text("另一分支", encoding="utf-8")
    other = commit(root, "另一分支上的提交", "2025-07-03T09:00:00+08:00")
    git(root, "checkout", "-q", "main")
    _record(root, other)
    assert [m for *_, m in _found(root)][0].endswith("不在当前分支的历史中，调处决定尚未落实到清单 (commit not on this branch)")
    tree = git(root, "rev-parse", "HEAD^{tree}").strip()
    _record(root, tree)
    assert "在仓库历史中不存在" in _found(root)[0][4]               # a tree is no commit
    _record(root, "第三次会议纪要")                                  # the schema's pattern says so, once
    assert _found(root) == []
    assert any(p.file == DISPUTE and p.rule.startswith("SCHEMA") for p in run_check(root).problems)


def test_check_since_and_plain_check_report_it_once(city, capsys):
    root, first = city
    _record(root, "deadbeef" * 5)
    commit(root, "调处记录写错了提交", "2025-07-05T09:00:00+08:00")
    assert main(["check", str(root), "-q", "-f", "json", "--since", first]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [p["rule"] for p in problems if p["rule"] in RULES] == ["ADJ-DISPUTE-COMMIT"]


def test_a_shallow_clone_warns_instead_of_failing(city, tmp_path):
    root, first = city
    (root / "note.txt").write_text("之后的提交", encoding="utf-8")
    commit(root, "之后的提交", "2025-08-01T09:00:00+08:00")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(shallow)], check=True,
                   capture_output=True)
    found = _found(shallow)
    assert [(r, s) for r, s, *_ in found] == [("ADJ-DISPUTE-COMMIT-UNVERIFIED", "warning")]
    assert "浅克隆" in found[0][4]
    assert main(["check", str(shallow), "-q"]) == 0               # a warning does not fail the check


def test_without_git_nothing_is_looked_up(city, tmp_path):
    root, _ = city
    _record(root, "deadbeef" * 5)
    bare = tmp_path / "no-git"
    shutil.copytree(root, bare, ignore=shutil.ignore_patterns(".git"))
    assert _found(bare) == []


def test_every_record_is_verified_with_two_git_processes_at_most(city, monkeypatch):
    """Thirty disputes, some right, some wrong: one walk of the history and one batch lookup, not a
    process per record."""
    root, first = city
    from policykit.lists import dispute_commits
    text = (root / DISPUTE).read_text(encoding="utf-8")
    for i in range(30):
        value = first if i % 3 else f"dead{i:036x}"
        (root / f"lists/disputes/TC-2025-{100 + i}.yaml").write_text(
            text.replace("TC-2025-001", f"TC-2025-{100 + i}").replace(f"commit: {first}", f"commit: {value}"),
            encoding="utf-8")
    import policykit
    repo = policykit.open_repository(root)
    import git.cmd
    started = []
    real = git.cmd.Popen

    def counting(*args, **kwargs):
        started.append(args[0] if args else kwargs.get("args"))
        return real(*args, **kwargs)
    monkeypatch.setattr(git.cmd, "Popen", counting)
    problems = dispute_commits.dispute_commit_problems(repo)
    assert sorted(p.file for p in problems) == sorted(f"lists/disputes/TC-2025-{100 + i}.yaml"
                                                      for i in range(30) if not i % 3)
    git_processes = [a for a in started if "rev-list" in a or "cat-file" in a]
    assert len(git_processes) <= 2, started
