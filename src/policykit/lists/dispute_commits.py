"""The commits that disputes (职责争议) say carried out their decision, verified by every ``check``.

A decided dispute records in ``adjustment.commit`` the commit that changed the lists as decided
(办法 第十九条). ``check --since`` verifies the disputes a range changes in full (the commit exists,
is on this branch, and changed the matter or item named: ``history.adjustments``); a plain ``check``
of a git repository verifies *every* recorded commit more cheaply, so a hash that names nothing is
found without naming a range:

- ``ADJ-DISPUTE-COMMIT`` (error): the text is no commit id, names no commit of the repository, or a
  commit that is not in the history of the revision checked;
- ``ADJ-DISPUTE-COMMIT-UNVERIFIED`` (warning): a shallow clone does not hold it, or the history is
  longer than the walk's budget.

Cost: nothing outside a git repository or without such records; otherwise one ``git cat-file
--batch-check`` for every hash and one ``git rev-list`` stopped as soon as every commit is met
(``gitdoor.lookup_commits``). At most ``MAX_VERIFIED`` records are looked up (a budget; the rest are
named in one warning). The messages are those of ``check --since``, so a problem both find is one.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..problems import Problem
from .model import Source

RULE = "ADJ-DISPUTE-COMMIT"
UNVERIFIED = "ADJ-DISPUTE-COMMIT-UNVERIFIED"
MAX_VERIFIED = 2000       # recorded commits looked up in one check (a budget)
MAX_WALK = 100_000        # commits of the history walked to place them on the branch (a budget)
_COMMIT_ID = re.compile(r"^[0-9a-f]{7,40}$")


def _what(d, ref: str) -> str:
    return f"职责争议 {d.id}「{d.matter}」的落实调整提交「{ref[:60]}」"


def _verdict_message(verdict: str, what: str) -> tuple[str | None, str | None]:
    if verdict == "on-branch":
        return None, None
    if verdict in ("missing", "not-commit"):
        return RULE, f"{what}在仓库历史中不存在 (no such commit)"
    if verdict == "elsewhere":
        return RULE, f"{what}不在当前分支的历史中，调处决定尚未落实到清单 (commit not on this branch)"
    if verdict == "too-long":
        return UNVERIFIED, f"{what}未核对：在当前分支最近的 {MAX_WALK} 个提交中没有找到 (history walk budget spent)"
    return UNVERIFIED, f"{what}不在本地历史中，仓库是浅克隆，无法核对；请获取完整历史（fetch-depth: 0） (cannot verify)"


def dispute_commit_problems(repo) -> list[Problem]:
    """ADJ-DISPUTE-COMMIT and its warning for every dispute of ``repo`` that records a commit, verified
    against the history of ``repo.revision`` (the work tree: HEAD). Nothing outside a git repository."""
    from . import gitdoor
    from .records import views
    recorded = [d for d in views(repo).disputes if (d.adjustment or {}).get("commit") is not None]
    if not recorded or not _inside_git(Path(repo.root)):
        return []
    overrides = repo.config.severity_overrides
    out: list[Problem] = []

    def report(d, rule, message):
        severity = overrides.get(rule, "warning" if rule == UNVERIFIED else "error")
        if severity != "off":
            file, line, col, path = repo.locate(Source(d.source.file, (*d.source.path, "adjustment", "commit")))
            out.append(Problem(file, line, col, path, rule, severity, message))

    refs = {}
    for d in recorded:
        ref = str(d.adjustment["commit"]).strip()
        if not _COMMIT_ID.match(ref):
            report(d, RULE, f"{_what(d, ref)}不是提交编号（应为 7 至 40 位十六进制的提交哈希） (not a commit id)")
        elif len(refs) < MAX_VERIFIED or ref in refs:
            refs.setdefault(ref, []).append(d)
        else:
            report(d, UNVERIFIED, f"{_what(d, ref)}未核对：一次检查最多核对 {MAX_VERIFIED} 个提交 (verification budget spent)")
    if not refs:
        return out
    try:
        if not gitdoor.is_repository(repo.root) or not gitdoor.has_commits(repo.root):
            return out
        found = gitdoor.lookup_commits(repo.root, list(refs), repo.revision or "HEAD", max_walk=MAX_WALK)
    except InputError as exc:      # an unreadable object store: said once, not a crash
        d = next(iter(refs.values()))[0]
        report(d, UNVERIFIED, f"{_what(d, next(iter(refs)))}无法核对：{exc} (cannot verify)")
        return out
    for ref, disputes in refs.items():
        _, verdict = found.get(ref, (None, "unverified"))
        for d in disputes:
            rule, message = _verdict_message(verdict, _what(d, ref))
            if rule is not None:
                report(d, rule, message)
    return out


def _inside_git(root: Path) -> bool:
    """Whether ``root`` or a directory above it has a ``.git`` entry (a cheap look before git starts)."""
    root = root.resolve()
    return any((d / ".git").exists() for d in (root, *root.parents))
