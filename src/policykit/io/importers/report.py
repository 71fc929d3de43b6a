"""The import report: per file, rows and their fates, items, sub-items, categories, problems.

``report_data(plan)`` is plain data (what ``--report json`` prints); ``format_text(plan)`` is the
Chinese text report. Neither touches the files.
"""
from __future__ import annotations

import json
import os
from collections import Counter

from ...problems import SEVERITY_LABEL, summarize
from .powers import FATE_IMPORTED, FATE_MERGED, FATE_SKIPPED, ImportPlan


def file_summary(fr) -> dict:
    fates = fr.fate_counts()
    items = fr.items
    return {
        "file": fr.path,
        "format": fr.format,
        "departments": list(fr.departments),
        "seconds": round(fr.seconds, 3),
        "rows": fr.rows,
        "data_rows": fr.data_rows,
        "imported_rows": fates.get(FATE_IMPORTED, 0),
        "merged_rows": fates.get(FATE_MERGED, 0),
        "skipped_rows": fates.get(FATE_SKIPPED, 0),
        "skip_reasons": dict(Counter(f.reason for f in fr.fates if f.fate == FATE_SKIPPED).most_common()),
        "merge_reasons": dict(Counter(f.reason for f in fr.fates if f.fate == FATE_MERGED).most_common()),
        "items": len(items),
        "sub_items": sum(1 for it in items if it.get("sub_name")),
        "categories": dict(Counter(it.get("category") or "（无）" for it in items).most_common()),
        "sheets": [{"name": s.name, "rows": s.rows, "header_row": s.header_row, "items": len(s.items),
                    "columns": s.columns} for s in fr.sheets],
        "problems_by_rule": dict(sorted(Counter(f"{p.rule}:{p.severity}" for p in fr.problems).items())),
        "summary": summarize(fr.problems),
    }


# warnings repeated on many cells, summarised by count in the text report (all are in --report json)
SUMMARISED = ("IMPORT-UNIT-MULTIPLE",)


def cell_ref(fr, p) -> str:
    """``商务局.xlsx!Sheet1!F12``: the file, sheet and cell of a problem, as a spreadsheet user names it."""
    base = os.path.basename(fr.path)
    return f"{base}!{p.path}" if p.path else base


def report_data(plan: ImportPlan, *, rows: bool = True, problems: bool = True, outputs=None) -> dict:
    files = []
    for fr in plan.files:
        d = file_summary(fr)
        if problems:
            d["problems"] = [{**p.as_dict(), "cell": cell_ref(fr, p)} for p in sorted(fr.problems)]
        if rows:
            d["row_fates"] = [f.as_dict() for f in fr.fates]
        files.append(d)
    written = sorted(str(p) for p in (plan.outputs if outputs is None else outputs))
    return {
        "files": files,
        "departments": plan.departments,
        "outputs": written,
        "summary": summarize(plan.problems),
    }


def format_json(plan: ImportPlan, **kw) -> str:
    return json.dumps(report_data(plan, **kw), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def format_text(plan: ImportPlan, *, dry_run: bool = False, verbose: bool = False) -> str:
    out = []
    for fr in plan.files:
        s = file_summary(fr)
        out.append(f"== {os.path.basename(fr.path)} ({s['format']}, {s['seconds']:.2f} 秒)")
        out.append(f"  部门: {', '.join(s['departments']) or '（无）'}")
        out.append(f"  行: 共 {s['rows']}（表头以下 {s['data_rows']}）· 导入 {s['imported_rows']} · "
                   f"并入 {s['merged_rows']} · 跳过 {s['skipped_rows']}")
        for reason, n in s["merge_reasons"].items():
            out.append(f"    并入 {n}: {reason}")
        for reason, n in s["skip_reasons"].items():
            out.append(f"    跳过 {n}: {reason}")
        out.append(f"  事项: {s['items']}（其中子项 {s['sub_items']}）")
        if s["categories"]:
            out.append("  权力类型: " + "、".join(f"{k} {v}" for k, v in s["categories"].items()))
        if fr.problems:
            sm = s["summary"]
            out.append(f"  问题: 错误 {sm['error']} · 警告 {sm['warning']} · 提示 {sm['info']}")
            for key, n in s["problems_by_rule"].items():
                rule, sev = key.split(":")
                out.append(f"    {rule} ({SEVERITY_LABEL.get(sev, sev)}) × {n}")
            # every error and warning is named at its cell (file!sheet!cell), -v or not; a warning that
            # repeats on many cells (SUMMARISED) and the notes (info) are listed with -v only
            shown = sorted(p for p in fr.problems if verbose or p.severity == "error"
                           or (p.severity == "warning" and p.rule not in SUMMARISED))
            for p in shown:
                out.append(f"    {cell_ref(fr, p)} {SEVERITY_LABEL.get(p.severity, p.severity)} {p.rule}: {p.message}")
            hidden = len(fr.problems) - len(shown)
            if hidden:
                out.append(f"    …… 另有 {hidden} 条提示或重复的警告未逐条列出（用 -v 或 --report json 查看全部）")
    total = summarize(plan.problems)
    items = sum(len(fr.items) for fr in plan.files)
    verb = "将写入" if dry_run else "已写入"
    out.append("")
    out.append(f"合计: {len(plan.files)} 个文件 · {items} 个事项 · {len(plan.departments)} 个部门 · "
               f"错误 {total['error']} · 警告 {total['warning']} · 提示 {total['info']}")
    if plan.outputs:
        out.append(f"{verb} {len(plan.outputs)} 个文件:")
        out += [f"  {p}" for p in sorted(map(str, plan.outputs))]
    else:
        out.append("没有需要修改的文件 (no changes)")
    return "\n".join(out) + "\n"
