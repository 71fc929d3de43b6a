"""Prove the durable-rules adapter against the plain-Python oracle: identical matches, always.

Generated facts include Chinese strings, missing optional fields, booleans beside integers, keys
that collide under 32-bit FNV-1a, references listed after the facts that use them, and a run of
more than 20,000 facts. Rules are the real catalogue plus randomly generated ones. Every check
runs the way ``policykit check`` does (single-fact rules grouped per kind in one ruleset) and,
where noted, with every rule in a ruleset of its own (``group=False``) and with tiny chunks, so
that facts retracted after their chunk meet the facts of later chunks.
"""
import random
from pathlib import Path
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from policykit.checking import engine, oracle
from policykit.checking.facts import FACT_KINDS
from policykit.lists.loader import parse_text
from policykit.checking.rules import compile_rule, load_rules

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE, CATALOGUE_PROBLEMS = load_rules(ROOT / "rules", ROOT)
COLLIDING = ["item-4ec31eeaba", "item-b2335c67c2"]  # equal FNV-1a 32-bit hashes
POOL = ["甲", "乙", "scjgj/办公室", "scjgj#1", "370199101XK00100", "k1", "监督管理局", "BJ-001|scjgj", *COLLIDING]
BOOL_HINTS = ("has_", "needs_", "_ok", "_known", "expired", "delegated", "file_matches")
INT_HINTS = ("_count", "no")


def field_type(name):
    if any(h in name for h in BOOL_HINTS):
        return "bool"
    if name.endswith(INT_HINTS) or name == "no":
        return "int"
    return "str"


def make_fact(rng, kind, seq, pool):
    fact = {"kind": kind, "key": rng.choice(pool), "seq": seq}
    for name in FACT_KINDS[kind]:
        if rng.random() < 0.15:
            continue  # optional fields are absent, never null
        t = field_type(name)
        fact[name] = rng.random() < 0.5 if t == "bool" else rng.randint(0, 3) if t == "int" else rng.choice(pool)
    return fact


def make_facts(seed, n, kinds, pool=POOL):
    rng = random.Random(seed)
    facts = [make_fact(rng, rng.choice(kinds), i + 1, pool) for i in range(n)]
    rng.shuffle(facts)  # references arrive before and after the facts that use them
    return facts


def test_catalogue_compiles_cleanly():
    assert CATALOGUE_PROBLEMS == []
    assert len(CATALOGUE) >= 3


def test_colliding_ids_really_collide_and_get_distinct_engine_ids():
    assert engine.fnv1a_32(COLLIDING[0]) == engine.fnv1a_32(COLLIDING[1])
    rule = next(r for r in CATALOGUE if r.id == "PWR-CODE-UNIQUE")
    facts = [{"kind": "power", "key": k, "seq": i + 1, "code": "X", "valid_from": 0, "valid_until": 99991231}
             for i, k in enumerate(COLLIDING)]   # undated entries (validtime.entry_period): periods overlap
    groups = engine._project(rule, {"power": facts})
    ids = [f["id"] for g in groups for f in g]
    assert len({engine.fnv1a_32(i) for i in ids}) == len(ids)
    assert engine.evaluate([rule], facts) == oracle.evaluate([rule], facts) == {"PWR-CODE-UNIQUE": {(1, 2)}}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(0, 120))
def test_catalogue_engine_equals_oracle(seed, n):
    kinds = sorted({k for r in CATALOGUE for k in r.kinds})
    facts = make_facts(seed, n, kinds)
    assert engine.evaluate(CATALOGUE, facts) == oracle.evaluate(CATALOGUE, facts)


OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "exists"]


@st.composite
def random_rule(draw):
    """A rule over power/unit/main_duty facts with random operators, joins and negations."""
    def where(kind, refs):
        out = {}
        fields = sorted(FACT_KINDS[kind])
        for name in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
            t = field_type(name)
            ops = ["exists", "eq", "ne"] + (["lt", "lte", "gt", "gte"] if t == "int" else [])
            op = draw(st.sampled_from(ops))
            if op == "exists":
                out[name] = {"exists": draw(st.booleans())}
            elif refs and draw(st.booleans()) and op in ("eq", "ne"):
                alias, ref_kind = draw(st.sampled_from(refs))
                ref_field = draw(st.sampled_from(sorted(FACT_KINDS[ref_kind])))
                out[name] = {f"{op}_field": f"{alias}.{ref_field}"}
            else:
                value = draw(st.booleans()) if t == "bool" else draw(st.integers(0, 3)) if t == "int" \
                    else draw(st.sampled_from(POOL))
                out[name] = {op: value}
        return out
    kinds = ["power", "unit", "main_duty"]
    first = draw(st.sampled_from(kinds))
    when = [{"fact": "a", "kind": first, "where": where(first, [])}]
    refs = [("a", first)]
    if draw(st.booleans()):
        second = draw(st.sampled_from(kinds))
        w = where(second, refs)
        w["key"] = {"eq_field": "a.key"}
        when.append({"fact": "b", "kind": second, "where": w})
        refs.append(("b", second))
    if draw(st.booleans()):
        negated = [k for k in kinds if k not in {k2 for _, k2 in refs}]
        if negated:
            kind = draw(st.sampled_from(negated))
            w = where(kind, [])
            w["key"] = {"eq_field": f"{refs[-1][0]}.key"}
            when.append({"absent": {"kind": kind, "where": w}})
    rule = {"id": "GEN-RULE", "title": "生成的规则", "severity": "error", "article": "测试", "reads": kinds,
            "when": when, "message": "匹配 {a.key}", "examples": [
                {"name": "p", "expect": "pass", "files": {}}, {"name": "f", "expect": "fail", "files": {}}]}
    doc = parse_text(yaml.safe_dump(rule, allow_unicode=True), "rules/gen.yaml")
    compiled, problems = compile_rule(doc)
    assert compiled is not None, problems
    return compiled


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=random_rule(), seed=st.integers(0, 10**6), n=st.integers(1, 80), chunk=st.sampled_from([3, 1000]))
def test_random_rules_engine_equals_oracle(rule, seed, n, chunk):
    facts = make_facts(seed, n, ["power", "unit", "main_duty"])
    want = oracle.evaluate([rule], facts)
    with mock.patch.object(engine, "CHUNK", chunk):
        assert engine.evaluate([rule], facts) == want
        assert engine.evaluate([rule], facts, group=False) == want


@st.composite
def random_group(draw):
    """2-6 single-fact rules over one kind, with random literal conditions (they share a ruleset)."""
    kind = draw(st.sampled_from(["power", "unit", "main_duty"]))
    rules = []
    for i in range(draw(st.integers(2, 6))):
        where = {}
        for name in draw(st.lists(st.sampled_from(sorted(FACT_KINDS[kind]) + ["key"]), max_size=3, unique=True)):
            t = field_type(name)
            op = draw(st.sampled_from(["exists", "eq", "ne"] + (["lt", "lte", "gt", "gte"] if t == "int" else [])))
            value = draw(st.booleans()) if op == "exists" or t == "bool" else draw(st.integers(0, 3)) if t == "int" \
                else draw(st.sampled_from(POOL))
            where[name] = {op: value}
        rule = {"id": f"GEN-RULE-{i}", "title": "生成的规则", "severity": "error", "article": "测试",
                "reads": [kind], "when": [{"fact": "a", "kind": kind, "where": where}], "message": "匹配 {a.key}",
                "examples": [{"name": "p", "expect": "pass", "files": {}}, {"name": "f", "expect": "fail", "files": {}}]}
        compiled, problems = compile_rule(parse_text(yaml.safe_dump(rule, allow_unicode=True), f"rules/gen{i}.yaml"))
        assert compiled is not None, problems
        rules.append(compiled)
    return rules


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=random_group(), seed=st.integers(0, 10**6), n=st.integers(1, 120), chunk=st.sampled_from([4, 1000]))
def test_random_rule_groups_engine_equals_oracle(rules, seed, n, chunk):
    """Several single-fact rules in one ruleset: no rule takes a fact from another, none is lost."""
    facts = make_facts(seed, n, ["power", "unit", "main_duty"])
    _, units = engine.plan(rules, facts_by_kind(facts))
    assert units == [rules] or not units  # one ruleset for the whole group (none if no fact of the kind)
    want = oracle.evaluate(rules, facts)
    with mock.patch.object(engine, "CHUNK", chunk):
        assert engine.evaluate(rules, facts) == want


def facts_by_kind(facts):
    out = {}
    for f in facts:
        out.setdefault(f["kind"], []).append(f)
    return out


def test_twenty_thousand_facts_engine_equals_oracle():
    kinds = sorted({k for r in CATALOGUE for k in r.kinds})
    big_pool = POOL + [f"键{i}" for i in range(3000)]  # sparse joins, as in real lists
    facts = make_facts(20240630, 21000, kinds, big_pool)
    got = engine.evaluate(CATALOGUE, facts)
    want = oracle.evaluate(CATALOGUE, facts)
    assert got == want
    assert sum(len(v) for v in want.values()) > 1000  # the run really found things
    # every rule in a ruleset of its own gives the same, and so do chunks of 97 facts (retracted
    # facts then meet many later chunks)
    assert engine.evaluate(CATALOGUE, facts, group=False) == want
    with mock.patch.object(engine, "CHUNK", 97):
        assert engine.evaluate(CATALOGUE, facts) == want
