"""The semi-join before the engine (``engine.needed_facts``): a rule of several patterns is given only
the facts that can take part in a match, and must find exactly the matches it finds on all facts.

Proved with the plain-Python oracle on generated facts (every rule of the catalogue, joins sparse and
dense, Chinese strings, booleans and integers beside strings, missing fields), and through the engine
on a run where most facts cannot meet; the cases where nothing may be filtered are pinned down too.
"""
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from policykit.checking import engine, oracle
from policykit.checking.rules import load_rules

from test_engine_differential import POOL, make_facts

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE, _ = load_rules(ROOT / "rules", ROOT)
JOINS = [r for r in CATALOGUE if len(r.patterns) > 1]
RULE = {r.id: r for r in CATALOGUE}


def by_kind(facts):
    out = {}
    for f in facts:
        out.setdefault(f["kind"], []).append(f)
    return out


def same_matches(rule, facts):
    full = by_kind(facts)
    view = engine.needed_facts(rule, full)
    assert oracle.run_rule(rule, view) == oracle.run_rule(rule, full), rule.id
    for kind, kept in view.items():   # a subset of each kind, in the same order
        ids = {id(f) for f in kept}
        assert [f for f in full.get(kind, ()) if id(f) in ids] == kept
    return full, view


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(0, 200), sparse=st.booleans())
def test_every_join_of_the_catalogue_finds_the_same_matches_on_its_needed_facts(seed, n, sparse):
    kinds = sorted({k for r in JOINS for k in r.kinds})
    pool = POOL + [f"键{i}" for i in range(400)] if sparse else POOL
    facts = make_facts(seed, n, kinds, pool)
    for rule in JOINS:
        same_matches(rule, facts)


def test_references_nobody_cites_are_not_given_to_the_engine():
    rule = RULE["REF-RELATED-POWER"]          # boundary_power.code must name a power's code
    powers = [{"kind": "power", "key": f"P{i}", "seq": i + 1, "code": f"C{i}"} for i in range(500)]
    links = [{"kind": "boundary_power", "key": f"L{i}", "seq": 1000 + i, "code": code}
             for i, code in enumerate(["C7", "C9", "不存在"])]
    full, view = same_matches(rule, powers + links)
    assert [f["code"] for f in view["power"]] == ["C7", "C9"]
    assert view["boundary_power"] == full["boundary_power"]
    assert engine.evaluate([rule], powers + links) == {"REF-RELATED-POWER": {(1002,)}}


def test_a_self_join_needs_another_fact_with_the_value():
    rule = RULE["PWR-CODE-UNIQUE"]            # two items with one code, in overlapping periods
    facts = [{"kind": "power", "key": f"P{i}", "seq": i + 1, "code": code, "valid_from": "2020-01-01",
              "valid_until": "9999-12-31"} for i, code in enumerate(["甲", "乙", "甲", "丙"])]
    facts.append({"kind": "power", "key": "P9", "seq": 9, "valid_from": "2020-01-01", "valid_until": "9999-12-31"})
    _, view = same_matches(rule, facts)
    assert [f["seq"] for f in view["power"]] == [1, 3]   # 乙, 丙 alone and the item without a code: no pair
    assert engine.evaluate([rule], facts) == oracle.evaluate([rule], facts) == {"PWR-CODE-UNIQUE": {(1, 3)}}


def test_values_the_engine_may_compare_otherwise_filter_nothing():
    rule = RULE["REF-RELATED-POWER"]
    powers = [{"kind": "power", "key": "P1", "seq": 1, "code": "C1"},
              {"kind": "power", "key": "P2", "seq": 2, "code": 7},            # not a string
              {"kind": "power", "key": "P3", "seq": 3, "code": "C\x003"}]     # NUL: C strings end there
    links = [{"kind": "boundary_power", "key": "L1", "seq": 10, "code": "C1"}]
    for odd in powers[1:]:
        facts = [powers[0], odd] + links
        _, view = same_matches(rule, facts)
        assert view["power"] == [powers[0], odd]
    # long strings are compared as the engine gets them (by their digest): still exact
    long = "长" * 3000
    facts = [{"kind": "power", "key": "P1", "seq": 1, "code": long},
             {"kind": "power", "key": "P2", "seq": 2, "code": long + "x"},
             {"kind": "boundary_power", "key": "L1", "seq": 10, "code": long}]
    _, view = same_matches(rule, facts)
    assert [f["seq"] for f in view["power"]] == [1]
    assert engine.evaluate([rule], facts) == oracle.evaluate([rule], facts) == {"REF-RELATED-POWER": set()}


def test_a_rule_left_without_facts_for_a_pattern_is_not_run(monkeypatch):
    rule = RULE["PWR-CODE-UNIQUE"]
    facts = [{"kind": "power", "key": f"P{i}", "seq": i + 1, "code": f"C{i}", "valid_from": "2020-01-01",
              "valid_until": "9999-12-31"} for i in range(50)]
    ran = []
    monkeypatch.setattr(engine, "run_rule", lambda *a, **k: ran.append(a) or set())
    assert engine.evaluate([rule], facts, workers=0) == {"PWR-CODE-UNIQUE": set()}
    assert ran == []


def test_a_mostly_disjoint_city_gives_the_oracles_matches_through_the_engine():
    """Thousands of facts, few of which meet: the engine on the needed facts equals the oracle on all."""
    rng = random.Random(7)
    kinds = sorted({k for r in JOINS for k in r.kinds})
    pool = POOL + [f"键{i}" for i in range(5000)]
    facts = make_facts(rng.randrange(10**6), 6000, kinds, pool)
    assert engine.evaluate(JOINS, facts) == oracle.evaluate(JOINS, facts)
