r"""Write problems in the formats people and CI systems read: text, json, sarif, github, junit, gitlab, markdown.

Every string in a problem can come from a pull request (file names, keys, values quoted in
messages, waiver text). None reaches a terminal, a CI log or a parser raw: control characters
(C0, DEL, C1), line and paragraph separators, bidirectional overrides and isolates and lone
surrogates are shown escaped (``\x1b``, ``\u202e``) in text, JUnit and GitHub output (GitHub's own
``%``/CR/LF escapes kept for its workflow commands), and written as JSON ``\u`` escapes in JSON,
SARIF and GitLab output, which decode to the very same text. A file name holding a newline and
"0 个问题" cannot add a line to the report, nor a message holding "::error" an annotation.
"""
from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from .._version import __version__
from ..problems import SEVERITY_LABEL, Problem
from .baseline import FINGERPRINT_KEY, fingerprint


def render(fmt: str, problems: list[Problem], summary: dict, rules=(), baseline=None) -> str:
    """The report of ``problems`` in format ``fmt`` (one of ``FORMATS``). ``baseline``: a
    ``baseline.Comparison`` of these problems with a baseline's (``check --baseline``): the text,
    GitHub and JUnit reports then list only the new problems and count the old ones, JSON and SARIF
    mark each problem's state, SARIF with ``baselineState`` (2.1.0 §3.27.24)."""
    return REPORTERS[fmt](problems, summary, rules, baseline)


# what a terminal, a log viewer or an XML parser must never receive raw
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_UNSAFE_BUT_LINES = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                               "\ud800-\udfff\ufffe\uffff]")
# what JSON output escapes beyond json.dumps (which escapes C0 and leaves these raw)
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _escape(m) -> str:
    o = ord(m.group())
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def printable(value, *, lines: bool = False) -> str:
    r"""``value`` with every unsafe character shown escaped (``\x1b``, ``\u202e``); ``lines``: keep
    CR and LF (for a caller that escapes them its own way)."""
    value = str(value)
    pattern = _UNSAFE_BUT_LINES if lines else _UNSAFE
    return value if pattern.search(value) is None else pattern.sub(_escape, value)


def _json_safe(text: str) -> str:
    r"""JSON text with C1 controls, separators, bidi controls and lone surrogates as ``\u`` escapes."""
    return text if _JSON_UNSAFE.search(text) is None else _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _new_only(problems, baseline):
    """The problems a report lists: with a baseline only the new ones."""
    if baseline is None:
        return problems
    return [p for i, p in enumerate(baseline.problems) if baseline.state(i) == "new"]


def _baseline_line(baseline) -> str:
    b = baseline.summary()
    return (f"与基准 {printable(b['baseline'])} 相比：新增 {b['new']} 个问题；原有 {b['unchanged']} 个问题仍在"
            f"（不计入本次结论）；已解决 {b['absent']} 个 · {b['new']} new, {b['unchanged']} unchanged, "
            f"{b['absent']} fixed since the baseline")


def text(problems, summary, rules=(), baseline=None) -> str:
    lines = []
    for p in _new_only(problems, baseline):
        waived = f" [已豁免: {printable(p.waived_by)}]" if p.waived_by else ""
        lines.append(f"{printable(p.location())}: {SEVERITY_LABEL[p.severity]} [{printable(p.rule)}] "
                     f"{printable(p.message)}{waived}")
    s = summary
    lines.append(f"共 {s['error']} 个错误、{s['warning']} 个警告、{s['info']} 个提示"
                 + (f"，{s['waived']} 个已豁免" if s.get("waived") else "")
                 + (f"（{s['files']} 个文件，{s['rules']} 条规则）" if "files" in s else "")
                 + f" · {s['error']} error(s), {s['warning']} warning(s)")
    if baseline is not None:
        lines.append(_baseline_line(baseline))
    return "\n".join(lines) + "\n"


def as_json(problems, summary, rules=(), baseline=None) -> str:
    rows = [p.as_dict() for p in problems]
    data = {"problems": rows, "summary": summary}
    if baseline is not None:
        for i, row in enumerate(rows):
            row["baseline_state"] = baseline.state(i)
            row["fingerprint"] = _fingerprint(problems[i])
        data["baseline"] = {**baseline.summary(), "absent": [p.as_dict() for p in baseline.absent]}
    return _json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _fingerprint(p: Problem) -> str:
    """The identity of a problem that survives line shifts and re-ordered lists (``baseline.fingerprint``)."""
    return fingerprint(p)


def sarif(problems, summary, rules=(), baseline=None) -> str:
    known = {r.id: r for r in rules}
    absent = list(baseline.absent) if baseline is not None else []
    ids = sorted({p.rule for p in problems} | {p.rule for p in absent} | set(known))
    driver_rules = []
    for rid in ids:
        r = known.get(rid)
        entry = {"id": rid, "name": rid, "shortDescription": {"text": r.title if r else rid}}
        if r:
            entry["fullDescription"] = {"text": r.description or r.title}
            entry["defaultConfiguration"] = {"level": _SARIF_LEVEL[r.severity]}
            entry["properties"] = {"article": r.article}
        driver_rules.append(entry)
    index = {rid: i for i, rid in enumerate(ids)}
    results = []
    for i, p in enumerate([*problems, *absent]):
        result = {
            "ruleId": p.rule, "ruleIndex": index[p.rule], "level": _SARIF_LEVEL[p.severity],
            "message": {"text": p.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": p.file},
                "region": {"startLine": max(1, p.line), "startColumn": max(1, p.column)}},
                "logicalLocations": [{"fullyQualifiedName": p.path}]}],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(p)},
        }
        if baseline is not None:
            result["baselineState"] = baseline.state(i) if i < len(problems) else "absent"
            if i >= len(problems):      # fixed since the baseline: shown as passing, not as an alert
                result["kind"], result["level"] = "pass", "none"
                # a viewer that ignores ``kind`` (GitHub's supported subset does not list it) still sees
                # the result as dismissed, never as an open alert
                result["suppressions"] = [{"kind": "external", "status": "accepted",
                                           "justification": "已解决：基准中的问题在本次检查中不再出现 (absent since the baseline)"}]
        if p.waived_by:
            result["suppressions"] = [{"kind": "external", "justification": p.waived_by}]
        results.append(result)
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "policykit", "version": __version__,
                                         "informationUri": "https://policykit.example/", "rules": driver_rules}},
                     "results": results}]}
    return _json_safe(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"


def _gh_escape(value: str, prop: bool = False) -> str:
    """A workflow-command value: other unsafe characters shown escaped, then GitHub's own escapes
    (``%``, CR, LF; in properties also ``:`` and ``,``)."""
    value = printable(value, lines=True)
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(problems, summary, rules=(), baseline=None) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for p in _new_only(problems, baseline):
        if p.waived_by:
            continue
        out.append(f"::{level[p.severity]} file={_gh_escape(p.file, True)},line={p.line},col={p.column},"
                   f"title={_gh_escape(p.rule, True)}::{_gh_escape(p.message)}")
    return "\n".join(out) + ("\n" if out else "")


def junit(problems, summary, rules=(), baseline=None) -> str:
    problems = _new_only(problems, baseline)
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    suites = ET.Element("testsuites", name="policykit", tests=str(len(problems)),
                        failures=str(sum(1 for p in problems if not p.waived_by)))
    # XML 1.0 cannot hold most C0 characters at all: every string is made printable first
    for file, items in sorted(by_file.items()):
        suite = ET.SubElement(suites, "testsuite", name=printable(file), tests=str(len(items)),
                              failures=str(sum(1 for p in items if not p.waived_by)))
        for p in items:
            where, rule, message = printable(p.location()), printable(p.rule), printable(p.message)
            case = ET.SubElement(suite, "testcase", classname=rule, name=f"{where} {printable(p.path)}")
            if p.waived_by:
                ET.SubElement(case, "skipped", message=f"已豁免: {printable(p.waived_by)}")
            else:
                failure = ET.SubElement(case, "failure", type=p.severity, message=message)
                failure.text = f"{where}: [{rule}] {message}"
    if not problems:
        suite = ET.SubElement(suites, "testsuite", name="policykit", tests="1", failures="0")
        ET.SubElement(suite, "testcase", classname="policykit", name="所有检查通过")
        suites.set("tests", "1")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def gitlab(problems, summary, rules=(), baseline=None) -> str:
    sev = {"error": "major", "warning": "minor", "info": "info"}
    out = [{"description": f"[{p.rule}] {p.message}", "check_name": p.rule, "fingerprint": _fingerprint(p),
            "severity": sev[p.severity], "location": {"path": p.file, "lines": {"begin": p.line}}}
           for p in problems if not p.waived_by]
    return _json_safe(json.dumps(out, ensure_ascii=False, indent=2)) + "\n"


MARKDOWN_ROWS = 200     # problems listed in a Markdown report; the rest are counted
# Markdown for a forge (GitHub, GitLab): the one escaping vocabulary of `check -f markdown` and of the
# review comment (history.review). Every list string is text: Markdown and HTML specials are escaped (a
# backslash too, so `\|` cannot end a table cell; `&` too, so `&#64;` cannot spell a mention), and the
# forge's references are broken with a zero-width space (U+200B), which the reader does not see: after
# every `@` (`@someone`, `@org/team`, GitLab's `@all` would notify people when the comment is posted)
# and between `#` or `!` and a digit (`#123` links an issue, GitLab's `!123` a merge request).
_MD_TEXT = str.maketrans({"\\": "\\\\", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "'", "\n": " ",
                          "\r": " ", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "~": "\\~", "#": "\\#",
                          "@": "@\u200b"})
_MD_CODE = str.maketrans({"|": "\\|", "`": "'", "\n": " ", "\r": " "})
_MD_CODE_OUTSIDE_TABLE = str.maketrans({"`": "'", "\n": " ", "\r": " "})
_REFERENCE = re.compile(r"(?<=[#!])(?=\d)")


def md_text(value) -> str:
    """``value`` as literal Markdown text on one line (a table cell, a list item, a heading): unsafe
    characters shown escaped, Markdown and HTML specials escaped, mentions and references broken."""
    text = printable(value, lines=True).translate(_MD_TEXT)
    return _REFERENCE.sub("\u200b", text) if "#" in text or "!" in text else text


def md_code(value, *, table: bool = True) -> str:
    """The inside of a code span (no Markdown, mention or reference inside a code span; in a table a
    ``|`` still ends the cell, so it is escaped there)."""
    return printable(value, lines=True).translate(_MD_CODE if table else _MD_CODE_OUTSIDE_TABLE)



def markdown(problems, summary, rules=(), baseline=None) -> str:
    """A Markdown report for a CI job page (GitHub's step summary, a merge-request note): the counts, the
    baseline line, then the problems (with a baseline only the new ones) as a table of at most
    ``MARKDOWN_ROWS`` rows."""
    s = summary
    shown = _new_only(problems, baseline)
    lines = ["## policykit 检查结果", "",
             f"共 {s['error']} 个错误、{s['warning']} 个警告、{s['info']} 个提示"
             + (f"，{s['waived']} 个已豁免" if s.get("waived") else "")
             + (f"（{s['files']} 个文件，{s['rules']} 条规则）" if "files" in s else ""), ""]
    if baseline is not None:
        lines += [md_text(_baseline_line(baseline)), ""]
    if not shown:
        lines.append("没有问题。" if baseline is None else "本次变更没有引入新问题。")
        return "\n".join(lines) + "\n"
    lines += [f"### {'新问题' if baseline is not None else '问题'}（{len(shown)} 个）", "",
              "| 级别 | 规则 | 位置 | 问题 |", "|---|---|---|---|"]
    for p in shown[:MARKDOWN_ROWS]:
        waived = f"（已豁免：{md_text(p.waived_by)}）" if p.waived_by else ""
        lines.append(f"| {SEVERITY_LABEL[p.severity]} | `{md_code(p.rule)}` | `{md_code(p.location())}` | "
                     f"{md_text(p.message)}{waived} |")
    if len(shown) > MARKDOWN_ROWS:
        lines += ["", f"另有 {len(shown) - MARKDOWN_ROWS} 个问题未列出（见 JSON 或 SARIF 结果）。"]
    return "\n".join(lines) + "\n"


# the one list of report formats: the command line offers exactly these
REPORTERS = {"text": text, "json": as_json, "sarif": sarif, "github": github, "junit": junit, "gitlab": gitlab,
             "markdown": markdown}
FORMATS = tuple(REPORTERS)
