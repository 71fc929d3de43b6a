"""``policykit check [ROOT]``"""
from __future__ import annotations

import sys

from ..problems import SEVERITIES


def register(sub) -> None:
    p = sub.add_parser("check", help="检查清单（模式 + 规则） · check the lists",
                       description="载入清单，按模式校验，在 durable-rules 上运行规则并报告问题。")
    p.add_argument("root", nargs="?", default=".", help="仓库根目录（默认当前目录）")
    from ..checking.reporters import FORMATS
    p.add_argument("-f", "--format", default="text", choices=FORMATS, help="输出格式")
    p.add_argument("--fail-on", choices=SEVERITIES, default=None, help="达到该级别即以 1 退出（默认取配置，缺省 error）")
    p.add_argument("--rules", default=None, help="规则目录（默认取配置 rules_dir）")
    p.add_argument("--engine", choices=["durable", "oracle"], default="durable", help="规则引擎（oracle 为纯 Python 对照实现）")
    p.add_argument("--workers", type=int, default=None,
                   help="规则进程数（0 = 本进程，内存预算不生效，须同时给出 --no-rule-memory-budget）")
    p.add_argument("--no-rule-memory-budget", action="store_true",
                   help="允许 --workers 0 在本进程中运行规则（仅供调试：limits.max_rule_memory_mib 不生效）")
    p.add_argument("--at", default=None, help="按某一提交或日期读取清单（见 policykit diff/log）")
    p.add_argument("--as-of", default=None, metavar="DATE",
                   help="按该日期（YYYY-MM-DD）生效的清单检查：调整按生效日期、条目按自身的生效/失效日期（见 docs/time.md）")
    p.add_argument("--legal-date", default=None, help="按该日期（YYYY-MM-DD）有效的法律法规检查依据（默认：--at 所指日期或今天）")
    p.add_argument("--since", default=None, help="同时检查自该提交以来的调整是否附有调整记录")
    p.add_argument("--baseline", default=None, metavar="BASE",
                   help="只因本次变更引入的新问题而失败：BASE 为提交/分支（用同一套规则检查），"
                        "或已保存的检查结果（check -f json 或 -f sarif 的输出）")
    p.add_argument("-o", "--output", default=None, help="写入文件而非标准输出")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..checking.check import ProcessPolicy, run_check
    _require_rule_budget(args)
    from ..progress import Progress
    from ..checking.reporters import render
    progress = Progress("规则", enabled=not args.quiet)
    legal_date = None
    if args.legal_date:
        import datetime as dt
        from ..errors import UsageError
        try:
            legal_date = dt.date.fromisoformat(args.legal_date)
        except ValueError:
            raise UsageError(f"--legal-date 应为日期 YYYY-MM-DD：{args.legal_date}") from None
    repo = today = None
    if getattr(args, "as_of", None):
        # valid time: the lists in force on the date, judged as on that day (laws, waivers, due dates);
        # not remembered as the work tree's result (reuse off: the lists may be an older commit's)
        from .. import open_repository
        from ..lists.validtime import parse_day
        today = parse_day(args.as_of)
        legal_date = legal_date or today
        repo = open_repository(args.root, at=args.at, as_of=today, pause_gc=True)
    result = run_check(args.root, rules_dir=args.rules, engine=args.engine, workers=args.workers,
                       progress=progress, at=args.at, legal_date=legal_date, reuse=repo is None, repo=repo, today=today,
                       # this process is the CLI's own: its gc and forking tricks are safe here
                       process=ProcessPolicy.FAST)
    if result.reuse.get("whole") and not args.quiet:
        sys.stderr.write("清单、规则与模式均未改变，沿用上次检查结果 (nothing changed since the last check: result reused)\n")
    problems = result.problems
    if args.since:
        from ..history.adjustments import check_since
        from ..history.diff import review_since
        # set: a dispute's wrong commit is found by the plain check too (lists/dispute_commits.py)
        problems = sorted(set(problems + check_since(result.root, args.since, head=args.at or "HEAD")
                              + review_since(result.root, args.since, args.at)))
    summary = {**result.summary}
    from ..problems import summarize
    summary.update(summarize(problems))
    comparison = None
    if args.baseline:
        from ..checking.baseline import baseline_problems, compare
        base, label = baseline_problems(result.root, args.baseline, rules_dir=args.rules, engine=args.engine,
                                        workers=args.workers, legal_date=legal_date, process=ProcessPolicy.FAST)
        comparison = compare(base, problems, label)
        summary["baseline"] = comparison.summary()
    out = render(args.format, problems, summary, result.rules, comparison)
    if args.output:
        from pathlib import Path
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    threshold = args.fail_on or result.config.fail_on
    from ..problems import at_least
    # the result (a whole repository's model and facts) is left to the process's exit, which
    # drops it at once (cli.run), instead of being freed object by object here (0.1 s at Jinan size)
    _KEPT.append(result)
    from ..checking.check import rules_over_budget
    over = rules_over_budget(problems)
    if over:   # a rule ran out of its budget: the other rules' results are above, the verdict is not whole
        sys.stderr.write(f"policykit: 错误: {len(over)} 条规则超出预算，检查不完整（其余规则的结果已照常报告） "
                         f"(rules over budget: the check is incomplete)\n")
        return 2
    return 1 if at_least(comparison.new if comparison is not None else problems, threshold) else 0


_KEPT: list = []


def _require_rule_budget(args) -> None:
    """Rules run in this process (``--workers 0``) have no memory budget (``RLIMIT_AS`` would bind
    the whole check, and a failed allocation there cannot be told from a defect): refused unless
    asked for by name; ``--workers 1`` keeps every budget (docs/security.md)."""
    from ..errors import UsageError
    if args.workers is not None and args.workers < 0:
        raise UsageError(f"--workers 应为 0 或正整数：{args.workers} (--workers must be 0 or more)")
    if args.workers == 0 and not args.no_rule_memory_budget:
        raise UsageError("--workers 0 在本进程中运行规则，规则的内存预算（limits.max_rule_memory_mib）无法生效，"
                         "不予运行 (--workers 0 runs the rules without their memory budget)",
                         hint="用 --workers 1（每个规则集一个受内存预算约束的进程）；仅调试时确需在本进程运行，"
                              "再加 --no-rule-memory-budget")
