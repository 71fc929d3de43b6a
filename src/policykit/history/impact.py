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
    before = _ListsBefore(root, repo, registry)
    out = []
    for law in registry.laws:
        changes = law.changes_since(since)
        if not changes:
            continue
        cites = citations(repo, registry, law.id)
        first = min(v.promulgated for v in changes)
        latest = max(v.promulgated for v in changes)
        old = before.at(first)
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


def _reviewed(c: Citation, repo: Repository, latest: _dt.date, before) -> str | None:
    """Why citation ``c`` needs no more review after a change promulgated on ``latest``, or None.
    ``before``: the lists before the change (``_Before``), None without such history."""
    m = _VERSION_YEAR.search(c.title or "")
    if m and int(m.group(1)) >= latest.year:
        return f"依据已注明{m.group(1)}年版本"
    if before is None or c.file in before.unchanged:   # no history, or its file is as it was
        return None
    if (c.list, c.key) not in before.owners:
        return "事项在法律修改后新增"
    now = sorted(x.article for x in repo._pk_impact_cites.get((c.list, c.key), ()) if x.law_id == c.law_id)
    was = sorted(x.article for x in before.cites.get((c.list, c.key), ()) if x.law_id == c.law_id)
    return "修改后已调整所引条款并提交" if now != was else None


@dataclass
class _Before:
    """The owners (power items, boundary matters) of the list files changed since a commit, as they
    stood in it, with their citations; ``unchanged``: the files that are the same now."""
    unchanged: set
    owners: set
    cites: dict


class _ListsBefore:
    """The lists as they stood before a day (the last commit before it), read from the git history at
    ``root``: only the files of powers/ and boundaries/ that differ from the work tree are read, so
    the cost follows what changed since. None when there is no such history (not a repository, a
    shallow clone or a history that starts later)."""

    def __init__(self, root, repo: Repository, registry: Registry):
        self.root = root
        self.repo = repo
        self.registry = registry
        self.memo: dict = {}
        self.now = None

    def at(self, day: _dt.date):
        from ..lists import gitdoor
        if self.root is None or not gitdoor.is_repository(self.root) or not gitdoor.has_commits(self.root):
            return None
        try:
            sha = gitdoor.resolve_optional_date(self.root, day - _dt.timedelta(days=1))
        except InputError:
            return None
        if sha is None:
            return None
        if sha not in self.memo:
            self.memo[sha] = self._read(sha)
        return self.memo[sha]

    def _read(self, sha: str) -> _Before:
        from pathlib import Path
        from ..lists import gitdoor
        from . import diff as D
        lists_dir = self.repo.config.lists_dir
        dirs = (f"{lists_dir}/powers", f"{lists_dir}/boundaries")
        if self.now is None:
            self.now = gitdoor.worktree_files(self.root, dirs)[0]
            _index(self.repo, self.registry)
        then = {r: s for r, (m, s) in gitdoor.tree_files(self.root, sha, dirs).items()}
        changed = {r: s for r, s in then.items() if self.now.get(r) != s}
        unchanged = set(then) - set(changed)
        if not changed:
            return _Before(unchanged, set(), {})
        blobs = gitdoor.read_blobs(self.root, set(changed.values()))
        raw_cfg = gitdoor.read_file(self.root, sha, D.CONFIG_FILE)
        old = D._open_side(Path(self.root).resolve(), D.Side(self.root, sha), raw_cfg, changed,
                           {r: blobs[s] for r, s in changed.items()}, {})
        owners = {("权责清单", i.code) for i in old.power_items} | {("职责边界清单", b.id) for b in old.boundaries}
        cites: dict = {}
        for c in _all_citations(old, self.registry):
            cites.setdefault((c.list, c.key), []).append(c)
        return _Before(unchanged, owners, cites)


def _index(repo: Repository, registry: Registry) -> None:
    """``repo._pk_impact_cites``: ``{(list, key): [citation]}`` of every resolved basis, built once."""
    if hasattr(repo, "_pk_impact_cites"):
        return
    index: dict = {}
    for c in _all_citations(repo, registry):
        index.setdefault((c.list, c.key), []).append(c)
    repo._pk_impact_cites = index


def render_markdown(report: dict) -> str:
    """The work list as Markdown: every string from the lists and the law registry is literal text
    (``md_text``: Markdown and HTML specials escaped, mentions and references broken), locations in
    code spans (``md_code``) — the same escaping as the review comment."""
    from ..checking.reporters import md_code, md_text
    law = report["law"]
    arts = report.get("articles")
    lines = [f"# 影响分析：《{md_text(law['title'])}》" + (f"第 {md_text(', '.join(map(str, arts)))} 条" if arts else ""), ""]
    cites = report["citations"]
    depts = sorted({c["department_name"] for c in cites})
    lines.append(f"共 {_counts(cites)}，涉及 {len(depts)} 个部门。以下事项需要评估是否启动动态调整（调整类型：法律立改废）。")
    lines.append("")
    current = None
    for c in cites:
        if c["department_name"] != current:
            current = c["department_name"]
            lines += ["", f"## {md_text(current)}", "", "| 清单 | 编码 | 事项 | 引用条款 | 位置 |", "|---|---|---|---|---|"]
        lines.append(f"| {md_text(c['list'])} | {md_text(c['key'])} | {md_text(c['name'])} | {md_text(c['article'])} "
                     f"| `{md_code(str(c['file']) + ':' + str(c['line']))}` |")
    return "\n".join(lines) + "\n"


def _counts(cites: list) -> str:
    """What a list of citations counts: the items (an item citing two articles is one) and the citations."""
    items = len({(c["list"], c["key"]) for c in cites})
    return f"{items} 个事项、{len(cites)} 处引用"


def _changes_text(r: dict) -> str:
    return "；".join(f"{c['event']}（{c['promulgated']} 公布，{c['effective'] or '—'} 施行）" for c in r["changes"])


def render_since_markdown(rows: list[dict], since: _dt.date) -> str:
    """The work list of ``impact --since`` as Markdown, escaped as :func:`render_markdown` is."""
    from ..checking.reporters import md_code, md_text
    lines = [f"# {since.isoformat()} 以来发生变化的法律法规及受影响事项", ""]
    for r in rows:
        cites, done = r["citations"], r.get("reviewed") or []
        changes = md_text(_changes_text(r))
        text = f"变化：{changes}。待核对：{_counts(cites)}。" if cites else f"变化：{changes}。没有待核对的事项。"
        if done:
            text += f"已核改 {_counts(done)}，不再列出。"
        lines += [f"## 《{md_text(r['law']['title'])}》", "", text, ""]
        for c in cites:
            lines.append(f"- {md_text(c['department_name'])} · {md_text(c['key'])} {md_text(c['name'])}"
                         f"（{md_text(c['article'])}） `{md_code(str(c['file']) + ':' + str(c['line']), table=False)}`")
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
