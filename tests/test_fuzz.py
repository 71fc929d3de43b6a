"""Fuzzing: whatever bytes or rule files arrive, policykit answers with located problems, never a traceback.

A short run in CI; ``POLICYKIT_FUZZ=long`` for a longer one on demand (40 times the examples), or
``POLICYKIT_FUZZ_EXAMPLES=N`` for exactly N per test. The same budget drives tests/test_fuzz_import.py
and tests/test_fuzz_diff.py (``fuzz_settings``).
"""
import os

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from policykit.lists.loader import Limits, load_bytes, parse_text
from policykit.checking.rules import compile_rule

LONG = os.environ.get("POLICYKIT_FUZZ", "").lower() == "long"


def fuzz_settings(ci_examples: int) -> settings:
    """``ci_examples`` in CI; 40× with POLICYKIT_FUZZ=long; exactly POLICYKIT_FUZZ_EXAMPLES when set."""
    n = int(os.environ.get("POLICYKIT_FUZZ_EXAMPLES") or (ci_examples * 40 if LONG else ci_examples))
    return settings(max_examples=n, deadline=None, derandomize=not LONG and "POLICYKIT_FUZZ_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


FUZZ = fuzz_settings(150)

YAML_PIECES = st.sampled_from([
    "a: 1\n", "a:\n  - b\n", "  ", "\t", "- ", ": ", "&x ", "*x ", "!!python/object:os.system ", "<<: ", "{", "}",
    "[", "]", "'", '"', "\\u0000", "名称: 市场监管局\n", "no: yes\n", "2024-02-30", "\n", "#", "---\n", "...\n",
    "? ", "|\n  多行\n", ">", "%YAML 1.1\n", "\ufeff", "\x07", "\x85", "\ud7ff", "0x1F", ".nan", "~",
])


def _check_problems(doc, size_lines):
    for p in doc.problems:
        assert p.severity == "error"
        assert 1 <= p.line <= size_lines + 2 and p.column >= 1
        assert p.message and p.rule.startswith(("YAML-", "FILE-"))


@FUZZ
@given(st.binary(max_size=400))
def test_loader_survives_any_bytes(raw):
    doc = load_bytes(raw, "lists/fuzz.yaml", Limits(max_nodes=10_000))
    assert doc.data is None or isinstance(doc.data, dict)
    _check_problems(doc, raw.count(b"\n") + raw.count(b"\r") + len(raw) // 2 + 1)


@FUZZ
@given(st.lists(YAML_PIECES, max_size=40).map("".join))
def test_loader_survives_yaml_shaped_text(text):
    doc = parse_text(text, "lists/fuzz.yaml", Limits(max_nodes=10_000))
    assert doc.data is None or isinstance(doc.data, dict)
    # YAML counts \r, NEL, LS and PS as line breaks too
    _check_problems(doc, sum(text.count(c) for c in "\n\r\x85\u2028\u2029") + 1)
    if doc.data is not None:  # what loaded is plain data only
        stack = [doc.data]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
                assert all(isinstance(k, str) for k in value)
            elif isinstance(value, list):
                stack.extend(value)
            else:
                import datetime
                assert value is None or isinstance(value, (str, int, float, bool, datetime.date))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8),
                    st.sampled_from(["power", "unit", "item.code", "a.key", "eq", "lt_field", "PWR-X-Y", "error"]))
JSONISH = st.recursive(SCALARS, lambda c: st.one_of(st.lists(c, max_size=3),
                                                     st.dictionaries(st.sampled_from(
                                                         ["fact", "kind", "where", "absent", "eq", "lt", "exists",
                                                          "eq_field", "code", "key", "seq", "id"]), c, max_size=3)),
                       max_leaves=12)


@FUZZ
@given(when=JSONISH, reads=st.lists(st.sampled_from(["power", "unit", "nope"]), max_size=3),
       message=st.sampled_from(["{a.code}", "{", "{x.y}", "固定文字", "{a.name!r}"]),
       locate=st.sampled_from(["a", "a.unit", "zz", "A..b"]))
def test_rule_compiler_never_raises(when, reads, message, locate):
    rule = {"id": "FUZZ-RULE", "title": "模糊测试", "severity": "error", "article": "无", "reads": reads,
            "when": when, "message": message, "locate": locate,
            "examples": [{"name": "p", "expect": "pass", "files": {}}, {"name": "f", "expect": "fail", "files": {}}]}
    doc = parse_text(yaml.safe_dump(rule, allow_unicode=True), "rules/fuzz.yaml")
    compiled, problems = compile_rule(doc)
    assert (compiled is None) == bool(problems)
    for p in problems:
        assert p.rule in ("RULE-SCHEMA", "RULE-INVALID") and p.line >= 1 and p.message
