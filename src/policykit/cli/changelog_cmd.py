"""``policykit changelog --since DATE [--until DATE]`` — the adjustments of a period (for publishing)."""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("changelog", help="一段时间内的动态调整 · adjustments of a period",
                       description="列出一段时间内进入当前分支的全部调整：每次调整的调整记录与事项变更，"
                                   "以及本期净变化汇总（供网站公布）。日期按提交者所在时区的日历日计算。")
    p.add_argument("--since", required=True, help="起始日期 YYYY-MM-DD（含）")
    p.add_argument("--until", default=None, help="截止日期 YYYY-MM-DD（含；缺省为 HEAD）")
    p.add_argument("--root", default=".", help="仓库根目录")
    p.add_argument("-f", "--format", choices=["markdown", "json"], default="markdown", help="输出格式")
    p.add_argument("-o", "--output", default=None, help="写入文件而非标准输出")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..history.adjustments import changelog, render_changelog
    out = render_changelog(changelog(args.root, args.since, args.until), args.format)
    if args.output:
        from pathlib import Path
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0
