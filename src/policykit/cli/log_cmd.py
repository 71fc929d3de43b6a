"""``policykit log ITEM`` — every commit that changed one item."""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("log", help="某一事项的调整历史 · history of one item",
                       description="列出改动某一事项的每个提交：时间、提交人、调整记录、字段变更；"
                                   "跨文件改名、部门间划转和编码变更追踪。ITEM 可以是事项编码、BJ-编号、部门标识、"
                                   "部门/内设机构#序号、目录/编码、事项名称，或监管记录的编号：议事协调机构 YT-002、"
                                   "职责争议 TC-2025-001、督导 DD-2025-001、督导问题 DD-2025-001#1、征集问题、履职台账及其记录"
                                   "（LZ-scjgj-2025|事项编码）、评估指标（ZB-2025|1.3.1）、事权划分事项（SX-2025|事项编码）等。")
    p.add_argument("item", help="事项编码、边界事项编号、部门标识、监管记录编号等，或事项名称")
    p.add_argument("--root", default=".", help="仓库根目录")
    p.add_argument("--at", default=None, help="从该提交或日期（YYYY-MM-DD）往前查（缺省 HEAD；提交时间）")
    p.add_argument("--as-of", default=None, metavar="DATE",
                   help="按该日（YYYY-MM-DD）已生效的清单查（生效日期：调整记录的生效日期，缺省为提交日）")
    p.add_argument("-f", "--format", choices=["text", "markdown", "json"], default="text", help="输出格式")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..history.adjustments import item_log, render_log
    sys.stdout.write(render_log(item_log(args.root, args.item, at=args.at, as_of=args.as_of), args.format))
    return 0
