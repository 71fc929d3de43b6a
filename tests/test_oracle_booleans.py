"""The oracle compares a boolean with a number as the engine does (found by the random-rule
differential test): as the numbers 0 and 1 — literal ``eq 0`` matches ``false`` — except that a
join on equality (``eq_field``) never pairs a boolean with a number. Every operator, both sides."""
from __future__ import annotations

import pytest

from policykit.checking import engine, oracle
from policykit.checking.rules import compile_rule
from policykit.lists.loader import parse_text


def _rule(condition: str):
    text = f"""
id: GEN-BOOL
title: 布尔与数字
severity: error
article: 测试
reads: [power]
when:
  - fact: a
    kind: power
    where:
      accountability_case_count: {{exists: true}}
  - fact: b
    kind: power
    where:
      key: {{eq_field: a.key}}
      {condition}
message: 匹配 {{a.key}}
examples:
  - {{name: p, expect: pass, files: {{}}}}
  - {{name: f, expect: fail, files: {{}}}}
"""
    rule, problems = compile_rule(parse_text(text, "rules/gen.yaml"))
    assert rule is not None, problems
    return rule


PAIRS = [(0, False), (1, True), (2, True), (0, True), (1, False)]
CASES = ([(f"status_known: {{{op}: a.accountability_case_count}}", a, b, "status_known")
          for op in ("eq_field", "ne_field", "lt_field", "lte_field", "gt_field", "gte_field") for a, b in PAIRS]
         + [(f"status_known: {{{op}: {a}}}", 5, b, "status_known")
            for op in ("eq", "ne", "lt", "lte", "gt", "gte") for a, b in PAIRS])


@pytest.mark.parametrize("condition, a_value, b_value, field", CASES)
def test_a_boolean_against_a_number(condition, a_value, b_value, field):
    rule = _rule(condition)
    facts = [{"kind": "power", "key": "k", "seq": 1, "accountability_case_count": a_value},
             {"kind": "power", "key": "k", "seq": 2, field: b_value}]
    assert engine.evaluate([rule], facts) == oracle.evaluate([rule], facts)


def test_the_cases_cover_both_answers():
    """Not vacuous: numeric coercion answers yes for some cases and no for others."""
    answers = set()
    for condition, a_value, b_value, field in CASES:
        facts = [{"kind": "power", "key": "k", "seq": 1, "accountability_case_count": a_value},
                 {"kind": "power", "key": "k", "seq": 2, field: b_value}]
        answers.add(bool(oracle.evaluate([_rule(condition)], facts)["GEN-BOOL"]))
    assert answers == {True, False}
