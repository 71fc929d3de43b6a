"""``policykit results --period 2025 --worklist OUT.xlsx|OUT.md [--assessment OUT.xlsx]`` ·
``policykit results import-problems CSV --source 信访 --out lists/problems/…``"""
from __future__ import annotations

import sys

from ._args import positive_int


def register(sub) -> None:
    p = sub.add_parser("results", help="结果运用：调整建议清单、综合考核导出、导入信访/复议/督查问题 · use of results",
                       description="由履职评估结果、问题征集（12345、信访、行政复议、督查）、监管事项认领、台账和工作流程"
                                   "生成调整建议清单（每条建议列出依据及其位置），并导出综合考核表。")
    p.add_argument("--period", default=None, help="期间，如 2025、2025-Q3")
    p.add_argument("--worklist", default=None, metavar="FILE", help="调整建议清单：.xlsx 或 .md（默认输出 Markdown 到标准输出）")
    p.add_argument("--assessment", default=None, metavar="FILE.xlsx", help="综合考核导出（xlsx）：每个部门的得分和发现的问题")
    p.add_argument("--threshold", type=positive_int, default=2, metavar="N",
                   help="同一事项推诿/多头问题达到 N 件时建议调整职责边界（默认 2）")
    p.add_argument("--at", default=None, metavar="REV", help="按某一提交读取仓库")
    p.add_argument("--root", default=".", help="仓库根目录")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    imp = actions.add_parser("import-problems", help="导入信访、行政复议、督查等问题清单 CSV",
                             description="与 12345 工单相同的导入路径：每一行或导入、或跳过并报告原因（文件:行:列），原子写入。")
    imp.add_argument("csv", metavar="CSV", help="问题 CSV 文件（UTF-8 或 GB18030）")
    imp.add_argument("--source", required=True, help="来源：信访、行政复议、督查（或 12345）")
    imp.add_argument("--out", required=True, metavar="FILE", help="输出文件，如 lists/problems/xf-2025.yaml（或目录）")
    imp.add_argument("--batch", default=None, help="批次编号（默认取 CSV 文件名）")
    imp.add_argument("--root", default=".", help="仓库根目录")
    imp.add_argument("--dry-run", action="store_true", help="只报告，不写文件")
    imp.add_argument("--max-rows", type=positive_int, default=None, metavar="N", help="最多行数（默认 100000）")
    imp.add_argument("--max-file-bytes", type=positive_int, default=None, metavar="N", help="文件最大字节数（默认 64 MiB）")
    imp.set_defaults(func=run_import)
    p.set_defaults(func=run)


def run(args) -> int:
    if getattr(args, "action", None) == "import-problems":
        return run_import(args)
    from .. import open_repository
    from ..errors import UsageError
    from ..io.writing import write_files_atomically
    from ..supervision import results
    if not args.period:
        raise UsageError("请用 --period 指定期间，如 --period 2025")
    repo = open_repository(args.root, at=args.at)
    cards = results.evaluated(repo, args.period)
    proposals = results.worklist(repo, args.period, threshold=args.threshold, cards=cards)
    out = {}
    if args.worklist:
        out[args.worklist] = _render(args.worklist, results.worklist_tables(proposals, repo),
                                     lambda: results.render_markdown(proposals, repo, args.period))
    if args.assessment:
        if not args.assessment.lower().endswith(".xlsx"):
            raise UsageError("--assessment 应为 .xlsx 文件")
        out[args.assessment] = _render(args.assessment, results.assessment_tables(repo, args.period, cards, proposals),
                                       None)
    if out:
        write_files_atomically(out)
        sys.stderr.write(f"已写入 {'、'.join(out)}（{len(proposals)} 条调整建议）\n")
    else:
        sys.stdout.write(results.render_markdown(proposals, repo, args.period))
    return 0


def _render(path: str, tables, markdown):
    from ..errors import UsageError
    from ..io.exporters import render_xlsx
    low = path.lower()
    if low.endswith(".xlsx"):
        return render_xlsx(tables)
    if low.endswith(".md") and markdown is not None:
        return markdown()
    raise UsageError(f"不支持的输出格式：{path}（应为 .xlsx" + ("" if markdown is None else " 或 .md") + "）")


def run_import(args) -> int:
    from .. import open_repository
    from ..supervision.hotline import HotlineLimits, format_text
    from ..supervision.problem_sources import import_problems
    limits = HotlineLimits.from_env(max_rows=args.max_rows, max_file_bytes=args.max_file_bytes)
    repo = open_repository(args.root)
    result = import_problems(args.csv, args.out, repo, source=args.source, batch=args.batch,
                             dry_run=args.dry_run, limits=limits)
    sys.stdout.write(format_text(result))
    return 1 if any(p.severity == "error" for p in result.problems) else 0
