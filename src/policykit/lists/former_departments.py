"""Departments whose organisation file was deleted while records and lists still name them.

The way to end a department is to keep its file and record the 撤销 or 合并 in ``lifecycle``
(docs/time.md): its past records stay valid and later ones are pointed at the successor
(``ORG-LIFECYCLE-REFERENCE``). Deleting the file instead turns every reference into an unknown
department — dozens of follow-on errors, none saying what happened. This module finds what
happened, for ``ORG-FILE-DELETED`` (``rules/organization/file-deleted.yaml``):

- ``department_references(repo)``: every place the records and lists name a department;
- ``deleted_departments(repo)``: the departments among those that are not in the registry and whose
  ``organizations/<id>.yaml`` the history shows deleted — in the work tree (still in HEAD) or in a
  commit of the revision's history (``gitdoor.deleted_files``, one ``git log``).

Cost: nothing unless a reference names an unregistered department (a clean repository starts no
git), and nothing outside a git repository (a deleted file leaves no trace there: the references
stay unknown-department errors). Remembered on the repository.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from pathlib import Path

from ..errors import InputError
from .model import Source

MAX_FILE_BYTES = 1_000_000      # the last content of a deleted file is read only up to this (budget)
_NAME = re.compile(r"^name:[ \t]*[\"']?([^\"'\n#]{1,200}?)[\"']?[ \t]*(?:#.*)?$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Deleted:
    """A department whose file was deleted: its id, its name as last written, the file, and the
    commit and day it was deleted (``commit`` None: deleted in the work tree, not committed yet)."""
    id: str
    name: str
    file: str
    commit: str | None
    day: _dt.date | None

    @property
    def when(self) -> str:
        """How the messages say it was deleted: ``于 2026-02-01 在提交 d3921d4 中删除`` or
        ``在工作区中删除（尚未提交）``."""
        if self.commit is None:
            return "在工作区中删除（尚未提交）"
        return f"于 {self.day.isoformat() if self.day else '?'} 在提交 {self.commit[:7]} 中删除"


def department_references(repo) -> list[tuple[str, str, str, Source]]:
    """``(record kind, record, department id, source)`` for every place the records and the lists
    name a department: problems, supervisions, disputes, ledgers, evaluations, coordination bodies,
    indicator categories; power files and co-departments, boundary roles, catalogue claims, processes."""
    from .records import views
    out = []
    v = views(repo)
    for p in v.problems:
        out += [("问题", p.id, d, Source(p.source.file, (*p.source.path, "departments", i)))
                for i, d in enumerate(p.departments)]
    out += [("督导", s.id, s.department, Source(s.source.file, ("department",))) for s in v.supervisions]
    for d in v.disputes:
        out += [("调处", d.id, party.department, Source(party.source.file, (*party.source.path, "department")))
                for party in d.parties]
    out += [("履职台账", x.id, x.department, Source(x.source.file, ("department",))) for x in v.ledgers]
    out += [("履职评估", e.id, e.department, Source(e.source.file, ("department",))) for e in v.evaluations]
    for b in v.bodies:
        out.append(("议事协调机构", b.id, b.host, Source(b.source.file, ("host",))))
        out += [("议事协调机构", b.id, m.department, Source(m.source.file, (*m.source.path, "department")))
                for m in b.members if m.department]
    for s in v.systems:
        for ci, (name, depts) in enumerate(s.categories.items()):
            out += [("指标体系", f"{s.id}·{name}", d, Source(s.source.file, ("categories", ci, "departments", di)))
                    for di, d in enumerate(depts)]
    out += [("权责清单", rel, dept, Source(rel, ("department",))) for rel, dept in sorted(repo.power_files.items())
            if dept]
    for it in repo.power_items:
        out += [("权力事项", it.code, co, Source(it.source.file, (*it.source.path, "co_departments", i)))
                for i, co in enumerate(it.co_departments)]
    for b in repo.boundaries:
        out += [("职责边界", b.id, r.department, Source(r.source.file, (*r.source.path, "department")))
                for r in b.roles]
    for c in repo.catalog_items:
        out += [("监管事项", c.key, cl.department, Source(c.source.file, (*c.source.path, "claims", i, "department")))
                for i, cl in enumerate(c.claims)]
    seen = set()
    for p in getattr(repo, "processes", ()) or ():
        if (p.department, p.source.file) not in seen:
            seen.add((p.department, p.source.file))
            out.append(("工作流程", p.source.file, p.department, Source(p.source.file, ())))
    return [r for r in out if isinstance(r[2], str) and r[2]]


def _named_departments(repo) -> set:
    """The ids ``department_references`` names, quickly (no sources): what every check pays."""
    from .records import views
    v = views(repo)
    names = {d for p in v.problems for d in p.departments}
    names.update(x.department for x in (*v.supervisions, *v.ledgers, *v.evaluations))
    names.update(party.department for d in v.disputes for party in d.parties)
    names.update(b.host for b in v.bodies)
    names.update(m.department for b in v.bodies for m in b.members)
    names.update(d for s in v.systems for depts in s.categories.values() for d in depts)
    names.update(repo.power_files.values())
    names.update(co for it in repo.power_items if it.co_departments for co in it.co_departments)
    names.update(r.department for b in repo.boundaries for r in b.roles)
    names.update(cl.department for c in repo.catalog_items for cl in c.claims)
    names.update(p.department for p in getattr(repo, "processes", ()) or ())
    return {n for n in names if isinstance(n, str) and n}


def deleted_departments(repo) -> dict[str, Deleted]:
    """The departments that references name, that are not registered, and whose organisation file
    was deleted (module docstring). Remembered on ``repo``."""
    memo = repo.__dict__.get("_deleted_departments")
    if memo is not None:
        return memo
    unknown = _named_departments(repo) - set(repo.departments)
    found = _from_history(repo, unknown) if unknown else {}
    repo.__dict__["_deleted_departments"] = found
    return found


def _from_history(repo, unknown: set) -> dict[str, Deleted]:
    from . import gitdoor
    from .validtime import _inside_git
    root = Path(repo.root)
    under = f"{repo.config.lists_dir}/organizations"
    if not _inside_git(root):
        return {}
    try:
        if not gitdoor.is_repository(root) or not gitdoor.has_commits(root):
            return {}
        with gitdoor.session(root):
            rev = repo.revision or "HEAD"
            candidates = []            # (id, file, blob, commit, day)
            if repo.revision is None:  # deleted in the work tree: still in HEAD
                for rel, (_, blob) in sorted(gitdoor.tree_files(root, "HEAD", (under,)).items()):
                    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                    if stem in unknown and not (root / rel).exists():
                        candidates.append((stem, rel, blob, None, None))
            for rel, blob, sha, date in gitdoor.deleted_files(root, rev, (under,)):
                stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                if stem in unknown:
                    candidates.append((stem, rel, blob, sha, _dt.date.fromisoformat(date[:10])))
            blobs = gitdoor.read_blobs(root, [c[2] for c in candidates], MAX_FILE_BYTES) if candidates else {}
    except InputError:                 # an unreadable history: the references stay unknown departments
        return {}
    out: dict[str, Deleted] = {}
    for stem, rel, blob, sha, day in candidates:
        if stem in out:                # the newest deletion is the one that counts
            continue
        data = blobs.get(blob)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
        m = _NAME.search(text)
        out[stem] = Deleted(stem, m.group(1).strip() if m else stem, rel, sha, day)
    return out


RULE = "ORG-FILE-DELETED"


def held_back(repo) -> dict[str, str]:
    """``{department: deleted file}`` whose follow-on problems a check holds back because
    ``ORG-FILE-DELETED`` reports them; none when a severity override switches that rule off (the
    unknown-department errors are then reported as they are, never hidden)."""
    if repo.config.severity_overrides.get(RULE) == "off":
        return {}
    return {dept: gone.file for dept, gone in deleted_departments(repo).items()}


def deleted_problems(repo) -> list:
    """``ORG-FILE-DELETED`` (error,办法 第十条) at every reference to a department whose file was
    deleted: what happened and what to do instead, in place of the unknown-department errors the
    check holds back (``checking.check``: the department counts as a file that cannot be read)."""
    from ..problems import Problem
    deleted = deleted_departments(repo)
    severity = repo.config.severity_overrides.get(RULE, "error")
    if not deleted or severity == "off":
        return []
    out = []
    for kind, record, dept_id, source in department_references(repo):
        d = deleted.get(dept_id)
        if d is None:
            continue
        file, line, col, path = repo.locate(source)
        out.append(Problem(file, line, col, path, RULE, severity,
                           f"部门 {d.name}（{d.id}）的文件 {d.file} 已{d.when}，但{kind} {record} 仍引用它："
                           f"请恢复该文件，改为在 lifecycle 中记录撤销或合并（日期、批准文号、承接部门），"
                           f"过去的记录就仍然有效，此后的记录和现行清单指向承接部门 "
                           f"(department file deleted while records still name it: record its end in lifecycle)"))
    return sorted(set(out))
