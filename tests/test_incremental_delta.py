"""Delta evaluation by partition (incremental.py) gives exactly the matches of a full run.

Random small fact sets over a few kinds, with field values from a tiny alphabet so that joins,
duplicates (of values, of whole facts, of digests), missing fields and the odd value that is not a
string all happen; then random edits (additions, removals, changed fields, swapped order). After
each step the incremental result must equal a full evaluation of the same facts — for every
bundled rule over these kinds and for synthetic rules that join in the other ways the partition
allows (an absent pattern on the second fact, two absents, a ``ne`` join that is no partition).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from policykit.checking import engine, oracle
from policykit.speed import incremental
from policykit.checking.facts import Fact
from policykit.lists.loader import parse_text
from policykit.lists.model import Source
from policykit.checking.rules import compile_rule, load_rules

BUNDLED = Path(__file__).resolve().parents[1] / "rules"
KINDS = ("power", "boundary_power", "department", "unit")
FIELDS = {
    "power": ("code", "department", "norm_name", "catalog_code", "name_key", "unit_key", "category"),
    "boundary_power": ("code", "boundary"),
    "department": ("code", "name"),
    "unit": ("department", "name"),
}
ALPHABET = ("a", "b", "c")


def _synthetic(rule_id: str, reads: list, when: list) -> object:
    data = {"id": rule_id, "title": "合成规则", "severity": "error", "article": "测试", "reads": reads,
            "when": when, "message": "匹配 {p.key}",
            "examples": [{"name": "p", "expect": "pass", "files": {}}, {"name": "f", "expect": "fail", "files": {}}]}
    compiled, problems = compile_rule(parse_text(yaml.safe_dump(data, allow_unicode=True), f"rules/{rule_id}.yaml"))
    assert compiled is not None, problems
    return compiled


SYNTHETIC = [
    # two kinds; the absent pattern refers to the second fact (its partition is that fact's y)
    _synthetic("SYN-ABSENT-SECOND", ["power", "department", "unit"], [
        {"fact": "p", "kind": "power"},
        {"fact": "d", "kind": "department", "where": {"key": {"eq_field": "p.department"}}},
        {"absent": {"kind": "unit", "where": {"department": {"eq_field": "d.key"}}}},
    ]),
    # the same with a literal test and a second join in the absent pattern (the first one counts)
    _synthetic("SYN-ABSENT-BOTH", ["power", "department", "unit"], [
        {"fact": "p", "kind": "power", "where": {"category": {"ne": "a"}}},
        {"fact": "d", "kind": "department", "where": {"key": {"eq_field": "p.department"}}},
        {"absent": {"kind": "unit", "where": {"name": {"eq_field": "p.code"}, "department": {"eq_field": "d.key"}}}},
    ]),
    # one kind twice, ordered, the absent pattern on the second fact
    _synthetic("SYN-ORDERED-ABSENT", ["power", "boundary_power"], [
        {"fact": "p", "kind": "power"},
        {"fact": "q", "kind": "power", "where": {"norm_name": {"eq_field": "p.norm_name"}, "seq": {"gt_field": "p.seq"}}},
        {"absent": {"kind": "boundary_power", "where": {"code": {"eq_field": "q.code"}}}},
    ]),
    # one kind twice, joined by two different fields, the absent pattern on the second fact
    _synthetic("SYN-CROSS-FIELDS", ["power", "boundary_power"], [
        {"fact": "p", "kind": "power"},
        {"fact": "q", "kind": "power", "where": {"code": {"eq_field": "p.catalog_code"}}},
        {"absent": {"kind": "boundary_power", "where": {"boundary": {"eq_field": "q.department"}}}},
    ]),
    # one matched fact, two absent kinds
    _synthetic("SYN-TWO-ABSENTS", ["boundary_power", "power", "department"], [
        {"fact": "p", "kind": "boundary_power"},
        {"absent": {"kind": "power", "where": {"code": {"eq_field": "p.code"}}}},
        {"absent": {"kind": "department", "where": {"code": {"eq_field": "p.boundary"}}}},
    ]),
    # joined on a field other than the partition too, with ne
    _synthetic("SYN-NE-TOO", ["power", "unit"], [
        {"fact": "p", "kind": "power"},
        {"fact": "u", "kind": "unit", "where": {"name": {"eq_field": "p.code"}, "department": {"ne_field": "p.department"}}},
    ]),
    # no partition: the second fact is joined by ne only (runs in full, still exact)
    _synthetic("SYN-NO-PARTITION", ["power", "department"], [
        {"fact": "p", "kind": "power", "where": {"category": {"eq": "b"}}},
        {"fact": "d", "kind": "department", "where": {"code": {"ne_field": "p.department"}}},
    ]),
    # one matched fact with an absent joined by ne only: no partition either
    _synthetic("SYN-ABSENT-NE", ["unit", "department"], [
        {"fact": "p", "kind": "unit"},
        {"absent": {"kind": "department", "where": {"key": {"ne_field": "p.department"}}}},
    ]),
]


def _bundled() -> list:
    rules, problems = load_rules(BUNDLED, BUNDLED.parent)
    assert not problems
    return [r for r in rules if r.kinds <= set(KINDS)]


RULES = _bundled() + SYNTHETIC
JOINS = [r for r in RULES if len(r.patterns) > 1]


def test_the_rules_under_test_are_partitioned():
    ids = {r.id for r in RULES if incremental.partition_of(r) is not None}
    assert {"PWR-CODE-UNIQUE", "PWR-NAME-UNIQUE", "X-OVERLAP-NAME", "X-OVERLAP-CATALOG", "PWR-CODE-DEPARTMENT",
            "REF-RELATED-POWER", "ORG-DUPLICATE-ID", "ORG-UNIT-DUPLICATE", "REF-UNIT",
            "SYN-ABSENT-SECOND", "SYN-ABSENT-BOTH", "SYN-ORDERED-ABSENT", "SYN-CROSS-FIELDS", "SYN-TWO-ABSENTS", "SYN-NE-TOO"} <= ids
    assert "SYN-NO-PARTITION" not in ids and "SYN-ABSENT-NE" not in ids


# a fact before seq is given: (kind, key, fields, source)
value = st.one_of(st.sampled_from(ALPHABET), st.none(), st.sampled_from(ALPHABET), st.just(1))
plain_value = st.one_of(st.sampled_from(ALPHABET), st.none())


@st.composite
def a_fact(draw, odd_values: bool):
    kind = draw(st.sampled_from(KINDS))
    values = value if odd_values and draw(st.integers(0, 9)) == 0 else plain_value
    fields = {name: v for name in FIELDS[kind] if (v := draw(values)) is not None}
    key = draw(st.sampled_from(ALPHABET))
    source = (draw(st.sampled_from(("x.yaml", "y.yaml"))), draw(st.integers(0, 2)))
    return kind, key, fields, source


@st.composite
def an_edit(draw, facts: list, odd_values: bool):
    facts = list(facts)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(("add", "remove", "change", "swap")))
        if action == "add" or not facts:
            facts.insert(draw(st.integers(0, len(facts))), draw(a_fact(odd_values)))
        elif action == "remove":
            facts.pop(draw(st.integers(0, len(facts) - 1)))
        elif action == "change":
            i = draw(st.integers(0, len(facts) - 1))
            kind, key, fields, source = facts[i]
            fields = dict(fields)
            name = draw(st.sampled_from(FIELDS[kind]))
            v = draw(plain_value)
            if v is None:
                fields.pop(name, None)
            else:
                fields[name] = v
            facts[i] = (kind, key, fields, source)
        elif len(facts) > 1:
            i = draw(st.integers(0, len(facts) - 2))
            facts[i], facts[i + 1] = facts[i + 1], facts[i]
    return facts


@st.composite
def histories(draw, odd_values: bool = True, max_facts: int = 14):
    first = draw(st.lists(a_fact(odd_values), max_size=max_facts))
    steps = [first]
    for _ in range(draw(st.integers(1, 3))):
        steps.append(draw(an_edit(steps[-1], odd_values)))
    return steps


def _facts(spec: list) -> list:
    out = []
    for seq, (kind, key, fields, (file, index)) in enumerate(spec, 1):
        out.append(Fact({"kind": kind, "key": key, "seq": seq, **fields}, Source(file, (kind, index))))
    return out


def _check(backend, name: str, rules: list, steps: list) -> list:
    """Run ``steps`` in order with reuse; each result must be a full run's. Returns the statistics."""
    seen = []
    with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {
            "POLICYKIT_CACHE_DIR": os.path.join(tmp, "cache"), "XDG_CACHE_HOME": os.path.join(tmp, "xdg")}):
        os.environ.pop("POLICYKIT_NO_CACHE", None)
        root = Path(tmp) / "repo"
        root.mkdir()
        for i, spec in enumerate(steps + steps[-1:]):  # the last step twice: nothing changed
            facts = _facts(spec)
            got, stats = incremental.evaluate(backend, rules, facts, root=root, engine=name)
            want = backend.evaluate(rules, [f.data for f in facts])
            for rule in rules:
                assert got[rule.id] == want[rule.id], (i, rule.id, stats)
            seen.append(stats)
    return seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(steps=histories())
def test_random_edits_oracle(steps):
    _check(oracle, "oracle", RULES, steps)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(steps=histories(odd_values=False, max_facts=30))
def test_random_edits_oracle_larger(steps):
    _check(oracle, "oracle", RULES, steps)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(steps=histories(max_facts=16))
def test_random_edits_engine(steps):
    _check(engine, "durable", JOINS, steps)


def test_partition_is_used_and_exact_on_a_planned_edit():
    """A fixed history in which the joins must be evaluated by partition, not in full."""
    base = [("department", "a", {"code": "a"}, ("x.yaml", 0)),
            ("department", "b", {"code": "b"}, ("x.yaml", 1)),
            ("unit", "a", {"department": "a", "name": "a"}, ("y.yaml", 0))]
    powers = [("power", k, {"code": k, "department": d, "norm_name": n, "name_key": k, "category": "a"},
               ("y.yaml", i + 1)) for i, (k, d, n) in enumerate([("a", "a", "a"), ("b", "b", "a"), ("c", "a", "c")])]
    before = base + powers + [("boundary_power", "a", {"code": "b", "boundary": "a"}, ("x.yaml", 2))]
    after = list(before)
    after[4] = ("power", "b", {"code": "a", "department": "b", "norm_name": "c", "name_key": "a", "category": "a"},
                ("y.yaml", 2))          # takes another item's code and name, drops out of the overlap
    stats = _check(oracle, "oracle", RULES, [before, after])
    assert stats[1]["rules_delta"] >= 4 and stats[1]["rules_full"] == 1, stats[1]  # SYN-NO-PARTITION
    assert stats[2]["rules_delta"] == 0 and stats[2]["rules_full"] == 0, stats[2]


@pytest.mark.parametrize("odd", [1, True, 1.5])
def test_a_join_value_that_is_not_a_string_runs_the_rule_in_full(odd):
    before = [("power", "a", {"code": "a", "name_key": "a"}, ("x.yaml", 0)),
              ("power", "b", {"code": odd, "name_key": "b"}, ("x.yaml", 1))]
    after = before + [("power", "c", {"code": "a", "name_key": "c"}, ("x.yaml", 2))]
    unique = next(r for r in RULES if r.id == "PWR-CODE-UNIQUE")
    stats = _check(oracle, "oracle", [unique], [before, after])
    assert stats[1]["rules_full"] == 1 and stats[1]["rules_delta"] == 0


def test_a_moved_fact_runs_the_ordered_rule_in_full():
    """Same digests in another order: ``seq gt first.seq`` would now pick the other one first."""
    a = ("power", "a", {"code": "a"}, ("x.yaml", 0))
    b = ("power", "b", {"code": "a"}, ("x.yaml", 1))
    c = ("power", "c", {"code": "c"}, ("x.yaml", 2))
    unique = next(r for r in RULES if r.id == "PWR-CODE-UNIQUE")
    stats = _check(oracle, "oracle", [unique], [[a, b], [b, a]])
    assert stats[1]["rules_full"] == 1
    stats = _check(oracle, "oracle", [unique], [[a, b], [b, a, c]])
    assert stats[1]["rules_full"] == 1
