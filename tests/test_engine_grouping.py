"""How the adapter runs many rules at once, proved against the oracle on a generated repository.

Single-fact rules over one kind share one ruleset (facts mode, a sink for every fact of the kind);
rules with joins or ``absent`` keep a ruleset of their own; facts of rulesets whose matches are
single facts of the last kind asserted are retracted after their chunk; a rule with a pattern that
no fact can bind is not run. Each of these must leave the results exactly the oracle's, on the
rules and lists of a generated city (``bench generate --scale small``) with its planted defects.
"""
from __future__ import annotations

import dataclasses
import os
import signal
from unittest import mock

import pytest

from policykit.checking import engine, oracle
from policykit.checking.check import rules_dir_for
from policykit.errors import InternalError
from policykit.checking.facts import build_facts
from policykit.bench.generate import generate
from policykit import open_repository
from policykit.checking.rules import load_rules


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("grouping") / "city"
    generate(root, scale="small", seed=3)
    repo = open_repository(root)
    rdir = rules_dir_for(repo.root, repo.config.rules_dir)
    rules, problems = load_rules(rdir, rdir.parent, repo.config.limits)
    assert problems == []
    facts = [f.data for f in build_facts(repo)]
    return rules, facts, oracle.evaluate(rules, facts)


def _deliberate_segfault(*_):
    """A rule process that dies of SIGSEGV on purpose, quietly: pytest's faulthandler, inherited
    by the forked process, would print a "Fatal Python error" trace into every test run."""
    import faulthandler
    faulthandler.disable()
    os.kill(os.getpid(), signal.SIGSEGV)


def _by_kind(facts):
    out = {}
    for f in facts:
        out.setdefault(f["kind"], []).append(f)
    return out


def test_plan_groups_single_fact_rules_and_skips_rules_that_cannot_match(city):
    rules, facts, _ = city
    by_kind = _by_kind(facts)
    empty, units = engine.plan(rules, by_kind)
    groups = [u for u in units if isinstance(u, list)]
    alone = [u for u in units if not isinstance(u, list)]
    assert any(len(g) >= 5 for g in groups)  # the power rules, at least
    for g in groups:
        assert len({r.patterns[0].kind for r in g}) == 1 and all(engine.is_single_fact(r) for r in g)
    assert all(not engine.is_single_fact(r) for r in alone)
    for rid in empty:
        rule = next(r for r in rules if r.id == rid)
        assert any(not by_kind.get(p.kind) for p in rule.matched)
    planned = [r.id for g in groups for r in g] + [r.id for r in alone] + empty
    assert sorted(planned) == sorted(r.id for r in rules)  # every rule exactly once


def test_generated_city_grouped_equals_oracle(city):
    rules, facts, want = city
    assert sum(len(v) for v in want.values()) > 50  # the planted defects are really found
    assert engine.evaluate(rules, facts) == want


def test_generated_city_ungrouped_and_small_chunks_equal_oracle(city):
    rules, facts, want = city
    assert engine.evaluate(rules, facts, group=False) == want
    with mock.patch.object(engine, "CHUNK", 37):  # retracted facts meet many later chunks
        assert engine.evaluate(rules, facts) == want


def test_one_worker_and_progress_once_per_rule(city):
    rules, facts, want = city
    seen = []
    assert engine.evaluate(rules, facts, workers=1, progress=lambda i, n, rid: seen.append((i, n, rid))) == want
    assert [i for i, _, _ in seen] == list(range(1, len(rules) + 1))
    assert {n for _, n, _ in seen} == {len(rules)}
    assert sorted(rid for _, _, rid in seen) == sorted(r.id for r in rules)


def test_every_rule_of_a_group_sees_every_fact(city):
    """In facts mode a fact matched by one rule is still there for the others (events would not be)."""
    rules, facts, want = city
    by_kind = _by_kind(facts)
    group = next(u for u in engine.plan(rules, by_kind)[1] if isinstance(u, list) and len(u) >= 3)
    # the first rule once more under another name, last in the ruleset: both report the same facts
    clone = dataclasses.replace(group[0], id=group[0].id + "-COPY")
    assert engine.plan(group + [clone], by_kind)[1] == [group + [clone]]
    got = engine.evaluate(group + [clone], facts)
    assert want[group[0].id] and got[clone.id] == got[group[0].id] == want[group[0].id]
    assert all(got[r.id] == want[r.id] for r in group)


def test_a_crash_in_a_grouped_ruleset_names_its_rules(city, monkeypatch):
    rules, facts, _ = city

    crash = _deliberate_segfault
    monkeypatch.setattr(engine, "run_group", crash)
    with pytest.raises(InternalError) as err:
        engine.evaluate(rules, facts)
    assert "引擎进程异常退出" in str(err.value) and "PWR-" in str(err.value)


def test_groups_need_single_fact_rules_of_one_kind(city):
    rules, _, _ = city
    join = next(r for r in rules if len(r.patterns) > 1)
    single = [r for r in rules if engine.is_single_fact(r)]
    kinds = {r.patterns[0].kind for r in single}
    assert len(kinds) > 1
    mixed = [next(r for r in single if r.patterns[0].kind == k) for k in sorted(kinds)[:2]]
    for bad in ([join, single[0]], mixed):
        with pytest.raises(InternalError):
            engine.compile_group(bad)


# ---- the zygote: small runs fork their rule processes from a small process ---------------------


def _small(city):
    rules, facts, want = city
    some = [f for f in facts if f["kind"] in ("power", "boundary_power", "department", "unit")][:400]
    return rules, some, oracle.evaluate(rules, some)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie still answers kill(0): it is gone once reaped
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def test_small_runs_in_the_zygote_equal_the_oracle(city):
    rules, facts, want = _small(city)
    with engine.small_runs_in_zygote() as zygotes:
        zygote = zygotes.zygote
        assert zygote is not None and zygote.alive
        calls = []
        real = zygote.evaluate
        with mock.patch.object(zygote, "evaluate", side_effect=lambda *a: calls.append(1) or real(*a)):
            got = engine.evaluate(rules, facts, zygote=zygote)
        assert calls == [1], "the run went to the zygote"
        assert got == want
    assert not zygote.alive and _gone(zygote.pid)


def test_a_crash_inside_the_zygote_is_an_internal_error_naming_the_rule(city, monkeypatch):
    rules, facts, _ = _small(city)

    crash = _deliberate_segfault
    monkeypatch.setattr(engine, "run_group", crash)   # before the zygote forks: it inherits this
    with engine.small_runs_in_zygote() as zygotes:
        with pytest.raises(InternalError) as err:
            engine.evaluate(rules, facts, zygote=zygotes.zygote)
        assert "引擎进程异常退出" in str(err.value)
        assert zygotes.zygote.alive, "a rule process died, not the zygote"


def test_a_dead_zygote_is_replaced_by_forking_here(city):
    rules, facts, want = _small(city)
    with engine.small_runs_in_zygote() as zygotes:
        zygote = zygotes.zygote
        os.kill(zygote.pid, signal.SIGKILL)
        os.waitpid(zygote.pid, 0)
        assert engine.evaluate(rules, facts, zygote=zygote) == want
        assert not zygote.alive


def test_the_zygote_ends_when_its_block_ends_with_an_error(city):
    with pytest.raises(RuntimeError):
        with engine.small_runs_in_zygote() as zygotes:
            zygote = zygotes.zygote
            raise RuntimeError("the check failed")
    assert zygotes.zygote is None and _gone(zygote.pid)


def test_a_large_run_sends_its_small_rulesets_to_the_zygote(city, monkeypatch):
    """In a run too large for the zygote, the rulesets over few facts still fork from it while the
    large ones fork here; together they give exactly the oracle's matches."""
    rules, facts, want = city
    monkeypatch.setattr(engine, "ZYGOTE_MAX_FACTS", 0)
    by_kind = _by_kind(facts)
    sizes = sorted(engine._unit_facts(u, by_kind) for u in engine.plan(rules, by_kind)[1])
    monkeypatch.setattr(engine, "SMALL_UNIT_FACTS", sizes[len(sizes) // 2])
    with engine.small_runs_in_zygote() as zygotes:
        zygote = zygotes.zygote
        sent = []
        real = zygote.submit
        with mock.patch.object(zygote, "submit", side_effect=lambda r, f, *a: sent.append((r, f)) or real(r, f, *a)):
            seen = []
            got = engine.evaluate(rules, facts, zygote=zygote, progress=lambda n, total, rid: seen.append((n, rid)))
    assert got == want
    assert len(sent) == 1 and 0 < len(sent[0][0]) < len(rules) and len(sent[0][1]) < len(facts)
    assert sorted(n for n, _ in seen) == list(range(1, len(rules) + 1))   # progress counts every rule once
