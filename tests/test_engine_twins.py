"""Facts judged one at a time are sent once per distinct projection (``engine._project_twins``): of facts
alike in every field the rules read, the engine judges the first and its verdict is reported for all.

Proved against the oracle where it matters: a group of single-fact rules, a rule with one matched
pattern and ``absent``, values that look alike but are not (True and 1, missing and present), a rule
that reads ``key`` (no two facts alike), joins (never merged), and the match ceiling, which counts
every fact reported, not only the ones the engine saw.
"""
import time

import pytest

from policykit.checking import engine, oracle
from policykit.errors import LimitExceeded

from test_engine_needed import CATALOGUE, RULE, by_kind   # the project's rules, loaded once; facts by kind


def duties(n_units=3, per_unit=40, missing=("科室9",)):
    """Unit duties over a few units (many alike in ``unit_key``), some naming a unit that does not exist."""
    facts = [{"kind": "unit", "key": f"d/科室{u}", "seq": u + 1} for u in range(n_units)]
    seq = 100
    for name in [f"科室{u}" for u in range(n_units)] + list(missing):
        for i in range(per_unit):
            seq += 1
            facts.append({"kind": "unit_duty", "key": f"d/{name}#{i}", "seq": seq, "unit_key": f"d/{name}",
                          "sanding_duty_key": f"d#{i % 5}"})
    return facts


def test_alike_matched_facts_are_sent_once_and_all_reported():
    rule = RULE["REF-TASK-UNIT"]          # a duty's unit must exist: one matched pattern and absent
    facts = duties()
    groups, twins = engine._project_twins(rule, by_kind(facts))
    sent = [f for g in groups for f in g if f["kind"] == "unit_duty"]
    assert len(sent) == 4                  # one per distinct unit_key
    assert sum(len(v) for v in twins.values()) == 4 * 40 - 4
    want = oracle.evaluate([rule], facts)
    assert len(want["REF-TASK-UNIT"]) == 40    # every duty of the missing unit
    assert engine.evaluate([rule], facts) == want
    assert engine.evaluate([rule], facts, workers=0) == want


def test_a_group_of_single_fact_rules_reports_every_twin():
    rules = [r for r in CATALOGUE if r.id.startswith("PWR-") and engine.is_single_fact(r)]
    assert len(rules) >= 5
    base = {"kind": "power", "department": "d", "code_ok": True, "code_letters_ok": True, "category_known": True,
            "basis_count": 0, "responsibility_count": 1, "accountability_case_count": 0}
    facts = [dict(base, key=f"P{i}", seq=i + 1, code=f"C{i}", name=f"事项{i}") for i in range(30)]
    facts += [dict(base, key="Q", seq=99, code="C99", basis_count=True)]     # True is not 1, nor 0
    _, units = engine.plan(rules, by_kind(facts))
    groups, twins = engine._project_twins(units[0], by_kind(facts))
    assert sum(len(g) for g in groups) < len(facts)
    want = oracle.evaluate(rules, facts)
    assert any(len(v) >= 30 for v in want.values())
    assert engine.evaluate(rules, facts) == want


def test_a_field_present_or_missing_and_a_rule_reading_key_keep_facts_apart():
    rule = RULE["REF-TASK-UNIT"]
    facts = duties(n_units=1, per_unit=3, missing=())
    facts[-1] = {k: v for k, v in facts[-1].items() if k != "unit_key"}   # no unit_key: not alike
    groups, twins = engine._project_twins(rule, by_kind(facts))
    assert len([f for f in groups[-1]]) == 2
    assert engine.evaluate([rule], facts) == oracle.evaluate([rule], facts)
    decomposed = RULE["TSK-DUTY-DECOMPOSED"]   # main duty must have unit duties: it reads the duty's key
    mains = [{"kind": "main_duty", "key": f"d#{i}", "seq": 500 + i, "department": "d", "text": "同"} for i in range(8)]
    groups, twins = engine._project_twins(decomposed, by_kind(mains + facts))
    assert twins == {} and len(groups[-1]) == 8
    assert engine.evaluate([decomposed], mains + facts) == oracle.evaluate([decomposed], mains + facts)


def test_joins_are_never_merged():
    rule = RULE["ORG-UNIT-DUPLICATE"]          # two matched patterns: every fact is itself
    facts = [{"kind": "unit", "key": "d/科", "seq": i + 1} for i in range(4)]
    groups, twins = engine._project_twins(rule, by_kind(facts))
    assert twins == {} and sum(len(g) for g in groups) == 4
    assert engine.evaluate([rule], facts) == oracle.evaluate([rule], facts)
    assert len(oracle.evaluate([rule], facts)["ORG-UNIT-DUPLICATE"]) == 6


def test_the_match_ceiling_counts_the_twins():
    rule = RULE["REF-TASK-UNIT"]
    facts = duties(n_units=1, per_unit=20)      # 20 duties of one missing unit: one fact sent
    budget = engine.Budget(60, time.monotonic() + 60, 1024, 10)
    with pytest.raises(LimitExceeded):
        engine.evaluate([rule], facts, budget=budget)
    with pytest.raises(LimitExceeded):
        oracle.evaluate([rule], facts, budget=budget)
