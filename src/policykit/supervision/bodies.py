"""Figures on coordination bodies (议事协调机构): how many, of which kind, how many were cut and the share.

Two ways to derive "bodies cut and the share" (Jinan: 202 bodies cut, 50.1%):

- ``bodies_figures(repo, since=, until=, today=)`` from the data alone: every body record carries its status
  (存续/撤销/合并) and, when cut, the date and document; the base is every body that existed at
  ``since`` (or every registered body), the cut ones are those abolished or merged in the window.
  Temporary bodies still active after their term are judged on ``today`` (default: the real today;
  the site passes its legal date).
- ``bodies_cut_between(before, after)`` from two revisions of the repository (``open_repository(at=…)``):
  bodies active at ``before`` that are no longer active (or no longer listed) at ``after``.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter

from ..lists.records import views


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def bodies_figures(repo, *, since: _dt.date | None = None, until: _dt.date | None = None,
                   period: str | None = None, today: _dt.date | None = None) -> dict:
    """Counts by kind, status and host; bodies cut in [since, until] and their share of the base.

    ``period`` (e.g. ``2025``) counts run records (meetings, documents) per body in that period.
    ``today`` (default: today) is the day temporary bodies past their term are judged on
    (``temporary_past_term``; returned as ``as_of``).
    """
    bodies = views(repo).bodies
    until = until or _dt.date.max
    if since is not None:
        base = [b for b in bodies if b.existed_on(since)]
    else:
        base = list(bodies)
    cut = [b for b in base if _cut_in_window(b, since, until)]
    active = [b for b in bodies if b.active]
    merged = [b for b in cut if b.status == "合并"]
    today = today or _dt.date.today()
    expired = [b for b in active if b.type == "临时" and b.term_end and b.term_end < today]
    by_year = Counter(b.abolished_on.year for b in cut if b.abolished_on)
    rows = [_body_row(repo, b, period) for b in sorted(bodies, key=lambda b: b.id)]
    return {
        "since": since.isoformat() if since else None,
        "until": None if until == _dt.date.max else until.isoformat(),
        "as_of": today.isoformat(),
        "registered": len(bodies),
        "base": len(base),
        "active": len(active),
        "cut": len(cut),
        "abolished": len(cut) - len(merged),
        "merged": len(merged),
        "cut_share": _share(len(cut), len(base)),
        "cut_by_year": dict(sorted(by_year.items())),
        "active_by_kind": dict(Counter(b.type for b in active)),
        "temporary_past_term": [b.id for b in expired],
        "active_by_host": dict(Counter(repo.department_name(b.host) for b in active).most_common()),
        "bodies": rows,
    }


def _cut_in_window(b, since, until) -> bool:
    """Whether a body counts as cut in [since, until]: inactive, and abolished in the window (or on no known date)."""
    if b.active:
        return False
    if b.abolished_on is None:
        return True
    return (since is None or b.abolished_on >= since) and b.abolished_on <= until


def _body_row(repo, b, period) -> dict:
    """One body as listed in the figures (``records_in_period`` only when a period is asked for)."""
    from ..lists.records import in_period
    return {
        "id": b.id, "name": b.name, "kind": b.type, "status": b.status, "host": b.host,
        "host_name": repo.department_name(b.host), "members": len(b.members),
        "established": b.established_on.isoformat() if b.established_on else None,
        "abolished": b.abolished_on.isoformat() if b.abolished_on else None,
        "merged_into": (b.abolished or {}).get("merged_into"),
        "term_end": b.term_end.isoformat() if b.term_end else None,
        "has_work_rules": bool(b.work_rules), "has_office_rules": bool(b.office_rules),
        "records": len(b.records),
        "records_in_period": sum(1 for r in b.records if in_period(r[0], period)) if period else None,
    }


def bodies_cut_between(before, after) -> dict:
    """Bodies active in repository ``before`` that are not active in ``after`` (abolished, merged or
    deleted), and their share of those active before."""
    old = {b.id: b for b in views(before).bodies if b.active}
    new = {b.id: b for b in views(after).bodies}
    cut, added = [], []
    for bid, b in sorted(old.items()):
        now = new.get(bid)
        if now is None:
            cut.append({"id": bid, "name": b.name, "how": "删除"})
        elif not now.active:
            cut.append({"id": bid, "name": b.name, "how": now.status,
                        "merged_into": (now.abolished or {}).get("merged_into")})
    for bid, b in sorted(new.items()):
        if b.active and bid not in old:
            added.append({"id": bid, "name": b.name, "kind": b.type})
    return {"before": len(old), "after": sum(1 for b in new.values() if b.active), "cut": len(cut),
            "cut_share": _share(len(cut), len(old)), "cut_bodies": cut, "added_bodies": added}


def format_figures(fig: dict) -> str:
    """One Chinese sentence per figure (for the site and reports)."""
    window = ""
    if fig.get("since"):
        window = f"自 {fig['since']}" + (f" 至 {fig['until']}" if fig.get("until") else "") + "，"
    lines = [f"登记议事协调机构 {fig['registered']} 个，现存续 {fig['active']} 个"
             + ("（" + "、".join(f"{k} {v} 个" for k, v in fig["active_by_kind"].items()) + "）" if fig["active_by_kind"] else "") + "。",
             f"{window}精简 {fig['cut']} 个（撤销 {fig['abolished']} 个、合并 {fig['merged']} 个），"
             f"占 {fig['base']} 个的 {fig['cut_share'] * 100:.1f}%。"]
    if fig["temporary_past_term"]:
        lines.append("超过存续期限的临时机构：" + "、".join(fig["temporary_past_term"]) + "。")
    return "\n".join(lines) + "\n"
