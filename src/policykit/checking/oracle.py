"""The plain-Python twin of engine.py: same compiled rules, evaluated with dicts and loops.

It exists to prove the engine: the differential tests demand identical matches from both.
Semantics (shared with the engine, found by the differential tests): a comparison on a missing
field is false; ``exists`` tests presence; each matched pattern binds a different fact; matches
are tuples of the ``seq`` of the matched facts, in pattern order. It keeps the engine's budget
(engine.Budget): the deadline and the ceiling on one rule's matches (memory is not bounded here).
"""
from __future__ import annotations

import operator
import time

from .rules import Condition, Rule

_OPS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
        "gt": operator.gt, "gte": operator.ge}


def _test(c: Condition, fact: dict, bound: dict) -> bool:
    if c.op == "exists":
        return (c.field in fact) == c.value
    if c.field not in fact:
        return False
    if c.ref:
        other = bound[c.ref[0]]
        if c.ref[1] not in other:
            return False
        right = other[c.ref[1]]
    else:
        right = c.value
    left = fact[c.field]
    if isinstance(left, bool) != isinstance(right, bool):
        if not (_number(left) and _number(right)):
            return c.op == "ne"
        # a boolean against a number, as the engine compares them (measured, tests/test_engine_differential):
        # as the numbers 0 and 1, except that a join on equality never pairs them
        if c.ref and c.op == "eq":
            return False
        left, right = (int(left) if isinstance(left, bool) else left), (int(right) if isinstance(right, bool) else right)
    try:
        return _OPS[c.op](left, right)
    except TypeError:
        return c.op == "ne"


def _number(value) -> bool:
    return isinstance(value, (int, float))


def _hashable(value):
    # True == 1 in Python but not in the engine: keep booleans apart from numbers
    return (type(value) is bool, value)


def run_rule(rule: Rule, facts_by_kind: dict, budget=None) -> set[tuple]:
    from .engine import current_budget, over_matches, over_time
    budget = budget or current_budget()
    most, deadline = budget.max_matches, budget.deadline
    steps = [0]
    matched = rule.matched
    matches: set[tuple] = set()
    # hash index on the first equality join of each pattern, so joins are not quadratic
    indexes = {}
    for i, p in enumerate(rule.patterns):
        key_cond = next((c for c in p.conditions if c.op == "eq" and c.ref), None)
        if key_cond is not None:
            index: dict = {}
            for f in facts_by_kind.get(p.kind, ()):
                if key_cond.field in f:
                    index.setdefault(_hashable(f[key_cond.field]), []).append(f)
            indexes[i] = (key_cond, index)

    def extend(index: int, bound: dict):
        steps[0] += 1
        if not steps[0] & 4095 and time.monotonic() > deadline:
            raise over_time([rule], budget)
        if index == len(rule.patterns):
            matches.add(tuple(bound[p.alias]["seq"] for p in matched))
            if len(matches) > most:
                raise over_matches([rule], budget)
            return
        p = rule.patterns[index]
        if index in indexes:
            key_cond, table = indexes[index]
            other = bound[key_cond.ref[0]]
            if key_cond.ref[1] not in other:
                candidates = ()
            else:
                candidates = table.get(_hashable(other[key_cond.ref[1]]), ())
        else:
            candidates = facts_by_kind.get(p.kind, ())
        if p.negated:
            if not any(all(_test(c, f, bound) for c in p.conditions) for f in candidates):
                extend(index + 1, bound)
            return
        taken = {id(b) for b in bound.values()}
        for f in candidates:
            if id(f) in taken:  # as in the engine, one fact binds at most one pattern
                continue
            if all(_test(c, f, bound) for c in p.conditions):
                bound[p.alias] = f
                extend(index + 1, bound)
                del bound[p.alias]

    extend(0, {})
    return matches


def evaluate(rules: list[Rule], facts: list[dict], *, meanwhile=None, budget=None, **_) -> dict[str, set]:
    from .engine import current_budget
    budget = budget or current_budget()
    if meanwhile is not None:
        meanwhile()
    facts_by_kind: dict[str, list] = {}
    for f in facts:
        facts_by_kind.setdefault(f["kind"], []).append(f)
    return {rule.id: run_rule(rule, facts_by_kind, budget) for rule in rules}
