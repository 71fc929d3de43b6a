"""check --baseline: a pull request fails only on the problems it introduces.

A generated city with about 300 problems on main (about 270 items without 追责情形 planted on top of the
generator's own defects); a pull request that adds one more fails with exactly one new problem; one that
only shifts lines and list indexes (an item inserted at the top of every power file) passes with none.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import git
from gitrepo import Repo
from policykit.bench.generate import generate
from policykit.checking.baseline import compare, fingerprint, read_result, stable_message
from policykit.cli import main
from policykit.errors import InputError
from policykit.problems import Problem

CASES = re.compile(r"^    accountability_cases:\n(?:      - .*\n)+", re.M)
ITEM = re.compile(r"^  - code: (\S+)\n((?:    .*\n|      .*\n)*)", re.M)
RULES = Path(__file__).resolve().parents[1] / "rules"


@pytest.fixture(scope="module", autouse=True)
def _rules_snapshot(tmp_path_factory):
    """The rules as they are now, copied: every check of this module reads the same rule files."""
    global RULES
    original = RULES
    RULES = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(original, RULES)
    yield
    RULES = original


def strip_cases(text: str, n: int) -> tuple[str, int]:
    """``text`` with the 追责情形 of its first ``n`` items that have them removed."""
    done = 0

    def cut(m):
        nonlocal done
        if done >= n:
            return m.group(0)
        done += 1
        return ""
    return CASES.sub(cut, text), done


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("baseline") / "city"
    generate(root, "small", seed=5)
    left = 270
    for f in sorted((root / "lists/powers").glob("*.yaml")):
        text, done = strip_cases(f.read_text(encoding="utf-8"), min(left, 25))
        f.write_text(text, encoding="utf-8")
        left -= done
    Repo(root).commit("初始清单")
    return root


def run(capsys, *args) -> tuple[int, str]:
    code = main([*args])
    return code, capsys.readouterr().out


def check(capsys, root, *extra) -> tuple[int, str]:
    return run(capsys, "check", str(root), "-q", "--engine", "oracle", "--rules", str(RULES), *extra)


@pytest.fixture
def pr(city, tmp_path) -> Path:
    """A throwaway clone of the city to make a pull request in."""
    clone = tmp_path / "pr"
    shutil.copytree(city, clone, symlinks=True)
    return clone


def test_the_base_has_about_300_problems(city, capsys):
    code, out = check(capsys, city, "-f", "json")
    summary = json.loads(out)["summary"]
    assert code == 1 and 280 <= summary["error"] + summary["warning"] <= 400, summary


def test_an_unchanged_tree_passes_against_its_baseline(pr, capsys):
    code, out = check(capsys, pr, "--baseline", "HEAD")
    assert code == 0, out
    assert re.search(r"新增 0 个问题；原有 \d{3} 个问题仍在", out)


def test_a_pull_request_adding_one_problem_fails_with_exactly_that_one(pr, capsys):
    f = next(f for f in sorted((pr / "lists/powers").glob("*.yaml")) if CASES.search(f.read_text(encoding="utf-8")))
    text = f.read_text(encoding="utf-8")
    # the last item that still has its 追责情形 loses them
    last = list(CASES.finditer(text))[-1]
    f.write_text(text[:last.start()] + text[last.end():], encoding="utf-8")
    code, out = check(capsys, pr, "--baseline", "HEAD", "-f", "json")
    data = json.loads(out)
    new = [p for p in data["problems"] if p["baseline_state"] == "new"]
    assert code == 1
    assert [p["file"] for p in new] == [f.relative_to(pr).as_posix()]
    assert "accountability_cases" in new[0]["message"] + new[0]["path"]
    rule = new[0]["rule"]
    assert data["baseline"]["new"] == 1 and data["baseline"]["absent"] == []
    assert data["baseline"]["unchanged"] >= 280
    code, out = check(capsys, pr, "--baseline", "HEAD")
    assert code == 1
    assert out.count(f"[{rule}]") == 1         # only the new problem is listed
    assert re.search(r"新增 1 个问题；原有 \d{3} 个问题仍在（不计入本次结论）", out)


def test_line_and_index_shifts_are_not_new_problems(pr, capsys):
    """An item inserted at the top of every power file shifts every line and every items[N] below it."""
    added = 0
    for f in sorted((pr / "lists/powers").glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        first = ITEM.search(text)
        if first is None or "accountability_cases" not in first.group(2):
            continue
        code = first.group(1).strip('"')
        copy = f"  - code: {code[:-2]}88\n" + first.group(2).replace("    name: ", "    name: 新设", 1)
        f.write_text(text[:first.start()] + copy + text[first.start():], encoding="utf-8")
        added += 1
    assert added >= 5
    code, out = check(capsys, pr, "--baseline", "HEAD", "-f", "json")
    data = json.loads(out)
    new = [p for p in data["problems"] if p["baseline_state"] == "new"]
    assert code == 0 and new == [], new
    shifted = [p for p in data["problems"] if re.search(r"items\[\d+\]", p["path"])]
    assert shifted and data["baseline"]["absent"] == []


def test_a_fixed_problem_is_absent(pr, capsys):
    f = next(f for f in sorted((pr / "lists/powers").glob("*.yaml")) if CASES.search(f.read_text(encoding="utf-8")))
    base = f.read_text(encoding="utf-8")
    # give the first item without 追责情形 its cases back
    m = re.search(r"^    accountability_targets: .*\n", base, re.M)
    assert m
    git(pr, "checkout", "-q", "-b", "fix")
    code, before = check(capsys, pr, "-f", "json")
    before_n = len(json.loads(before)["problems"])
    for item in ITEM.finditer(base):
        if "accountability_cases" not in item.group(2):
            body = item.group(2) + "    accountability_cases: [不依法履行职责的]\n"
            f.write_text(base[:item.start(2)] + body + base[item.end(2):], encoding="utf-8")
            break
    code, out = check(capsys, pr, "--baseline", "HEAD", "-f", "json")
    data = json.loads(out)
    assert len(data["problems"]) == before_n - 1
    assert len(data["baseline"]["absent"]) == 1 and data["baseline"]["absent"][0]["file"] == f.relative_to(pr).as_posix()
    assert code == 0


def test_sarif_carries_baseline_state_and_validates(pr, capsys, shared_dir, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema_file = shared_dir / "specs" / "sarif-schema-2.1.0.json"
    if not schema_file.is_file():
        pytest.skip("the SARIF schema is absent")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    f = [f for f in sorted((pr / "lists/powers").glob("*.yaml")) if CASES.search(f.read_text(encoding="utf-8"))][-1]
    f.write_text(strip_cases(f.read_text(encoding="utf-8"), 3)[0], encoding="utf-8")   # a few new problems
    code, out = check(capsys, pr, "--baseline", "HEAD", "-f", "sarif")
    doc = json.loads(out)
    jsonschema.validate(doc, schema)
    results = doc["runs"][0]["results"]
    states = {r["baselineState"] for r in results}
    assert states <= {"new", "unchanged", "absent"} and "new" in states and "unchanged" in states
    assert all(set(r["partialFingerprints"]) == {"policykit/v2"} for r in results)
    assert code == 1
    # a fixed problem is absent: passing and suppressed, never an open alert
    g = [g for g in sorted((pr / "lists/powers").glob("*.yaml")) if g != f and CASES.search(g.read_text(encoding="utf-8"))]
    text = g[0].read_text(encoding="utf-8")
    item = next(m for m in ITEM.finditer(text) if "accountability_cases" not in m.group(2))
    g[0].write_text(text[:item.end(2)] + "    accountability_cases: [不依法履行职责的]\n" + text[item.end(2):],
                    encoding="utf-8")
    code, out = check(capsys, pr, "--baseline", "HEAD", "-f", "sarif")
    doc = json.loads(out)
    jsonschema.validate(doc, schema)
    absent = [r for r in doc["runs"][0]["results"] if r["baselineState"] == "absent"]
    assert absent and all(r["kind"] == "pass" and r["level"] == "none" and r["suppressions"] for r in absent)
    # the SARIF file is a baseline too: the same tree against it has no new problem
    stored = tmp_path / "base.sarif"
    stored.write_text(out, encoding="utf-8")
    code, out = check(capsys, pr, "--baseline", str(stored))
    assert code == 0 and "新增 0 个问题" in out


def test_a_stored_json_result_is_a_baseline(city, capsys, tmp_path):
    stored = tmp_path / "main.json"
    code, out = check(capsys, city, "-f", "json", "-o", str(stored))
    assert len(read_result(stored)) == len(json.loads(stored.read_text(encoding="utf-8"))["problems"])
    code, out = check(capsys, city, "--baseline", str(stored))
    assert code == 0 and "新增 0 个问题" in out


@pytest.mark.parametrize("content", [b"", b"not json", b'{"problems": [{"file": 1}]}', b'{"runs": [{}]}',
                                     b'{"problems": [["a"]]}'])
def test_a_bad_result_file_is_bad_input(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    if content == b'{"runs": [{}]}':       # a SARIF run without results has no problems
        assert read_result(bad) == []
        return
    with pytest.raises(InputError):
        read_result(bad)


def test_a_missing_result_file_is_exit_2(city, capsys, tmp_path):
    assert main(["check", str(city), "-q", "--engine", "oracle", "--baseline", str(tmp_path / "none.json")]) == 2


def test_fingerprint_ignores_lines_indexes_and_small_numbers_but_not_codes():
    a = Problem("lists/powers/a.yaml", 10, 5, "$.items[3].legal_basis", "R", "error", "事项 370199101CF00100 有 2 处，第 7 行")
    moved = Problem("lists/powers/a.yaml", 99, 1, "$.items[4].legal_basis", "R", "error", "事项 370199101CF00100 有 2 处，第 9 行")
    other = Problem("lists/powers/a.yaml", 10, 5, "$.items[3].legal_basis", "R", "error", "事项 370199101CF00200 有 2 处，第 7 行")
    assert fingerprint(a) == fingerprint(moved) != fingerprint(other)
    assert stable_message("BJ-001 在 2026-01-01 有 3 个") == "BJ-001 在 2026-01-01 有 # 个"


def test_pairing_is_a_multiset():
    p = Problem("f.yaml", 1, 1, "$.items[0]", "R", "error", "缺少字段")
    q = Problem("f.yaml", 5, 1, "$.items[1]", "R", "error", "缺少字段")
    r = Problem("f.yaml", 9, 1, "$.items[2]", "R", "error", "缺少字段")
    c = compare([p, q], [p, q, r])
    assert [c.state(i) for i in range(3)] == ["unchanged", "unchanged", "new"]
    assert c.new == [r]
    c = compare([p, q, r], [q])
    assert c.new == [] and len(c.absent) == 2


def test_the_baseline_is_read_from_an_earlier_check_of_the_base(capsys, monkeypatch, pr):
    """A check of main's work tree (CI on the push to main, the clerk before branching) is the baseline of
    every pull request against it: the base is not checked again."""
    from policykit.checking import baseline as B, check as C
    check(capsys, pr)                                    # the work tree as main has it, remembered
    f = next(f for f in sorted((pr / "lists/powers").glob("*.yaml")) if CASES.search(f.read_text(encoding="utf-8")))
    f.write_text(strip_cases(f.read_text(encoding="utf-8"), 1)[0], encoding="utf-8")   # then the edit

    def no_second_check(*args, **kwargs):
        raise AssertionError("the baseline was checked again")
    monkeypatch.setattr(C, "run_check", no_second_check)
    problems, label = B.baseline_problems(pr, "HEAD", rules_dir=RULES, engine="oracle")
    assert label.startswith("HEAD（") and len(problems) >= 280
    # a different configuration at the commit: not served from the work tree's memo (checked again)
    (pr / "policykit.yaml").write_text((pr / "policykit.yaml").read_text(encoding="utf-8") + "\n# 注\n",
                                       encoding="utf-8")
    assert B.commit_memo_key(pr, "HEAD", RULES, "oracle", None) is None


def test_markdown_report_lists_the_new_problems_and_counts_the_old(pr, capsys):
    f = next(f for f in sorted((pr / "lists/powers").glob("*.yaml")) if CASES.search(f.read_text(encoding="utf-8")))
    f.write_text(strip_cases(f.read_text(encoding="utf-8"), 1)[0], encoding="utf-8")
    code, out = check(capsys, pr, "--baseline", "HEAD", "-f", "markdown")
    assert code == 1 and out.startswith("## policykit 检查结果\n")
    assert re.search(r"新增 1 个问题；原有 \d{3} 个问题仍在", out) and "### 新问题（1 个）" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| 级别")]
    assert len(rows) == 1 and f"`{f.relative_to(pr).as_posix()}:" in rows[0]


def test_markdown_cells_cannot_break_the_table():
    from policykit.checking.reporters import markdown
    hostile = Problem("lists/a|b`.yaml", 1, 1, "$", "R|X", "error", "名称 | <img src=x onerror=alert(1)>\n| 伪造行 |")
    out = markdown([hostile], {"error": 1, "warning": 0, "info": 0})
    row = next(line for line in out.splitlines() if line.startswith("| 错误"))
    assert "<img" not in out and "\n| 伪造行" not in out
    assert row.count("|") - row.count("\\|") == 5
