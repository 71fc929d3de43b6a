"""The one door to durable-rules. Nothing else in policykit imports it.

The engine has measured defects (docs/engine.md); this adapter makes each one unreachable:

* timer threads deliver results late or never → a Host whose ``_run`` starts no threads; results
  are collected by draining ``start_action``/``complete_and_start_action`` after every chunk.
* an unmatched fact raises MessageNotHandled, or crashes a batch → every ruleset gets a *sink*:
  for one rule, the exact complement of the rule's own alpha tests, so every fact is handled by
  exactly one of them; for a group of single-fact rules, every fact of the kind. A "not handled"
  code is then an internal error, never ignored.
* two ids that collide under 32-bit FNV-1a silently drop a fact → engine ids are assigned here
  from one list in which each id was checked against the hashes of all ids before it, so the
  ids of any ruleset (a prefix of that list) are collision-free.
* ``none`` mis-retracts when the blocking fact arrives late, and deletes other rules' matches →
  a rule with ``absent`` or with more than one pattern has a ruleset to itself; negated
  (reference) kinds are asserted before the facts that refer to them.
* an *event* is consumed by the first rule that matches it, so rules sharing a ruleset would steal
  from each other → only single-fact rules share a ruleset (one per fact kind), asserted as
  *facts*, which every matching rule sees; each rule keeps its own name (``r0``, ``r1``, …), and
  the sink accepts every fact of the kind (it consumes nothing in facts mode).
* stored facts make assertion slower than linear (and cost about 6 KB each) → where each match
  is one fact of the last kind asserted (single-fact groups; one matched pattern plus ``absent``
  over kinds asserted before), its facts are retracted once their chunk is drained; a retraction
  that yields any result is an internal error.
* a join stores every fact of its kinds, although few of them can meet (11,246 power items for the
  252 codes boundary matters cite) → a rule of several patterns is given only the facts that can
  take part in a match: each equality between two of its patterns is a semi-join, done here on
  strings before the engine sees them (``needed_facts``); the engine still decides every match on
  what is left, and a rule left with no fact for some matched pattern is not run at all.
* heap overflow when the last cross-fact test of an ``$and`` fails → single-fact tests come
  first and every cross-fact ``$and`` ends with an always-true *cross-fact* test (``seq`` differs).
  An always-true single-fact test at the end (``$ex``) crashed here at 1,709 facts.
* joining on ``id`` reads freed memory → the compiler (rules.py) forbids it; keys are our own field.
* >251 properties, strings ≥64 KB → facts are projected to the fields a rule reads; long strings
  are replaced by a digest (equality is kept). Facts of a kind tested only by ``absent`` are
  asserted once per distinct projection (they are interchangeable there; fewer facts stored).
* rulesets corrupt each other inside one process (a second and third ruleset in one process
  segfaulted here), and join memory is never freed (no unregister) → every ruleset runs in its
  own forked child that exits afterwards; a crash there is reported as an internal error. The
  child never runs the garbage collector (a collection would touch, and so copy, every object
  inherited from the parent), the engine is imported once before forking, and a rule with a
  pattern that no fact can bind is not run at all (it cannot match).
* rules are input (a pull request can add one), and a join can grow without bound → the rule phase
  has a budget (``limits`` in policykit.yaml): a deadline for all of it, enforced by the parent,
  which kills the rule processes still running; an address-space limit (RLIMIT_AS) on each rule
  process above what it inherits; and a ceiling on one rule's matches. Going over any of them is a
  ``LimitExceeded`` naming the rules (exit 2), never an internal error with an empty reason.
"""
from __future__ import annotations

import gc
import hashlib
import itertools
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter

from ..errors import InternalError, LimitExceeded
from ..lists.loader import Limits
from .rules import Condition, Pattern, Rule

CHUNK = 1000
LONG_STRING = 4096          # bytes; the engine mis-compares strings of 64 KB or more
SINK = "zz_sink"
_counter = itertools.count(1)


# ---- the rule phase's budget -------------------------------------------------------------------

@dataclass(frozen=True)
class Budget:
    """What the rules of one check may spend: ``deadline`` (``time.monotonic``) for the whole
    phase, ``memory_mib`` of growth per rule process, ``max_matches`` per rule."""

    seconds: float
    deadline: float
    memory_mib: int
    max_matches: int

    @classmethod
    def of(cls, limits: Limits) -> "Budget":
        return cls(limits.max_rule_seconds, time.monotonic() + limits.max_rule_seconds,
                   limits.max_rule_memory_mib, limits.max_rule_matches)

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


def current_budget() -> Budget:
    """The budget of a call given none: the default ``Limits()``, its deadline starting now. A check
    passes its own (``Budget.of(config.limits)``) to every ``evaluate`` call it makes, so that they
    share one deadline; no budget is kept between calls or shared between threads."""
    return Budget.of(Limits())


def _over(tag: str, rules, text: str, hint: str) -> LimitExceeded:
    """``rules/x.yaml:3:1: [TAG] 规则 X-ID <text>`` (several rules: each named with its file and line)."""
    rules = list(rules)
    if len(rules) == 1 and getattr(rules[0], "file", None):
        r = rules[0]
        exc = LimitExceeded(f"{r.file}:{r.line}:1: [{tag}] 规则 {r.id} {text}", hint=hint)
    else:
        names = "、".join(f"{r.id}（{r.file}:{r.line}）" if getattr(r, "file", None) else r.id for r in rules)
        exc = LimitExceeded(f"[{tag}] 规则 {names} {text}", hint=hint)
    # one (file, line, tag, message) per rule: a located problem each when the other rules' results stand
    exc.items = tuple((getattr(r, "file", None), getattr(r, "line", 1), tag, f"规则 {r.id} {text}") for r in rules)
    return exc


class RulesOverBudget(LimitExceeded):
    """Some rules ran out of their memory budget while the other rules finished: ``items`` holds one
    ``(file, line, tag, message)`` per rule over budget, ``partial`` the matches of the rules that
    finished. A check reports both (each rule over budget a located error) and ends with exit 2."""

    def __init__(self, message: str, *, hint=None, items=(), partial=None):
        super().__init__(message, hint=hint)
        self.items, self.partial = tuple(items), dict(partial or {})

    @classmethod
    def of(cls, over: list, results: dict) -> "RulesOverBudget":
        items = tuple(i for e in over for i in getattr(e, "items", ()))
        return cls(over[0].message, hint=over[0].hint, items=items, partial=results)


_HINT = ("多为连接过松的多事实规则（没有 eq_field 相等连接，或所连字段在大量事实中取同一个值）："
         "匹配随事实数成倍增长；请收紧连接条件")


def over_time(rules, budget: Budget) -> LimitExceeded:
    return _over("LIMIT-RULE-TIME", rules, f"运行超过时间上限 {budget.seconds:g} 秒（limits.max_rule_seconds），"
                 f"已停止 (rules ran longer than allowed)", _HINT + "；确需更多时间时调高上限")


def over_memory(rules, budget: Budget) -> LimitExceeded:
    return _over("LIMIT-RULE-MEMORY", rules, f"超过内存上限 {budget.memory_mib} MiB（limits.max_rule_memory_mib），"
                 f"已停止 (a rule used more memory than allowed)", _HINT)


def over_matches(rules, budget: Budget) -> LimitExceeded:
    return _over("LIMIT-RULE-MATCHES", rules, f"的匹配超过上限 {budget.max_matches}（limits.max_rule_matches），"
                 f"已停止 (a rule matched more often than allowed)", _HINT)



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


def is_single_fact(rule: Rule) -> bool:
    return len(rule.patterns) == 1 and not rule.patterns[0].negated


def compile_group(rules: list[Rule]) -> dict:
    """durable-rules JSON for several single-fact rules over one kind, in one ruleset (facts mode).

    Rule ``i`` is named ``r<i>`` so every match is attributed to its rule. The sink accepts every
    fact of the kind: in facts mode a fact is not consumed by the rule that matches it, so the
    sink takes nothing from the others, and no fact is ever left unhandled.
    """
    kinds = {r.patterns[0].kind for r in rules}
    if len(kinds) != 1 or not all(is_single_fact(r) for r in rules):
        raise InternalError("只能把同一事实类型的单事实规则编为一组 (group needs single-fact rules of one kind)")
    definition = {f"r{i}": {"all": [{"m": _pattern_json(r.patterns[0])}]} for i, r in enumerate(rules)}
    definition[SINK] = {"all": [{"s": {"kind": kinds.pop()}}]}
    return definition


# engine ids: "1", "2", ... in hex, each checked against the FNV-1a hashes of all ids before it, so
# every prefix of this list is collision-free; computed once per process (children inherit it)
_IDS: list[str] = []
_ID_HASHES: set[int] = set()


_PREFIX_HASH: dict[str, int] = {"": 0x811C9DC5}   # FNV-1a state after a prefix (ids share them)


def engine_ids(n: int) -> list[str]:
    """The first ``n`` engine ids: distinct under 32-bit FNV-1a, as the engine requires."""
    prefixes = _PREFIX_HASH
    while len(_IDS) < n:
        eid = format(len(_IDS) + 1, "x")
        head = eid[:-1]
        h = prefixes.get(head)
        if h is None:
            h = prefixes[head] = fnv1a_32(head)
        h = ((h ^ ord(eid[-1])) * 0x01000193) & 0xFFFFFFFF    # the last (ASCII) character
        while h in _ID_HASHES:
            eid += "_"
            h = fnv1a_32(eid)
        _ID_HASHES.add(h)
        _IDS.append(eid)
    return _IDS[:n]


def _assertion_order(rules: list[Rule]) -> list[str]:
    """Kinds in assertion order: those tested by ``absent`` (reference kinds) first."""
    refs = sorted({k for r in rules for k in r.reference_kinds})
    return refs + [k for k in dict.fromkeys(p.kind for r in rules for p in r.matched) if k not in refs]


def _project(rule, facts_by_kind: dict) -> list[list[dict]]:
    """Facts the rule (or group of rules) is given, projected and id'd, in assertion order
    (``_project_twins`` without the twins)."""
    return _project_twins(rule, facts_by_kind)[0]


def _judged_kind(rule) -> str | None:
    """The kind whose facts a ruleset judges one at a time, each match one fact of it: a group of
    single-fact rules, a single-fact rule, or one matched pattern with ``absent`` patterns over other
    kinds (``_one_matched``). None when a match joins facts."""
    if isinstance(rule, list):
        return rule[0].patterns[0].kind if rule else None
    if is_single_fact(rule) or _one_matched(rule):
        return rule.matched[0].kind
    return None


def _project_twins(rule, facts_by_kind: dict) -> tuple[list[list[dict]], dict]:
    """Facts the rule (or group of rules) reads, projected and id'd, in assertion order (references
    first), and their *twins*: ``{seq of a fact sent: [seqs of the facts it stands for]}``.
    A rule of several patterns is given only the facts that can take part in a match (``needed_facts``).

    A kind that is only tested by ``absent`` is asserted once per distinct combination of the
    fields the rule reads from it: ``absent`` asks whether *any* such fact satisfies its tests, the
    tests see nothing else (besides ``seq``, which differs from every matched fact's anyway), and
    such a fact never appears in a match — so facts alike in those fields are interchangeable.

    Likewise the facts of the kind a ruleset judges one at a time (``_judged_kind``): whether such a
    fact is a match depends on the fields the rules read from it and on the reference facts, never
    on the other facts of its kind, so of facts alike in those fields only the first is sent and
    its verdict is theirs (33,466 unit duties name 2,789 distinct units; 16,467 cited bases fall in
    6 combinations of the fields the law rules test). ``seq`` and ``key`` are in the signature
    when a rule reads them.
    """
    if not isinstance(rule, list):
        facts_by_kind = needed_facts(rule, facts_by_kind)
    rules = rule if isinstance(rule, list) else [rule]
    order = _assertion_order(rules)
    matched_kinds = {p.kind for r in rules for p in r.matched}
    judged = _judged_kind(rule)
    groups = []
    twins: dict = {}
    n = 0
    for kind in order:
        read = set().union(*(r.fields_read(kind) for r in rules))
        fields = tuple(sorted(read | {"key", "seq"}))
        seen = {} if kind not in matched_kinds or kind == judged else None
        sign = _signer(tuple(sorted(read)))
        group = []
        for fact in facts_by_kind.get(kind, ()):
            if seen is not None:
                sig = sign(fact)
                if sig is not None:
                    try:
                        first = seen.get(sig)
                    except TypeError:   # a value that cannot be hashed: the fact is sent as it is
                        first, sig = None, None
                    if first is not None:
                        if kind == judged:
                            twins.setdefault(first, []).append(fact["seq"])
                        continue
                    if sig is not None:
                        seen[sig] = fact["seq"] if kind == judged else True
            item = {"id": n, "kind": kind}   # its engine id is set below, once the count is known
            n += 1
            for f in fields:
                if f in fact:
                    v = fact[f]
                    if isinstance(v, str) and len(v) >= LONG_STRING // 4 and len(v.encode("utf-8")) >= LONG_STRING:
                        v = "sha256:" + hashlib.sha256(v.encode("utf-8")).hexdigest()
                    item[f] = v
            group.append(item)
        groups.append(group)
    ids = engine_ids(n)
    for group in groups:
        for item in group:
            item["id"] = ids[item["id"]]
    return groups, twins


def _signer(fields: tuple):
    """``_signature`` made fast for the common case, a fact holding every field: its values and their
    types (never equal to a ``_signature``, which is a tuple of one tuple per field, each starting
    with the field's name); the exact ``_signature`` when a field is missing."""
    if not fields:
        return lambda fact: ()
    get = itemgetter(*fields)
    one = len(fields) == 1

    def sign(fact):
        try:
            values = get(fact)
        except KeyError:
            return _signature(fact, fields)
        return (values, values.__class__) if one else (values, tuple(map(type, values)))
    return sign


def _signature(fact: dict, fields: tuple):
    """The fields' presence, types and values (True and 1 stay apart); None if not hashable."""
    sig = tuple((f, type(fact[f]), fact[f]) if f in fact else (f,) for f in fields)
    try:
        hash(sig)
    except TypeError:
        return None
    return sig


# ---- only the facts that can take part: a semi-join before the engine ------------------------

class _Needed(dict):
    """``facts_by_kind`` already cut down to one rule's needed facts (``needed_facts``)."""


_UNUSABLE = object()   # a join value the filter cannot compare as the engine does: no filtering


def _engine_value(v):
    """A join value as the engine compares it (long strings by their digest, as ``_project`` sends
    them); ``_UNUSABLE`` when it is not a string, or holds NUL (which a C string would cut short)."""
    if v.__class__ is not str or "\x00" in v:
        return _UNUSABLE
    if len(v) >= LONG_STRING // 4 and len(v.encode("utf-8")) >= LONG_STRING:
        return "sha256:" + hashlib.sha256(v.encode("utf-8")).hexdigest()
    return v


def _join_column(facts, field: str):
    """``[engine value of field, or None where it is missing]`` for ``facts`` (facts never hold None:
    None is a missing field); None when some value is ``_UNUSABLE``. Checked in bulk: almost every
    value is a short string."""
    values = [f.get(field) for f in facts]
    present = [v for v in values if v is not None]
    if not set(map(type, present)) <= {str} or "\x00" in "".join(present):
        return None
    if max(map(len, present), default=0) >= LONG_STRING // 4:
        values = [None if v is None else _engine_value(v) for v in values]
    return values


def _semi_join(facts, field: str, others, other_field: str, distinct: bool):
    """The facts whose ``field`` equals ``other_field`` of some fact of ``others`` (another fact
    than itself when ``distinct``: two matched patterns never bind one fact); None when some value
    on either side cannot be compared as the engine does (then nothing is filtered)."""
    theirs = _join_column(others, other_field)
    mine = _join_column(facts, field) if theirs is not None else None
    if mine is None:
        return None
    counts = Counter(v for v in theirs if v is not None)
    if not distinct:   # a fact without the field binds no match (a comparison on it is false)
        return [f for f, v in zip(facts, mine) if v is not None and v in counts]
    own = {id(g): w for g, w in zip(others, theirs)}
    out = []
    for f, v in zip(facts, mine):
        if v is not None:
            n = counts.get(v, 0)
            if n and own.get(id(f), None) == v:
                n -= 1         # f itself is the one
            if n:
                out.append(f)
    return out


def needed_facts(rule: Rule, facts_by_kind: dict) -> dict:
    """``facts_by_kind`` cut down to the facts that can take part in a match of ``rule``: bind one
    of its patterns, or block a match in an ``absent`` one. Every equality between two patterns
    (``x eq other.y``) is a necessary condition: a fact of one pattern is needed only if some fact
    of the other has the same value (another fact, for two matched patterns), a fact without the
    field never is (a comparison on a missing field is false). Matched patterns are cut against
    each other (twice: a cut on one side can cut the other), then ``absent`` ones against what is
    left of the patterns they refer to (a blocking fact matters only to a match it can meet).

    The engine then decides every match on these facts alone, and finds exactly the matches it
    finds on all of them: a dropped fact is in no match and blocks none. Values are compared only
    when they are strings on both sides (as the engine gets them); a join with any other value
    filters nothing. Kinds keep their order; a rule with a single pattern is given everything."""
    if isinstance(facts_by_kind, _Needed) or len(rule.patterns) < 2:
        return facts_by_kind
    patterns = rule.patterns
    position = {p.alias: i for i, p in enumerate(patterns) if not p.negated}
    links = []       # (pattern filtered, its field, pattern it is filtered by, that one's field)
    for i, p in enumerate(patterns):
        for c in p.conditions:
            if c.op == "eq" and c.ref and c.ref[0] in position:
                j = position[c.ref[0]]
                links.append((i, c.field, j, c.ref[1]))
                if not p.negated:
                    links.append((j, c.ref[1], i, c.field))
    if not links:
        return facts_by_kind
    cands = [facts_by_kind.get(p.kind, []) for p in patterns]
    for _ in range(2):
        for i, field, j, other in links:
            if not patterns[i].negated:
                cut = _semi_join(cands[i], field, cands[j], other, distinct=patterns[j].kind == patterns[i].kind)
                if cut is not None:
                    cands[i] = cut
    for i, field, j, other in links:
        if patterns[i].negated:
            cut = _semi_join(cands[i], field, cands[j], other, distinct=False)
            if cut is not None:
                cands[i] = cut
    out = _Needed(facts_by_kind)
    for kind in rule.kinds:
        mine = [cands[i] for i, p in enumerate(patterns) if p.kind == kind]
        if len(mine) == 1:
            out[kind] = mine[0]
        else:
            keep = {id(f) for c in mine for f in c}
            out[kind] = [f for f in facts_by_kind.get(kind, ()) if id(f) in keep]
    return out


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


def _preload() -> None:
    """Import the engine once, so that forked children do not each pay for it."""
    try:
        import durable_rules_engine  # noqa: F401
        from durable import engine as _engine  # noqa: F401
    except Exception as exc:
        raise InternalError(f"无法载入规则引擎 durable-rules：{type(exc).__name__}: {exc} (cannot load the rule engine)") from None


def _run_ruleset(label: str, definition: dict, groups, assert_many, collect, *, retract_last=False,
                 budget: Budget | None = None, rules=()) -> None:
    """Register ``definition``, assert ``groups`` in order in chunks, drain after every chunk.

    ``retract_last``: the facts of the last group are retracted again once their chunk is drained.
    Only for rulesets whose rules match one fact each (every other kind they read is asserted
    before): such a fact's matches are all known when its chunk is drained, and the facts it
    could meet later are of its own kind, which none of the rules joins. The engine's cost grows
    faster than linearly with the facts it stores; this keeps it at one chunk. A retraction must
    produce no result at all, or it is an internal error. ``budget``: its deadline is checked after
    every chunk (the parent of a rule process also kills it at the deadline).
    """
    import durable_rules_engine as E
    for entry in definition.values():
        entry["run"] = _never_called
    name = f"pk_{os.getpid()}_{next(_counter)}"
    host = _QuietHost.shared()
    try:
        host.register_rulesets({name: definition})
        handle = host.get_ruleset(name)._handle
    except Exception as exc:
        raise InternalError(f"规则 {label} 无法载入引擎：{exc}") from None

    def call(fn, text, what):
        try:
            code = fn(handle, text)[0]
        except MemoryError:
            raise   # the engine's ERR_OUT_OF_MEMORY: a rule process over its memory budget says so
        except Exception as exc:
            raise InternalError(f"规则 {label}：引擎{what}失败：{type(exc).__name__}: {exc}") from None
        if code != 0:
            reason = {1: "有事实未被处理 (not handled)", 2: "事实标识冲突 (observed)"}.get(code, str(code))
            raise InternalError(f"规则 {label}：引擎{what}返回 {reason}，结果不可信")

    def unexpected(message: str):
        raise InternalError(f"规则 {label}：撤回事实后引擎仍返回结果，结果不可信：{message[:200]}")

    assert_many = getattr(E, assert_many)
    for gi, group in enumerate(groups):
        retract = retract_last and gi == len(groups) - 1
        for start in range(0, len(group), CHUNK):
            text = json.dumps(group[start:start + CHUNK], ensure_ascii=False)
            call(assert_many, text, "断言")
            _drain(E, handle, collect)
            if retract:
                call(E.retract_facts, text, "撤回")
                _drain(E, handle, unexpected)
            if budget is not None and time.monotonic() > budget.deadline:
                raise over_time(rules, budget)


def run_rule(rule: Rule, facts_by_kind: dict, budget: Budget | None = None) -> set[tuple]:
    """Matches of one rule: tuples of fact ``seq`` numbers, one per matched pattern, in pattern order."""
    budget = budget or current_budget()
    most = budget.max_matches
    single = len(rule.patterns) == 1
    aliases = [p.alias for p in rule.matched]
    matches: set[tuple] = set()

    def collect(message: str):
        if message.startswith('{"' + SINK):
            return
        data = json.loads(message)
        bound = data.get("r")
        if bound is None:
            raise InternalError(f"引擎返回了未知的结果：{message[:200]}")
        if len(aliases) == 1 and aliases[0] not in bound:
            bound = {aliases[0]: bound}
        match = tuple(bound[a]["seq"] for a in aliases)
        matches.add(match)
        if twins and match[0] in twins:   # one matched fact: the facts it stands for match too
            matches.update((seq,) for seq in twins[match[0]])
        if len(matches) > most:
            raise over_matches([rule], budget)

    groups, twins = _project_twins(rule, facts_by_kind)
    _run_ruleset(rule.id, compile_ruleset(rule), groups, "assert_events" if single else "assert_facts", collect,
                 retract_last=not single and _one_matched(rule), budget=budget, rules=[rule])
    return matches


def _one_matched(rule: Rule) -> bool:
    """One matched pattern, and every other kind it reads is asserted before the matched kind."""
    matched = rule.matched
    return len(matched) == 1 and matched[0].kind not in rule.reference_kinds \
        and _assertion_order([rule])[-1] == matched[0].kind


def run_group(rules: list[Rule], facts_by_kind: dict, budget: Budget | None = None) -> dict[str, set]:
    """Matches of single-fact rules over one kind, from one ruleset in facts mode."""
    budget = budget or current_budget()
    most = budget.max_matches
    definition = compile_group(rules)
    found: list[set] = [set() for _ in rules]
    names = {f"r{i}": i for i in range(len(rules))}

    def collect(message: str):
        if message.startswith('{"' + SINK):
            return
        data = json.loads(message)
        if len(data) != 1:
            raise InternalError(f"引擎返回了未知的结果：{message[:200]}")
        (name, bound), = data.items()
        if name not in names or not isinstance(bound, dict):
            raise InternalError(f"引擎返回了未知的结果：{message[:200]}")
        fact = bound.get("m", bound)
        matches = found[names[name]]
        matches.add((fact["seq"],))
        if fact["seq"] in twins:   # the facts it stands for (alike in every field the rules read)
            matches.update((seq,) for seq in twins[fact["seq"]])
        if len(matches) > most:
            raise over_matches([rules[names[name]]], budget)

    label = "、".join(r.id for r in rules)
    groups, twins = _project_twins(list(rules), facts_by_kind)
    _run_ruleset(label, definition, groups, "assert_facts", collect, retract_last=True, budget=budget, rules=rules)
    return {r.id: found[i] for i, r in enumerate(rules)}


def _never_called(c):  # pragma: no cover - we drain with the C API, actions never run
    raise InternalError("durable-rules action ran unexpectedly")


def _drain(E, handle, collect):
    result = E.start_action(handle)
    while result:
        collect(result[1])
        action = result[2]
        nxt = E.complete_and_start_action(handle, action)
        while nxt:
            collect(nxt)
            nxt = E.complete_and_start_action(handle, action)
        result = E.start_action(handle)


def plan(rules: list[Rule], facts_by_kind: dict, *, group: bool = True) -> tuple[list[str], list]:
    """Split rules into (ids that cannot match, units); a unit is one ruleset: a rule, or a list of
    single-fact rules over one kind. Largest units first."""
    empty, units, groups = [], [], {}
    for rule in rules:
        if any(not facts_by_kind.get(p.kind) for p in rule.matched):
            empty.append(rule.id)  # a pattern with no fact to bind: the rule cannot match
        elif group and is_single_fact(rule):
            groups.setdefault(rule.patterns[0].kind, []).append(rule)
        else:
            units.append(rule)
    units += groups.values()
    units.sort(key=lambda u: -_cost(u, facts_by_kind))
    return empty, units


def _cost(unit, facts_by_kind) -> float:
    """Rough time of a unit in microseconds, measured at Jinan scale, for scheduling (largest first):
    a fact kept in the engine costs about 12 µs, a streamed one (retracted after its chunk, or an
    event) 4 µs plus 0.8 µs per further rule of a group; a forked child about 15 ms."""
    rules = unit if isinstance(unit, list) else [unit]
    order = _assertion_order(rules)
    streamed = isinstance(unit, list) or len(unit.patterns) == 1 or _one_matched(unit)
    cost = 15000.0
    for i, kind in enumerate(order):
        n = len(facts_by_kind.get(kind, ()))
        cost += n * (4 + 0.8 * (len(rules) - 1) if streamed and i == len(order) - 1 else 12)
    return cost


def _unit_ids(unit) -> list[str]:
    return [r.id for r in unit] if isinstance(unit, list) else [unit.id]


def run_unit(unit, facts_by_kind: dict, budget: Budget | None = None) -> dict[str, set]:
    """Matches of one unit (a rule, or a group of single-fact rules) within ``budget``."""
    budget = budget or current_budget()
    if isinstance(unit, list):
        return run_group(unit, facts_by_kind, budget)
    return {unit.id: run_rule(unit, facts_by_kind, budget)}


def _unit_rules(unit) -> list:
    return unit if isinstance(unit, list) else [unit]


ZYGOTE_MAX_FACTS = 20_000    # above this, sending the facts costs more than forking the parent


class _Zygote:
    """A small process forked before the repository is loaded, which forks the rule processes of
    small runs (an edit's few changed facts), and of the rulesets over few facts in a large run,
    from its own small image.

    Forking the parent after a Jinan-sized load copies the page tables of half a gigabyte: about
    12–15 ms per rule process, most of a run over a dozen facts, and of the sixteen small rulesets
    of a cold check. The zygote holds only the imported code; it receives the rules and facts of
    one run, runs ``evaluate`` (each ruleset still in a child of its own) and sends back the
    matches. If it is gone, the runs fork from the parent as before.
    """

    def __init__(self):
        from multiprocessing.connection import Pipe
        _preload()
        self.conn, child = Pipe()
        # a bare fork, not a multiprocessing.Process: nothing waits for it at exit, and it may
        # fork children of its own; it ends when our end of the pipe closes, however we end
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the zygote
            _zygote_main(child, self.conn)
        child.close()
        self.alive = True

    def evaluate(self, rules, facts, workers, progress, group, budget) -> dict | None:
        """The matches, or None when the zygote cannot answer (then the caller forks itself)."""
        return self.collect(progress) if self.submit(rules, facts, workers, group, budget) else None

    def submit(self, rules, facts, workers, group, budget) -> bool:
        """Start a run in the zygote; its matches come from ``collect``. False if it is gone."""
        try:
            self.conn.send((rules, facts, workers, group, budget))
            return True
        except (OSError, BrokenPipeError):
            self.close()
            return False

    def collect(self, progress) -> dict | None:
        try:
            while True:
                kind, payload = self.conn.recv()
                if kind == "progress":
                    if progress:
                        progress(*payload)
                elif kind == "ok":
                    return payload
                elif kind == "limit":   # a budget ran out there (it enforces the same deadline)
                    raise LimitExceeded(payload[0], hint=payload[1])
                elif kind == "over":    # some rules there ran out of memory, the others finished
                    raise RulesOverBudget(payload[0], hint=payload[1], items=payload[2], partial=payload[3])
                else:
                    raise InternalError(payload)
        except (EOFError, OSError, BrokenPipeError):
            self.close()
            return None

    def close(self):
        if self.alive:
            self.alive = False
            try:
                self.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            self.conn.close()
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:  # pragma: no cover
                pass


def _zygote_main(conn, parent_end):  # pragma: no cover - runs in the zygote process
    parent_end.close()
    gc.disable()
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; we end with it
    try:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                break
            if request is None:
                break
            rules, facts, workers, group, budget = request
            try:
                found = evaluate(rules, facts, workers=workers, group=group, budget=budget,
                                 progress=lambda *a: conn.send(("progress", a)))
                conn.send(("ok", found))
            except RulesOverBudget as exc:
                conn.send(("over", (exc.message, exc.hint, exc.items, exc.partial)))
            except LimitExceeded as exc:
                conn.send(("limit", (exc.message, exc.hint)))
            except InternalError as exc:
                conn.send(("error", exc.message))
    finally:
        os._exit(0)


class small_runs_in_zygote:
    """``with small_runs_in_zygote() as zygotes:`` start a zygote now, while this process is small,
    and end it when the block ends (however it ends). ``zygotes.zygote`` (None if none could be
    started) is passed to ``evaluate(..., zygote=)``: runs of up to ``ZYGOTE_MAX_FACTS`` facts, and
    the rulesets of larger runs over at most ``SMALL_UNIT_FACTS`` facts, fork their rule processes
    from it. The zygote belongs to this object alone: nothing of it is left in the module.

    A zygote is a process that lives on and forks again, so it is started only while this process
    runs no other thread (a fork copies no thread, and a lock another thread held would stay
    locked in it forever); otherwise, and where there is no ``fork``, runs fork from here."""

    def __init__(self):
        self.zygote: _Zygote | None = None

    def __enter__(self):
        import threading
        if self.zygote is None and _can_fork() and threading.active_count() == 1:
            try:
                self.zygote = _Zygote()
            except (OSError, InternalError):
                self.zygote = None
        return self

    def __exit__(self, *exc):
        zygote, self.zygote = self.zygote, None
        if zygote is not None:
            zygote.close()


def _usable(zygote) -> bool:
    """A zygote that can take work: alive, and not this very process (the zygote runs ``evaluate`` too)."""
    return zygote is not None and zygote.alive and zygote.pid != os.getpid()


def evaluate(rules: list[Rule], facts: list[dict], *, workers: int | None = None, progress=None,
             group: bool = True, meanwhile=None, budget: Budget | None = None,
             zygote: "_Zygote | None" = None) -> dict[str, set]:
    """Run every rule on durable-rules. ``workers``: 0 = in this process; n = forked children.

    ``group``: single-fact rules over one kind share one ruleset (facts mode); ``False`` gives
    every rule a ruleset of its own (single-fact rules then run as events), as a second opinion.
    ``meanwhile``: called once while the first rule processes run (work of the caller's own that
    would otherwise wait for them); in-process runs call it first. ``budget``: default
    ``current_budget()``; over it is ``LimitExceeded`` (a check passes one budget to all its calls).
    In this process (``workers=0``) only its deadline (checked between chunks) and match ceiling
    apply. ``zygote``: the one of the caller's ``small_runs_in_zygote`` block, if any."""
    budget = budget or current_budget()
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if _can_fork() else 0
    if _usable(zygote) and workers > 0 and len(facts) <= ZYGOTE_MAX_FACTS:
        if meanwhile is not None:
            meanwhile()
        found = zygote.evaluate(rules, facts, workers, progress, group, budget)
        if found is not None:
            return found
        meanwhile = None
    facts_by_kind: dict[str, list] = {}
    for f in facts:
        facts_by_kind.setdefault(f["kind"], []).append(f)
    empty, units = plan(rules, facts_by_kind, group=group)
    views: dict[str, dict] = {}
    units = _cut(units, facts_by_kind, views, empty)
    results: dict[str, set] = {rid: set() for rid in empty}
    counter = _Progress(progress, len(rules))
    for rid in empty:
        counter.step(rid)
    if workers <= 0 or not _can_fork():
        _evaluate_here(units, facts_by_kind, views, results, counter, meanwhile, budget)
    else:
        _evaluate_in_processes(units, facts, facts_by_kind, views, workers, results, counter, meanwhile, budget,
                               zygote if _usable(zygote) else None, group)
    return {r.id: results[r.id] for r in rules}


class _Progress:
    """Counts finished rules and reports each to ``progress(done, total, rule_id)`` if given."""

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def step(self, rid):
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, rid)

    def relayed(self, _done, _total, rid):
        """A step reported by the zygote (counted there for its own share of the rules)."""
        self.step(rid)


def _cut(units, facts_by_kind, views: dict, empty: list) -> list:
    """``units`` with the facts each rule of several patterns needs (``needed_facts``) put in
    ``views`` by rule id; a rule left with no fact for some matched pattern cannot match and goes
    to ``empty`` instead. Largest units first, by the facts they are given."""
    out = []
    for unit in units:
        if not isinstance(unit, list) and len(unit.patterns) > 1:
            view = needed_facts(unit, facts_by_kind)
            if any(not view.get(p.kind) for p in unit.matched):
                empty.append(unit.id)
                continue
            views[unit.id] = view
        out.append(unit)
    out.sort(key=lambda u: -_cost(u, _facts_for(u, facts_by_kind, views)))
    return out


def _facts_for(unit, facts_by_kind, views) -> dict:
    """The facts a unit is given: its rule's view, or every fact (a group, a single-pattern rule)."""
    return facts_by_kind if isinstance(unit, list) else views.get(unit.id, facts_by_kind)


def _evaluate_here(units, facts_by_kind, views, results, counter, meanwhile, budget) -> None:
    """Every unit in this process (no fork available, or asked for): each deadline-checked first."""
    if meanwhile is not None:
        meanwhile()
    # only safe for a single ruleset: the C engine corrupts memory across rulesets in one process
    for unit in units:
        if time.monotonic() > budget.deadline:
            raise over_time(_unit_rules(unit), budget)
        for rid, found in run_unit(unit, _facts_for(unit, facts_by_kind, views), budget).items():
            results[rid] = found
            counter.step(rid)


def _send_small_to_zygote(units, facts, facts_by_kind, views, zygote, group, budget) -> tuple[list, list]:
    """(units left to fork here, units submitted to the zygote): the rulesets over few facts go to
    the zygote (in one slot of its own, with only the facts they are given) when some large ones
    stay here; none if it cannot take them."""
    if zygote is None:
        return units, []
    small = [u for u in units if _unit_facts(u, _facts_for(u, facts_by_kind, views)) <= SMALL_UNIT_FACTS]
    if not small or len(small) == len(units):
        return units, []
    small_rules = [r for u in small for r in _unit_rules(u)]
    sent: set[int] = set()
    for u in small:
        given = _facts_for(u, facts_by_kind, views)
        for r in _unit_rules(u):
            for k in r.kinds:
                sent.update(map(id, given.get(k, ())))
    if not zygote.submit(small_rules, [f for f in facts if id(f) in sent], 1, group, budget):
        return units, []
    return [u for u in units if not any(u is v for v in small)], small


def _evaluate_in_processes(units, facts, facts_by_kind, views, workers, results, counter, meanwhile, budget,
                           zygote, group) -> None:
    """Every unit in a forked rule process: the rulesets over few facts fork from the zygote
    meanwhile, the large ones from here (a fork of this process costs far more than their work)."""
    units, small = _send_small_to_zygote(units, facts, facts_by_kind, views, zygote, group, budget)
    over = []   # rules out of memory here and in the zygote: the others' results still stand
    try:
        _evaluate_forked(units, facts_by_kind, workers, counter, results, meanwhile, budget, views)
    except RulesOverBudget as exc:
        over.append(exc)
    if small:
        try:
            found = zygote.collect(counter.relayed)
        except RulesOverBudget as exc:
            over.append(exc)
            found = exc.partial
        if found is None:  # the zygote is gone: fork them here after all
            try:
                _evaluate_forked(small, facts_by_kind, workers, counter, results, None, budget, views)
            except RulesOverBudget as exc:
                over.append(exc)
        else:
            results.update(found)
    if over:
        raise RulesOverBudget.of(over, results)


SMALL_UNIT_FACTS = 6000


def _unit_facts(unit, facts_by_kind) -> int:
    """How many facts a unit is given (a rule of several patterns: only those it needs)."""
    if not isinstance(unit, list):
        facts_by_kind = needed_facts(unit, facts_by_kind)
    return sum(len(facts_by_kind.get(k, ())) for k in _assertion_order(unit if isinstance(unit, list) else [unit]))


def _can_fork() -> bool:
    return hasattr(os, "fork")


def _evaluate_forked(units, facts_by_kind, workers, counter: _Progress, results, meanwhile=None,
                     budget: Budget | None = None, views: dict | None = None) -> None:
    """Each ruleset in a fresh forked child: memory is returned, a crash cannot take us down. At the
    budget's deadline the children still running are killed (``LimitExceeded`` naming their rules)."""
    budget = budget or current_budget()
    import multiprocessing as mp
    _preload()
    # every id a child will need, computed once here and inherited
    views = views or {}
    engine_ids(max((_unit_facts(u, _facts_for(u, facts_by_kind, views)) for u in units), default=0))
    ctx = mp.get_context("fork")
    pending = list(units)
    running = {}
    finished: list = []
    rss_kib = _rss_kib()   # what a rule process inherits resident: its own growth is its peak above this
    over: list = []        # rules that ran out of memory (each LimitExceeded): raised together at the end
    try:
        while pending or running:
            while pending and len(running) < workers:
                unit = pending.pop(0)
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(unit, _facts_for(unit, facts_by_kind, views), writer, budget),
                                   daemon=True)
                proc.start()
                writer.close()
                running[reader] = (proc, unit)
            if meanwhile is not None:
                meanwhile, call = None, meanwhile
                call()
            ready = mp.connection.wait(list(running), timeout=budget.left())
            if not ready:
                raise over_time([r for _, u in running.values() for r in _unit_rules(u)], budget)
            for reader in ready:
                proc, unit = running.pop(reader)
                label = "、".join(_unit_ids(unit))
                try:
                    status, payload = reader.recv()
                except EOFError:
                    error = _ended_without_word(proc, unit, label, budget, rss_kib)
                    if not isinstance(error, LimitExceeded):
                        raise error from None
                    over.append(error)   # out of memory: the other rules go on (RulesOverBudget)
                    continue
                finally:
                    reader.close()
                # the child has sent everything and exits by itself; waiting here for the kernel to
                # tear down its copy of our address space would hold up the next fork (reaped below)
                finished.append(proc)
                if status == "limit":
                    raise LimitExceeded(payload[0], hint=payload[1])
                if status == "memory":
                    over.append(over_memory(_unit_rules(unit), budget))
                    continue
                if status != "ok":
                    raise InternalError(f"规则 {label}：{payload}")
                for rid in _unit_ids(unit):
                    results[rid] = payload[rid]
                    counter.step(rid)
        if over:
            raise RulesOverBudget.of(over, results)
    finally:
        for reader, (proc, _) in running.items():  # after an error: stop the others, leave no orphans
            proc.kill()   # nothing in a rule process needs cleaning up; no handler can delay SIGKILL
            proc.join()
            reader.close()
        for proc in finished:
            proc.join()
    if meanwhile is not None:  # nothing to run
        meanwhile()


def _child(unit, facts_by_kind, writer, budget):  # pragma: no cover - runs in a child process
    gc.disable()  # a collection would touch, and so copy, every object inherited from the parent
    limit = _limit_memory(budget.memory_mib)
    try:
        payload = run_unit(unit, facts_by_kind, budget)
        writer.send(("ok", payload))
    except LimitExceeded as exc:
        writer.send(("limit", (exc.message, exc.hint)))
    except BaseException as exc:  # report, never hang the parent
        if limit and (isinstance(exc, MemoryError) or _peak_bytes() >= limit - (64 << 20)):
            # a failed allocation: the engine's (ERR_OUT_OF_MEMORY) and Python's are MemoryError
            writer.send(("memory", None))
        else:
            writer.send(("error", f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"))
    finally:
        writer.close()
        os._exit(0)


def _limit_memory(mib: int) -> int:
    """Limit this (rule) process's address space to what it has now plus ``mib`` MiB, capped at
    half the machine's memory; the limit in bytes, or 0 where it cannot be set."""
    try:
        import resource
        grow = min(mib << 20, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2)
        limit = _vm_bytes() + grow
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return limit
    except (ImportError, OSError, ValueError):  # pragma: no cover - not Linux
        return 0


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _peak_bytes() -> int:
    """The largest address space this process has had (VmPeak), or 0 if unknown."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _rss_kib() -> int:
    """This process's anonymous resident memory in KiB (0 if unknown): what a forked child starts
    with resident (fork copies the page tables of anonymous memory; file pages fault in later)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _ended_without_word(proc, unit, label: str, budget: Budget, rss_kib: int):
    """The error for a rule process that ended without sending its result. Killed by a signal after
    growing to at least half its memory budget — an allocation that failed under ``RLIMIT_AS`` where
    the engine does not check it (SIGSEGV, SIGBUS, SIGABRT), or the kernel's OOM killer (SIGKILL;
    policykit itself kills rule processes only at the deadline, reported before this) — the rule
    exceeded its memory budget: ``LimitExceeded`` naming it (exit 2). Anything else is a crash of
    the engine: ``InternalError`` (exit 3). The peak comes from ``wait4``: resident memory, which a
    forked child starts with what it inherits (``rss_kib``, measured before forking)."""
    import signal as _signal
    try:
        _, status, usage = os.wait4(proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        proc._popen.returncode = code    # reaped here, for its peak: multiprocessing must not wait again
        grown = max(0, usage.ru_maxrss - rss_kib) << 10
    except (ChildProcessError, AttributeError):
        proc.join()
        code, grown = proc.exitcode, 0
    if code is not None and code < 0:
        try:
            name = _signal.Signals(-code).name
        except ValueError:
            name = f"信号 {-code}"
        budget_bytes = min(budget.memory_mib << 20, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2)
        if -code == _signal.SIGKILL or (-code in (_signal.SIGSEGV, _signal.SIGBUS, _signal.SIGABRT)
                                        and grown * 2 >= budget_bytes):
            return _over("LIMIT-RULE-MEMORY", _unit_rules(unit),
                         f"超出内存预算 {budget.memory_mib} MiB（limits.max_rule_memory_mib）：规则进程增长约 "
                         f"{grown >> 20} MiB 后被 {name} 终止，已停止 (rule exceeded its memory budget)", _HINT)
        return InternalError(f"规则 {label} 的引擎进程异常退出（被 {name} 终止，内存增长约 {grown >> 20} MiB，"
                             f"未达预算），结果不可信 (a rule process crashed)")
    return InternalError(f"规则 {label} 的引擎进程异常退出（退出码 {code}），结果不可信")
