"""``policykit lookup TEXT`` — the right department for a caller's plain words (12345 派单查询)."""
from __future__ import annotations

import json
import sys

MAX_TEXT = 400        # characters accepted on the command line (the lookup reads the first 100)


def register(sub) -> None:
    p = sub.add_parser("lookup", help="派单查询：群众说法 → 牵头部门 · plain words to the lead department",
                       description="按群众和热线的说法查找职责边界事项、权力事项和监管事项，给出牵头部门、配合部门和命中的词；"
                                   "没有对应事项时明说，并列出清单中提到这些词的部门。与网站“派单查询”同一套索引和打分。")
    p.add_argument("text", help="群众反映的事项，例如：占道经营归谁管；也可以是事项编码、边界事项编号、监管事项编码或审管协同编号")
    p.add_argument("--root", default=".", help="仓库根目录")
    p.add_argument("-n", "--limit", type=int, default=5, help="最多列出的事项数（缺省 5）")
    p.add_argument("-f", "--format", choices=["text", "json"], default="text", help="输出格式")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import UsageError
    if len(args.text) > MAX_TEXT:
        raise UsageError(f"查询过长：{len(args.text)} 个字符，最多 {MAX_TEXT} (query too long)")
    if args.limit < 1 or args.limit > 100:
        raise UsageError("--limit 须在 1 到 100 之间 (--limit must be 1–100)")
    from .. import open_repository
    from ..lookup import lookup
    repo = open_repository(args.root)
    result = lookup(repo, args.text, limit=args.limit)
    if args.format == "json":
        sys.stdout.write(json.dumps(to_json(repo, result), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(repo, result))
    return 0


def to_json(repo, result) -> dict:
    return {
        "query": result.query,
        "words": [{"word": w.text, "weight": w.weight} for w in result.words if w.weight],
        "codes": [c.text for c in result.codes],
        "confident": result.confident,
        "answers": [{"kind": a.kind, "key": a.key, "name": a.name, "lead": a.lead,
                     "lead_name": repo.department_name(a.lead) if a.lead else None,
                     "cooperating": list(a.cooperating), "score": round(a.score, 4),
                     "coverage": round(a.coverage, 4), "confident": a.confident, "reason": a.reason,
                     "matched": [{"word": h.word, "found": h.found, "via": h.via} for h in a.matched]}
                    for a in result.answers],
        "departments": [{"department": h.department, "name": h.name, "coverage": round(h.coverage, 4),
                         "words": list(h.words)} for h in result.departments],
    }


def render_text(repo, result) -> str:
    from ..lookup.answers import KIND_NAMES

    def name(dept):
        d = repo.departments.get(dept)
        return d.name if d else dept

    out = []
    words = "、".join(w.text for w in result.words if w.weight) or "（无）"
    codes = "；编码：" + "、".join(c.text for c in result.codes) if result.codes else ""
    out.append(f"查询：{result.query}（关键词：{words}{codes}）")
    if result.confident:
        a = result.answers[0]
        out.append(f"牵头部门：{name(a.lead)}")
        out.append(f"  {KIND_NAMES[a.kind]} {a.key} {a.name}")
        if a.cooperating:
            out.append("  配合部门：" + "、".join(name(d) for d in a.cooperating) + ("（审批）" if a.kind == "pair" else ""))
        if a.reason:
            out.append(f"  {a.reason}")
        out.append(f"  命中：{a.why()}")
        rest = result.answers[1:]
    else:
        out.append("暂无确定对应的职责边界事项或权力事项，请不要据此派单。")
        if result.departments:
            out.append("以下部门的清单（三定职责、职责任务、权力事项）提到这些词：")
            for h in result.departments:
                out.append(f"  {h.name}（{h.department}）：{'、'.join(h.words)}")
        rest = result.answers
    if rest:
        out.append("其他可能相关的事项：" if result.confident else "可能相关的事项（把握不足）：")
        for a in rest:
            lead = f"牵头 {name(a.lead)}" if a.lead else "牵头部门未明确"
            out.append(f"  {KIND_NAMES[a.kind]} {a.key} {a.name} — {lead}（命中：{a.why()}）")
    return "\n".join(out) + "\n"
