"""``policykit diff [BASE] [HEAD]`` — item-level review of list changes (for pull requests)."""
from __future__ import annotations

import sys

from ._args import positive_int
from ._budget import add_output_budget, check_output


def register(sub) -> None:
    p = sub.add_parser("diff", help="按事项比较两个版本的清单 · item-level diff for review",
                       description="按事项（编码、边界事项编号、部门……）比较两个版本的清单，列出新增、取消、划转、"
                                   "依据与责任等字段变更及其级别（重大/一般/细微），按调整类别和部门分组。"
                                   "BASE 缺省为当前分支与 main/master 的合并基准，HEAD 缺省为工作区；"
                                   "两者都可以是提交、分支、标签或日期 YYYY-MM-DD。")
    p.add_argument("base", nargs="?", default=None,
                   help="比较基准（缺省：与 main/master 的合并基准；写作 main... 表示与 main 的合并基准）")
    p.add_argument("head", nargs="?", default=None, help="比较对象（缺省：工作区）")
    p.add_argument("-f", "--format", choices=["markdown", "json", "text"], default="markdown",
                   help="输出格式（markdown 可直接贴到合并请求评论）")
    p.add_argument("--root", default=".", help="仓库根目录（policykit.yaml 所在目录）")
    p.add_argument("--staged", action="store_true", help="比较 HEAD 与暂存区（将要提交的内容）")
    p.add_argument("--as-of", default=None, metavar="DATE",
                   help="比较对象取该日（YYYY-MM-DD）已生效的清单（生效日期），而非某次提交时的清单")
    p.add_argument("--base-as-of", default=None, metavar="DATE",
                   help="比较基准取该日已生效的清单；如 --base-as-of 2026-06-30 --as-of 2026-07-01 列出 7 月 1 日生效的调整")
    p.add_argument("-o", "--output", default=None, help="写入文件而非标准输出")
    p.add_argument("--max-chars", type=positive_int, default=None,
                   help="Markdown 审阅的字符上限（评论用；缺省：给出 --full-output 时为 60,000，否则不限）")
    p.add_argument("--full-output", default=None, metavar="PATH",
                   help="另把完整审阅（不截断）写入 PATH，供 CI 作为产物上传；评论中会注明")
    p.add_argument("--problems", default=None, metavar="RESULT",
                   help="policykit check --baseline 的 JSON 结果：在审阅中列出本次引入的问题与豁免匹配的问题")
    add_output_budget(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..history import diff as D
    from ..errors import UsageError
    if args.staged:
        if args.base or args.head or args.as_of or args.base_as_of:
            raise UsageError("--staged 不能与 BASE/HEAD、--as-of 同时使用")
        from ..history.adjustments import staged_changes
        result = staged_changes(args.root)
        result.verdict = D.staged_verdict(args.root)
    else:
        result = D.diff(args.root, args.base, args.head, as_of=args.as_of, base_as_of=args.base_as_of)
    records = None
    if result.base_revision and args.format != "text":
        from ..history.adjustments import records_between
        records = records_between(args.root, result.base_revision, result.head_revision or "HEAD")
    from pathlib import Path
    from ..history import review as R
    problems = R.read_problems(Path(args.problems)) if args.problems else None
    limit = args.max_chars or (R.MAX_COMMENT if args.full_output else None)
    full = R.render(result, args.format, records, problems=problems) if args.full_output else ""
    out = R.render(result, args.format, records, problems=problems, limit=limit,
                   full_name=Path(args.full_output).name if args.full_output else None)
    check_output(args, "diff", out, full)
    if args.full_output:
        Path(args.full_output).write_text(full, encoding="utf-8")
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0
