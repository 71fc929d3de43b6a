"""Reusing earlier checks (check_memo, incremental) never changes a verdict.

On a small generated repository with planted defects: a check that reuses gives the very problem
list a check from scratch gives — when nothing changed (the whole result is read back), after one
file changed (only new facts and the joins over changed kinds run), after a rule changed, after a
day passed, and when a stored entry was tampered with.
"""
from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import shutil
from pathlib import Path

import pytest

from policykit.speed import memo as check_memo, incremental
from policykit.checking.check import BUNDLED_RULES, run_check
from policykit.bench.generate import change_one_file, generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("incr") / "city"
    generate(root, scale="small", seed=5)
    return root


@pytest.fixture
def city(generated, tmp_path, monkeypatch):
    root = tmp_path / "city"
    shutil.copytree(generated, root)
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("POLICYKIT_NO_CACHE", raising=False)
    return root


def _full(result) -> list:
    return [(p.file, p.line, p.column, p.path, p.rule, p.severity, p.message, p.waived_by) for p in result.problems]


def _scratch(root, **kw):
    """The reference: no cache, no reuse."""
    old = os.environ.get("POLICYKIT_NO_CACHE")
    os.environ["POLICYKIT_NO_CACHE"] = "1"
    try:
        return run_check(root, **kw)
    finally:
        if old is None:
            del os.environ["POLICYKIT_NO_CACHE"]
        else:  # pragma: no cover
            os.environ["POLICYKIT_NO_CACHE"] = old


def test_unchanged_repository_reads_the_whole_result_back(city):
    first = run_check(city, reuse=True)
    assert first.repo is not None and not first.reuse.get("whole")
    assert first.problems, "the generated city has planted defects"
    again = run_check(city, reuse=True)
    assert again.reuse.get("whole") is True and again.repo is None
    assert _full(again) == _full(first) == _full(_scratch(city))
    assert again.summary["files"] == first.summary["files"] and again.summary["facts"] == first.summary["facts"]


def test_one_changed_file_reruns_only_what_it_touches(city):
    run_check(city, reuse=True)
    rel = change_one_file(city, seed=2, defect=True)
    changed = run_check(city, reuse=True)
    assert not changed.reuse.get("whole")
    stats = changed.reuse
    assert stats["rules_single_reused"] + stats["rules_reused"] > 0, stats
    assert stats["rules_full"] < len(changed.rules), stats
    assert 0 < stats["new_facts"] < changed.fact_count / 10, stats
    assert _full(changed) == _full(_scratch(city))
    assert any(p.file == rel and p.rule == "PWR-ACCOUNTABILITY-CASES" for p in changed.problems)


def test_many_edits_in_a_row_stay_exact(city):
    run_check(city, reuse=True)
    for seed in range(3, 7):
        change_one_file(city, seed=seed, defect=seed % 2 == 0)
        assert _full(run_check(city, reuse=True)) == _full(_scratch(city)), seed


def test_a_changed_rule_is_run_again(city, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, rules)
    before = run_check(city, rules_dir=rules, reuse=True)
    target = next(p for p in before.problems if p.rule == "PWR-ACCOUNTABILITY-CASES")
    # change the rule's message: the memo key changes, the rule digest does not
    rule_file = next(p for p in rules.rglob("*.yaml") if "PWR-ACCOUNTABILITY-CASES" in p.read_text(encoding="utf-8")
                     and "id: PWR-ACCOUNTABILITY-CASES" in p.read_text(encoding="utf-8"))
    text = rule_file.read_text(encoding="utf-8")
    rule_file.write_text(text.replace("message: ", "message: 【改】", 1), encoding="utf-8")
    after = run_check(city, rules_dir=rules, reuse=True)
    assert not after.reuse.get("whole")
    moved = [p for p in after.problems if p.rule == "PWR-ACCOUNTABILITY-CASES"]
    assert moved and all(p.message.startswith("【改】") for p in moved)
    assert _full(after) == _full(_scratch(city, rules_dir=rules))
    assert target.message and not target.message.startswith("【改】")


def test_another_day_is_another_check(city):
    early = run_check(city, reuse=True, today=dt.date(2026, 1, 1))
    late = run_check(city, reuse=True, today=dt.date(2031, 1, 1))
    assert not late.reuse.get("whole")
    assert _full(late) == _full(_scratch(city, today=dt.date(2031, 1, 1)))
    assert _full(early) == _full(_scratch(city, today=dt.date(2026, 1, 1)))


def test_tampered_entries_are_not_trusted(city):
    first = run_check(city, reuse=True)
    cache_dir = Path(os.environ["POLICYKIT_CACHE_DIR"])
    # rewrite every stored result and state with plausible but false content, keeping the header
    forged, states = 0, 0
    for path in cache_dir.rglob("*.json"):
        head, _, body = path.read_bytes().partition(b"\n")
        dumps = lambda obj: json.dumps(obj).encode()  # noqa: E731
        try:
            obj = json.loads(body)
        except ValueError:
            try:  # the incremental state is a marshal dump
                obj, dumps = marshal.loads(body), marshal.dumps
            except (ValueError, EOFError, TypeError):
                continue
        if isinstance(obj, dict) and "problems" in obj and "rules" in obj:
            obj["problems"] = []
        elif isinstance(obj, dict) and "kinds" in obj:
            for entry in obj["rules"].values():
                entry["matches"] = []
            states += 1
        else:
            continue
        path.write_bytes(head + b"\n" + dumps(obj))
        forged += 1
    assert forged >= 2 and states == 1
    again = run_check(city, reuse=True)
    assert not again.reuse.get("whole")
    assert again.reuse["rules_full"] == len(again.rules)  # the forged state was not trusted
    assert _full(again) == _full(first)


def test_symbolic_link_in_the_lists_turns_the_memo_off(city, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("x: 1\n", encoding="utf-8")
    (city / "lists" / "link.yaml").symlink_to(outside)
    from policykit.lists.config import load_config
    assert check_memo.key_for(city, config=load_config(city)[0], rules_dir=BUNDLED_RULES, engine="durable",
                              today=dt.date.today(), legal_date=None) is None


def test_fact_digests_tell_content_and_place_apart(city):
    from policykit.checking.facts import build_facts
    from policykit import open_repository
    facts = build_facts(open_repository(city))
    for fields in (None, incremental.fields_read(run_check(city).rules)):
        digests = incremental.fact_digests(facts, fields)
        assert len(set(digests)) == len(digests)  # no two facts alike: reuse is unambiguous here
        again = incremental.fact_digests(build_facts(open_repository(city)), fields)
        assert again == digests  # the same content gives the same digest in another build


def test_digests_cover_what_rules_read_and_nothing_else(city):
    """A duty's wording is read by no rule: rewording it keeps the digest (and so every verdict);
    a field a rule reads, a missing field, and the place a fact was written each change it."""
    from policykit.checking.facts import Fact, build_facts
    from policykit.lists.model import Source
    from policykit import open_repository
    fields = incremental.fields_read(run_check(city).rules)
    assert "content" not in fields["unit_duty"] and "sanding_duty_key" in fields["unit_duty"]
    duty = next(f for f in build_facts(open_repository(city)) if f.kind == "unit_duty")

    def digest(data, source=duty.source):
        return incremental.fact_digests([Fact(data, source)], fields)[0]
    base = digest(dict(duty.data))
    assert digest({**duty.data, "content": duty.data["content"] + "（改写）"}) == base
    assert digest({**duty.data, "seq": 99999}) == base
    assert digest({**duty.data, "sanding_duty_key": "x#99"}) != base
    assert digest({k: v for k, v in duty.data.items() if k != "sanding_duty_key"}) != base
    assert digest(dict(duty.data), Source(duty.source.file, (*duty.source.path[:-1], 999))) != base


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(city):
    """Files are known by their stat (size, mtime, ctime, inode), as git's index knows them; an edit of
    the same length with the modification time put back still changes ctime, so it is read."""
    old = 1_600_000_000_000_000_000          # 2020: long before anything was hashed (not "racy")
    for path in (city / "lists").rglob("*.yaml"):
        os.utime(path, ns=(old, old))
    first = run_check(city, reuse=True)
    path = next(p for p in sorted((city / "lists" / "powers").glob("*.yaml"))
                if "category: 行政处罚" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    edited = text.replace("category: 行政处罚", "category: 行政处理", 1)   # same length in UTF-8
    assert len(edited.encode()) == len(text.encode())
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(old, old))
    again = run_check(city, reuse=True)
    assert not again.reuse.get("whole")
    assert _full(again) == _full(_scratch(city)) != _full(first)


# --- edits that move joins: the rules they touch are evaluated by partition, and stay exact ----------

def _blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ``  - `` item of the top-level list in a generated list file."""
    starts = [i for i in range(len(text)) if text.startswith("\n  - ", i)]
    ends = starts[1:] + [len(text.rstrip("\n"))]
    return [(s + 1, e + 1 if e < len(text) else e) for s, e in zip(starts, ends)]


def _items(path: Path) -> list[tuple[dict, int, int]]:
    """The items of a power list with their text spans, in file order."""
    import yaml
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    spans = _blocks(text[text.index("\nitems:"):])
    offset = text.index("\nitems:")
    assert len(spans) == len(data["items"])
    return [(item, offset + s, offset + e) for item, (s, e) in zip(data["items"], spans)]


def _set_field(path: Path, code: str, name: str, value: str) -> None:
    """Give field ``name`` of the item with ``code`` a new value (a line of its own)."""
    text = path.read_text(encoding="utf-8")
    item, start, end = next(x for x in _items(path) if x[0]["code"] == code)
    block = text[start:end]
    prefix = "  - code: " if name == "code" else f"    {name}: "
    lines = block.split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    lines[i] = prefix + value
    path.write_text(text[:start] + "\n".join(lines) + text[end:], encoding="utf-8")


def _power_files(city: Path) -> list[Path]:
    return [p for p in sorted((city / "lists" / "powers").glob("*.yaml"))
            if not p.stem.startswith("ghost") and not p.stem.endswith("-2")]


def _unique_codes(city: Path) -> set:
    import collections
    counts = collections.Counter(item["code"] for p in _power_files(city) for item, _, _ in _items(p))
    return {c for c, n in counts.items() if n == 1}


@pytest.fixture
def partitioned(monkeypatch):
    """The ids of the rules evaluated by partition in the checks that follow."""
    seen: set = set()
    original = incremental._Delta.partition

    def spy(self, rule, plan, old_matches):
        out = original(self, rule, plan, old_matches)
        seen.add(rule.id)
        return out
    monkeypatch.setattr(incremental._Delta, "partition", spy)
    return seen


def _count(result, rule_id: str) -> int:
    return sum(1 for p in result.problems if p.rule == rule_id)


def _edited(city, partitioned, edit) -> tuple:
    before = run_check(city, reuse=True)
    partitioned.clear()
    edit()
    after = run_check(city, reuse=True)
    assert not after.reuse.get("whole")
    assert _full(after) == _full(_scratch(city))
    stats = after.reuse
    assert stats["rules_delta"] > 0 and stats["rules_full"] == 0, stats
    return before, after


def _two_items(city: Path, *, same_sub_name: bool = True):
    unique = _unique_codes(city)
    for path in _power_files(city):
        items = [x[0] for x in _items(path) if x[0]["code"] in unique and "sub_name" in x[0]]
        for a in items:
            for b in items:
                if a is not b and a["name"] != b["name"] and a["sub_name"] == b["sub_name"]:
                    return path, a, b
    raise AssertionError("no two items alike")  # pragma: no cover


def test_renaming_an_item_to_another_items_name_is_found_by_partition(city, partitioned):
    path, a, b = _two_items(city)
    before, after = _edited(city, partitioned, lambda: _set_field(path, b["code"], "name", a["name"]))
    assert _count(after, "PWR-NAME-UNIQUE") == _count(before, "PWR-NAME-UNIQUE") + 1
    assert {"PWR-NAME-UNIQUE", "X-OVERLAP-NAME", "PWR-CODE-UNIQUE", "PWR-CODE-DEPARTMENT"} <= partitioned


def test_taking_another_items_code_is_found_by_partition(city, partitioned):
    path, a, b = _two_items(city)
    before, after = _edited(city, partitioned, lambda: _set_field(path, b["code"], "code", a["code"]))
    assert _count(after, "PWR-CODE-UNIQUE") == _count(before, "PWR-CODE-UNIQUE") + 1
    assert {"PWR-CODE-UNIQUE", "X-OVERLAP-CATALOG", "REF-RELATED-POWER"} <= partitioned


def test_deleting_an_item_a_boundary_relates_to_is_found_by_partition(city, partitioned):
    import yaml
    unique = _unique_codes(city)
    related = {c for p in sorted((city / "lists" / "boundaries").glob("*.yaml"))
               for c in (yaml.safe_load(p.read_text(encoding="utf-8")).get("related_powers") or ())}
    path, start, end = next((p, s, e) for p in _power_files(city) for item, s, e in _items(p)
                            if item["code"] in related and item["code"] in unique and len(_items(p)) > 2)

    def delete():
        text = path.read_text(encoding="utf-8")
        path.write_text(text[:start] + text[end:], encoding="utf-8")
    before, after = _edited(city, partitioned, delete)
    assert _count(after, "REF-RELATED-POWER") == _count(before, "REF-RELATED-POWER") + 1
    assert {"REF-RELATED-POWER", "PWR-CODE-UNIQUE", "X-OVERLAP-NAME"} <= partitioned


def test_relating_a_boundary_to_an_overlapping_item_is_found_by_partition(city, partitioned):
    import re
    first = run_check(city, reuse=True)
    overlap = next(p for p in first.problems if p.rule == "X-OVERLAP-NAME")
    code = re.search(r"（(\w+)）", overlap.message).group(1)
    boundary = sorted((city / "lists" / "boundaries").glob("*.yaml"))[0]

    def relate():
        text = boundary.read_text(encoding="utf-8")
        assert "related_powers: [" in text
        boundary.write_text(text.replace("related_powers: [", f"related_powers: [{code}, ", 1), encoding="utf-8")
    before, after = _edited(city, partitioned, relate)
    assert _count(after, "X-OVERLAP-NAME") == _count(before, "X-OVERLAP-NAME") - 1
    assert not any(p.rule == "X-OVERLAP-NAME" and code in p.message.split("但")[-1] for p in after.problems)
    assert {"X-OVERLAP-NAME", "X-OVERLAP-CATALOG"} <= partitioned


def test_deleting_a_unit_its_items_name_is_found_by_partition(city, partitioned):
    import yaml
    used = {(p.stem, item.get("unit")) for p in _power_files(city) for item, _, _ in _items(p)}
    for org in sorted((city / "lists" / "organizations").glob("*.yaml")):
        data = yaml.safe_load(org.read_text(encoding="utf-8"))
        names = [u["name"] for u in data.get("units") or ()]
        unit = next((n for n in names[1:] if (data["id"], n) in used and names.count(n) == 1), None)
        if unit is not None:
            break
    else:  # pragma: no cover
        raise AssertionError("no unit in use")

    def delete():
        text = org.read_text(encoding="utf-8")
        start = text.index(f"\n  - name: {unit}\n") + 1
        end = text.find("\n  - ", start)
        end = text.index("\n", start) + 1 if end < 0 else end + 1
        org.write_text(text[:start] + text[end:], encoding="utf-8")
    before, after = _edited(city, partitioned, delete)
    assert _count(after, "REF-UNIT") > _count(before, "REF-UNIT")
    assert {"REF-UNIT", "ORG-UNIT-DUPLICATE"} <= partitioned
