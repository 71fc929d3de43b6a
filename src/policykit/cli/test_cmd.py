"""``policykit test``: run every rule's own examples."""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("test", help="运行每条规则自带的通过/不通过示例 · run the rules' examples")
    p.add_argument("root", nargs="?", default=".", help="仓库根目录")
    p.add_argument("--rules", default=None, help="规则目录")
    p.add_argument("--engine", choices=["durable", "oracle"], default="durable")
    p.add_argument("-k", "--select", default=None, help="只运行编号包含该字符串的规则")
    p.add_argument("-v", "--verbose", action="store_true", help="列出每个示例")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path
    from ..checking.check import rules_dir_for
    from ..lists.config import load_config
    from ..checking.rules import load_rules
    from ..checking.ruletest import coverage, run_examples
    root = Path(args.root).resolve()
    config, _ = load_config(root)
    rdir = Path(args.rules).resolve() if args.rules else rules_dir_for(root, config.rules_dir)
    rules, problems = load_rules(rdir, rdir.parent)
    for p in problems:
        sys.stdout.write(f"{p.location()}: [{p.rule}] {p.message}\n")
    from ..checking.check import require_rules
    require_rules(rules, problems, rdir, root)   # zero rules passing their examples proves nothing
    if args.select:
        rules = [r for r in rules if args.select in r.id]
    results = run_examples(rules, rdir, engine=args.engine)
    failed = [r for r in results if not r.ok]
    for r in results:
        if args.verbose or not r.ok:
            mark = "通过" if r.ok else "失败"
            sys.stdout.write(f"{mark} {r.rule} [{r.expect}] {r.name}" + (f"：{r.detail}" if r.detail else "") + "\n")
    missing = coverage(rules)
    for kind, ids in missing.items():
        for rid in ids:
            sys.stdout.write(f"缺少示例 {rid}：没有 {kind} 示例 (rule has no {kind} example)\n")
    sys.stdout.write(f"{len(rules)} 条规则，{len(results)} 个示例，{len(failed)} 个失败\n")
    return 1 if failed or problems or any(missing.values()) else 0
