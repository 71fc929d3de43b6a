"""Impact analysis for 法律立改废: which items in which lists rest on a law (and on which articles)."""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import asdict, dataclass

from ..errors import UsageError
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


def citations(repo: Repository, registry: Registry, law_id: str, articles: set[int] | None = None) -> list[Citation]:
    """Every basis entry, in power items and boundary matters, that resolves to ``law_id``."""
    owners = [("权责清单", item.department, item.code, item.full_name, item.legal_basis, item.source, "legal_basis")
              for item in repo.power_items]
    owners += [("职责边界清单", matter.lead or "", matter.id, matter.name, matter.basis, matter.source, "basis")
               for matter in repo.boundaries]
    out = []
    for list_name, dept, key, name, bases, source, field in owners:
        for i, b in enumerate(bases):
            res = registry.resolve(b.title)
            if res.law is None or res.law.id != law_id:
                continue
            nums = article_numbers(b.article)
            if articles and not (set(nums) & articles):
                continue
            file, line, col, _ = repo.locate(source, field, i)
            out.append(Citation(list_name, dept, repo.department_name(dept), key, name, b.article, nums,
                                file, line, col))
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


def impact_since(repo: Repository, since: _dt.date) -> list[dict]:
    registry = registry_of(repo)
    out = []
    for law in registry.laws:
        changes = law.changes_since(since)
        if not changes:
            continue
        cites = citations(repo, registry, law.id)
        out.append({"law": {"id": law.id, "title": law.title, "level": law.level},
                    "changes": [{"event": v.event, "promulgated": v.promulgated.isoformat(),
                                 "effective": v.effective.isoformat() if v.effective else None,
                                 "renumbered": v.renumbered} for v in changes],
                    "citations": [asdict(c) for c in cites]})
    return sorted(out, key=lambda r: (-len(r["citations"]), r["law"]["id"]))


def render_markdown(report: dict) -> str:
    law = report["law"]
    arts = report.get("articles")
    lines = [f"# 影响分析：《{law['title']}》" + (f"第 {', '.join(map(str, arts))} 条" if arts else ""), ""]
    cites = report["citations"]
    depts = sorted({c["department_name"] for c in cites})
    lines.append(f"共 {len(cites)} 处引用，涉及 {len(depts)} 个部门。以下事项需要评估是否启动动态调整（调整类型：法律立改废）。")
    lines.append("")
    current = None
    for c in cites:
        if c["department_name"] != current:
            current = c["department_name"]
            lines += ["", f"## {current}", "", "| 清单 | 编码 | 事项 | 引用条款 | 位置 |", "|---|---|---|---|---|"]
        lines.append(f"| {c['list']} | {c['key']} | {c['name']} | {c['article']} | `{c['file']}:{c['line']}` |")
    return "\n".join(lines) + "\n"


def render_since_markdown(rows: list[dict], since: _dt.date) -> str:
    lines = [f"# {since.isoformat()} 以来发生变化的法律法规及受影响事项", ""]
    for r in rows:
        ch = "；".join(f"{c['event']}（{c['promulgated']} 公布，{c['effective'] or '—'} 施行）" for c in r["changes"])
        lines += [f"## 《{r['law']['title']}》", "", f"变化：{ch}。引用事项 {len(r['citations'])} 项。", ""]
        for c in r["citations"]:
            lines.append(f"- {c['department_name']} · {c['key']} {c['name']}（{c['article']}） `{c['file']}:{c['line']}`")
        lines.append("")
    return "\n".join(lines)


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
