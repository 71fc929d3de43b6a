"""Example-file-driven tests: tests/cases/<RULE>/{pass,fail}/<case>.yaml.

Each case file starts with `# target: <path in the city>` and, for fail cases, `# expect: <RULE> <line>:<col>`.
The case is written over the small base city (comment lines kept, so line numbers are the file's own) and
`policykit check` must report the rule exactly there (fail) or report nothing (pass).
"""
from pathlib import Path

import pytest

from policykit.checking.check import run_check

CASES = sorted((Path(__file__).parent / "cases").glob("*/*/*.yaml"))


def header(raw: bytes, key: str):
    for line in raw.splitlines():
        text = line.decode("ascii", "replace")
        if text.startswith(f"# {key}:"):
            return text.split(":", 1)[1].strip()
    return None


@pytest.mark.parametrize("case", CASES, ids=lambda p: "/".join(p.parts[-3:]))
def test_case(case, city):
    raw = case.read_bytes()
    target = header(raw, "target")
    root = city({target: raw})
    result = run_check(root, workers=1)
    rule, verdict = case.parts[-3], case.parts[-2]
    if verdict == "pass":
        assert result.problems == [], result.problems
        return
    expect_rule, where = header(raw, "expect").split()
    line, col = map(int, where.split(":"))
    found = [(p.rule, p.line, p.column) for p in result.problems]
    assert (expect_rule, line, col) in found, found
    assert expect_rule == rule
    assert all(p.message for p in result.problems)
