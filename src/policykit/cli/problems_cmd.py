"""``policykit problems import-hotline CSV --out lists/problems/…`` · ``policykit problems report``"""
from __future__ import annotations

import sys

from ._args import positive_int


def register(sub) -> None:
    p = sub.add_parser("problems", help="问题征集：导入 12345 工单、推诿趋势报告 · problem collection",
                       description="问题征集（12345 热线、电视问政、部门和区县）：导入工单，报告推诿趋势和尚无边界事项的事项。")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    imp = actions.add_parser("import-hotline", help="导入 12345 工单 CSV 导出文件",
                             description="把 12345 热线工单 CSV 导出文件导入为问题征集记录（YAML，原子写入）。"
                                         "坏行逐行报告（文件:行:列）并跳过；重新导入同一文件不产生差异。")
    imp.add_argument("csv", metavar="CSV", help="工单 CSV 文件（UTF-8 或 GB18030）")
    imp.add_argument("--out", required=True, metavar="FILE", help="输出文件，如 lists/problems/12345-2025.yaml（或目录）")
    imp.add_argument("--batch", default=None, help="批次编号（默认取 CSV 文件名）")
    imp.add_argument("--root", default=".", help="仓库根目录（用于部门名录和边界事项，默认当前目录）")
    imp.add_argument("--dry-run", action="store_true", help="只报告，不写文件")
    imp.add_argument("-f", "--format", choices=["text", "json"], default="text", help="报告格式")
    lim = imp.add_argument_group("上限 · limits", "防止异常或恶意文件耗尽时间和内存；也可用环境变量 "
                                                  "POLICYKIT_HOTLINE_MAX_ROWS、POLICYKIT_HOTLINE_MAX_FILE_BYTES 设置")
    lim.add_argument("--max-rows", type=positive_int, default=None, metavar="N", help="最多工单行数（默认 100000）")
    lim.add_argument("--max-file-bytes", type=positive_int, default=None, metavar="N", help="文件最大字节数（默认 64 MiB）")
    imp.set_defaults(func=run_import)
    rep = actions.add_parser("report", help="推诿趋势与尚无边界事项的事项",
                             description="按期间和事项统计推诿、多头问题，列出尚无职责边界事项的事项。")
    rep.add_argument("--period", choices=["month", "quarter", "year"], default="month", help="趋势的期间粒度（默认 month）")
    rep.add_argument("--within", default=None, metavar="PERIOD", help="只统计该期间的问题，如 2025、2025-Q3")
    rep.add_argument("--as-of", default=None, metavar="DATE",
                     help="按该日期生效的清单（边界事项、部门）归类（默认：--within 期间的最后一天，否则现状；见 docs/time.md）")
    rep.add_argument("--at", default=None, metavar="REV", help="按某一提交读取仓库")
    rep.add_argument("--root", default=".", help="仓库根目录")
    rep.add_argument("-f", "--format", choices=["text", "json", "markdown"], default="text")
    rep.add_argument("-o", "--output", default=None, help="写入文件而非标准输出")
    rep.set_defaults(func=run_report)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_import(args) -> int:
    import json
    from .. import open_repository
    from ..supervision.hotline import HotlineLimits, format_text, import_hotline
    limits = HotlineLimits.from_env(max_rows=args.max_rows, max_file_bytes=args.max_file_bytes)
    repo = open_repository(args.root)
    result = import_hotline(args.csv, args.out, repo, batch=args.batch, dry_run=args.dry_run, limits=limits)
    if args.format == "json":
        data = result.summary()
        data["problems"] = [p.as_dict() for p in sorted(result.problems)]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(format_text(result))
    return 1 if any(p.severity == "error" for p in result.problems) else 0


def run_report(args) -> int:
    from .. import open_repository
    from ..errors import UsageError
    from ..lists.records import period_bounds
    from ..supervision.report import FORMATS, problems_report
    if args.within:
        try:
            period_bounds(args.within)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    repo = open_repository(args.root, at=args.at, as_of=args.as_of)
    out = FORMATS[args.format](problems_report(repo, args.period, period=args.within))
    if args.output:
        from ..io.writing import write_files_atomically
        write_files_atomically({args.output: out})
    else:
        sys.stdout.write(out)
    return 0
