"""The library's public face: every public method of ``Repository`` says what it does and what it
returns, the queries that returned bare dicts return typed objects (and still answer the old way),
and the front door documents itself."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import policykit
from policykit.lists.repository import Repository
from policykit.lists.results import PowerIndex, UnitWork

ROOT = Path(__file__).resolve().parents[1]
# queries that returned a bare dict and now return a typed object
TYPED = {"what_unit_does": "UnitWork", "powers": "PowerIndex"}


def _public_members():
    for name, member in inspect.getmembers(Repository):
        if name.startswith("_") or name in Repository.__dataclass_fields__:
            continue
        if isinstance(member, property):
            yield name, member.fget
        elif inspect.isfunction(member):
            yield name, member


def test_every_public_method_has_a_docstring_and_a_return_annotation():
    members = dict(_public_members())
    assert {"item", "items_of", "what_unit_does", "lead_of", "powers", "unclaimed_catalog_items"} <= set(members)
    undocumented = [n for n, f in members.items() if not (f.__doc__ or "").strip()]
    assert undocumented == []
    unannotated = [n for n, f in members.items() if "return" not in f.__annotations__]
    assert unannotated == []
    bare = [n for n, f in members.items() if str(f.__annotations__["return"]).strip() in ("dict", "typing.Dict")]
    assert bare == []
    for name, kind in TYPED.items():
        assert members[name].__annotations__["return"] == kind
    assert Repository.__doc__ and "open_repository" in Repository.__doc__


def test_front_door_is_documented():
    assert policykit.__doc__ and policykit.open_repository.__doc__
    assert policykit.open_repository.__annotations__["return"] == "Repository"
    own = [n for n in policykit.__all__ if getattr(getattr(policykit, n), "__module__", "") == "policykit"]
    assert own == ["open_repository"]
    for name in own:
        assert (getattr(policykit, name).__doc__ or "").strip(), name


@pytest.fixture(scope="module")
def repo():
    return policykit.open_repository(ROOT)


def test_what_unit_does_is_typed_and_still_answers_as_the_dict_did(repo):
    dept, unit = next((d.department, d.unit) for d in repo.unit_duties
                      if repo.items_of(d.department, unit=d.unit))
    work = repo.what_unit_does(dept, unit)
    assert isinstance(work, UnitWork) and (work.department, work.unit) == (dept, unit)
    assert list(work.duties) == repo.unit_duties_of(dept, unit) and work.duties
    assert list(work.powers) == repo.items_of(dept, unit=unit) and work.powers
    assert work["duties"] == repo.unit_duties_of(dept, unit) and work["powers"] == repo.items_of(dept, unit=unit)
    assert dict(zip(work.keys(), (work[k] for k in work.keys()))) == {"duties": work["duties"], "powers": work["powers"]}
    with pytest.raises(KeyError):
        work["unknown"]
    assert repo.what_unit_does(dept, "没有这个科室").empty


def test_powers_is_a_read_only_index_by_code(repo):
    index = repo.powers
    assert isinstance(index, PowerIndex)
    assert len(index) == len({i.code for i in repo.power_items}) and index.duplicates == ()
    first = repo.power_items[0]
    assert index[first.code] is first and index.get(first.code) is first and first.code in index
    assert index.get("nope") is None and "nope" not in index
    assert list(index) == list(dict.fromkeys(i.code for i in repo.power_items))
    assert list(index.values())[0] is first and dict(index)[first.code] is first
    with pytest.raises(TypeError):
        index["x"] = first                                  # read-only
    assert repo.item(first.code) is first and repo.item("nope") is None


def test_a_repeated_code_gives_the_first_item_and_is_named(city):
    base = (ROOT / "rules/_base/lists/powers/scjgj.yaml").read_text("utf-8")
    twice = base + base.split("items:\n", 1)[1].replace("name: 食品经营许可", "name: 第二个")
    repo = policykit.open_repository(city({"lists/powers/scjgj.yaml": twice}))
    code = "370199101XK00100"
    assert repo.powers[code].name == "食品经营许可" == repo.item(code).name
    assert repo.powers.duplicates == (code,)


def test_open_repository_raises_what_its_docstring_says(tmp_path):
    from policykit.errors import InputError, UsageError
    with pytest.raises(InputError, match="不是 policykit 仓库"):
        policykit.open_repository(tmp_path)                     # an empty folder is not a repository
    with pytest.raises(UsageError, match="目录不存在"):
        policykit.open_repository(tmp_path / "nowhere")
    with pytest.raises(UsageError):
        policykit.open_repository(ROOT, as_of="2025-13-01")
    doc = policykit.open_repository.__doc__
    assert "UsageError" in doc and "InputError" in doc
