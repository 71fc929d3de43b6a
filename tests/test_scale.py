"""Scale machinery on a scaled-down generated repository (``bench generate --scale small``).

* every planted defect is found, with exactly the planted count, cold (empty cache), warm (nothing
  changed), after one file changed, and with the cache turned off — the full problem lists agree;
* the document cache gives exactly what parsing gives (data and its types, every position, every
  problem), serially and in worker processes;
* a corrupted, truncated, swapped or planted cache entry is ignored, never trusted;
* the quick schema pre-check never calls valid what jsonschema calls invalid.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
import marshal
import math
import os
import random
import shutil
import warnings
from pathlib import Path

import pytest

from policykit.speed import cache
from policykit.lists import precheck
from policykit.checking.check import run_check
from policykit.lists.config import load_config
from policykit.bench.generate import KNOWN_RULES, change_one_file, dump, generate
from policykit.lists.loader import load_bytes
from policykit import open_repository
from policykit.lists.repository import LIST_DIRS
from policykit.lists.repository import parse_and_validate as reference
from policykit.lists.schemas import validate
from policykit.lists.sources import WorkTree

SEED = 8


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale") / "city"
    stats = generate(root, scale="small", seed=SEED)
    planted = json.loads((root / "planted.json").read_text(encoding="utf-8"))
    return root, stats, planted


@pytest.fixture
def repo_copy(generated, tmp_path, monkeypatch):
    """A private copy of the generated city and a private, empty cache directory."""
    root = tmp_path / "city"
    shutil.copytree(generated[0], root)
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("POLICYKIT_NO_CACHE", raising=False)
    return root


def _files(root: Path) -> list:
    out = []
    for directory, kind in LIST_DIRS.items():
        for path in sorted((root / "lists" / directory).glob("*.yaml")):
            out.append((path.relative_to(root).as_posix(), kind))
    if (root / "lists" / "waivers.yaml").exists():
        out.append(("lists/waivers.yaml", "waivers"))
    return out


def _counts(problems) -> collections.Counter:
    return collections.Counter(p.rule for p in problems)


def _full(problems) -> list:
    return [(p.file, p.line, p.column, p.path, p.rule, p.severity, p.message, p.waived_by) for p in problems]


def _unplaced(problems) -> list:
    return [(p.file, p.path, p.rule, p.severity, p.message, p.waived_by) for p in problems]


def _assert_planted(problems, planted) -> None:
    got = _counts(p for p in problems if p.file.startswith("lists/"))  # not the rule files themselves
    for rule, n in planted.items():
        assert got.get(rule, 0) == n, f"{rule}: planted {n}, found {got.get(rule, 0)}"
    unexpected = {r: n for r, n in got.items() if r not in planted and r in KNOWN_RULES}
    assert not unexpected, f"problems the generator did not plant: {unexpected}"
    new = {r: n for r, n in got.items() if r not in planted and r not in KNOWN_RULES}
    if new:  # a rule added after the generator: plant a defect for it in generate.py
        warnings.warn(f"rules unknown to the generator report problems on generated data: {new}")


def _cache_entries(root: Path) -> dict:
    """Document entries: key -> where its record is in the packs (from the authenticated index)."""
    return {k: tuple(v) for k, v in cache.PackStore(cache.Store.for_root(root)).index.items()}


# ---- planted defects in every mode -----------------------------------------------------------


def test_generated_repository_has_the_planned_sizes(generated):
    root, stats, planted = generated
    assert stats["departments"] >= 20 and stats["power_items"] >= 500 and stats["unit_duties"] >= 1000
    assert len(planted) >= 50 and all(n >= 1 for n in planted.values())
    # every list kind is present and the waivers file is there
    for directory in ("organizations", "powers", "tasks", "boundaries", "catalogs", "laws"):
        assert any((root / "lists" / directory).glob("*.yaml")), directory
    assert (root / "lists" / "waivers.yaml").is_file()


def test_planted_defects_found_cold_warm_changed_and_uncached(repo_copy, generated, monkeypatch):
    planted = generated[2]
    cache_dir = Path(os.environ["POLICYKIT_CACHE_DIR"])

    cold = run_check(repo_copy)
    _assert_planted(cold.problems, planted)
    assert cold.repo.documents and cache_dir.is_dir()
    entries = _cache_entries(repo_copy)
    assert len(entries) >= len(_files(repo_copy)) - 1  # every readable file has an entry

    warm = run_check(repo_copy)
    assert _full(warm.problems) == _full(cold.problems)
    assert _cache_entries(repo_copy) == entries, "a warm run rewrote cache entries"

    # one file edited without changing any verdict: same problems, one new entry
    rel = change_one_file(repo_copy, seed=1, defect=False)
    changed = run_check(repo_copy)
    assert _full(changed.problems) == _full(cold.problems)
    after = _cache_entries(repo_copy)
    assert len(set(after) - set(entries)) == 1

    # one file edited to add a defect: exactly one more problem, of that kind, in that file
    rel2 = change_one_file(repo_copy, seed=2, defect=True)
    broken = run_check(repo_copy)
    # (lines below the edit moved: compare without line and column)
    extra = collections.Counter(_unplaced(broken.problems)) - collections.Counter(_unplaced(changed.problems))
    gone = collections.Counter(_unplaced(changed.problems)) - collections.Counter(_unplaced(broken.problems))
    assert not gone
    assert [(k[0], k[2]) for k in extra] == [(rel2, "PWR-ACCOUNTABILITY-CASES")]
    expected = dict(planted)
    expected["PWR-ACCOUNTABILITY-CASES"] = expected.get("PWR-ACCOUNTABILITY-CASES", 0) + 1
    _assert_planted(broken.problems, expected)

    # the same tree without any cache: the very same full problem list
    monkeypatch.setenv("POLICYKIT_NO_CACHE", "1")
    uncached = run_check(repo_copy)
    assert _full(uncached.problems) == _full(broken.problems)
    assert rel  # the first edit really touched a file


def test_cli_check_reports_planted_counts(repo_copy, generated, capsys):
    from policykit.cli import main
    code = main(["check", str(repo_copy), "-q", "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    got = collections.Counter(p["rule"] for p in out["problems"])
    assert {r: got.get(r, 0) for r in generated[2]} == generated[2]


# ---- the cache gives exactly what parsing gives ------------------------------------------------


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _assert_same_document(ref_doc, ref_problems, doc, problems):
    assert doc.file == ref_doc.file
    assert _same(ref_doc.data, doc.data)
    assert list(doc.positions.items()) == list(ref_doc.positions.items())
    assert list(doc.key_positions.items()) == list(ref_doc.key_positions.items())
    assert _full(doc.problems) == _full(ref_doc.problems)
    assert _full(problems) == _full(ref_problems)


def _load(root: Path) -> dict:
    config, _ = load_config(root)
    return {rel: (doc, problems) for rel, _, doc, problems in
            cache.load_documents(root, WorkTree(root), _files(root), config)}


@pytest.mark.parametrize("workers", ["0", "2"])
def test_cached_documents_equal_parsed_documents(repo_copy, monkeypatch, workers):
    monkeypatch.setenv("POLICYKIT_LOAD_WORKERS", workers)
    monkeypatch.setattr(cache, "PARALLEL_MIN_BYTES", 0)
    root = repo_copy
    config, _ = load_config(root)
    refs = {rel: reference(rel, kind, (root / rel).read_bytes(), config, root) for rel, kind in _files(root)}
    for mode in ("cold", "warm"):
        loaded = _load(root)
        assert list(loaded) == [rel for rel, _ in _files(root)]
        for rel, (ref_doc, ref_problems) in refs.items():
            doc, problems = loaded[rel]
            if mode == "warm":
                assert isinstance(doc, cache.CachedDocument)
            _assert_same_document(ref_doc, ref_problems, doc, problems)


def test_a_worker_that_dies_midway_loses_nothing(repo_copy, monkeypatch):
    """A load worker killed after a few files (here: it exits at its fourth): the parent parses
    every file that worker did not send, and the documents equal the parsed files."""
    monkeypatch.setenv("POLICYKIT_LOAD_WORKERS", "2")
    monkeypatch.setattr(cache, "PARALLEL_MIN_BYTES", 0)
    real_work = cache._work
    calls = [0]

    def dying(*args):
        calls[0] += 1
        if calls[0] == 4 and os.getpid() != parent:
            os._exit(9)
        return real_work(*args)
    parent = os.getpid()
    monkeypatch.setattr(cache, "_work", dying)
    root = repo_copy
    config, _ = load_config(root)
    loaded = _load(root)
    assert list(loaded) == [rel for rel, _ in _files(root)]
    for rel, kind in _files(root):
        ref_doc, ref_problems = reference(rel, kind, (root / rel).read_bytes(), config, root)
        _assert_same_document(ref_doc, ref_problems, *loaded[rel])


def test_types_and_failed_documents_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "city"
    texts = {
        "lists/laws/a.yaml": ("id: a\ntitle: 测试条例\nlevel: 地方性法规\nversions:\n"
                              "  - {event: 制定, promulgated: 2019-03-28, effective: 2019-05-01 10:30:00+08:00}\n"
                              "  - {event: 修正, promulgated: 2020-01-01 08:00:00, articles: 12, renumbered: yes}\n"
                              "weird: [.inf, -.nan, 0o17, 0x1F, 1_000, 12345678901234567890123, ~, 1:20, 3.5e3]\n"),
        "lists/laws/b.yaml": "id: b\ntitle: 重复\ntitle: 键\nlevel: 法律\nversions: []\n",
        "lists/laws/c.yaml": "id: c\nname: [未闭合\n",
        "lists/laws/d.yaml": "base: &x {a: 1}\nother: *x\n",
        "lists/laws/e.yaml": "- 顶层是列表\n",
        "lists/laws/f.yaml": b"\xff\xfe\x00\x00",
        "lists/laws/g.yaml": "id: g\ntitle: !!python/object:os.system ls\n",
    }
    for rel, text in texts.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    config, _ = load_config(root)
    files = [(rel, "law") for rel in texts]
    refs = {rel: reference(rel, "law", (root / rel).read_bytes(), config, root) for rel in texts}
    for _ in ("cold", "warm"):
        loaded = {rel: (d, p) for rel, _, d, p in cache.load_documents(root, WorkTree(root), files, config)}
        for rel, (ref_doc, ref_problems) in refs.items():
            _assert_same_document(ref_doc, ref_problems, *loaded[rel])
    doc = loaded["lists/laws/a.yaml"][0]
    v0, v1 = doc.data["versions"]
    assert type(v0["promulgated"]) is dt.date and type(v0["effective"]) is dt.datetime
    assert v0["effective"].utcoffset() == dt.timedelta(hours=8) and v1["promulgated"].tzinfo is None
    assert v1["renumbered"] is True and doc.data["weird"][6] is None and doc.data["weird"][7] == 80
    assert {p.rule for p in loaded["lists/laws/b.yaml"][1]} >= {"YAML-DUPLICATE-KEY"}


# ---- a corrupted entry is ignored, not trusted ----------------------------------------------------


def _write_index(store, index: dict) -> None:
    """Rewrite the pack index through the store (as a buggy policykit could; an attacker without
    the secret cannot even do this much)."""
    packs = cache.PackStore(store)
    store.put(packs.index_key, json.dumps({"entries": index}).encode())


@pytest.mark.parametrize("damage", ["truncate", "flip-body", "garbage", "swap", "forged", "header-only",
                                    "empty", "index-garbage", "pack-deleted"])
def test_corrupted_cache_entry_is_ignored(repo_copy, damage):
    """Every kind of damage to the packs or their index is a miss: the documents read back equal
    the parsed files, and the damaged entries are written again."""
    root = repo_copy
    _load(root)
    store = cache.Store.for_root(root)
    packs = cache.PackStore(store)
    index = dict(packs.index)
    assert len(index) >= len(_files(root)) - 1
    rng = random.Random(damage)
    victims = rng.sample(sorted(index), 5)
    pack_dir = Path(packs.dir)

    def region(key):
        name, offset, length = index[key]
        return pack_dir / name, offset, length

    for key in victims:
        path, offset, length = region(key)
        if not path.exists():   # deleted with an earlier victim
            continue
        raw = path.read_bytes()
        record = raw[offset: offset + length]
        head, _, body = record.partition(b"\n")
        if damage == "truncate":
            path.write_bytes(raw[: offset + length // 2])
        elif damage == "flip-body":
            i = offset + len(head) + 1 + rng.randrange(len(body))
            path.write_bytes(raw[:i] + bytes([raw[i] ^ 0x20]) + raw[i + 1:])
        elif damage == "garbage":
            path.write_bytes(raw[:offset] + os.urandom(length) + raw[offset + length:])
        elif damage == "swap":   # the index points a key at another file's (authentic) record
            other = next(k for k in sorted(index) if k not in victims)
            index[key] = index[other]
        elif damage == "forged":
            # a planted record claiming the file is clean, with a MAC made without the secret
            header = json.loads(head)
            fake = marshal.loads(body)
            fake["problems"], fake["dp"] = [], 0
            new_body = marshal.dumps(fake)
            header["size"] = len(new_body)
            header["mac"] = "0" * 64
            forged = json.dumps(header).encode() + b"\n" + new_body
            path.write_bytes(raw + forged)
            index[key] = [path.name, len(raw), len(forged)]
        elif damage == "header-only":
            index[key] = [path.name, offset, len(head)]
        elif damage == "empty":
            path.write_bytes(b"")
        elif damage == "pack-deleted":
            path.unlink(missing_ok=True)
    if damage in ("swap", "forged", "header-only"):
        _write_index(store, index)
    if damage == "index-garbage":
        store_file = Path(store._path(packs.index_key))
        store_file.write_bytes(os.urandom(300))
    config, _ = load_config(root)
    again = _load(root)
    for rel, kind in _files(root):
        ref_doc, ref_problems = reference(rel, kind, (root / rel).read_bytes(), config, root)
        _assert_same_document(ref_doc, ref_problems, *again[rel])
    # the damaged entries were replaced by good ones
    fresh = cache.PackStore(cache.Store.for_root(root))
    assert all(fresh.get(k) is not None for k in victims)


def test_entry_without_secret_is_not_trusted(repo_copy):
    """Entries made with another secret (e.g. copied from elsewhere) are all misses, even when an
    index made with the new secret points at them."""
    root = repo_copy
    first = open_repository(root).load_problems
    old_index = dict(cache.PackStore(cache.Store.for_root(root)).index)
    secret = Path(os.environ["POLICYKIT_CACHE_DIR"]) / "secret"
    assert secret.is_file() and oct(secret.stat().st_mode & 0o777) == "0o600"
    secret.write_text("f" * 64)
    store = cache.Store.for_root(root)
    assert old_index and cache.PackStore(store).index == {}   # the old index itself is not trusted
    _write_index(store, old_index)
    packs = cache.PackStore(store)
    assert packs.index == old_index and all(packs.get(k) is None for k in old_index)
    assert _full(open_repository(root).load_problems) == _full(first)


def test_packs_are_compacted_and_stale_packs_removed(repo_copy, monkeypatch):
    """Edits leave superseded records behind; once they outweigh the live ones the live records
    are copied into one fresh pack and the old packs go. A killed run's pack nobody indexes is
    removed once it is old."""
    root = repo_copy
    monkeypatch.setattr(cache, "PACK_SLACK_BYTES", 0)
    _load(root)
    packs_dir = Path(cache.PackStore(cache.Store.for_root(root)).dir)
    orphan = packs_dir / "0-1-deadbeef.pack"
    orphan.write_bytes(b"half a record")
    os.utime(orphan, (1_000_000, 1_000_000))
    for seed in range(3):
        change_one_file(root, seed=seed, defect=False)
        _load(root)
    packs = cache.PackStore(cache.Store.for_root(root))
    names = {v[0] for v in packs.index.values()}
    on_disk = {p.name for p in packs_dir.glob("*.pack")}
    assert names == on_disk, "every pack on disk is indexed (the orphan and superseded packs are gone)"
    live = sum(v[2] for v in packs.index.values())
    assert sum((packs_dir / n).stat().st_size for n in on_disk) <= 2 * live
    assert all(packs.get(k) is not None for k in packs.index)


def test_positions_fall_back_to_parsing_when_packed_positions_do_not_fit(repo_copy):
    root = repo_copy
    _load(root)
    loaded = _load(root)
    rel = next(r for r, _ in _files(root) if r.startswith("lists/powers/"))
    doc, _ = loaded[rel]
    assert isinstance(doc, cache.CachedDocument) and doc._packed is not None
    pos, kpos, n, k = doc._packed
    doc._packed = (pos, kpos, n + 1, k)  # as if the entry lied about its size
    ref_doc, _ = reference(rel, "powers", (root / rel).read_bytes(), load_config(root)[0], root)
    assert doc.positions == ref_doc.positions and doc.key_positions == ref_doc.key_positions


def test_cache_lives_outside_the_repository_and_can_be_turned_off(generated, tmp_path, monkeypatch):
    root = tmp_path / "city"
    shutil.copytree(generated[0], root)
    monkeypatch.delenv("POLICYKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    monkeypatch.setenv("POLICYKIT_NO_CACHE", "1")
    open_repository(root)
    assert not (tmp_path / "xdg").exists()
    monkeypatch.delenv("POLICYKIT_NO_CACHE")
    open_repository(root)
    assert any((tmp_path / "xdg" / "policykit").rglob("*.json"))
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    # no entry is executable content: every entry is a JSON header line and a JSON body
    for path in (tmp_path / "xdg" / "policykit").rglob("*.json"):
        head, _, body = path.read_bytes().partition(b"\n")
        assert isinstance(json.loads(head), dict) and isinstance(json.loads(body), dict)


def test_cache_dir_inside_repository_keeps_the_secret_outside(generated, tmp_path, monkeypatch):
    root = tmp_path / "city"
    shutil.copytree(generated[0], root)
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(root / ".policykit-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    open_repository(root)
    assert not (root / ".policykit-cache" / "secret").exists()
    assert (tmp_path / "xdg" / "policykit" / "secret").is_file()


# ---- the quick schema pre-check is never more lenient than jsonschema --------------------------


def _mutations(rng: random.Random, data):
    """Small hostile edits: drop, retype, misspell, overflow, out-of-range, odd dates."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))
    walk(data, ())
    replacements = [None, True, False, 0, -1, 1.0, 2.5, float("nan"), "", " ", "x" * 5000, "2024-02-30",
                    "2024-6-1", "2024-06-01\n", dt.date(2024, 6, 1), dt.datetime(2024, 6, 1, 8, 0), [], {},
                    ["a"], {"k": "v"}, "《标题》", "ABC", "370199101XK00100", 10 ** 30, "法律", "牵头", "在用"]
    for _ in range(12):
        copy = json.loads(json.dumps(data, default=str))
        copy = _restore_dates(data, copy)
        path = rng.choice(paths)
        op = rng.random()
        if not path:
            continue
        parent = copy
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if op < 0.3 and isinstance(parent, dict):
            del parent[last]
        elif op < 0.4 and isinstance(parent, dict):
            parent[last + "_x"] = parent[last]
        else:
            parent[last] = rng.choice(replacements)
        yield copy


def _restore_dates(original, copy):
    if isinstance(original, dict):
        return {k: _restore_dates(original[k], copy[k]) for k in original}
    if isinstance(original, list):
        return [_restore_dates(a, b) for a, b in zip(original, copy)]
    return original if isinstance(original, (dt.date, dt.datetime)) else copy


def test_quick_schema_check_never_accepts_what_jsonschema_rejects(generated):
    root = generated[0]
    rng = random.Random(20260)
    files = _files(root)
    checked = accepted = 0
    for rel, kind in rng.sample(files, min(60, len(files))):
        doc = load_bytes((root / rel).read_bytes(), rel)
        if doc.data is None:
            continue
        if kind in ("powers", "tasks") and len(json.dumps(doc.data, default=str)) > 60_000:
            items = "items" if kind == "powers" else "units"
            doc.data[items] = doc.data[items][:8]
        for mutated in _mutations(rng, doc.data):
            doc.data = mutated
            quick = precheck.fast_valid(kind, root, mutated)
            if quick:
                accepted += 1
                assert validate(doc, kind, root) == [], f"{rel}: pre-check accepted an invalid document"
            checked += 1
    assert checked > 300 and accepted > 0


def test_generated_pre_check_equals_its_closure_definition(generated):
    """The pre-check runs as generated code; on every file and hundreds of mutations of them it
    answers exactly what the keyword-by-keyword closures (its readable definition) answer."""
    from policykit.lists.schemas import load_schema
    root = generated[0]
    rng = random.Random(7)
    compiled, reference = {}, {}
    checked = disagreements = 0
    for rel, kind in _files(root):
        if kind not in compiled:
            try:
                compiled[kind] = precheck._compile_schema(load_schema(kind, root))
                reference[kind] = precheck._compile_reference(load_schema(kind, root))
            except precheck._Unsupported:
                compiled[kind] = reference[kind] = None
        if compiled[kind] is None:
            continue
        doc = load_bytes((root / rel).read_bytes(), rel)
        if doc.data is None:
            continue
        samples = [doc.data] + (list(_mutations(rng, doc.data)) if rng.random() < 0.3 else [])
        for data in samples:
            checked += 1
            disagreements += compiled[kind](data) != reference[kind](data)
    assert checked > 500 and disagreements == 0


def test_pre_check_of_the_configuration_never_accepts_what_jsonschema_rejects(generated):
    """policykit.yaml is checked by the pre-check first (keys by ``propertyNames``, an enum with
    ``false`` in it): on the bundled and generated configurations and hundreds of mutations, the
    generated code equals its closure definition, and whatever it accepts jsonschema accepts."""
    from policykit.lists.schemas import load_schema
    root = generated[0]
    compiled = precheck._compile_schema(load_schema("config", root))
    reference = precheck._compile_reference(load_schema("config", root))
    rng = random.Random(11)
    checked = accepted = 0
    bundled = Path(__file__).resolve().parents[1] / "policykit.yaml"
    for path in (root / "policykit.yaml", bundled):
        doc = load_bytes(path.read_bytes(), "policykit.yaml")
        assert doc.data is not None and compiled(doc.data) and validate(doc, "config", root) == []
        base = doc.data
        samples = [base] + [m for _ in range(40) for m in _mutations(rng, base)]
        overrides = dict(base.get("severity_overrides") or {})
        samples += [{**base, "severity_overrides": {**overrides, "PWR-CODE-UNIQUE": v}}
                    for v in (False, True, None, 0, 1, "off", "warning", "Warning")]
        samples += [{**base, "severity_overrides": {**overrides, k: "warning"}}
                    for k in ("PWR-CODE-UNIQUE", "pwr-code-unique", "", "X", 7)]
        for data in samples:
            checked += 1
            quick = compiled(data)
            assert quick == reference(data)
            if quick:
                accepted += 1
                doc.data = data
                assert validate(doc, "config", root) == [], data
    assert checked > 500 and accepted > 10


def test_quick_schema_check_agrees_on_clean_generated_files(generated):
    root = generated[0]
    for rel, kind in _files(root):
        doc = load_bytes((root / rel).read_bytes(), rel)
        if doc.data is None or doc.problems:
            continue
        assert precheck.fast_valid(kind, root, doc.data) == (validate(doc, kind, root) == []), rel


# ---- the generator ------------------------------------------------------------------------------------


def test_generator_is_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, scale="small", seed=3)
    generate(b, scale="small", seed=3)
    generate(c, scale="small", seed=4)

    def digest(root):
        return {p.relative_to(root).as_posix(): cache.blob_id(p.read_bytes()) for p in sorted(root.rglob("*"))
                if p.is_file()}
    assert digest(a) == digest(b)
    assert digest(a) != digest(c)


def test_generator_refuses_a_non_empty_directory(tmp_path):
    from policykit.errors import UsageError
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(UsageError):
        generate(tmp_path / "x", scale="small", seed=1)


def test_emitter_writes_what_the_loader_reads_back():
    data = {"code": "370199101XK00100", "n": "101", "zero": "0200000001", "yes": "yes", "null": "null",
            "date": dt.date(2020, 1, 2), "text": "负责：a: b # c", "lead": "- 不是列表", "quote": "“引号”",
            "flow": __import__("policykit.bench.generate", fromlist=["Flow"]).Flow(["市级", "乡镇(街道)级", "a, b"]),
            "empty": [], "nested": [{"a": 1, "b": [{"c": "d"}]}], "bool": True, "int": 7}
    doc = load_bytes(dump(data).encode("utf-8"), "x.yaml")
    assert not doc.problems
    expected = dict(data, flow=list(data["flow"]))
    assert _same(expected, doc.data)


def test_bench_generate_cli(tmp_path, capsys):
    from policykit.cli import main
    code = main(["bench", "generate", "--scale", "small", "--seed", "2", "--out", str(tmp_path / "g")])
    assert code == 0
    assert "planted.json" in capsys.readouterr().out
    assert json.loads((tmp_path / "g" / "generated.json").read_text())["scale"] == "small"


def test_old_repository_caches_are_pruned(tmp_path, monkeypatch):
    base = tmp_path / "cache"
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(base))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    for i in range(cache.MAX_ROOTS + 5):
        d = base / f"{i:016x}"
        (d / "ab").mkdir(parents=True)
        (d / "ab" / "x.json").write_text("{}")
        os.utime(d, (1_000_000 + i, 1_000_000 + i))
    root = tmp_path / "repo"
    root.mkdir()
    store = cache.Store.for_root(root)
    kept = [p for p in base.iterdir() if p.is_dir()]
    assert store.dir in kept and len(kept) == cache.MAX_ROOTS
    assert not (base / f"{0:016x}").exists() and (base / f"{cache.MAX_ROOTS + 4:016x}").exists()


def test_positions_found_by_counting_equal_the_full_table(repo_copy, monkeypatch):
    """A cached document answers single position questions by counting nodes and keys; every answer
    equals the parsed file's table, for every value and key path and for paths that do not exist.
    (Past ``COUNTED_LOOKUPS`` questions a document builds its table instead: kept from it here.)"""
    monkeypatch.setattr(cache, "COUNTED_LOOKUPS", 10 ** 9)
    open_repository(repo_copy)                      # fills the cache
    warm = open_repository(repo_copy)               # documents read back from it
    checked = 0
    for rel, kind in _files(repo_copy)[:40]:
        doc = warm.documents[rel]
        if not hasattr(doc, "_counted"):
            continue
        ref, _ = reference(rel, kind, (repo_copy / rel).read_bytes(), load_config(repo_copy)[0], repo_copy)
        for path in list(ref.positions)[:400]:
            assert doc.position(path) == ref.position(path), (rel, path)
            assert doc.position(path + ("nope",)) == ref.position(path + ("nope",)), (rel, path)
            assert doc.key_position(path) == ref.key_position(path), (rel, path)
            checked += 1
        assert doc._packed is not None, "the full table was built although single answers sufficed"
    assert checked > 1000


def test_location_memo_answers_only_for_unchanged_files(repo_copy, monkeypatch):
    """A check that reuses remembers where its problems were, keyed by each file's cache entry.
    After an edit that moves lines in one file, that file's problems are located afresh (the
    lines moved) and the others are read from the memo; the result equals a check from scratch."""
    run_check(repo_copy, reuse=True)        # fills the document cache
    other = repo_copy / _files(repo_copy)[0][0]
    other.write_text(other.read_text(encoding="utf-8") + "# 末尾注释\n", encoding="utf-8")
    first = run_check(repo_copy, reuse=True)  # every document from the cache: the memo is filled
    memo = cache.LocationMemo(cache.Store.for_root(repo_copy))
    assert memo.known, "the check remembered where its problems were"
    # an edit that moves every later line of one file that has problems
    target = next(p.file for p in first.problems if p.file.startswith("lists/powers/") and p.line > 5)
    path = repo_copy / target
    path.write_text("# 一行注释，下面的行都下移一行\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    asked = []
    real_ask = cache.LocationMemo.ask

    def ask(self, entry, which, p, compute):
        def counted(q):
            asked.append(entry)
            return compute(q)
        return real_ask(self, entry, which, p, counted)
    monkeypatch.setattr(cache.LocationMemo, "ask", ask)
    again = run_check(repo_copy, reuse=True)
    monkeypatch.undo()
    monkeypatch.setenv("POLICYKIT_NO_CACHE", "1")
    scratch = run_check(repo_copy)
    assert _full(again.problems) == _full(scratch.problems)
    moved = [p for p in again.problems if p.file == target]
    before = {(p.path, p.rule): p.line for p in first.problems if p.file == target}
    assert moved and all(p.line == before[(p.path, p.rule)] + 1 for p in moved if (p.path, p.rule) in before)
    computed_files = {again.repo.documents[p.file]._entry for p in moved}
    assert set(asked) <= computed_files | {None}, "only the edited file was located afresh"
