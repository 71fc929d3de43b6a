"""Plain ``policykit check`` (no ``--as-of``) judges list entries by their own dates: an approved
transfer written in advance keeps the item in the old department until the day it takes effect
(``expires``) and already writes it in the new one (``effective``). The two entries follow each
other; they are not a duplicate code, a duplicate name or an overlap between departments. Entries
whose periods do share a day still are."""
from __future__ import annotations

import datetime as dt

import pytest

from policykit.checking.check import run_check
from timecity import advance_transfer, commit, make_city, record

CODE = "370199101XK00101"                 # 食品经营许可（食品经营许可证核发）, 市场监管局
DUPLICATE_RULES = {"PWR-CODE-UNIQUE", "PWR-NAME-UNIQUE", "X-OVERLAP-NAME", "X-OVERLAP-CATALOG"}


def _about_code(result) -> set:
    return {p.rule for p in result.problems if CODE in p.message}


@pytest.fixture()
def city(tmp_path):
    return make_city(tmp_path)


def _future(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def test_a_transfer_approved_in_advance_is_no_duplicate(city):
    day = _future(120)                   # approved now, in force in four months
    advance_transfer(city, CODE, "scjgj", "zhzfj", day, unit="执法监督科")
    commit(city, record("机构改革", "食品经营许可划转综合执法局", effective=day), "2026-03-10T09:00:00+08:00")
    rules = _about_code(run_check(city))
    assert not rules & DUPLICATE_RULES, rules
    # what the transfer really leaves undone is still said: the 市县事权划分 does not cover zhzfj
    assert "X-DIVISION-MOVED" in rules
    # and each day is judged by its own lists
    before = _about_code(run_check(city, repo=_open(city, as_of=dt.date.today())))
    after = _about_code(run_check(city, repo=_open(city, as_of=dt.date.fromisoformat(day))))
    assert not before & (DUPLICATE_RULES | {"X-DIVISION-MOVED"})
    assert "X-DIVISION-MOVED" in after and not after & DUPLICATE_RULES


def test_entries_that_share_a_day_are_still_duplicates(city):
    """The new entry starts a month before the old one ends: for that month two departments hold it."""
    day = _future(120)
    advance_transfer(city, CODE, "scjgj", "zhzfj", day, unit="执法监督科", starts=_future(90))
    commit(city, record("机构改革", "食品经营许可划转综合执法局", effective=day), "2026-03-10T09:00:00+08:00")
    rules = _about_code(run_check(city))
    assert {"PWR-CODE-UNIQUE", "X-OVERLAP-NAME"} <= rules


def test_undated_entries_in_two_departments_are_duplicates(city):
    """Without entry dates the plain check cannot know the entries follow each other: as before."""
    day = _future(120)
    advance_transfer(city, CODE, "scjgj", "zhzfj", day, unit="执法监督科")
    from timecity import dump, load
    for dept in ("scjgj", "zhzfj"):
        data = load(city, f"lists/powers/{dept}.yaml")
        for item in data["items"]:
            item.pop("expires", None), item.pop("effective", None)
        dump(city, f"lists/powers/{dept}.yaml", data)
    rules = _about_code(run_check(city))
    assert {"PWR-CODE-UNIQUE", "X-OVERLAP-NAME"} <= rules


def test_a_recode_approved_in_advance_is_no_duplicate_name(city):
    """The same item under a new code from a day on, both entries in one department (docs/time.md)."""
    from timecity import dump, load
    day = dt.date.fromisoformat(_future(60))
    data = load(city, "lists/powers/scjgj.yaml")
    old = next(i for i in data["items"] if str(i["code"]) == CODE)
    new = dict(old, code="370199101XK00109", effective=day)
    old["expires"] = day
    data["items"].append(new)
    dump(city, "lists/powers/scjgj.yaml", data)
    problems = [p for p in run_check(city).problems if "370199101XK00109" in p.message]
    assert not {p.rule for p in problems} & DUPLICATE_RULES, problems
    new["effective"] = day - dt.timedelta(days=1)          # one day of overlap is a duplicate name
    dump(city, "lists/powers/scjgj.yaml", data)
    assert "PWR-NAME-UNIQUE" in {p.rule for p in run_check(city).problems if "370199101XK00109" in p.message}


def _open(root, **kw):
    import policykit
    return policykit.open_repository(root, **kw)


def test_a_lead_handed_over_in_advance_is_one_lead_every_day(city):
    """A boundary matter's lead changes on a day: the old roles expire, the swapped ones take effect."""
    import copy
    from timecity import dump, load
    day = dt.date.fromisoformat(_future(60))
    data = load(city, "lists/boundaries/BJ-002.yaml")
    roles = data["departments"]
    lead = next(r for r in roles if r["role"] == "牵头")
    other = next(r for r in roles if r["role"] == "配合")
    cooperating_before = tuple(r["department"] for r in roles if r["role"] == "配合")
    new_lead, new_other = copy.deepcopy(other), copy.deepcopy(lead)
    new_lead["role"], new_other["role"] = "牵头", "配合"
    for r in (lead, other):
        r["expires"] = day
    for r in (new_lead, new_other):
        r["effective"] = day
    roles += [new_lead, new_other]
    dump(city, "lists/boundaries/BJ-002.yaml", data)

    def found():
        return {p.rule for p in run_check(city).problems if "BJ-002" in p.message or p.file.endswith("BJ-002.yaml")}
    assert not found() & {"BND-ONE-LEAD", "BND-DEPARTMENT-ONCE"}
    assert _open(city, as_of=day).lead_of("BJ-002") == new_lead["department"]
    assert _open(city, as_of=day - dt.timedelta(days=1)).lead_of("BJ-002") == lead["department"]
    today = _open(city)                                      # without as_of: the lead in force today
    assert today.lead_of("BJ-002") == lead["department"]
    assert today.boundary("BJ-002").cooperating == cooperating_before
    later = int(day.strftime("%Y%m%d"))
    assert [r.department for r in today.boundary("BJ-002").current_roles(later) if r.role == "牵头"] == \
        [new_lead["department"]]
    new_lead["effective"] = day - dt.timedelta(days=10)      # ten days with two leads
    dump(city, "lists/boundaries/BJ-002.yaml", data)
    assert {"BND-ONE-LEAD", "BND-DEPARTMENT-ONCE"} <= found()
