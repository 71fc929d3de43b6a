"""What the site needs from version history, read through ``policykit.lists.gitdoor`` when it exists.

git is reached through one door, ``policykit/lists/gitdoor.py``. This module only adapts what that module
returns to three plain things the pages show:

- ``as_of``: the commit the lists were built from (hash, date, subject, uncommitted changes);
- ``adjustments``: the changelog — one entry per adjustment commit with date, type, reason, basis,
  approval and the items it touched;
- ``item_history``: per item key (power code, boundary id, department id, or a supervision
  record's key: body, finding, problem, dispute, indicator, score, division item), its entries.

When ``history.py`` is absent, or the directory is not a git work tree, the site says so instead of
failing: the "as of" line comes from a minimal read of HEAD (GitPython), the changelog is left empty.
"""
from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..history import adjustments as A
from ..history import diff as D
from ..history import review as R
from ..lists import gitdoor as H  # noqa: N812
from .markup import iso_day

log = logging.getLogger("mkdocs.plugins.policykit")

# trailer / record keys, Chinese and English, to the four fields the measure (第二十条) asks for
_FIELD_KEYS = {
    "type": ("调整类型", "类型", "type", "adjustment-type", "adjustment_type", "kind"),
    "reason": ("事由", "调整事由", "理由", "reason"),
    "basis": ("依据", "调整依据", "basis"),
    "approval": ("批准文号", "批准文件", "审批文号", "approval", "approved-by", "approval_document"),
}


class _CommitDated:
    """``short`` and ``day`` of something that carries ``commit`` and ``date``."""

    @property
    def short(self) -> str:
        return self.commit[:8]

    @property
    def day(self) -> str:
        return iso_day(self.date)


@dataclass
class AsOf(_CommitDated):
    commit: str
    date: _dt.datetime | _dt.date | None
    subject: str = ""
    dirty: bool = False


@dataclass
class Change:
    key: str               # item key: power code, boundary id, department id, "dept/unit" …, or a
                           # supervision record's: YT-006, DD-2025-001#1, RX-…, TC-2025-001, SX-2025|<code> …
    kind: str              # 新增 / 取消 / 调整 / 划转 / 撤销 / 整改状态变更 … (as history reports it)
    summary: str = ""
    department: str | None = None
    object: str = ""       # power, boundary, … body, finding, problem (policykit.history.diff.OBJECTS)
    label: str = ""        # the object in Chinese: 权力事项, 议事协调机构, 督导问题 …
    name: str = ""         # the item's or record's name
    group: str = ""        # 权责清单 … 议事协调机构, 督导评估工作台账 (the diff's 调整类别)

    @property
    def title(self) -> str:
        """``label key「name」`` for a line in the changelog, e.g. 议事协调机构 YT-002「明湖市安全生产委员会」."""
        head = " ".join(x for x in (self.label, self.key) if x)
        return head + (f"「{self.name}」" if self.name else "")


@dataclass
class Adjustment(_CommitDated):
    commit: str
    date: object
    author: str = ""
    subject: str = ""
    type: str = ""
    reason: str = ""
    basis: str = ""
    approval: str = ""
    changes: list = field(default_factory=list)   # [Change]
    files: list = field(default_factory=list)     # changed list files, when no item-level changes are known


@dataclass
class History:
    available: bool = False
    reason: str = ""                       # why not, in Chinese, when unavailable
    as_of: AsOf | None = None
    adjustments: list = field(default_factory=list)
    source: str = ""                       # "history" (policykit.lists.gitdoor) or "git" (minimal fallback)

    def item_history(self) -> dict:
        out: dict[str, list] = {}
        for adj in self.adjustments:
            seen = set()
            for ch in adj.changes:
                if ch.key in seen:
                    continue
                seen.add(ch.key)
                out.setdefault(ch.key, []).append((adj, ch))
        return out

    def file_history(self) -> dict:
        out: dict[str, list] = {}
        for adj in self.adjustments:
            for f in adj.files:
                out.setdefault(f, []).append(adj)
        return out


def _record_field(trailers: dict, name: str) -> str:
    """A record field from commit trailers, by any of its Chinese or English keys."""
    lowered = {str(k).lower(): v for k, v in trailers.items()}
    return next((str(lowered[k.lower()]) for k in _FIELD_KEYS[name] if lowered.get(k.lower())), "")


def read_history(root: Path, lists_dir: str = "lists", *, limit: int | None = None) -> History:
    """Everything the site shows from git (through ``lists.gitdoor``, the one door to git); never
    raises: a foreign or broken repository gives a history with the reason it is empty."""
    try:
        return _from_history_module(H, Path(root), lists_dir, limit)
    except Exception as exc:  # noqa: BLE001 — a broken or foreign repository must not stop the site
        log.info("policykit: 读取版本历史失败 (history could not be read: %s)", exc)
        return History(reason="本次生成未能读取版本历史")


def _iso(text):
    try:
        return _dt.datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return text


def _from_history_module(H, root: Path, lists_dir: str, limit) -> History:
    """Through policykit.lists.gitdoor (git) and policykit.history.adjustments / policykit.history.diff (records, item changes)."""
    if not H.is_repository(root):
        return History(reason="该目录不是 git 仓库，没有版本历史")
    if not H.has_commits(root):
        return History(reason="版本库中还没有提交的版本")
    head = H.commit_info(root, "HEAD")
    dirty = False
    try:
        committed = {rel: sha for rel, (_mode, sha) in H.tree_files(root, "HEAD", (lists_dir,)).items()}
        on_disk, _ = H.worktree_files(root, (lists_dir,))
        dirty = committed != on_disk
    except Exception:  # noqa: BLE001 — only the "uncommitted changes" note depends on it
        dirty = False
    hist = History(source="history", as_of=AsOf(head.sha, _iso(head.committed), head.subject, dirty))
    commits = H.commits(root, "HEAD", paths=[lists_dir])
    if limit:
        commits = commits[:limit]
    adjustments = []
    for commit in commits:
        changes, files = [], []
        records = A.parse_records(commit.message)
        d = D.commit_changes(root, commit, lists_dir=lists_dir)
        for c in d.changes:
            summary = R.describe(d, c)
            kind = "、".join(c.types) if getattr(c, "types", None) else "调整"
            about = {"object": c.object, "label": D.OBJECTS[c.object][0], "name": c.name or "",
                     "group": c.adjustment}
            changes.append(Change(c.key, kind, summary, c.department, **about))
            if c.previous_key and c.previous_key != c.key:
                changes.append(Change(c.previous_key, kind, summary, c.department_before or c.department, **about))
            if c.file:
                files.append(c.file)
        if not d.changes:   # e.g. a merge without changes of its own, or a file the diff does not read
            continue
        record = next((r for r in records if r.valid), records[0] if records else None)
        trailers = dict(commit.trailers)
        adjustments.append(Adjustment(
            commit=commit.sha, date=_iso(commit.committed), author=commit.author, subject=commit.subject,
            type=(record.type if record else None) or _record_field(trailers, "type"),
            reason=(record.reason if record else None) or _record_field(trailers, "reason"),
            basis=(record.basis if record else None) or _record_field(trailers, "basis"),
            approval=(record.approval if record else None) or _record_field(trailers, "approval"),
            changes=changes, files=sorted(set(files))))
    hist.adjustments = adjustments
    hist.available = True
    return hist
