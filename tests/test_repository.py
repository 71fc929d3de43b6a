"""Library queries over a small city: what analysts and the site ask of the lists."""
import pytest

import policykit


@pytest.fixture
def repo(city):
    return policykit.open_repository(city.root)


def test_repository_reads_every_list(repo):
    assert repo.load_problems == []
    assert set(repo.departments) == {"scjgj", "sthjj"}
    assert len(repo.power_items) == 2 and len(repo.unit_duties) == 3
    assert [b.id for b in repo.boundaries] == ["BJ-001"]


def test_items_by_department_category_and_unit(repo):
    assert [i.code for i in repo.items_of("scjgj", category="行政许可")] == ["370199101XK00100"]
    assert repo.items_of("scjgj", category="行政处罚") == []
    assert [i.code for i in repo.items_of("sthjj", unit="执法科")] == ["370199102CF00100"]
    assert set(repo.items_by_category()) == {"行政许可", "行政处罚"}


def test_item_by_code_is_typed(repo):
    item = repo.item("370199101XK00100")
    assert item.department == "scjgj" and item.category == "行政许可"
    assert str(item.legal_basis[0]) == "【法律】《中华人民共和国食品安全法》第三十五条第一款"
    assert repo.item("nope") is None
    with pytest.raises(Exception):
        item.name = "改名"  # read-only


def test_boundary_queries(repo):
    assert repo.lead_of("餐饮油烟污染监管") == "sthjj"
    assert repo.cooperating_of("BJ-001") == ("scjgj",)
    assert [b.id for b in repo.matters_of("scjgj")] == ["BJ-001"]
    assert repo.matters_of("scjgj", role="牵头") == []
    assert [b.id for b in repo.find_matters("油烟")] == ["BJ-001"]


def test_what_a_unit_does(repo):
    work = repo.what_unit_does("scjgj", "食品安全科")
    assert [d.content for d in work["duties"]] == ["负责食品经营许可的受理和审查"]
    assert [i.code for i in work["powers"]] == ["370199101XK00100"]


def test_unclaimed_catalogue_items(city):
    root = city({"lists/catalogs/hlwjg.yaml": "id: hlwjg\nname: 目录\nitems:\n"
                 "  - {code: JG-001, name: 甲, claims: [{department: scjgj, role: 牵头}]}\n"
                 "  - {code: JG-002, name: 乙, claims: [{department: scjgj, role: 配合}]}\n"
                 "  - {code: JG-003, name: 丙, claims: []}\n"})
    repo = policykit.open_repository(root)
    assert [c.code for c in repo.unclaimed_catalog_items()] == ["JG-002", "JG-003"]


def test_locate_points_into_the_yaml(repo):
    item = repo.item("370199102CF00100")
    assert repo.locate(item.source, "unit") == ("lists/powers/sthjj.yaml", 8, 11, "$.items[0].unit")


def test_broken_file_is_kept_out_of_the_model_but_reported(city):
    root = city({"lists/powers/sthjj.yaml": "department: sthjj\nitems: [\n"})
    repo = policykit.open_repository(root)
    assert [i.department for i in repo.power_items] == ["scjgj"]
    assert repo.load_problems[0].file == "lists/powers/sthjj.yaml"


def test_unquoted_off_in_severity_overrides_turns_a_rule_off(tmp_path):
    """YAML 1.1 reads ``off`` as false; the configuration means the same as "off"."""
    from pathlib import Path

    from policykit.lists.config import load_config
    text = (Path(__file__).resolve().parents[1] / "policykit.yaml").read_text(encoding="utf-8")
    text = text.replace("severity_overrides: {}", "severity_overrides:\n  PWR-ACCOUNTABILITY-CASES: off\n  PWR-NAME-DUP: 'off'")
    assert "PWR-ACCOUNTABILITY-CASES: off" in text
    (tmp_path / "policykit.yaml").write_text(text, encoding="utf-8")
    config, problems = load_config(tmp_path)
    assert problems == []
    assert config.severity_overrides == {"PWR-ACCOUNTABILITY-CASES": "off", "PWR-NAME-DUP": "off"}


def test_each_missing_required_field_is_reported_once(tmp_path):
    from policykit.lists.config import load_config
    (tmp_path / "policykit.yaml").write_text("city: 某市\n", encoding="utf-8")
    _, problems = load_config(tmp_path)
    messages = [p.message for p in problems]
    assert len(messages) == len(set(messages)) == 2
    assert any("code_pattern" in m for m in messages) and any("categories" in m for m in messages)


def test_config_schema_knows_every_object_a_change_level_may_name():
    """change_levels keys may be scoped "对象/类型": the schema's list is the diff's, not a copy that drifts."""
    import json
    import re
    from pathlib import Path

    from policykit.history.diff import OBJECT_BY_LABEL
    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas/config.schema.json").read_text(encoding="utf-8"))
    pattern = re.compile(schema["properties"]["change_levels"]["propertyNames"]["pattern"])
    for label in OBJECT_BY_LABEL:
        assert pattern.match(f"{label}/新增"), label
    assert not pattern.match("不存在的对象/新增")


def test_every_bundled_schema_is_a_valid_draft_2020_12_schema_and_a_local_one_is_checked(tmp_path):
    """The checker trusts the bundled schemas without checking them against the metaschema on every
    run; this test is that check. A repository's own schema is still checked when it is used."""
    import json

    import pytest
    from jsonschema import Draft202012Validator

    from policykit.errors import InputError
    from policykit.lists.schemas import BUNDLED_SCHEMAS, KINDS, _validator

    for name in sorted(set(KINDS.values())):
        Draft202012Validator.check_schema(json.loads((BUNDLED_SCHEMAS / name).read_text(encoding="utf-8")))
    bad = tmp_path / "schemas" / "powers.schema.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps({"type": "object", "minProperties": "three"}), encoding="utf-8")
    with pytest.raises(InputError, match="SCHEMA-INVALID"):   # the repository's to fix: exit 2
        _validator(str(bad))
