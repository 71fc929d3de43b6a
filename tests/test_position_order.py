"""Every reader and walker of positions follows the one definition in ``lists/positions.py``.

The located loader and the fast reader record positions as they read; the cache pairs packed
positions with paths again by walking the data (``_walk_orders``) or by counting (``_subtree_sizes``
with ``CachedDocument._indexes``). If any of them drifted from ``value_paths`` / ``key_paths``, a
problem would be reported at another node's line. Checked on every YAML file of the repository, a
generated city and generated nested documents (block and flow style, unicode keys, empty containers).
"""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykit.lists.loader import load_bytes
from policykit.lists.positions import KEY, VALUE, key_paths, value_paths, walk
from policykit.speed import cache, fastyaml

ROOT = Path(__file__).resolve().parents[1]


def _pairs(arr) -> list:
    it = iter(arr)
    return list(zip(it, it))


def _at(data, path):
    for part in path:
        data = data[part]
    return data


def _spread(n: int, most: int = 400) -> list[int]:
    """Every index below ``n``, or ``most`` of them evenly spread and the last."""
    step = max(1, n // most)
    return sorted(set(range(0, n, step)) | ({n - 1} if n else set()))


def _counted(data, n: int, k: int):
    """A cached document whose packed position i is (i, i): counting gives indexes back."""
    doc = cache.CachedDocument("f.yaml", data)
    doc._packed = ([i for i in range(n) for _ in (0, 1)], [j for j in range(k) for _ in (0, 1)], n, k)
    doc._reparse = lambda: pytest.fail("packed positions rejected")
    return doc


def assert_walkers_follow(data) -> None:
    """The cache's walkers, on plain data: the reference orders, by listing and by counting."""
    values, keys = value_paths(data), key_paths(data)
    assert cache._walk_orders(data) == (values, keys)
    dates: list = []
    assert cache._walk_orders(data, dates) == (values, keys)
    assert [(tuple(path), iso) for path, _, iso in dates] == [
        (p, _at(data, p).isoformat()) for p in values if type(_at(data, p)) in (dt.date, dt.datetime)]
    sizes: dict = {}
    assert cache._subtree_sizes(data, sizes) == (len(values), len(keys))
    counted = _counted(data, len(values), len(keys))
    for i in _spread(len(values)):   # each lookup counts its way down: a spread of paths in a large file
        index, _, found = counted._indexes(values[i])
        assert (index, found) == (i, values[i]), values[i]
    for j in _spread(len(keys)):
        _, key_index, found = counted._indexes(keys[j])
        assert (key_index, found) == (j, keys[j]), keys[j]
    # and the lookups themselves, counted (the first few) and then from the unpacked tables
    counted = _counted(data, len(values), len(keys))
    for i, path in enumerate(values[: cache.COUNTED_LOOKUPS + 4]):
        assert counted._position(path) == (i, i)
    assert list(counted.positions) == values and list(counted.key_positions) == keys
    assert list(counted.positions.values()) == [(i, i) for i in range(len(values))]
    assert list(counted.key_positions.values()) == [(j, j) for j in range(len(keys))]


def assert_readers_follow(raw: bytes, rel: str = "f.yaml") -> tuple[bool, bool]:
    """(read, taken by the fast reader): the loader's, the fast reader's and the cache's positions
    of ``raw`` are in the reference orders."""
    doc = load_bytes(raw, rel)
    if doc.data is None:
        return False, False
    values, keys = value_paths(doc.data), key_paths(doc.data)
    assert list(doc.positions) == values
    assert list(doc.key_positions) == keys
    assert_walkers_follow(doc.data)
    body = cache._encode(doc, doc.problems)
    if body is not None:   # written and read back: the same tables, in the same order
        back, _ = cache._decode(rel, body, lambda: pytest.fail("entry rejected"))
        assert list(back.positions.items()) == list(doc.positions.items())
        assert list(back.key_positions.items()) == list(doc.key_positions.items())
    fast = fastyaml.load(raw)
    if fast is None:
        return True, False
    data, pos, kpos, _ = fast
    assert data == doc.data
    assert list(zip(values, _pairs(pos))) == list(doc.positions.items()) and len(pos) == 2 * len(values)
    assert list(zip(keys, _pairs(kpos))) == list(doc.key_positions.items()) and len(kpos) == 2 * len(keys)
    return True, True


def test_the_reference_orders():
    """A key comes right before everything under its value, not with its siblings first."""
    data = {"a": {"x": 1, "y": []}, "b": [2, {"z": {}}], "c": None}
    assert value_paths(data) == [(), ("a",), ("a", "x"), ("a", "y"), ("b",), ("b", 0), ("b", 1),
                                 ("b", 1, "z"), ("c",)]
    assert key_paths(data) == [("a",), ("a", "x"), ("a", "y"), ("b",), ("b", 1, "z"), ("c",)]
    assert [kind for kind, _ in walk({"a": {"x": 1}})] == [VALUE, KEY, VALUE, KEY, VALUE]


def _repository_yaml() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--", "*.yaml", "*.yml"], cwd=ROOT, capture_output=True,
                         check=True).stdout.decode("utf-8")
    return sorted(p for p in out.split("\0") if p and (ROOT / p).is_file())


def test_every_yaml_file_of_the_repository():
    files = _repository_yaml()
    assert any(f.startswith("lists/") for f in files) and any(f.startswith("rules/") for f in files)
    assert any(f.startswith("tests/cases/") for f in files)
    read = taken = 0
    lists = [f for f in files if f.startswith("lists/")]
    for rel in files:
        r, t = assert_readers_follow((ROOT / rel).read_bytes(), rel)
        read += r
        taken += t if rel.startswith("lists/") else 0
    # the fast reader is for the lists (rules, CI files and configuration are read by PyYAML alone)
    assert read >= 0.9 * len(files) and taken >= 0.9 * len(lists), (read, taken, len(files), len(lists))


def test_a_generated_city(tmp_path):
    from policykit.bench.generate import generate
    generate(tmp_path / "city", scale="small", seed=5)
    files = sorted((tmp_path / "city" / "lists").rglob("*.yaml"))
    taken = sum(assert_readers_follow(p.read_bytes(), p.name)[1] for p in files)
    assert files and taken >= 0.9 * len(files)


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Cn", "Co", "Zl", "Zp")), max_size=6)
_KEYS = st.one_of(_TEXT, st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True),
                  st.sampled_from(["职责", "事项", "名称", "1", "true", "null", "~", "a b"]))
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), _TEXT,
                    st.floats(allow_nan=False, allow_infinity=False), st.dates())
_NODES = st.recursive(_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_KEYS, inner, max_size=4)),
                      max_leaves=25)
_DOCUMENTS = st.dictionaries(_KEYS, _NODES, max_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_NODES)
def test_walkers_on_generated_data(data):
    assert_walkers_follow(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_DOCUMENTS, flow=st.sampled_from([False, True, None]), indent=st.sampled_from([2, 4]))
def test_readers_on_generated_documents(data, flow, indent):
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=flow, indent=indent)
    read, _ = assert_readers_follow(text.encode("utf-8"))
    assert read


def test_generated_block_documents_reach_the_fast_reader():
    """The fast reader's half of the property above is not vacuous: plain block documents take it."""
    text = "a:\n  x: 1\n  y: []\nb:\n- 2\n- z: {}\n  w: [1, 2]\nc:\n"
    assert assert_readers_follow(text.encode("utf-8")) == (True, True)
