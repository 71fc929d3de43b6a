"""The bundled sample city 明湖市 is complete and clean: what the README's `make check` runs."""
from collections import Counter
from pathlib import Path

import yaml

import policykit
from policykit.checking.check import run_check
from policykit.history.impact import impact_of_law

ROOT = Path(__file__).resolve().parents[1]


def test_bundled_lists_are_clean():
    result = run_check(ROOT)
    assert result.problems == [], [f"{p.location()} [{p.rule}] {p.message}" for p in result.problems[:10]]
    assert result.summary["rules"] >= 50


def test_bundled_city_covers_what_the_jinan_model_needs():
    repo = policykit.open_repository(ROOT)
    assert len(repo.departments) >= 12
    assert len(repo.power_items) >= 200
    categories = Counter(i.category for i in repo.power_items)
    assert set(categories) == set(repo.config.categories), categories
    names = {b.name for b in repo.boundaries}
    assert {"应急物资保障", "城市道路红线范围内相关设施养护管理", "危险化学品运输车辆停车场监管"} <= names
    assert len(repo.boundaries) >= 10 and all(b.lead for b in repo.boundaries)
    assert repo.unclaimed_catalog_items() == [] and len(repo.catalog_items) >= 40
    decomposed = {(d.department, d.sanding_duty) for d in repo.unit_duties}
    for dept in repo.departments.values():
        assert dept.units and dept.main_duties
        for duty in dept.main_duties:
            assert (dept.id, duty.no) in decomposed, (dept.id, duty.no)


def test_impact_worklist_for_the_administrative_penalty_law_is_complete():
    repo = policykit.open_repository(ROOT)
    report = impact_of_law(repo, "中华人民共和国行政处罚法")
    got = {(c["key"], c["article"]) for c in report["citations"]}
    # independent count straight from the YAML text
    want = set()
    for path in (ROOT / "lists" / "powers").glob("*.yaml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            for b in item["legal_basis"]:
                if "行政处罚法" in b["title"]:
                    want.add((item["code"], b["article"]))
    for path in (ROOT / "lists" / "boundaries").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for b in data.get("basis") or ():
            if "行政处罚法" in b["title"]:
                want.add((data["id"], b["article"]))
    assert got == want and got
