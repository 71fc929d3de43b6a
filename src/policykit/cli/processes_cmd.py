"""``policykit processes import FILE --out lists/processes`` · ``policykit processes export --out FILE.xlsx``"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("processes", help="工作流程：从电子表格导入、导出为电子表格 · work processes",
                       description="工作流程（流程再造）的电子表格：每行一个步骤，版式见 docs/processes.md。")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    imp = actions.add_parser("import", help="导入工作流程电子表格（.xlsx/.xls/.csv）",
                             description="每行一个步骤；逐行报告跳过的行（文件:工作表!行），每个部门写一个文件，写入前按模式校验。")
    imp.add_argument("file", metavar="FILE", help="工作流程电子表格")
    imp.add_argument("--out", required=True, metavar="DIR", help="输出目录，如 lists/processes")
    imp.add_argument("--dry-run", action="store_true", help="只报告，不写文件")
    imp.set_defaults(func=run_import)
    exp = actions.add_parser("export", help="导出工作流程为 xlsx（与导入版式相同）")
    exp.add_argument("--out", required=True, metavar="FILE.xlsx", help="输出文件")
    exp.add_argument("--department", action="append", default=None, metavar="ID", help="只导出这些部门（可多次给出）")
    exp.add_argument("--root", default=".", help="仓库根目录")
    exp.set_defaults(func=run_export)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_import(args) -> int:
    from ..io.importers.processes import format_text, import_processes
    result = import_processes(args.file, args.out, dry_run=args.dry_run)
    sys.stdout.write(format_text(result))
    return 1 if any(p.severity == "error" for p in result.problems) else 0


def run_export(args) -> int:
    from .. import open_repository
    from ..errors import UsageError
    from ..io.importers.processes import export_processes
    from ..io.writing import write_files_atomically
    if not args.out.lower().endswith(".xlsx"):
        raise UsageError("--out 应为 .xlsx 文件")
    repo = open_repository(args.root)
    write_files_atomically({args.out: export_processes(repo, args.department)})
    sys.stderr.write(f"已写入 {args.out}（{len(repo.processes)} 个流程）\n")
    return 0
