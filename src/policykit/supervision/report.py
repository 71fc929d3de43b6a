"""``policykit problems report``: the buck-passing (推诿) trend per period and per matter, and the
matters that have no boundary item yet.

A problem belongs to a matter (``matter``); a matter is covered by a boundary item when a problem
names one (``boundary``) or when the matter's name matches a boundary item's name — exactly, after
normalisation (no spaces or punctuation, NFKC), or when one normalised name contains the other
(at least four characters, so 「占道经营」 finds 「占道经营治理」).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict

from ..lists.records import BUCK_PASSING_TAGS, period_of, views

GRANULARITIES = ("month", "quarter", "year")
TAG_ORDER = ("推诿", "多头", "无人管", "职责交叉", "反复派单", "超期办理")
UNCLASSIFIED = "（未归类）"
_MIN_CONTAIN = 4


def _norm(text: str) -> str:
    from ..checking.facts import normalise_name  # lazy: policykit.checking.facts imports this package
    return normalise_name(text)


def boundary_for_matter(repo, matter: str | None):
    """The boundary item a matter name refers to, or None."""
    if not matter:
        return None
    for b in repo.boundaries:
        if b.name == matter:
            return b
    key = _norm(matter)
    if not key:
        return None
    for b in repo.boundaries:
        if _norm(b.name) == key:
            return b
    hits = []
    for b in repo.boundaries:
        other = _norm(b.name)
        short = min(len(key), len(other))
        if short >= _MIN_CONTAIN and (key in other or other in key):
            hits.append((abs(len(other) - len(key)), b.id, b))
    return min(hits, key=lambda h: h[:2])[2] if hits else None


def _boundary_of(repo, problem):
    if problem.boundary:
        b = repo.boundary(problem.boundary)
        return b, problem.boundary
    b = boundary_for_matter(repo, problem.matter)
    return b, (b.id if b else None)


def problems_report(repo, granularity: str = "month", *, period: str | None = None) -> dict:
    """Plain data of the report (what ``-f json`` prints). ``period`` limits it, e.g. ``2025``, and
    then the problems are matched to the boundary items and departments of the lists in force on
    the period's last day (valid time), unless ``repo`` was opened ``as_of`` a date already."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"period 应为 {'/'.join(GRANULARITIES)}：{granularity}")
    from ..lists.records import in_period, period_bounds
    from ..lists.validtime import provenance
    if period is not None and getattr(repo, "as_of", None) is None:
        from ..lists.repository import period_lists
        repo = period_lists(repo, period_bounds(period)[1])
    v = views(repo)
    problems = [p for p in v.problems if p.date is not None and (period is None or in_period(p.date, period))]
    problems.sort(key=lambda p: (p.date, p.id))
    undated = [p.id for p in v.problems if p.date is None]
    matter_rows = _matter_rows(repo, v, problems, granularity)
    unbounded = [r for r in matter_rows if r["boundary"] is None and r["matter"] != UNCLASSIFIED]
    total = len(problems)
    buck = sum(p.buck_passing for p in problems)
    return {
        "granularity": granularity,
        "period": period,
        "total": total,
        "buck_passing": buck,
        "share": _share(buck, total),
        "buck_passing_tags": list(BUCK_PASSING_TAGS),
        "sources": dict(Counter(p.origin for p in problems).most_common()),
        "tags": {t: c for t in TAG_ORDER if (c := sum(t in p.tags for p in problems))},
        "trend": _trend_rows(problems, granularity),
        "matters": matter_rows,
        "without_boundary": unbounded,
        "departments": _department_rows(repo, problems),
        "undated": undated,
        "computed_from": provenance(repo),
    }


def _trend_rows(problems: list, granularity: str) -> list:
    """Per period (in order): how many problems, how many of them buck-passing, and the tags."""
    trend = defaultdict(lambda: {"total": 0, "buck_passing": 0, "tags": Counter()})
    for p in problems:
        row = trend[period_of(p.date, granularity)]
        row["total"] += 1
        row["buck_passing"] += p.buck_passing
        row["tags"].update(p.tags)
    return [{"period": k, "total": r["total"], "buck_passing": r["buck_passing"],
             "share": _share(r["buck_passing"], r["total"]),
             "tags": {t: r["tags"][t] for t in TAG_ORDER if r["tags"][t]}}
            for k, r in sorted(trend.items())]


def _matter_rows(repo, v, problems: list, granularity: str) -> list:
    """Per matter, most buck-passing first: counts, tags, departments, its boundary item and disputes."""
    matters: dict = {}
    for p in problems:
        _add_to_matter(repo, matters, p, granularity)
    for d in v.disputes:
        m = matters.get(d.matter)
        if m is not None:
            m["disputes"].add(d.id)
    matter_rows = [_matter_row(repo, m) for m in matters.values()]
    matter_rows.sort(key=lambda r: (-r["buck_passing"], -r["total"], r["matter"]))
    return matter_rows


def _add_to_matter(repo, matters: dict, p, granularity: str) -> None:
    """Count one problem (in date order) under its matter, creating the matter's tally when first seen."""
    name = p.matter or UNCLASSIFIED
    b, bid = _boundary_of(repo, p)
    m = matters.setdefault(name, {"matter": name, "total": 0, "buck_passing": 0, "tags": Counter(),
                                  "departments": Counter(), "boundary": None, "boundary_name": None,
                                  "disputes": set(), "first": p.date, "last": p.date, "problems": [],
                                  "periods": Counter()})
    m["total"] += 1
    m["buck_passing"] += p.buck_passing
    m["tags"].update(p.tags)
    m["departments"].update(p.departments)
    m["problems"].append(p.id)
    m["last"] = p.date
    if p.buck_passing:
        m["periods"][period_of(p.date, granularity)] += 1
    if bid and not m["boundary"]:
        m["boundary"], m["boundary_name"] = bid, (b.name if b else None)
    if p.dispute:
        m["disputes"].add(p.dispute)


def _matter_row(repo, m: dict) -> dict:
    """A matter's tally as plain data (tags in the house order, departments most named first)."""
    return {
        "matter": m["matter"], "total": m["total"], "buck_passing": m["buck_passing"],
        "share": _share(m["buck_passing"], m["total"]),
        "tags": {t: m["tags"][t] for t in TAG_ORDER if m["tags"][t]},
        "departments": [{"department": d, "name": repo.department_name(d), "count": c}
                        for d, c in sorted(m["departments"].items(), key=lambda x: (-x[1], x[0]))],
        "boundary": m["boundary"], "boundary_name": m["boundary_name"],
        "disputes": sorted(m["disputes"]), "first": m["first"].isoformat(), "last": m["last"].isoformat(),
        "buck_passing_by_period": dict(sorted(m["periods"].items())), "problems": m["problems"]}


def _department_rows(repo, problems: list) -> list:
    """Per department, most buck-passing first: how many problems name it and how many are buck-passing."""
    dept = defaultdict(lambda: [0, 0])
    for p in problems:
        for d in p.departments:
            dept[d][0] += 1
            dept[d][1] += p.buck_passing
    return [{"department": d, "name": repo.department_name(d), "total": t, "buck_passing": b,
             "share": _share(b, t)} for d, (t, b) in sorted(dept.items(), key=lambda x: (-x[1][1], -x[1][0], x[0]))]


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


_UNIT = {"month": "月", "quarter": "季度", "year": "年度"}


def format_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def format_text(data: dict) -> str:
    out = [f"问题征集 {data['total']} 件，其中推诿或多头 {data['buck_passing']} 件（{_pct(data['share'])}）"
           + (f"，期间 {data['period']}" if data.get("period") else ""),
           "来源：" + ("、".join(f"{k} {v} 件" for k, v in data["sources"].items()) or "无"), "",
           f"按{_UNIT[data['granularity']]}的推诿趋势："]
    peak = max((r["buck_passing"] for r in data["trend"]), default=0) or 1
    for r in data["trend"]:
        bar = "█" * round(20 * r["buck_passing"] / peak)
        out.append(f"  {r['period']:<8} 共 {r['total']:>3} 件  推诿/多头 {r['buck_passing']:>3} 件 {_pct(r['share']):>6}  {bar}")
    out += ["", "按事项："]
    for r in data["matters"]:
        where = f"边界事项 {r['boundary']}" if r["boundary"] else ("未归类" if r["matter"] == UNCLASSIFIED else "尚无边界事项")
        disputes = f"，调处 {'、'.join(r['disputes'])}" if r["disputes"] else ""
        out.append(f"  {r['matter']}：共 {r['total']} 件，推诿/多头 {r['buck_passing']} 件；{where}{disputes}")
    out += ["", f"尚无职责边界事项的事项（{len(data['without_boundary'])} 个）："]
    for r in data["without_boundary"]:
        depts = "、".join(f"{d['name']}({d['count']})" for d in r["departments"])
        out.append(f"  {r['matter']}：{r['total']} 件，推诿/多头 {r['buck_passing']} 件，{r['first']} 至 {r['last']}，派单 {depts or '无'}")
    if not data["without_boundary"]:
        out.append("  （无）")
    if data["undated"]:
        out += ["", f"缺少受理日期、未计入的问题：{'、'.join(data['undated'])}"]
    if data.get("computed_from"):
        from ..lists.validtime import describe
        out += ["", describe(data["computed_from"])]
    return "\n".join(out) + "\n"


def format_markdown(data: dict) -> str:
    out = ["# 问题征集与推诿趋势", "",
           f"共 {data['total']} 件，推诿或多头 {data['buck_passing']} 件（{_pct(data['share'])}）。"
           + "来源：" + "、".join(f"{k} {v} 件" for k, v in data["sources"].items()) + "。", "",
           f"## 按{_UNIT[data['granularity']]}", "",
           "| 期间 | 问题数 | 推诿/多头 | 占比 | 标签 |", "|---|---:|---:|---:|---|"]
    for r in data["trend"]:
        tags = "、".join(f"{k} {v}" for k, v in r["tags"].items())
        out.append(f"| {r['period']} | {r['total']} | {r['buck_passing']} | {_pct(r['share'])} | {tags} |")
    out += ["", "## 按事项", "", "| 事项 | 问题数 | 推诿/多头 | 边界事项 | 调处 | 首次 | 最近 |", "|---|---:|---:|---|---|---|---|"]
    for r in data["matters"]:
        b = f"{r['boundary']} {r['boundary_name'] or ''}".strip() if r["boundary"] else "**尚无**"
        out.append(f"| {r['matter']} | {r['total']} | {r['buck_passing']} | {b} | {'、'.join(r['disputes'])} | {r['first']} | {r['last']} |")
    out += ["", "## 尚无职责边界事项的事项", ""]
    if data["without_boundary"]:
        out += ["| 事项 | 问题数 | 推诿/多头 | 派单部门 |", "|---|---:|---:|---|"]
        for r in data["without_boundary"]:
            depts = "、".join(f"{d['name']}（{d['count']}）" for d in r["departments"])
            out.append(f"| {r['matter']} | {r['total']} | {r['buck_passing']} | {depts} |")
    else:
        out.append("（无）")
    out += ["", "## 按部门", "", "| 部门 | 派单数 | 推诿/多头 | 占比 |", "|---|---:|---:|---:|"]
    for r in data["departments"]:
        out.append(f"| {r['name']} | {r['total']} | {r['buck_passing']} | {_pct(r['share'])} |")
    if data.get("computed_from"):
        from ..lists.validtime import describe
        out += ["", describe(data["computed_from"])]
    return "\n".join(out) + "\n"


FORMATS = {"text": format_text, "json": format_json, "markdown": format_markdown}
