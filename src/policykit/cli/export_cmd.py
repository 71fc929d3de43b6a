"""``policykit export [--lists DIR] --out PATH [--format xlsx|csv]``"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("export", help="导出为公布格式电子表格 · export the published layout",
                       description="把 lists/powers/*.yaml 导出为惯用的公布格式：xlsx（每个部门一个工作表，"
                                   "标题行 + 表头，另有事项编码列）或 CSV（每个部门一个 UTF-8 带 BOM 的文件）。"
                                   "导出的文件可再导入，得到相同的 YAML。")
    p.add_argument("--lists", default="lists", metavar="DIR", help="清单目录（默认 lists）")
    p.add_argument("--out", required=True, metavar="PATH", help="xlsx 文件路径，或 CSV 输出目录")
    p.add_argument("--format", default=None, choices=["xlsx", "csv"],
                   help="格式（默认按 --out 推断：.xlsx 为 xlsx，否则 csv）")
    p.add_argument("--department", action="append", default=None, metavar="ID", help="只导出这些部门（可多次给出）")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..exporters import export_powers
    written = export_powers(args.lists, args.out, fmt=args.format, departments=args.department)
    for path in written:
        sys.stderr.write(f"已写入 {path}\n")
    return 0
