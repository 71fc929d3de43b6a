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
    p.add_argument("--force", action="store_true",
                   help="覆盖已纳入 git 且有未提交修改的输出文件（默认拒绝）")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path
    from ..io.exporters import export_powers
    from ..io.writing import recover
    from .import_cmd import git_dirty_checker
    out = Path(args.out)
    recover(out if out.is_dir() else out.parent)
    # an output git tracks and that has uncommitted edits is someone's work: refuse (untracked outputs
    # are earlier exports and are replaced)
    is_dirty = None if args.force else git_dirty_checker(out if out.is_dir() else out.parent, untracked=False)
    written = export_powers(args.lists, args.out, fmt=args.format, departments=args.department,
                            protect_uncommitted=is_dirty is not None, is_dirty=is_dirty)
    for path in written:
        sys.stderr.write(f"已写入 {path}\n")
    return 0
