"""Rule matches carried over from the previous check of the same repository.

After one file changes, most facts are the same as last time, and so are most rules' matches.
Each fact gets a content digest (every field except ``seq``, plus the file and YAML path it came
from); the previous run's digests and matches are kept in the authenticated cache store, with the
old values of the fields that partitioned rules (below) join on. Then:

* a **single-fact rule** (one pattern, nothing negated) is a function of each fact alone: its
  verdict on a fact whose digest was seen last time is last time's verdict; only facts with new
  digests go to the engine. The same holds for a rule with one matched pattern and ``absent``
  patterns while none of the absent kinds changed (new facts go to the engine with the facts of
  the absent kinds they could meet);
* a **partitioned rule** is evaluated again only where an edit can have changed its verdicts.
  A rule qualifies when it matches one pattern ``P1`` or two, ``P1`` and ``P2``, where ``P2``
  has an ``eq_field`` condition on ``P1`` (``P2.y eq P1.x``, the first such), and every
  ``absent`` pattern ``N`` has one (``N.z eq Pa.w``, the first such, ``Pa`` a matched pattern).
  Let Δ be the facts added or removed (digests in one run and not the other; the removed ones'
  values come from the stored state). With two patterns every match lies in the *partition* of
  its ``x`` (= its ``y``), and a partition can change only if it is in
  ``K = {x of Δ facts of P1's kind} ∪ {y of Δ facts of P2's kind} ∪ {partition of every current
  fact f of Pa's kind with f.w in Z}``, ``Z = {z of Δ facts of N's kind}`` for each absent ``N``.
  The engine runs the rule on the facts of P1's kind with ``x`` in K, of P2's kind with ``y`` in K,
  and of N's kind with ``z`` among those facts' ``w``; of its matches those whose P1 fact has ``x``
  in K are kept, and of last time's those whose partition is not in K. With one pattern the
  *affected* facts are the new ones and those whose ``w`` is in Z; only they go to the engine.
  A missing field never joins (a comparison on a missing field is false, and the compiler makes
  every matched pattern require the fields others compare with), so missing values are left out
  of K and Z. ``seq gt first.seq`` (the duplicate rules) stays exact because the relative order
  of the facts kept from last time is checked to be the same; every partial run is batched into
  as few engine calls as possible, each rule's result filtered to its own facts;
* a rule none of whose fact kinds changed at all (same multiset of digests, and for rules that
  compare ``seq``, the same order) is reused whole, before any of the above; any **other rule**
  runs on every fact as usual;
* a rule whose definition changed, or any doubt (no previous state, a damaged entry, a digest
  shared by two facts of a kind a join matches, a join value that is not a string or looks like
  the engine's stand-in for a long string, a seq order that moved), runs in full. (Facts alike in
  an absent kind are no doubt: ``absent`` asks only whether some fact exists, which the set of
  digests answers.)

So the matches are exactly those of a full run; ``tests/test_scale.py`` checks the planted
defects cold, warm and after edits, tests/test_incremental.py compares with full runs after edits
that move joins, and tests/test_incremental_delta.py compares random edits with full runs.
"""
from __future__ import annotations

import hashlib
import marshal
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 2
_MISSING = object()           # a field the fact does not have: equal only to itself, never joins
_HASHED = "sha256:"           # how the engine writes long strings (engine.LONG_STRING): not ours to split


def fields_read(rules) -> dict[str, tuple]:
    """kind -> the fields any of ``rules`` reads from facts of that kind, plus ``key`` (the engine
    is given exactly these: engine._project), sorted."""
    read: dict[str, set] = defaultdict(set)
    for rule in rules:
        for kind in rule.kinds:
            read[kind].update(rule.fields_read(kind))
    return {kind: tuple(sorted((names - {"kind", "seq"}) | {"key"})) for kind, names in sorted(read.items())}


def fact_digests(facts, fields: dict | None = None) -> list[str]:
    """One digest per fact: its kind, the fields the rules read (``fields``: kind -> names, from
    ``fields_read``; all but ``seq`` when None), and where it was written.

    Matches are a function of exactly what the engine is given — kind, key and the fields the rules
    read — so a text no rule reads (a duty's wording, an item's full name) need not be digested:
    messages are rendered from the current facts anyway. A missing field and a field the loader
    never writes are told apart: missing reads as ``...``, which no list file can hold.
    ``marshal`` (format 0) turns the flat tuple into bytes in C; blake2b digests them."""
    from operator import itemgetter
    dumps, blake = marshal.dumps, hashlib.blake2b
    out = []
    if fields is None:
        for f in facts:
            items = tuple(f.data.items())
            if items[2][0] == "seq":  # where facts.build_facts puts it: cut it out in C
                items = items[:2] + items[3:]
            else:
                items = tuple(kv for kv in items if kv[0] != "seq")
            out.append(blake(dumps((items, f.source.file, tuple(f.source.path)), 0), digest_size=16).hexdigest())
        return out
    getters = {kind: itemgetter(*names) for kind, names in fields.items() if len(names) > 1}
    append = out.append
    for f in facts:
        data = f.data
        kind = data["kind"]
        try:
            values = getters[kind](data)
        except (KeyError, TypeError):  # a field missing, or a kind no rule reads more of than its key
            values = tuple([data.get(name, ...) for name in fields.get(kind, ("key",))])
            if len(values) == 1:
                values = values[0]
        append(blake(dumps((kind, values, f.source.file, tuple(f.source.path)), 0), digest_size=16).hexdigest())
    return out


def rule_digest(rule) -> str:
    return hashlib.sha256(repr((rule.id, rule.patterns)).encode("utf-8")).hexdigest()[:32]


def is_single_fact(rule) -> bool:
    return len(rule.patterns) == 1 and not rule.patterns[0].negated


def reads_seq(rule) -> bool:
    return any(c.field == "seq" or (c.ref and c.ref[1] == "seq") for p in rule.patterns for c in p.conditions)


def per_fact_kind(rule, previous_inputs: dict, kind_sums: dict) -> str | None:
    """The kind whose facts a rule judges one by one, when last run's verdicts still hold.

    A single-fact rule judges each fact alone. A rule with one matched pattern and ``absent``
    patterns judges each fact against the facts of the absent kinds: while none of those kinds
    changed, a fact seen last time gets last time's verdict."""
    matched = rule.matched
    if len(matched) != 1 or reads_seq(rule):
        return None
    kind = matched[0].kind
    absent = {p.kind for p in rule.negations}
    if kind in absent or any(previous_inputs.get(k) != kind_sums.get(k) for k in absent):
        return None
    return kind


@dataclass(frozen=True)
class Partition:
    """How a rule's matches split by the value of one field (see the module docstring).

    ``keys``: ``(x, y)`` for two matched patterns, ``()`` for one; ``absents``: for each ``absent``
    pattern ``(kind, z, a, w)``: its field ``z`` equals field ``w`` of matched pattern ``a``;
    ``ordered``: ``P2`` compares ``seq`` with ``P1`` (same kind), so the order of facts matters."""
    keys: tuple
    absents: tuple
    ordered: bool

    def stored(self, rule) -> set[tuple[str, str]]:
        """(kind, field) pairs whose old values a later run needs, for the facts removed by then."""
        matched = rule.matched
        out = {(k, f) for k, f in zip((p.kind for p in matched), self.keys)}
        return out | {(kind, z) for kind, z, _, _ in self.absents}


def partition_of(rule) -> Partition | None:
    """The rule's partition, or None when it does not qualify."""
    matched = rule.matched
    if len(matched) not in (1, 2) or (len(matched) == 1 and not rule.negations):
        return None
    positions = {p.alias: i for i, p in enumerate(matched)}
    ordered = False
    for p in rule.patterns:
        for c in p.conditions:
            if c.field == "seq" or (c.ref and c.ref[1] == "seq"):
                if len(matched) == 2 and p is matched[1] and c.field == "seq" and c.ref \
                        and c.ref == (matched[0].alias, "seq") and matched[0].kind == matched[1].kind:
                    ordered = True
                else:
                    return None
    keys = ()
    if len(matched) == 2:
        link = next((c for c in matched[1].conditions if c.op == "eq" and c.ref and c.ref[0] == matched[0].alias), None)
        if link is None:
            return None
        keys = (link.ref[1], link.field)
    absents = []
    for p in rule.negations:
        link = next((c for c in p.conditions if c.op == "eq" and c.ref and c.ref[0] in positions), None)
        if link is None:
            return None
        absents.append((p.kind, link.field, positions[link.ref[0]], link.ref[1]))
    return Partition(keys, tuple(absents), ordered)


class _Fallback(Exception):
    """Reuse could not be shown exact: the rule runs in full."""


@dataclass
class _Job:
    """One rule to run on part of the facts: its matches whose first fact is in ``allowed`` count."""
    rule: object
    allowed: set
    selection: set = field(default_factory=set)   # indices of the facts it needs
    whole: set = field(default_factory=set)       # kinds it needs every fact of

    @property
    def partial(self) -> set:
        return self.rule.kinds - self.whole


class _Delta:
    """The current facts against the previous run's state, computed lazily and once per kind/field."""

    def __init__(self, facts, kind_idx, kind_digests, seq_of, index_of_seq, previous):
        self.facts, self.kind_idx, self.kind_digests = facts, kind_idx, kind_digests
        self.seq_of, self.index_of_seq = seq_of, index_of_seq
        self.prev_kinds = previous["kinds"] if previous else {}
        self.prev_values = previous.get("values") or {} if previous else {}
        self._memo: dict = {}

    def _cached(self, key, compute):
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def old(self, kind) -> list:
        def compute():
            digests = self.prev_kinds.get(kind, [])
            if not isinstance(digests, list):
                raise _Fallback("damaged state")
            return digests
        return self._cached(("old", kind), compute)

    def old_set(self, kind) -> set:
        return self._cached(("old_set", kind), lambda: set(self.old(kind)))

    def current_set(self, kind) -> set:
        return self._cached(("cur_set", kind), lambda: set(self.kind_digests.get(kind, ())))

    def ambiguous(self, kind) -> bool:
        """Some digest is shared by two facts of the kind, now or last time."""
        return len(self.current_set(kind)) != len(self.kind_digests.get(kind, ())) \
            or len(self.old_set(kind)) != len(self.old(kind))

    def added(self, kind) -> list[int]:
        def compute():
            seen = self.old_set(kind)
            return [i for i, d in zip(self.kind_idx.get(kind, ()), self.kind_digests.get(kind, ())) if d not in seen]
        return self._cached(("added", kind), compute)

    def removed(self, kind) -> list[int]:
        """Positions in last run's list of the kind's digests that are gone now."""
        def compute():
            now = self.current_set(kind)
            return [j for j, d in enumerate(self.old(kind)) if d not in now]
        return self._cached(("removed", kind), compute)

    def order_kept(self, kind) -> bool:
        """The facts kept from last time are in the same relative order (their seqs compare alike)."""
        def compute():
            now, before = self.current_set(kind), self.old_set(kind)
            return [d for d in self.kind_digests.get(kind, ()) if d in before] == [d for d in self.old(kind) if d in now]
        return self._cached(("order", kind), compute)

    def index(self, kind, name) -> dict | None:
        """Current facts of ``kind`` by their value of ``name``; None when some value is not a string
        (equality across types is the engine's, not Python's) or could be a hashed long string."""
        def compute():
            table: dict = {}
            into = table.setdefault
            facts = self.facts
            for i in self.kind_idx.get(kind, ()):
                v = facts[i].data.get(name)   # facts never hold None: None is a missing field
                if v is None:
                    continue
                if v.__class__ is not str:
                    return None
                into(v, []).append(i)
            if any(v.startswith(_HASHED) for v in table):
                return None
            return table
        return self._cached(("index", kind, name), compute)

    def strict_index(self, kind, name) -> dict:
        table = self.index(kind, name)
        if table is None:
            raise _Fallback(f"{kind}.{name} has values that are not strings")
        return table

    def changed(self, kind, name) -> set[str]:
        """Values of ``name`` on the facts of ``kind`` added or removed since last time."""
        def compute():
            out = set()
            facts = self.facts
            for i in self.added(kind):
                v = facts[i].data.get(name, _MISSING)
                if v is not _MISSING:
                    if type(v) is not str or v.startswith(_HASHED):
                        raise _Fallback("not a string")
                    out.add(v)
            gone = self.removed(kind)
            if gone:
                values = self.prev_values.get(kind, {}).get(name) if isinstance(self.prev_values, dict) else None
                if not isinstance(values, list) or len(values) != len(self.old(kind)):
                    raise _Fallback("old values not stored")
                for j in gone:
                    v = values[j]
                    if v is None:
                        continue
                    if type(v) is not str or v.startswith(_HASHED):
                        raise _Fallback("not a string")
                    out.add(v)
            return out
        return self._cached(("changed", kind, name), compute)

    def value(self, i, name):
        v = self.facts[i].data.get(name, _MISSING)
        return v if type(v) is str else _MISSING

    def absent_selection(self, rule, plan: Partition | None, chosen: set[int], *, strict: bool) -> tuple[set, set]:
        """Facts of the absent kinds that the matched facts ``chosen`` could meet: ``(indices, kinds
        sent whole)``. An absent fact can block a match only if its ``z`` equals the match's ``w``."""
        selection, whole = set(), set()
        if plan is None:
            return selection, set(rule.reference_kinds)
        facts = self.facts
        for kind, z, a, w in plan.absents:
            target = rule.matched[a].kind
            try:
                table = self.strict_index(kind, z)
                self.strict_index(target, w)
            except _Fallback:
                if strict:
                    raise
                whole.add(kind)
                continue
            for i in chosen:
                if facts[i].data["kind"] == target:
                    v = self.value(i, w)
                    if v is not _MISSING:
                        selection.update(table.get(v, ()))
        return selection, whole

    def per_fact_job(self, rule, plan, new: list[int]) -> _Job:
        chosen = set(new)
        extra, whole = self.absent_selection(rule, plan, chosen, strict=False)
        return _Job(rule, chosen, chosen | extra, whole)

    def partition(self, rule, plan: Partition, old_matches) -> tuple[set, _Job | None]:
        """Last run's matches that still hold, and the job that finds the rest."""
        matched = rule.matched
        two = len(matched) == 2
        k1 = matched[0].kind
        # a matched fact is known by its digest, so two facts alike would be confused; absent
        # kinds are only asked whether some fact exists, which the set of digests answers
        if any(self.ambiguous(p.kind) for p in matched):
            raise _Fallback("ambiguous digests")
        if plan.ordered and not self.order_kept(k1):
            raise _Fallback("order changed")
        if two:
            k2 = matched[1].kind
            x, y = plan.keys
            by_x, by_y = self.strict_index(k1, x), self.strict_index(k2, y)
            affected = self.changed(k1, x) | self.changed(k2, y)   # partition values
        else:
            affected = set(self.added(k1))                          # fact indices
        for kind, z, a, w in plan.absents:
            self.strict_index(kind, z)
            gone = self.changed(kind, z)
            if not gone:
                continue
            by_w = self.strict_index(matched[a].kind, w)
            for v in gone:
                for i in by_w.get(v, ()):
                    if not two:
                        affected.add(i)
                    else:
                        part = self.value(i, plan.keys[a])
                        if part is not _MISSING:
                            affected.add(part)
        if two:
            allowed = {i for v in affected for i in by_x.get(v, ())}
            chosen = allowed | {i for v in affected for i in by_y.get(v, ())}
        else:
            allowed = chosen = affected

        kept = set()
        seq_of, index_of_seq = self.seq_of, self.index_of_seq
        before1 = self.old_set(k1)
        for m in old_matches:
            if len(m) != len(matched) or m[0] not in before1:
                raise _Fallback("damaged state")
            s1 = seq_of.get(m[0])
            if not s1:
                continue  # its fact is gone: in Δ, so its partition is affected
            i1 = index_of_seq[s1[0]]
            if not two:
                if i1 not in affected:
                    kept.add((s1[0],))
                continue
            if self.value(i1, plan.keys[0]) in affected:
                continue
            s2 = seq_of.get(m[1])
            if m[1] not in self.old_set(k2) or not s2 or len(s2) != 1:
                raise _Fallback("a partition not affected lost a fact")
            kept.add((s1[0], s2[0]))
        if not allowed:
            return kept, None
        extra, _ = self.absent_selection(rule, plan, chosen, strict=True)
        return kept, _Job(rule, allowed, chosen | extra)


def _state_key(engine: str, fields: dict) -> str:
    """Digests are over the fields the rules read: another set of fields is another state."""
    from .codeversion import code_digest
    from .memo import _versions
    python = f"{sys.version.split()[0]}|{marshal.version}"  # the state is a marshal dump
    return hashlib.sha256(f"pk-incremental{FORMAT}|{engine}|{python}|{code_digest()}|{_versions()}|{fields!r}"
                          .encode()).hexdigest()


def _load(store, key):
    body = store.get(key) if store is not None else None
    if body is None:
        return None
    try:
        state = marshal.loads(body)  # built-in types only, and only after the store checked its MAC
        if state.get("format") != FORMAT or not isinstance(state.get("kinds"), dict) \
                or not isinstance(state.get("rules"), dict) or not isinstance(state.get("values"), dict):
            return None
        return state
    except (ValueError, EOFError, TypeError, AttributeError):
        return None


def _batches(jobs: list[_Job]) -> list[list[_Job]]:
    """Jobs grouped so that no kind one job needs whole is a kind another needs only part of
    (else that one would run on every fact of the kind)."""
    batches: list[tuple[list, set, set]] = []
    for job in jobs:
        partial = job.partial
        for members, whole, part in batches:
            if not (job.whole & part or partial & whole):
                members.append(job)
                whole |= job.whole
                part |= partial
                break
        else:
            batches.append(([job], set(job.whole), set(partial)))
    return [members for members, _, _ in batches]


def evaluate(backend, rules, facts, *, root: Path, engine: str, workers=None, progress=None,
             store=...) -> tuple[dict, dict]:
    """``backend.evaluate`` with last run's matches reused where that is exact (``store``: the
    run's store; by default the repository's own).

    Returns ``(matches by rule id, statistics)``."""
    from .cache import store_for
    store = store_for(root, store)
    fields = fields_read(rules)
    key = _state_key(engine, fields)
    previous = _load(store, key)
    if previous is None:
        # nothing to reuse: every rule runs, and the digests the next run needs are made while the
        # rule processes work (the parent would only wait for them)
        box: list = []
        results = backend.evaluate(rules, [f.data for f in facts], workers=workers, progress=progress,
                                   meanwhile=lambda: box.append(fact_digests(facts, fields)))
        digests = box[0] if box else fact_digests(facts, fields)
    else:
        digests = fact_digests(facts, fields)
    seq_of, kind_digests, kind_idx, index_of_seq = _index_facts(facts, digests)
    kind_sums = {k: hashlib.sha256("".join(sorted(v)).encode()).hexdigest() for k, v in kind_digests.items()}
    plans = {rule.id: partition_of(rule) for rule in rules}
    delta = _Delta(facts, kind_idx, kind_digests, seq_of, index_of_seq, previous)
    planner = _Planner(plans, kind_sums, kind_digests, seq_of, delta)

    if previous is None:
        full, jobs = list(rules), []
    else:
        results = {}
        full, jobs = planner.plan_all(rules, previous["rules"], results)

    batches = _batches(jobs)
    total = len(full) + len(jobs)
    done = [0]

    def step(n, _total, rule_id):
        done[0] += 1
        if progress:
            progress(done[0], total, rule_id)

    if full and previous is not None:
        results.update(backend.evaluate(full, [f.data for f in facts], workers=workers, progress=step))
    delta_facts = _run_batches(backend, batches, facts, kind_idx, index_of_seq, results, workers, step)

    if store is not None:
        state = _next_state(rules, plans, facts, kind_idx, kind_digests, kind_sums, digests, index_of_seq, results)
        if state != previous:  # after an edit that changed no fact, the stored state is already this
            store.put(key, marshal.dumps(state))
    stats = {"rules_full": len(full), "rules_new_facts_only": planner.per_fact_runs, "rules_delta": planner.delta_rules,
             "rules_reused": planner.reused_whole,
             "rules_single_reused": (len(rules) - len(full) - planner.per_fact_runs - planner.delta_rules
                                     - planner.reused_whole),
             "new_facts": sum(len(v) for v in planner.new_facts.values()), "delta_facts": delta_facts}
    return {r.id: results.get(r.id, set()) for r in rules}, stats


def _index_facts(facts, digests) -> tuple[dict, dict, dict, dict]:
    """One pass over the facts: seqs by digest, digests and indexes by kind, index by seq."""
    seq_of: dict[str, list[int]] = defaultdict(list)
    kind_digests: dict[str, list[str]] = defaultdict(list)
    kind_idx: dict[str, list[int]] = defaultdict(list)
    index_of_seq: dict[int, int] = {}
    for i, (f, d) in enumerate(zip(facts, digests)):
        data = f.data
        seq_of[d].append(data["seq"])
        kind_digests[data["kind"]].append(d)
        kind_idx[data["kind"]].append(i)
        index_of_seq[data["seq"]] = i
    return seq_of, kind_digests, kind_idx, index_of_seq


class _Planner:
    """Decides, rule by rule, how little of it must run again given last run's state, and counts the
    ways chosen (for the statistics)."""

    def __init__(self, plans, kind_sums, kind_digests, seq_of, delta):
        self.plans, self.kind_sums, self.kind_digests, self.seq_of, self.delta = (
            plans, kind_sums, kind_digests, seq_of, delta)
        self.new_facts: dict[str, list] = {}
        self.reused_whole = self.per_fact_runs = self.delta_rules = 0

    def plan_all(self, rules, prev_rules: dict, results: dict) -> tuple[list, list]:
        """Rules to run on every fact and jobs to run on part of the facts; the matches that can be
        kept go into ``results``. Anything unexpected in the stored state means a full run."""
        full, jobs = [], []
        for rule in rules:
            prev = prev_rules.get(rule.id)
            if not isinstance(prev, dict) or prev.get("digest") != rule_digest(rule):
                full.append(rule)
                continue
            try:
                if self._plan(rule, prev, results, jobs):
                    continue
            except (_Fallback, LookupError, TypeError, IndexError, AttributeError):
                results.pop(rule.id, None)
            full.append(rule)
        return full, jobs

    def _plan(self, rule, prev: dict, results: dict, jobs: list) -> bool:
        """Reuse, run on new facts only, or run on a partition; False when none of these applies."""
        inputs = {k: self.kind_sums.get(k) for k in sorted(rule.kinds)}
        if prev.get("inputs") == inputs and not is_single_fact(rule):
            results[rule.id] = self._reused(rule, prev)
            self.reused_whole += 1
            return True
        plan = self.plans[rule.id]
        kind = per_fact_kind(rule, prev.get("inputs") or {}, self.kind_sums)
        if kind is not None:
            job = self._per_fact(rule, plan, kind, prev, results)
            if job is not None:
                jobs.append(job)
                self.per_fact_runs += 1
            return True
        if plan is not None:
            kept, job = self.delta.partition(rule, plan, prev["matches"])
            results[rule.id] = kept
            if job is not None:
                jobs.append(job)
            self.delta_rules += 1
            return True
        return False

    def _reused(self, rule, prev: dict) -> set:
        """Last run's matches of a rule none of whose input kinds changed, mapped to this run's seqs."""
        if reads_seq(rule) and not all(self.delta.order_kept(k) for k in rule.kinds):
            raise _Fallback("order changed")
        seq_of = self.seq_of
        matches = set()
        for m in prev["matches"]:
            seqs = [seq_of.get(d, ()) for d in m]
            if any(len(s) != 1 for s in seqs):
                raise LookupError("ambiguous or missing digest")
            matches.add(tuple(s[0] for s in seqs))
        return matches

    def _per_fact(self, rule, plan, kind: str, prev: dict, results: dict):
        """A rule on single facts of ``kind``: keep the matches of unchanged facts; the job (or None)
        runs it on the new facts only."""
        seen = self.delta.old_set(kind)
        matched = {m[0] for m in prev["matches"]}
        seq_of = self.seq_of
        kept = set()
        for d in self.kind_digests.get(kind, ()):
            if d in seen and d in matched:
                kept.update((s,) for s in seq_of[d])
        new_facts = self.new_facts
        if kind not in new_facts:
            new_facts[kind] = self.delta.added(kind)
        job = self.delta.per_fact_job(rule, plan, new_facts[kind]) if new_facts[kind] else None
        results[rule.id] = kept
        return job


def _run_batches(backend, batches, facts, kind_idx, index_of_seq, results, workers, step) -> int:
    """Run each batch of partial jobs on the facts it needs and keep the matches each job may report;
    return how many facts were evaluated."""
    delta_facts = 0
    for batch in batches:
        chosen = set().union(*(job.selection for job in batch))
        for kind in set().union(*(job.whole for job in batch)):
            chosen.update(kind_idx.get(kind, ()))
        delta_facts += len(chosen)
        found = backend.evaluate([job.rule for job in batch], [facts[i].data for i in sorted(chosen)],
                                 workers=workers, progress=step)
        for job in batch:
            into = results.setdefault(job.rule.id, set())
            allowed = job.allowed
            into.update(m for m in found.get(job.rule.id, ()) if index_of_seq[m[0]] in allowed)
    return delta_facts


def _next_state(rules, plans, facts, kind_idx, kind_digests, kind_sums, digests, index_of_seq, results) -> dict:
    """What the next run needs: digests by kind, the values partitions look up, each rule's matches."""
    stored = defaultdict(set)
    for rule in rules:
        if plans[rule.id] is not None:
            for kind, name in plans[rule.id].stored(rule):
                stored[kind].add(name)
    values = {}
    for kind in sorted(stored):
        if kind in kind_idx:
            rows = [facts[i].data for i in kind_idx[kind]]
            values[kind] = {name: _column(rows, name) for name in sorted(stored[kind])}
    state = {"format": FORMAT, "kinds": dict(kind_digests), "values": values, "rules": {}}
    for rule in rules:
        state["rules"][rule.id] = {
            "digest": rule_digest(rule),
            "inputs": {k: kind_sums.get(k) for k in sorted(rule.kinds)},
            "matches": sorted([digests[index_of_seq[s]] for s in m] for m in results.get(rule.id, ())),
        }
    return state


def _stored(value):
    """A value as kept for the next run: strings as they are, None for missing, 0 for anything else
    (which the next run will not partition on)."""
    return value if type(value) is str else None if value is _MISSING else 0


def _column(rows: list[dict], name: str) -> list:
    """``[_stored(row's value of name) for row in rows]``, in two passes of C-speed comprehension
    when (as almost always) every value is a string or missing (facts never hold None)."""
    column = [row.get(name) for row in rows]
    if all(v is None or v.__class__ is str for v in column):
        return column
    return [_stored(row.get(name, _MISSING)) for row in rows]
