"""``policykit adjust`` — help the clerk write a correct adjustment record."""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("adjust", help="调整记录：模板、提交钩子、校验 · adjustment records",
                       description="不带参数：列出将要提交的调整（暂存区对 HEAD）及其级别，并给出调整记录模板。"
                                   "--type/--reason/--basis/--approval：校验并输出一条调整记录（追加到提交说明末尾）。")
    p.add_argument("--root", default=".", help="仓库根目录")
    p.add_argument("--template", action="store_true", help="输出提交说明模板（可设为 git 的 commit.template）")
    p.add_argument("--install-hook", action="store_true", help="安装 commit-msg 钩子并设置提交模板")
    p.add_argument("--force", action="store_true", help="与 --install-hook 同用：覆盖已有的 commit-msg 钩子")
    p.add_argument("--check-message", metavar="FILE", default=None,
                   help="校验提交说明文件中的调整记录（commit-msg 钩子调用）")
    p.add_argument("--no-staged", action="store_true", help="与 --check-message 同用：不检查暂存区的重大调整")
    p.add_argument("--type", dest="type_", default=None, help="调整类型：法律立改废 机构改革 上级下放 职责调整 纠错 其他")
    p.add_argument("--reason", default=None, help="调整事由")
    p.add_argument("--basis", default=None, help="调整依据")
    p.add_argument("--approval", default=None, help="批准文号，如 明编办〔2026〕3号")
    p.add_argument("--effective", default=None, help="生效日期 YYYY-MM-DD（缺省为提交当日）")
    p.add_argument("--former-code", action="append", default=[], metavar="OLD->NEW",
                   help="事项改了编码：旧编码->新编码（可重复）；事项的历史据此跨编码连续")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..history import adjustments as A
    from ..errors import InputError
    if args.template:
        sys.stdout.write(A.template())
        return 0
    if args.install_hook:
        for line in A.install_hook(args.root, force=args.force):
            sys.stderr.write(line + "\n")
        return 0
    if args.check_message:
        from pathlib import Path
        try:
            text = Path(args.check_message).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"无法读取提交说明文件 {args.check_message}：{exc}") from None
        ok, report = A.check_message(args.root, text, staged=not args.no_staged)
        if not ok:
            sys.stderr.write("policykit: 提交被拒绝 (commit rejected)\n" + report)
        return 0 if ok else 1
    if any(v is not None for v in (args.type_, args.reason, args.basis, args.approval, args.effective)) \
            or args.former_code:
        from ..lists.adjustment_records import FIELDS, parse_records
        lines = [f"{FIELDS['recode'][0]}: {pair}" for pair in args.former_code]
        recodes = parse_records("调整类型: 其他\n" + "\n".join(lines))[0] if lines else None
        if recodes is not None and any("原编码" in e for e in recodes.errors):
            sys.stderr.write("调整记录无效：\n" + "".join(f"  - {e}\n" for e in recodes.errors if "原编码" in e))
            return 1
        record = A.make_record(args.type_ or "", args.reason or "", args.basis, args.approval, args.effective,
                               recodes.recodes if recodes is not None else ())
        if not record.valid:
            sys.stderr.write("调整记录无效：\n" + "".join(f"  - {e}\n" for e in record.errors))
            return 1
        sys.stdout.write(record.trailers())
        return 0
    from ..history import review as R
    d = A.staged_changes(args.root)
    sys.stdout.write(R.as_text(d))
    if d.changes:
        need = "须" if d.majors else "建议"
        sys.stdout.write(f"\n本次提交{need}附调整记录（追加到提交说明末尾）：\n")
        sys.stdout.write("".join(line[2:] + "\n" if line.startswith("# ") else "" for line in A.template().splitlines()
                                 if line.startswith(("# 调整", "# 批准", "# 生效", "# 原编码"))))
    return 0
