"""The fast reader either declines or gives exactly what the located loader gives.

For every YAML file of the repository, the test cases and fixtures, a generated repository, and
many generated and mutated documents: ``fastyaml.load`` returns None, or data equal to the located
loader's with the same types all the way down, no problem from the located loader, the same
position for every value and key, and the dates where the cache expects them.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policykit.speed import cache, fastyaml
from policykit.lists.config import load_config
from policykit.lists.loader import Limits, load_bytes
from policykit.lists.repository import parse_and_validate as reference

ROOT = Path(__file__).resolve().parents[1]


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if type(a) is float and math.isnan(a):
        return math.isnan(b)
    if type(a) is dt.datetime:
        return a == b and a.tzinfo == b.tzinfo and a.utcoffset() == b.utcoffset()
    return a == b


def assert_exact(raw: bytes, limits: Limits = Limits()) -> bool:
    """True if the fast reader accepted ``raw`` (and then it agreed in every respect)."""
    fast = fastyaml.load(raw, limits)
    if fast is None:
        return False
    data, pos, kpos, dates = fast
    doc = load_bytes(raw, "f.yaml", limits)
    assert doc.problems == [], doc.problems
    assert _same(data, doc.data), (data, doc.data)
    expected_dates: list = []
    paths, keys = cache._walk_orders(data, expected_dates)
    assert list(doc.positions) == paths and list(doc.key_positions) == keys
    it = iter(pos)
    assert dict(zip(paths, zip(it, it))) == doc.positions and len(pos) == 2 * len(paths)
    it = iter(kpos)
    assert dict(zip(keys, zip(it, it))) == doc.key_positions and len(kpos) == 2 * len(keys)
    assert sorted(map(repr, dates)) == sorted(map(repr, expected_dates))
    return True


def _yaml_files(*dirs) -> list:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.yaml"))


@pytest.mark.parametrize("path", _yaml_files("lists", "tests/cases", "tests/fixtures"),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_repository_files(path):
    assert_exact(path.read_bytes())


def test_repository_list_files_mostly_take_the_fast_path():
    files = _yaml_files("lists")
    taken = sum(assert_exact(p.read_bytes()) for p in files)
    assert taken >= 0.9 * len(files)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from policykit.bench.generate import generate
    root = tmp_path_factory.mktemp("fastyaml") / "city"
    generate(root, scale="small", seed=11)
    return root


def test_generated_repository(generated):
    files = sorted((generated / "lists").rglob("*.yaml"))
    taken = sum(assert_exact(p.read_bytes()) for p in files)
    assert files and taken >= 0.95 * len(files)


def test_parse_and_validate_agrees_with_the_reference(generated):
    """Through the cache's reader: the same documents, positions and (schema) problems."""
    from policykit.lists.repository import LIST_DIRS
    config, _ = load_config(generated)
    for directory, kind in LIST_DIRS.items():
        for path in sorted((generated / "lists" / directory).glob("*.yaml")):
            rel = path.relative_to(generated).as_posix()
            raw = path.read_bytes()
            ref_doc, ref_problems = reference(rel, kind, raw, config, generated)
            doc, problems = cache.parse_and_validate(rel, kind, raw, config, generated)
            assert problems == ref_problems
            assert doc.problems == ref_doc.problems and _same(doc.data, ref_doc.data)
            assert doc.positions == ref_doc.positions and doc.key_positions == ref_doc.key_positions
            body = cache._encode(doc, problems)
            back, back_problems = cache._decode(rel, body, cache._Reparse(rel, kind, raw, config, generated))
            assert back_problems == ref_problems and _same(back.data, ref_doc.data)
            assert back.positions == ref_doc.positions and back.key_positions == ref_doc.key_positions


def test_schema_problems_of_a_fast_read_file_are_located(tmp_path):
    """A file the fast reader takes but the schema rejects: positions come from its arrays."""
    text = ("id: x\ntitle: 条例\nlevel: 不存在的层级\nversions:\n  - event: 制定\n    promulgated: 2019-03-28\n"
            "    articles: 十二\n")
    raw = text.encode("utf-8")
    assert assert_exact(raw)
    config, _ = load_config(ROOT)
    ref_doc, ref_problems = reference("lists/laws/x.yaml", "law", raw, config, ROOT)
    doc, problems = cache.parse_and_validate("lists/laws/x.yaml", "law", raw, config, ROOT)
    assert ref_problems and problems == ref_problems


# ---- what it must refuse -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                      # duplicate key
    "a: &x 1\nb: *x\n",                  # anchor, alias
    "a: !!str 1\n",                      # tag
    "<<: {a: 1}\n",                      # merge key
    "a: <<\n",                           # merge-tagged value
    "a: =\n",                            # value tag
    "---\na: 1\n",                       # document marker
    "a: 1\n---\nb: 2\n",                 # two documents
    "%YAML 1.1\n---\na: 1\n",            # directive
    "a: |\n  text\n",                    # block scalar
    "a: b\n  c\n",                       # multi-line plain scalar
    "a: 'b\n  c'\n",                     # multi-line quoted scalar
    "a: \"\\u4e2d\"\n",                  # escapes
    "a:\tb\n",                           # tab
    "a: 1\r\nb: 2\r\n",                  # CR LF
    "a: x\u2028y\n",                     # a line separator
    "a: \x07\n",                         # a control character
    "\ufeffa: 1\n",                      # byte order mark
    "- a\n",                             # top level not a mapping
    "",                                  # empty
    "# only a comment\n",
    "a: b: c\n",                         # mapping value not allowed
    "a: [b, c\n",                        # unclosed
    "a: 2025-02-30\n",                   # a date that does not exist
    "a: {b: 1}\n",                       # flow mapping
    "a:\n  - b\n   - c\n",               # bad indentation
    "a: -\n",
    "a: x\n b: y\n",
])
def test_declines(text):
    assert fastyaml.load(text.encode("utf-8")) is None


def test_limits_decline():
    deep = "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 5)) + "  " * 5 + "c: 1\n"
    assert assert_exact(deep.encode())
    assert fastyaml.load(deep.encode(), Limits(max_depth=4)) is None
    assert fastyaml.load(b"a: " + b"x" * 50 + b"\n", Limits(max_string_chars=10)) is None
    assert fastyaml.load(b"a: [1, 2, 3]\nb: 4\n", Limits(max_nodes=4)) is None
    assert fastyaml.load(b"a: 1\n" * 1, Limits(max_file_bytes=3)) is None
    for limits in (Limits(max_depth=4), Limits(max_string_chars=10), Limits(max_nodes=4)):
        assert_exact(deep.encode(), limits)


def test_types():
    text = ("a: yes\nb: No\nc: ~\nd: null\ne: 0o17\nf: 0x1F\ng: 1_000\nh: 1:20\ni: .inf\nj: 2025-01-01\n"
            "k: 2025-01-01 10:00:00\nl: 'quoted'\nm: \"双引号\"\nn: 012\no: 1e3\np: -.5\nq: [yes, 1, 0b11, -1]\n"
            "r: 2025-01-01T10:00:00+08:00\ns: ON\nt:\nu: 1.5e+3\nv: +12\nno: 1\n'yes': 2\n\"1\": 3\n")
    assert assert_exact(text.encode())
    data = fastyaml.load(text.encode())[0]
    assert data["a"] is True and data["e"] == "0o17" and data["g"] == 1000 and data["h"] == 80
    assert type(data["j"]) is dt.date and type(data["k"]) is dt.datetime and data["n"] == 10
    assert data["o"] == "1e3" and data["q"] == [True, 1, 3, -1] and list(data)[-3:] == ["no", "yes", "1"]


# ---- generated documents ------------------------------------------------------------------------

TRICKY = ["yes", "No", "ON", "off", "y", "n", "~", "null", "Null", "NULL", "true", "False", "0o17", "0x1F",
          "0b101", "1_000", "012", "08", "1:20", "-1:30:00", ".inf", "-.Inf", ".NaN", "1e3", "1.5e+3", "-.5",
          "+12", "3.", "2025-01-01", "2025-1-1", "2025-01-01 10:00:00", "2025-01-01T10:00:00Z",
          "2025-01-01 10:00:00.5 +08:00", "2025-13-01", "0531-85530534", "370199101XK00100", "a b  c",
          "x#y", "a:b", "http://x.y/z?q=1", "中文", "双引号", "职责：管理", "食品 经营", "é", "-x", "- x", "?x",
          ":x", "=", "<<", "@x", "`x", "%x", "!x", "&x", "*x", "|", ">", "[]", "{}", "'", '"', "a'b", 'a"b',
          "a\\b", "a,b", "[a, b]", "😀", "\u3000", "a ", " a", "", "#", "a #c", "0", "-0", "+0", "0.0", "1,000"]
KEYS = ["a", "id", "name", "no", "yes", "1", "null", "a-b", "a.b", "_x", "'q'", '"d"', "'it''s'", "Key9", "On",
        "中", "a b", "~", "<<", "? x", "-", "k:", "'a", "&a"]  # the first 15 are what the fast reader takes
ACCEPTED = [t for t in TRICKY if t and t[0] not in "-?:[]{}#&*!|>'\"%@`=< " and ": " not in t and not t.endswith((":", " "))]
key = st.sampled_from(KEYS[:15] * 10 + KEYS[15:])
scalar_text = st.one_of(st.sampled_from(ACCEPTED), st.sampled_from(ACCEPTED), st.sampled_from(TRICKY),
                        st.text(alphabet="ab 1:#-'\"中,.[]{}!&*", min_size=1, max_size=8))


@st.composite
def scalar(draw):
    text = draw(scalar_text)
    style = draw(st.sampled_from(["plain", "plain", "single", "double"]))
    if style == "single":
        text = "'" + text.replace("'", "''") + "'"
    elif style == "double":
        text = '"' + text + '"'
    if draw(st.booleans()):
        text += draw(st.sampled_from(["  # 注释", " #c", "   ", "#c"]))
    return text


@st.composite
def flow(draw):
    items = draw(st.lists(st.sampled_from(TRICKY[:40] + ["中文", "市级", "x y"]), max_size=4))
    sep = draw(st.sampled_from([", ", ",", " , "]))
    return "[" + draw(st.sampled_from(["", " "])) + sep.join(items) + "]"


def _render(draw, node, indent: int, lines: list, prefix: str):
    """Append lines for ``node``; ``prefix`` is 'key:' or '-' (the line that introduces it)."""
    kind = node[0]
    pad = " " * indent
    if kind == "scalar":
        if not node[1] and prefix == "-" and draw(st.booleans()):
            node = ("scalar", "x")
        lines.append(f"{pad}{prefix} {node[1]}".rstrip() if node[1] else f"{pad}{prefix}")
        return
    step = draw(st.integers(min_value=1, max_value=4))
    if kind == "seq":
        inner = indent if prefix != "-" and draw(st.booleans()) else indent + step  # indentless or not
        if prefix == "-" and draw(st.integers(0, 3)):
            lines.append(f"{pad}- - x" if draw(st.integers(0, 3)) == 0 else f"{pad}- x")
            return
        lines.append(f"{pad}{prefix}")
        for child in node[1]:
            _render(draw, child, inner, lines, "-")
        return
    # a mapping
    items = node[1]
    if prefix == "-" and items and draw(st.integers(0, 5)):
        # "- key: value" with the rest of the mapping aligned under the first key
        spaces = draw(st.integers(min_value=1, max_value=3))
        col = indent + 1 + spaces
        sub: list = []
        key, child = items[0]
        _render(draw, child, col, sub, f"{key}:")
        sub[0] = pad + "-" + " " * spaces + sub[0][col:]
        lines.extend(sub)
        for key, child in items[1:]:
            _render(draw, child, col, lines, f"{key}:")
        return
    if prefix:
        lines.append(f"{pad}{prefix}")
        indent += step
    for key, child in items:
        _render(draw, child, indent, lines, f"{key}:")


def _first(pair):
    return pair[0]


node = st.recursive(
    st.one_of(scalar().map(lambda s: ("scalar", s)), flow().map(lambda s: ("scalar", s)),
              st.sampled_from([("scalar", ""), ("scalar", "{}"), ("scalar", "[]")])),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4).map(lambda xs: ("seq", xs)),
        st.lists(st.tuples(key, children), min_size=1,
                 max_size=4, unique_by=_first).map(lambda xs: ("map", xs))),
    max_leaves=12)


@st.composite
def document(draw):
    items = draw(st.lists(st.tuples(key, node), min_size=1,
                          max_size=5, unique_by=_first))
    if draw(st.integers(0, 9)) == 0:
        items.append(items[0])  # a duplicate key
    lines: list = []
    _render(draw, ("map", items), 0, lines, "")
    noise = draw(st.lists(st.tuples(st.integers(0, len(lines)), st.sampled_from(
        ["", "# 注释", "   # indented comment", "  ", "", "# 注释", "   # indented comment", "  ", "---", "...",
         "a: &x 1", "b: *x", "c: !!str 1", "<<: {}", "d: |", "  text", "\tx: 1", "e: {a: 1}"])), max_size=2))
    for at, text in sorted(noise, reverse=True):
        lines.insert(at, text)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n", "\n# end\n"]))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
@example("a: yes\nb:\n- 1\n- {}\nc: [a,b]\n")
@example("x:\n  - k: 1\n    m:\n  - 2\n")
def test_generated_documents(text):
    assert_exact(text.encode("utf-8"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document(), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    list(" -:#'\"[]{},\n\tx1y中&*!|>%@`~.?") + ["\r\n", ": ", "- ", " #", "  "]), st.booleans()), min_size=1,
    max_size=3))
def test_mutated_documents(text, edits):
    for at, chars, delete in edits:
        at = at % (len(text) + 1)
        text = text[:at] + text[at + 1:] if delete else text[:at] + chars + text[at:]
    assert_exact(text.encode("utf-8"))
