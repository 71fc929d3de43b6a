"""``policykit evaluate --period 2025 [-f text|json|markdown|svg] [-o FILE]`` ·
``policykit evaluate import-indicators XLS --out lists/indicators/…``"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="部门履职评估记分卡；导入评估指标体系 · performance evaluation",
                       description="按指标体系计算部门履职评估得分：由台账计算的指标自动计分，其余取评估记录，"
                                   "记分卡列出每个得分背后的台账、问题和文件。")
    p.add_argument("--period", default=None, help="评估期间，如 2025")
    p.add_argument("--department", action="append", default=None, metavar="ID",
                   help="只看这些部门（可多次给出；默认：本期有评估记录的部门）")
    p.add_argument("--system", default=None, help="指标体系编号（部门没有评估记录时使用）")
    p.add_argument("--as-of", default=None, metavar="DATE",
                   help="按该日期生效的清单评估（默认：评估期间的最后一天，见 docs/time.md）")
    p.add_argument("--at", default=None, metavar="REV",
                   help="按某一提交读取仓库（台账、评估记录和清单），用于复现已公布的评估结果")
    p.add_argument("--root", default=".", help="仓库根目录")
    p.add_argument("-f", "--format", choices=["text", "json", "markdown", "svg"], default="text")
    p.add_argument("-o", "--output", default=None, help="写入文件而非标准输出")
    from ._budget import add_output_budget
    add_output_budget(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    imp = actions.add_parser("import-indicators", help="导入评估指标体系电子表格（.xls/.xlsx）",
                             description="把已公布的评估指标体系电子表格导入为 lists/indicators/ 下的 YAML（每个工作表一个体系）。"
                                         "重新导入保留城市补充的编号、名称、部门类别和个性指标。")
    imp.add_argument("xls", metavar="XLS", help="指标体系电子表格")
    imp.add_argument("--out", required=True, metavar="PATH", help="输出目录（每个工作表一个文件）或文件（配合 --sheet）")
    imp.add_argument("--sheet", default=None, help="只导入该工作表，如 政府部门")
    imp.add_argument("--id", dest="system_id", default=None, help="指标体系编号（单个工作表时）")
    imp.add_argument("--dry-run", action="store_true", help="只报告，不写文件")
    imp.set_defaults(func=run_import)
    p.set_defaults(func=run)


def run(args) -> int:
    if getattr(args, "action", None) == "import-indicators":
        return run_import(args)
    from .. import open_repository
    from ..errors import UsageError
    from ..supervision.evaluation import render, scorecards
    if not args.period:
        raise UsageError("请用 --period 指定评估期间，如 --period 2025")
    repo = open_repository(args.root, at=args.at, as_of=args.as_of)
    cards = scorecards(repo, args.period, departments=args.department, system=args.system)
    out = render(cards, args.format)
    from ._budget import check_output
    check_output(args, "evaluate", out)
    if args.output:
        from ..io.writing import write_files_atomically
        write_files_atomically({args.output: out})
        sys.stderr.write(f"已写入 {args.output}（{len(cards)} 个部门）\n")
    else:
        sys.stdout.write(out)
    return 0


def run_import(args) -> int:
    from ..supervision.evaluation import format_import, import_indicators
    result = import_indicators(args.xls, args.out, sheet=args.sheet, system_id=args.system_id, dry_run=args.dry_run)
    sys.stdout.write(format_import(result))
    return 1 if any(p.severity == "error" for p in result.problems) else 0
