"""``policykit import FILE… [--department ID] [--mapping MAP.yaml] [--out lists] [--report text|json] [--dry-run]``"""
from __future__ import annotations

import os
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("import", help="导入电子表格权责清单 · import published spreadsheets",
                       description="把已公布的权责清单电子表格（.xls、.xlsx、CSV，按内容识别格式）导入为 YAML："
                                   "lists/powers/<部门>.yaml，并在缺少时创建 lists/organizations/<部门>.yaml。"
                                   "每个源表行都有去向：导入、并入某事项，或带原因跳过。写入是原子的。")
    p.add_argument("files", nargs="+", metavar="FILE", help="电子表格文件")
    p.add_argument("--department", default=None, metavar="ID",
                   help="部门标识（默认按行使主体推断，新部门记为 dept-<编码>）")
    p.add_argument("--mapping", action="append", default=None, metavar="MAP.yaml",
                   help="补充表头映射（可多次给出；格式同 importers/default_mapping.yaml）")
    p.add_argument("--out", default="lists", metavar="DIR", help="清单目录（默认 lists）")
    p.add_argument("--report", default="text", choices=["text", "json"], help="报告格式（默认 text）")
    p.add_argument("--dry-run", action="store_true", help="只报告，不写文件")
    p.add_argument("-v", "--verbose", action="store_true", help="文本报告列出全部问题")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示每个文件的进度")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import UsageError
    from ..importers import import_files, load_config, load_mapping
    from ..importers.report import format_json, format_text
    from ..problems import at_least

    if args.department is not None:
        import re
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", args.department):
            raise UsageError(f"部门标识不合法 (invalid department id): {args.department!r}",
                             hint="小写字母开头，仅含小写字母、数字、-、_，如 scjgj")
    out_dir = Path(args.out)
    root = out_dir.resolve().parent
    config = load_config(root if (root / "policykit.yaml").is_file() else Path.cwd())
    mapping = load_mapping(args.mapping)

    def progress(n, total, fr):
        if not args.quiet:
            count = sum(len(s.items) for s in fr.sheets)
            sys.stderr.write(f"[{n}/{total}] 导入 {os.path.basename(fr.path)}: {count} 项\n")
            sys.stderr.flush()

    plan = import_files(args.files, out_dir=out_dir, department=args.department, mapping=mapping,
                        config=config, dry_run=args.dry_run, progress=progress)
    if args.report == "json":
        sys.stdout.write(format_json(plan))
    else:
        sys.stdout.write(format_text(plan, dry_run=args.dry_run, verbose=args.verbose))
    return 1 if at_least(plan.problems, "error") else 0
