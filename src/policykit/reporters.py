"""Write problems in the formats people and CI systems read: text, json, sarif, github, junit, gitlab."""
from __future__ import annotations

import hashlib
import json
from xml.etree import ElementTree as ET

from . import __version__
from .problems import SEVERITY_LABEL, Problem

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


def render(fmt: str, problems: list[Problem], summary: dict, rules=()) -> str:
    return {"text": text, "json": as_json, "sarif": sarif, "github": github, "junit": junit,
            "gitlab": gitlab}[fmt](problems, summary, rules)


def text(problems, summary, rules=()) -> str:
    lines = []
    for p in problems:
        waived = f" [已豁免: {p.waived_by}]" if p.waived_by else ""
        lines.append(f"{p.location()}: {SEVERITY_LABEL[p.severity]} [{p.rule}] {p.message}{waived}")
    s = summary
    lines.append(f"共 {s['error']} 个错误、{s['warning']} 个警告、{s['info']} 个提示"
                 + (f"，{s['waived']} 个已豁免" if s.get("waived") else "")
                 + (f"（{s['files']} 个文件，{s['rules']} 条规则）" if "files" in s else "")
                 + f" · {s['error']} error(s), {s['warning']} warning(s)")
    return "\n".join(lines) + "\n"


def as_json(problems, summary, rules=()) -> str:
    return json.dumps({"problems": [p.as_dict() for p in problems], "summary": summary},
                      ensure_ascii=False, indent=2) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _fingerprint(p: Problem) -> str:
    return hashlib.sha256(f"{p.rule}|{p.file}|{p.path}".encode("utf-8")).hexdigest()[:32]


def sarif(problems, summary, rules=()) -> str:
    known = {r.id: r for r in rules}
    ids = sorted({p.rule for p in problems} | set(known))
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
    for p in problems:
        result = {
            "ruleId": p.rule, "ruleIndex": index[p.rule], "level": _SARIF_LEVEL[p.severity],
            "message": {"text": p.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": p.file},
                "region": {"startLine": max(1, p.line), "startColumn": max(1, p.column)}},
                "logicalLocations": [{"fullyQualifiedName": p.path}]}],
            "partialFingerprints": {"policykit/v1": _fingerprint(p)},
        }
        if p.waived_by:
            result["suppressions"] = [{"kind": "external", "justification": p.waived_by}]
        results.append(result)
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "policykit", "version": __version__,
                                         "informationUri": "https://policykit.example/", "rules": driver_rules}},
                     "results": results}]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(problems, summary, rules=()) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for p in problems:
        if p.waived_by:
            continue
        out.append(f"::{level[p.severity]} file={_gh_escape(p.file, True)},line={p.line},col={p.column},"
                   f"title={_gh_escape(p.rule, True)}::{_gh_escape(p.message)}")
    return "\n".join(out) + ("\n" if out else "")


def junit(problems, summary, rules=()) -> str:
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    suites = ET.Element("testsuites", name="policykit", tests=str(len(problems)),
                        failures=str(sum(1 for p in problems if not p.waived_by)))
    for file, items in sorted(by_file.items()):
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(items)),
                              failures=str(sum(1 for p in items if not p.waived_by)))
        for p in items:
            case = ET.SubElement(suite, "testcase", classname=p.rule, name=f"{p.location()} {p.path}")
            if p.waived_by:
                ET.SubElement(case, "skipped", message=f"已豁免: {p.waived_by}")
            else:
                failure = ET.SubElement(case, "failure", type=p.severity, message=p.message)
                failure.text = f"{p.location()}: [{p.rule}] {p.message}"
    if not problems:
        suite = ET.SubElement(suites, "testsuite", name="policykit", tests="1", failures="0")
        ET.SubElement(suite, "testcase", classname="policykit", name="所有检查通过")
        suites.set("tests", "1")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def gitlab(problems, summary, rules=()) -> str:
    sev = {"error": "major", "warning": "minor", "info": "info"}
    out = [{"description": f"[{p.rule}] {p.message}", "check_name": p.rule, "fingerprint": _fingerprint(p),
            "severity": sev[p.severity], "location": {"path": p.file, "lines": {"begin": p.line}}}
           for p in problems if not p.waived_by]
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"
