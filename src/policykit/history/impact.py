"""Impact analysis for 法律立改废: which items in which lists rest on a law (and on which articles)."""
from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import asdict, dataclass

from ..errors import InputError, UsageError
from ..lists.laws import Registry, article_numbers, registry_of
from ..lists.repository import Repository


@dataclass
class Citation:
    list: str            # 权责清单 | 职责边界清单
    department: str
    department_name: str
    key: str             # item code or boundary id
    name: str
    article: str
    articles: list
    file: str
    line: int
    column: int
    title: str = ""      # the law's title as the basis writes it (a version may be named in it)
    law_id: str = ""


def _all_citations(repo: Repository, registry: Registry, law_id: str | None = None,
                   articles: set[int] | None = None) -> list[Citation]:
    """Every basis entry, in power items and boundary matters, that resolves to a law of the
    registry (to ``law_id`` when given)."""
    owners = [("权责清单", item.department, item.code, item.full_name, item.legal_basis, item.source, "legal_basis")
              for item in repo.power_items]
    owners += [("职责边界清单", matter.lead or "", matter.id, matter.name, matter.basis, matter.source, "basis")
               for matter in repo.boundaries]
    out = []
    for list_name, dept, key, name, bases, source, field in owners:
        for i, b in enumerate(bases):
            res = registry.resolve(b.title)
            if res.law is None or (law_id is not None and res.law.id != law_id):
                continue
            nums = article_numbers(b.article)
            if articles and not (set(nums) & articles):
                continue
            file, line, col, _ = repo.locate(source, field, i)
            out.append(Citation(list_name, dept, repo.department_name(dept), key, name, b.article, nums,
                                file, line, col, b.title, res.law.id))
    return out


def citations(repo: Repository, registry: Registry, law_id: str, articles: set[int] | None = None) -> list[Citation]:
    """Every basis entry, in power items and boundary matters, that resolves to ``law_id``."""
    out = _all_citations(repo, registry, law_id, articles)
    return sorted(out, key=lambda c: (c.department, c.list, c.key, c.line))


def impact_of_law(repo: Repository, query: str, articles: set[int] | None = None) -> dict:
    registry = registry_of(repo)
    law = registry.find(query)
    if law is None:
        hint = registry.resolve(query).suggestion
        raise UsageError(f"法律法规库中没有「{query}」", hint=f"是否是「{hint.title}」？" if hint else None)
    cites = citations(repo, registry, law.id, articles)
    return {"law": {"id": law.id, "title": law.title, "level": law.level,
                    "versions": [{"event": v.event, "promulgated": v.promulgated.isoformat(),
                                  "effective": v.effective.isoformat() if v.effective else None,
                                  "articles": v.articles} for v in law.versions]},
            "articles": sorted(articles) if articles else None,
            "citations": [asdict(c) for c in cites]}


def impact_since(repo: Repository, since: _dt.date, root=None) -> list[dict]:
    """The laws changed since ``since`` and the citations of each still to review (``citations``), the
    work list; ``reviewed``: the citations already brought in line with the change, left off the list.
    A citation is reviewed when its basis names the version (``（2024年修订）`` of that year or later),
    or — with the repository's git history at ``root`` — when its item or matter was added, or its
    citation of the law changed, after the lists as they stood before the change (the last commit
    before the day it was promulgated)."""
    registry = registry_of(repo)
    before = _ListsBefore(root, repo)
    out = []
    for law in registry.laws:
        changes = law.changes_since(since)
        if not changes:
            continue
        cites = citations(repo, registry, law.id)
        first = min(v.promulgated for v in changes)
        latest = max(v.promulgated for v in changes)
        old = before.citations(first, registry, law.id)
        todo, done = [], []
        for c in cites:
            why = _reviewed(c, repo, latest, old)
            (done if why else todo).append({**asdict(c), **({"reviewed": why} if why else {})})
        out.append({"law": {"id": law.id, "title": law.title, "level": law.level},
                    "changes": [{"event": v.event, "promulgated": v.promulgated.isoformat(),
                                 "effective": v.effective.isoformat() if v.effective else None,
                                 "renumbered": v.renumbered} for v in changes],
                    "citations": todo, "reviewed": done})
    return sorted(out, key=lambda r: (-len(r["citations"]), r["law"]["id"]))


_VERSION_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年[^（）()]*[)）]")


def _reviewed(c: Citation, repo: Repository, latest: _dt.date, old: dict | None) -> str | None:
    """Why citation ``c`` needs no more review after a change promulgated on ``latest``, or None."""
    m = _VERSION_YEAR.search(c.title or "")
    if m and int(m.group(1)) >= latest.year:
        return f"依据已注明{m.group(1)}年版本"
    if old is None:          # no history from before the change: nothing shows a review
        return None
    if (c.list, c.key) not in old:
        return "事项在法律修改后新增"
    if old[(c.list, c.key)] != _cited_articles(repo, c):
        return "修改后已调整所引条款并提交"
    return None


def _cited_articles(repo: Repository, c: Citation) -> tuple:
    return tuple(sorted(x.article for x in _owner_cites(repo, c.list, c.key, c.law_id)))


def _owner_cites(repo: Repository, list_name: str, key: str, law_id: str) -> list:
    return [x for x in repo._pk_impact_cites.get((list_name, key), ()) if x.law_id == law_id] \
        if hasattr(repo, "_pk_impact_cites") else []


class _ListsBefore:
    """The lists as they stood before a day (the last commit before it), read from the git history at
    ``root`` once per day asked; None when there is no such history (not a repository, a shallow
    clone whose history starts later, no commit before that day)."""

    def __init__(self, root, repo: Repository):
        self.root = root
        self.repo = repo
        self.memo: dict = {}

    def citations(self, day: _dt.date, registry: Registry, law_id: str) -> dict | None:
        """``{(list, key): (article, …)}`` of the citations of ``law_id`` in the lists before ``day``."""
        old = self._repo(day)
        if old is None:
            return None
        _index(self.repo, registry)
        _index(old, registry)
        out: dict = {}
        for (list_name, key), cites in old._pk_impact_cites.items():
            arts = tuple(sorted(x.article for x in cites if x.law_id == law_id))
            if arts:
                out[(list_name, key)] = arts
        # an owner that cited the law before but not now is gone from ``cites`` anyway; one that exists
        # but did not cite it counts as changed (it gained the citation)
        for (list_name, key) in old._pk_impact_cites:
            out.setdefault((list_name, key), ())
        return out

    def _repo(self, day: _dt.date):
        if day in self.memo:
            return self.memo[day]
        self.memo[day] = None
        from ..lists import gitdoor
        if self.root is None or not gitdoor.is_repository(self.root) or not gitdoor.has_commits(self.root):
            return None
        try:
            sha = gitdoor.resolve_optional_date(self.root, day - _dt.timedelta(days=1))
        except InputError:
            return None
        if sha is None:
            return None
        from .. import open_repository
        self.memo[day] = open_repository(self.root, at=sha)
        return self.memo[day]


def _index(repo: Repository, registry: Registry) -> None:
    """``repo._pk_impact_cites``: ``{(list, key): [citation]}`` of every resolved basis, built once."""
    if hasattr(repo, "_pk_impact_cites"):
        return
    index: dict = {}
    for c in _all_citations(repo, registry):
        index.setdefault((c.list, c.key), []).append(c)
    repo._pk_impact_cites = index


def render_markdown(report: dict) -> str:
    law = report["law"]
    arts = report.get("articles")
    lines = [f"# 影响分析：《{law['title']}》" + (f"第 {', '.join(map(str, arts))} 条" if arts else ""), ""]
    cites = report["citations"]
    depts = sorted({c["department_name"] for c in cites})
    lines.append(f"共 {_counts(cites)}，涉及 {len(depts)} 个部门。以下事项需要评估是否启动动态调整（调整类型：法律立改废）。")
    lines.append("")
    current = None
    for c in cites:
        if c["department_name"] != current:
            current = c["department_name"]
            lines += ["", f"## {current}", "", "| 清单 | 编码 | 事项 | 引用条款 | 位置 |", "|---|---|---|---|---|"]
        lines.append(f"| {c['list']} | {c['key']} | {c['name']} | {c['article']} | `{c['file']}:{c['line']}` |")
    return "\n".join(lines) + "\n"


def _counts(cites: list) -> str:
    """What a list of citations counts: the items (an item citing two articles is one) and the citations."""
    items = len({(c["list"], c["key"]) for c in cites})
    return f"{items} 个事项、{len(cites)} 处引用"


def _changes_text(r: dict) -> str:
    return "；".join(f"{c['event']}（{c['promulgated']} 公布，{c['effective'] or '—'} 施行）" for c in r["changes"])


def render_since_markdown(rows: list[dict], since: _dt.date) -> str:
    lines = [f"# {since.isoformat()} 以来发生变化的法律法规及受影响事项", ""]
    for r in rows:
        cites, done = r["citations"], r.get("reviewed") or []
        text = f"变化：{_changes_text(r)}。待核对：{_counts(cites)}。" if cites else f"变化：{_changes_text(r)}。没有待核对的事项。"
        if done:
            text += f"已核改 {_counts(done)}，不再列出。"
        lines += [f"## 《{r['law']['title']}》", "", text, ""]
        for c in cites:
            lines.append(f"- {c['department_name']} · {c['key']} {c['name']}（{c['article']}） `{c['file']}:{c['line']}`")
        lines.append("")
    return "\n".join(lines)


def write_since_xlsx(rows: list[dict], since: _dt.date, path) -> None:
    """The work list of ``impact --since`` as a workbook: one row per citation still to review, with
    the law and its change; every text cell is a string cell, never a formula (``policykit.io.cells``)."""
    import io
    from openpyxl import Workbook
    from ..io.cells import write_row
    from ..io.writing import write_files_atomically
    wb = Workbook()
    ws = wb.active
    ws.title = "影响事项"
    write_row(ws, 1, [f"{since.isoformat()} 以来发生变化的法律法规影响事项清单"])
    write_row(ws, 2, ["法律法规", "变化", "部门", "清单", "编码", "事项名称", "引用条款", "文件", "行", "调整类型", "处理意见"])
    n = 3
    for r in rows:
        for c in r["citations"]:
            write_row(ws, n, [r["law"]["title"], _changes_text(r), c["department_name"], c["list"], c["key"], c["name"],
                              c["article"], c["file"], c["line"], "法律立改废", ""])
            n += 1
    summary = wb.create_sheet("汇总")
    write_row(summary, 1, ["法律法规", "变化", "待核对事项", "待核对引用", "已核改事项", "已核改引用"])
    for i, r in enumerate(rows, 2):
        done = r.get("reviewed") or []
        write_row(summary, i, [r["law"]["title"], _changes_text(r), len({(c["list"], c["key"]) for c in r["citations"]}),
                               len(r["citations"]), len({(c["list"], c["key"]) for c in done}), len(done)])
    buf = io.BytesIO()
    wb.save(buf)
    write_files_atomically({path: buf.getvalue()})


def write_xlsx(report: dict, path) -> None:
    """The citations as a work list; every cell text from the lists is a string cell, never a
    formula (``policykit.io.cells``)."""
    import io
    from openpyxl import Workbook
    from ..io.cells import write_row
    from ..io.writing import write_files_atomically
    wb = Workbook()
    ws = wb.active
    ws.title = "影响事项"
    write_row(ws, 1, [f"《{report['law']['title']}》影响事项清单"])
    write_row(ws, 2, ["部门", "清单", "编码", "事项名称", "引用条款", "文件", "行", "调整类型", "处理意见"])
    for r, c in enumerate(report["citations"], 3):
        write_row(ws, r, [c["department_name"], c["list"], c["key"], c["name"], c["article"], c["file"], c["line"],
                          "法律立改废", ""])
    buf = io.BytesIO()
    wb.save(buf)
    write_files_atomically({path: buf.getvalue()})


def as_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
