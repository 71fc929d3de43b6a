"""``policykit init [DIR] --region 650200 --name 克拉玛依市 [--holds 权责清单,…] [--ci github|gitlab|none] [--force]``"""
from __future__ import annotations

import sys


def register(sub) -> None:
    from ..lists.config import HOLDABLE
    p = sub.add_parser("init", help="建立新城市的清单仓库 · set up a new city repository",
                       description="在空目录中建立可以直接使用的城市清单仓库：policykit.yaml（城市、区划代码、包含的清单）、"
                                   "规则（复制自 policykit 自带的规则）、空的 lists/ 目录、mkdocs.yml 和网站首页、README、CI 文件。"
                                   "已有文件一律不覆盖。见 docs/init.md。")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="新仓库的目录（默认当前目录；不存在则创建）")
    p.add_argument("--region", required=True, metavar="CODE", help="区划代码（6 位数字），如 650200")
    p.add_argument("--name", required=True, metavar="NAME", help="城市名称，如 克拉玛依市")
    p.add_argument("--holds", default=None, metavar="LIST,…",
                   help=f"本仓库包含的清单，逗号分隔（默认全部：{','.join(HOLDABLE)}）")
    p.add_argument("--ci", default="github", metavar="PLATFORM",
                   help="写入哪个平台的 CI 文件（默认 github；none 不写）")
    p.add_argument("--git", action="store_true", help="同时 git init（目录已在 git 仓库中时不做；不提交）")
    p.add_argument("--force", action="store_true",
                   help="目录不是空的也继续（其中只有 .git、README 等；仍不覆盖任何已有文件）")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..setup.init import init_repository
    holds = None
    if args.holds is not None:
        holds = [h.strip() for h in args.holds.replace("，", ",").split(",") if h.strip()]
    ci = None if args.ci in ("none", "") else args.ci
    result = init_repository(args.dir, region=args.region, name=args.name, holds=holds, ci=ci, force=args.force,
                             git=args.git)
    lists = sum(1 for rel in result.written if rel.startswith("lists/"))
    rules = sum(1 for rel in result.written if rel.startswith("rules/") and "/_base/" not in rel)
    sys.stdout.write(f"已建立城市仓库：{result.root}（{len(result.written) + len(result.ci)} 个文件："
                     f"policykit.yaml、{rules} 个规则文件、{lists} 个清单目录"
                     + ("、CI 文件" if result.ci else "") + "）" + ("，并已 git init" if result.git else "") + "\n"
                     "下一步：policykit import 权责清单.xlsx --out lists，然后 policykit check .\n")
    return 0
