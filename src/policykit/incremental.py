"""Rule matches carried over from the previous check of the same repository.

After one file changes, most facts are the same as last time, and so are most rules' matches.
Each fact gets a content digest (every field except ``seq``, plus the file and YAML path it came
from); the previous run's digests and matches are kept in the authenticated cache store. Then:

* a **single-fact rule** (one pattern, nothing negated) is a function of each fact alone: its
  verdict on a fact whose digest was seen last time is last time's verdict; only facts with new
  digests go to the engine. The same holds for a rule with one matched pattern and ``absent``
  patterns while none of the absent kinds changed (new facts go to the engine with every fact
  of those kinds);
* any **other rule** (joins, negations) is reused whole only when none of the fact kinds it reads
  changed at all (same multiset of digests); otherwise it runs on every fact as usual;
* a rule whose definition changed, or any doubt (no previous state, a damaged entry, a digest
  shared by two facts of a kind a join reads), runs in full.

So the matches are exactly those of a full run; ``tests/test_scale.py`` checks the planted
defects cold, warm and after edits, and tests/test_incremental.py compares with full runs.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

FORMAT = 1


def fact_digests(facts) -> list[str]:
    """One digest per fact: its fields except ``seq``, and where it was written.

    ``marshal`` (format 0: no references, no interning marks) turns the flat tuple of scalars into
    bytes in C; the same fields in a different order only give a different digest, i.e. a rerun,
    never a wrong reuse."""
    import marshal
    dumps, blake = marshal.dumps, hashlib.blake2b
    out = []
    for f in facts:
        items = tuple(f.data.items())
        if items[2][0] == "seq":  # where facts.build_facts puts it: cut it out in C
            items = items[:2] + items[3:]
        else:
            items = tuple(kv for kv in items if kv[0] != "seq")
        out.append(blake(dumps((items, f.source.file, tuple(f.source.path)), 0), digest_size=16).hexdigest())
    return out


def rule_digest(rule) -> str:
    return hashlib.sha256(repr((rule.id, rule.patterns)).encode("utf-8")).hexdigest()[:32]


def is_single_fact(rule) -> bool:
    return len(rule.patterns) == 1 and not rule.patterns[0].negated


def per_fact_kind(rule, previous_inputs: dict, kind_sums: dict) -> str | None:
    """The kind whose facts a rule judges one by one, when last run's verdicts still hold.

    A single-fact rule judges each fact alone. A rule with one matched pattern and ``absent``
    patterns judges each fact against the facts of the absent kinds: while none of those kinds
    changed, a fact seen last time gets last time's verdict."""
    matched = rule.matched
    if len(matched) != 1:
        return None
    kind = matched[0].kind
    absent = {p.kind for p in rule.negations}
    if kind in absent or any(previous_inputs.get(k) != kind_sums.get(k) for k in absent):
        return None
    return kind


def _state_key(engine: str) -> str:
    from .check_memo import _code_digest, _versions
    return hashlib.sha256(f"pk-incremental{FORMAT}|{engine}|{_code_digest()}|{_versions()}".encode()).hexdigest()


def _load(store, key):
    body = store.get(key) if store is not None else None
    if body is None:
        return None
    try:
        state = json.loads(body)
        if state.get("format") != FORMAT or not isinstance(state.get("kinds"), dict) \
                or not isinstance(state.get("rules"), dict):
            return None
        return state
    except (ValueError, AttributeError):
        return None


def evaluate(backend, rules, facts, *, root: Path, engine: str, workers=None, progress=None) -> tuple[dict, dict]:
    """``backend.evaluate`` with last run's matches reused where that is exact.

    Returns ``(matches by rule id, statistics)``."""
    from .cache import Store
    store = Store.for_root(root)
    key = _state_key(engine)
    previous = _load(store, key)
    digests = fact_digests(facts)
    seq_of: dict[str, list[int]] = defaultdict(list)
    kind_digests: dict[str, list[str]] = defaultdict(list)
    by_kind: dict[str, list] = defaultdict(list)
    for f, d in zip(facts, digests):
        seq_of[d].append(f.data["seq"])
        kind_digests[f.data["kind"]].append(d)
        by_kind[f.data["kind"]].append((f, d))
    kind_sums = {k: hashlib.sha256("".join(sorted(v)).encode()).hexdigest() for k, v in kind_digests.items()}

    results: dict[str, set] = {}
    full, partial = [], []          # rules to run on every fact; per-fact rules to run on new facts
    new_facts: dict[str, list] = {}
    references: set[str] = set()    # kinds the partially run rules test for absence: sent whole
    reused_whole = 0
    prev_rules = previous["rules"] if previous else {}
    prev_kinds = {k: set(v) for k, v in previous["kinds"].items()} if previous else {}
    for rule in rules:
        prev = prev_rules.get(rule.id)
        if not isinstance(prev, dict) or prev.get("digest") != rule_digest(rule):
            full.append(rule)
            continue
        try:
            inputs = {k: kind_sums.get(k) for k in sorted(rule.kinds)}
            if prev.get("inputs") == inputs and not is_single_fact(rule):
                matches = set()
                for m in prev["matches"]:
                    seqs = [seq_of.get(d, ()) for d in m]
                    if any(len(s) != 1 for s in seqs):
                        raise LookupError("ambiguous or missing digest")
                    matches.add(tuple(s[0] for s in seqs))
                results[rule.id] = matches
                reused_whole += 1
                continue
            kind = per_fact_kind(rule, prev.get("inputs") or {}, kind_sums)
            if kind is not None:
                seen = prev_kinds.get(kind, set())
                matched = {m[0] for m in prev["matches"]}
                kept = set()
                for d in kind_digests.get(kind, ()):
                    if d in seen and d in matched:
                        kept.update((s,) for s in seq_of[d])
                results[rule.id] = kept
                if kind not in new_facts:
                    new_facts[kind] = [f for f, d in by_kind.get(kind, ()) if d not in seen]
                if new_facts[kind]:
                    partial.append(rule)
                    references.update(p.kind for p in rule.negations)
                continue
        except (LookupError, TypeError, IndexError):
            results.pop(rule.id, None)
        full.append(rule)

    total = len(full) + len(partial)
    done = [0]

    def step(n, _total, rule_id):
        done[0] += 1
        if progress:
            progress(done[0], total, rule_id)

    if full:
        results.update(backend.evaluate(full, [f.data for f in facts], workers=workers, progress=step))
    if partial:
        subset = [f.data for kind, kind_facts in new_facts.items() if kind not in references for f in kind_facts]
        subset += [f.data for f in facts if f.data["kind"] in references]
        for rule_id, found in backend.evaluate(partial, subset, workers=workers, progress=step).items():
            results[rule_id] = results.get(rule_id, set()) | found

    if store is not None:
        digest_of = {f.data["seq"]: d for f, d in zip(facts, digests)}
        state = {"format": FORMAT, "kinds": kind_digests, "rules": {}}
        for rule in rules:
            state["rules"][rule.id] = {
                "digest": rule_digest(rule),
                "inputs": {k: kind_sums.get(k) for k in sorted(rule.kinds)},
                "matches": sorted([digest_of[s] for s in m] for m in results.get(rule.id, ())),
            }
        if state != previous:  # after an edit that changed no fact, the stored state is already this
            store.put(key, json.dumps(state, separators=(",", ":")).encode("utf-8"))
    stats = {"rules_full": len(full), "rules_new_facts_only": len(partial), "rules_reused": reused_whole,
             "rules_single_reused": len(rules) - len(full) - len(partial) - reused_whole,
             "new_facts": sum(len(v) for v in new_facts.values())}
    return {r.id: results.get(r.id, set()) for r in rules}, stats
