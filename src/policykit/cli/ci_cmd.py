"""``policykit ci --write github|gitlab [DIR]`` — write CI files ready to copy."""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("ci", help="写出 CI 配置文件 · write CI files (GitHub Actions, GitLab CI)",
                       description="写出在合并请求上运行 policykit 的 CI 文件：只因新问题失败（--baseline），"
                                   "把审阅发表为一条评论（每次推送更新同一条），上传 SARIF 与完整审阅。"
                                   "github 写 .github/workflows/policykit.yml 与 policykit-review.yml；"
                                   "gitlab 写 .gitlab-ci.yml。已有内容不同的文件不覆盖（除非 --force）。")
    p.add_argument("--write", required=True, choices=["github", "gitlab"], help="CI 平台")
    p.add_argument("dir", nargs="?", default=".", help="仓库根目录（默认当前目录）")
    p.add_argument("--force", action="store_true", help="覆盖已有的同名文件")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..setup.ci import write_ci_files
    for path in write_ci_files(args.dir, args.write, force=args.force):
        sys.stdout.write(f"已写出 {path}\n")
    return 0
