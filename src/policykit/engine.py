"""The one door to durable-rules. Nothing else in policykit imports it.

The engine has measured defects (docs/engine.md); this adapter makes each one unreachable:

* timer threads deliver results late or never → a Host whose ``_run`` starts no threads; results
  are collected by draining ``start_action``/``complete_and_start_action`` after every chunk.
* an unmatched fact raises MessageNotHandled, or crashes a batch → every ruleset gets a *sink*
  whose condition is the exact complement of the rule's own alpha tests, so every fact is handled
  by exactly one of them; a "not handled" code is then an internal error, never ignored.
* two ids that collide under 32-bit FNV-1a silently drop a fact → engine ids are assigned here and
  checked to be collision-free per ruleset.
* ``none`` mis-retracts when the blocking fact arrives late, and deletes other rules' matches →
  one ruleset per rule; negated (reference) kinds are asserted before the facts that refer to them.
* heap overflow when the last cross-fact test of an ``$and`` fails → single-fact tests come
  first and every cross-fact ``$and`` ends with an always-true *cross-fact* test (``seq`` differs).
  An always-true single-fact test at the end (``$ex``) crashed here at 1,709 facts.
* joining on ``id`` reads freed memory → the compiler (rules.py) forbids it; keys are our own field.
* >251 properties, strings ≥64 KB → facts are projected to the fields a rule reads; long strings
  are replaced by a digest (equality is kept).
* rulesets corrupt each other inside one process (a second and third ruleset in one process
  segfaulted here), and join memory is never freed (no unregister) → every ruleset runs in its
  own forked child that exits afterwards; a crash there is reported as an internal error.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys

from .errors import InternalError
from .rules import Condition, Pattern, Rule

CHUNK = 1000
LONG_STRING = 4096          # bytes; the engine mis-compares strings of 64 KB or more
SINK = "zz_sink"
_counter = itertools.count(1)


def fnv1a_32(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def _cond_json(c: Condition) -> dict:
    if c.op == "exists":
        return {("$ex" if c.value else "$nex"): {c.field: 1}}
    right = {c.ref[0]: c.ref[1]} if c.ref else c.value
    if c.op == "eq":
        return {c.field: right}
    op = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}[c.op]
    return {op: {c.field: right}}


def _negate_literal(c: Condition) -> dict:
    """The exact complement of a single-fact condition (a missing field fails every comparison)."""
    missing = {"$nex": {c.field: 1}}
    if c.op == "exists":
        return {("$nex" if c.value else "$ex"): {c.field: 1}}
    inverse = {"eq": "ne", "ne": "eq", "lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt"}[c.op]
    return {"$or": [_cond_json(Condition(c.field, inverse, c.value)), missing]}


def _pattern_json(p: Pattern) -> dict:
    """Tests on the fact alone first, then cross-fact tests, then an always-true cross-fact tail."""
    tests = [{"kind": p.kind}] + [_cond_json(c) for c in p.conditions if not c.ref]
    refs = [c for c in p.conditions if c.ref]
    if refs:
        tests += [_cond_json(c) for c in refs]
        # seq is unique and one fact never binds two patterns, so this is always true; it keeps
        # the last cross-fact test of the $and from being one that fails (heap overflow)
        tests.append({"$neq": {"seq": {refs[0].ref[0]: "seq"}}})
    return {"$and": tests} if len(tests) > 1 else tests[0]


def compile_ruleset(rule: Rule) -> dict:
    """durable-rules JSON for one rule plus its sink (actions are added by the caller)."""
    conditions = []
    for i, p in enumerate(rule.patterns):
        name = f"n{i}$not" if p.negated else p.alias
        conditions.append({name: _pattern_json(p)})
    definition = {"r": {"all": conditions}}
    sink_alternatives = []
    for kind in sorted(rule.kinds):
        # what the engine tests on the fact alone: literal conditions, and presence of every field
        # compared with another fact (a fact without that field never reaches the join)
        alphas = [[c for c in p.conditions if not c.ref]
                  + [Condition(c.field, "exists", True) for c in p.conditions if c.ref]
                  for p in rule.patterns if p.kind == kind]
        if any(not a for a in alphas):
            continue  # some pattern accepts every fact of this kind
        tests = [{"kind": kind}] + [
            ({"$or": [_negate_literal(c) for c in alpha]} if len(alpha) > 1 else _negate_literal(alpha[0]))
            for alpha in alphas]
        sink_alternatives.append({"$and": tests})
    if sink_alternatives:
        cond = sink_alternatives[0] if len(sink_alternatives) == 1 else {"$or": sink_alternatives}
        definition[SINK] = {"all": [{"s": cond}]}
    return definition


def _project(rule: Rule, facts_by_kind: dict) -> list[list[dict]]:
    """Facts this rule reads, projected and id'd, grouped in assertion order (references first)."""
    order = sorted(rule.reference_kinds) + [k for k in dict.fromkeys(p.kind for p in rule.matched)]
    used_ids: dict[int, str] = {}
    groups = []
    n = 0
    for kind in order:
        fields = rule.fields_read(kind) | {"key", "seq"}
        group = []
        for fact in facts_by_kind.get(kind, ()):
            n += 1
            eid = format(n, "x")
            while fnv1a_32(eid) in used_ids:  # keep engine ids collision-free under FNV-1a
                eid += "_"
            used_ids[fnv1a_32(eid)] = eid
            item = {"id": eid, "kind": kind}
            for f in fields:
                if f in fact:
                    v = fact[f]
                    if isinstance(v, str) and len(v.encode("utf-8")) >= LONG_STRING:
                        v = "sha256:" + hashlib.sha256(v.encode("utf-8")).hexdigest()
                    item[f] = v
            group.append(item)
        groups.append(group)
    return groups


class _QuietHost:
    """A durable Host that starts no timer threads."""

    _cls = None
    _shared = None

    @classmethod
    def shared(cls):
        if cls._shared is None or cls._shared[0] != os.getpid():
            cls._shared = (os.getpid(), cls.make())
        return cls._shared[1]

    @classmethod
    def make(cls):
        if cls._cls is None:
            from durable import engine as _engine

            class QuietHost(_engine.Host):
                def _run(self):  # no timer threads: we drain ourselves
                    pass
            cls._cls = QuietHost
        return cls._cls()


def run_rule(rule: Rule, facts_by_kind: dict) -> set[tuple]:
    """Matches of one rule: tuples of fact ``seq`` numbers, one per matched pattern, in pattern order."""
    import durable_rules_engine as E
    definition = compile_ruleset(rule)
    for entry in definition.values():
        entry["run"] = _never_called
    name = f"pk_{os.getpid()}_{next(_counter)}"
    host = _QuietHost.shared()
    try:
        host.register_rulesets({name: definition})
        handle = host.get_ruleset(name)._handle
    except Exception as exc:
        raise InternalError(f"规则 {rule.id} 无法载入引擎：{exc}") from None
    single = len(rule.patterns) == 1
    assert_many = E.assert_events if single else E.assert_facts
    aliases = [p.alias for p in rule.matched]
    matches: set[tuple] = set()
    for group in _project(rule, facts_by_kind):
        for start in range(0, len(group), CHUNK):
            batch = group[start:start + CHUNK]
            try:
                code = assert_many(handle, json.dumps(batch, ensure_ascii=False))[0]
            except Exception as exc:
                raise InternalError(f"规则 {rule.id}：引擎断言失败：{exc}") from None
            if code != 0:
                what = {1: "有事实未被处理 (not handled)", 2: "事实标识冲突 (observed)"}.get(code, str(code))
                raise InternalError(f"规则 {rule.id}：引擎返回 {what}，结果不可信")
            _drain(E, handle, aliases, matches)
    return matches


def _never_called(c):  # pragma: no cover - we drain with the C API, actions never run
    raise InternalError("durable-rules action ran unexpectedly")


def _drain(E, handle, aliases, matches):
    result = E.start_action(handle)
    while result:
        _collect(result[1], aliases, matches)
        action = result[2]
        nxt = E.complete_and_start_action(handle, action)
        while nxt:
            _collect(nxt, aliases, matches)
            nxt = E.complete_and_start_action(handle, action)
        result = E.start_action(handle)


def _collect(message: str, aliases, matches):
    if message.startswith('{"' + SINK):
        return
    data = json.loads(message)
    bound = data.get("r")
    if bound is None:
        raise InternalError(f"引擎返回了未知的结果：{message[:200]}")
    if len(aliases) == 1 and aliases[0] not in bound:
        bound = {aliases[0]: bound}
    matches.add(tuple(bound[a]["seq"] for a in aliases))


def evaluate(rules: list[Rule], facts: list[dict], *, workers: int | None = None, progress=None) -> dict[str, set]:
    """Run every rule on durable-rules. ``workers``: 0 = in this process; n = forked children."""
    facts_by_kind: dict[str, list] = {}
    for f in facts:
        facts_by_kind.setdefault(f["kind"], []).append(f)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if _can_fork() else 0
    results: dict[str, set] = {}
    if workers <= 0 or not _can_fork():
        # only safe for a single rule: the C engine corrupts memory across rulesets in one process
        for i, rule in enumerate(rules):
            results[rule.id] = run_rule(rule, facts_by_kind)
            if progress:
                progress(i + 1, len(rules), rule.id)
        return results
    return _evaluate_forked(rules, facts_by_kind, workers, progress)


def _can_fork() -> bool:
    return hasattr(os, "fork")


def _evaluate_forked(rules, facts_by_kind, workers, progress) -> dict[str, set]:
    """Each ruleset in a fresh forked child: memory is returned, a crash cannot take us down."""
    import multiprocessing as mp
    ctx = mp.get_context("fork")
    pending = list(enumerate(rules))
    running = {}
    results: dict[str, set] = {}
    done = 0
    while pending or running:
        while pending and len(running) < workers:
            i, rule = pending.pop(0)
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(rule, facts_by_kind, writer), daemon=True)
            proc.start()
            writer.close()
            running[reader] = (proc, rule)
        ready = mp.connection.wait(list(running))
        for reader in ready:
            proc, rule = running.pop(reader)
            try:
                status, payload = reader.recv()
            except EOFError:
                proc.join()
                raise InternalError(f"规则 {rule.id} 的引擎进程异常退出（退出码 {proc.exitcode}），结果不可信") from None
            proc.join()
            if status != "ok":
                raise InternalError(f"规则 {rule.id}：{payload}")
            results[rule.id] = payload
            done += 1
            if progress:
                progress(done, len(rules), rule.id)
    return {r.id: results[r.id] for r in rules}


def _child(rule, facts_by_kind, writer):  # pragma: no cover - runs in a child process
    try:
        writer.send(("ok", run_rule(rule, facts_by_kind)))
    except BaseException as exc:  # report, never hang the parent
        writer.send(("error", f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"))
    finally:
        writer.close()
        os._exit(0)
