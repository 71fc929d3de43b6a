"""``policykit impact LAW [--amended-articles 12,15-18]`` · ``policykit impact --since DATE``"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("impact", help="法律立改废影响分析 · which items rest on a law",
                       description="列出引用某部法律法规（及其条款）的全部事项，按部门分组，作为动态调整工作清单。")
    p.add_argument("law", nargs="?", help="法律法规：标识、名称或常见写法（如 行政处罚法）")
    p.add_argument("--amended-articles", default=None, help="只列引用这些条款的事项，如 12,15-18")
    p.add_argument("--since", default=None, help="列出自该日期（YYYY-MM-DD）以来变化的全部法律法规及受影响事项")
    p.add_argument("--root", default=".", help="仓库根目录")
    p.add_argument("-f", "--format", choices=["markdown", "json", "xlsx"], default="markdown")
    p.add_argument("-o", "--output", default=None, help="输出文件（xlsx 必填）")
    from ._budget import add_output_budget
    add_output_budget(p)
    p.set_defaults(func=run)


def _check_output(args) -> None:
    """xlsx needs a file; a .xlsx file gets a workbook, never Markdown or JSON text (exit 2 before any work)."""
    from ..errors import UsageError
    if args.format == "xlsx" and not args.output:
        raise UsageError("xlsx 格式需要 -o 输出文件 (xlsx needs -o)")
    if args.output and args.format != "xlsx" and str(args.output).lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise UsageError(f"输出文件 {args.output} 是电子表格，但输出格式是 {args.format}；请加 -f xlsx "
                         f"(a spreadsheet file needs -f xlsx)")


def run(args) -> int:
    import datetime as dt
    from .. import open_repository
    from ..errors import UsageError
    from policykit.history.impact import (as_json, impact_of_law, impact_since, render_markdown, render_since_markdown,
                                          write_since_xlsx, write_xlsx)
    from ..lists.laws import parse_ranges
    _check_output(args)
    repo = open_repository(args.root)
    if args.since:
        try:
            since = dt.date.fromisoformat(args.since)
        except ValueError:
            raise UsageError(f"--since 应为日期 YYYY-MM-DD：{args.since}") from None
        rows = impact_since(repo, since, root=args.root)
        if args.format == "xlsx":
            write_since_xlsx(rows, since, args.output)
            items = sum(len({(c["list"], c["key"]) for c in r["citations"]}) for r in rows)
            sys.stderr.write(f"已写入 {args.output}（{len(rows)} 部法律法规，待核对 {items} 个事项、"
                             f"{sum(len(r['citations']) for r in rows)} 处引用）\n")
            return 0
        out = as_json(rows) if args.format == "json" else render_since_markdown(rows, since)
    else:
        if not args.law:
            raise UsageError("请指定法律法规，或使用 --since DATE")
        try:
            arts = parse_ranges(args.amended_articles) if args.amended_articles else None
        except ValueError:
            raise UsageError(f"--amended-articles 格式应为 12,15-18：{args.amended_articles}") from None
        report = impact_of_law(repo, args.law, arts)
        if args.format == "xlsx":
            write_xlsx(report, args.output)
            items = len({(c["list"], c["key"]) for c in report["citations"]})
            sys.stderr.write(f"已写入 {args.output}（{items} 个事项、{len(report['citations'])} 处引用）\n")
            return 0
        out = as_json(report) if args.format == "json" else render_markdown(report)
    from ._budget import check_output
    check_output(args, "impact", out)
    if args.output:
        from ..io.writing import write_files_atomically
        write_files_atomically({args.output: out})
    else:
        sys.stdout.write(out)
    return 0
