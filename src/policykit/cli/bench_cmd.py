"""``policykit bench generate --scale jinan|province|small --seed N --out DIR``"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("bench", help="性能基准工具：生成大规模测试仓库 · benchmark tools",
                       description="生成与济南规模相当（或省级、缩小规模）的清单仓库，内含已知数量的预置问题，用于性能基准与测试。")
    bsub = p.add_subparsers(dest="bench_command", metavar="SUBCOMMAND")
    g = bsub.add_parser("generate", help="生成测试仓库 · generate a repository",
                        description="写出一个完整的清单仓库（lists/、policykit.yaml）以及 planted.json（每条规则应报告的问题数）"
                                    "和 generated.json（规模与种子）。同一种子总是生成相同的字节。")
    g.add_argument("--scale", default="jinan", choices=["small", "jinan", "province"],
                   help="规模：small（测试用，数秒）、jinan（济南：491 个部门、11,246 项权力）、province（约 10 倍）")
    g.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
    g.add_argument("--out", required=True, help="输出目录（须为空，或加 --force）")
    g.add_argument("--force", action="store_true", help="覆盖输出目录中已有的清单")
    g.set_defaults(func=_generate)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def _generate(args) -> int:
    import time
    from ..bench.generate import generate
    t0 = time.perf_counter()
    stats = generate(args.out, scale=args.scale, seed=args.seed, force=args.force)
    took = time.perf_counter() - t0
    sys.stdout.write(
        f"已生成 {stats['scale']} 规模仓库 {args.out}（{took:.1f}s）：{stats['departments']} 个部门、{stats['units']} 个内设机构、"
        f"{stats['unit_duties']} 条处室职责、{stats['power_items']} 项权力事项、{stats['boundaries']} 个边界事项、"
        f"{stats['catalog_items']} 个监管事项；{stats['files']} 个文件，{stats['bytes'] / 1e6:.1f} MB；"
        f"预置问题 {stats['planted_problems']} 个（见 planted.json）\n")
    return 0
