"""Valid time: ``open_repository(as_of=DATE)`` and ``--as-of`` read the lists in force on a date
(adjustments by their 生效日期, entries by their own dates), the records as of ``at``; ``at=REV``
stays what the repository said at REV. Real git histories with dated commits."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

import policykit
from policykit.cli import main
from policykit.errors import InputError, UsageError
from policykit.lists import validtime
from timecity import ROOT, commit, dump, git, load, make_city, record, transfer

ITEM = "370199101XK00101"      # 食品经营许可, 市场监管局


def holder(repo, code=ITEM):
    return sorted({i.department for i in repo.power_items if i.code == code})


@pytest.fixture
def approved_in_advance(tmp_path):
    """2025-03-01 the city; 2026-03-10 a transfer approved then, in force from 2026-07-01."""
    root = make_city(tmp_path)
    first = git(root, "rev-parse", "HEAD").strip()
    transfer(root, ITEM, "scjgj", "zhzfj")
    transfer_sha = commit(root, record("机构改革", "食品经营许可划转综合执法局", effective="2026-07-01"),
                          "2026-03-10T09:00:00+08:00")
    return root, first, transfer_sha


def test_as_of_holds_back_a_change_until_its_effective_date(approved_in_advance):
    root, first, transfer_sha = approved_in_advance
    before = policykit.open_repository(root, as_of="2026-06-30")
    assert holder(before) == ["scjgj"]
    assert before.as_of == dt.date(2026, 6, 30) and before.lists_revision == first
    assert "2026-07-01" in before.lists_note
    on_the_day = policykit.open_repository(root, as_of=dt.date(2026, 7, 1))
    assert holder(on_the_day) == ["zhzfj"]
    # transaction time: the repository said it on 2026-03-10 already
    assert holder(policykit.open_repository(root, at="2026-03-10")) == ["zhzfj"]
    assert holder(policykit.open_repository(root, at=first)) == ["scjgj"]
    # both axes: what was in force on 2026-08-01 as the repository said on 2026-03-09 (before the transfer)
    assert holder(policykit.open_repository(root, at="2026-03-09", as_of="2026-08-01")) == ["scjgj"]


def test_commit_date_is_the_effective_date_without_a_trailer(tmp_path):
    root = make_city(tmp_path)
    transfer(root, ITEM, "scjgj", "zhzfj")
    commit(root, record("机构改革", "食品经营许可划转综合执法局"), "2026-03-10T09:00:00+08:00")
    assert holder(policykit.open_repository(root, as_of="2026-03-09")) == ["scjgj"]
    assert holder(policykit.open_repository(root, as_of="2026-03-10")) == ["zhzfj"]


def test_records_come_from_at_while_lists_wait(approved_in_advance):
    """A record committed after a change approved in advance is read (records: what is known now)."""
    root, first, _ = approved_in_advance
    ledger = load(root, "lists/performance/scjgj-2025.yaml")
    ledger["reviewed_by"] = "明湖市委编办审改科（复核）"
    dump(root, "lists/performance/scjgj-2025.yaml", ledger)
    commit(root, "履职台账复核", "2026-04-02T09:00:00+08:00")
    repo = policykit.open_repository(root, as_of="2026-05-01")
    assert holder(repo) == ["scjgj"] and repo.lists_revision == first
    raw = dict(repo.records["performance"])["lists/performance/scjgj-2025.yaml"]
    assert raw["reviewed_by"] == "明湖市委编办审改科（复核）"


def test_a_merge_waits_for_the_changes_it_brings_in(tmp_path):
    root = make_city(tmp_path)
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "reform")
    transfer(root, ITEM, "scjgj", "zhzfj")
    commit(root, record("机构改革", "划转", effective="2026-07-01"), "2026-03-10T09:00:00+08:00")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "-m", "合并机构改革分支", "reform", date="2026-03-11T09:00:00+08:00")
    repo = policykit.open_repository(root, as_of="2026-05-01")
    assert holder(repo) == ["scjgj"] and repo.lists_revision == base
    assert holder(policykit.open_repository(root, as_of="2026-07-01")) == ["zhzfj"]


def test_entries_carry_their_own_dates(tmp_path):
    """An item written with 生效日期 and its predecessor with 失效日期: each in force on its side."""
    root = tmp_path / "city"
    shutil.copytree(ROOT / "lists", root / "lists")
    shutil.copy(ROOT / "policykit.yaml", root / "policykit.yaml")
    powers = load(root, "lists/powers/scjgj.yaml")
    old = next(i for i in powers["items"] if str(i["code"]) == ITEM)
    old["expires"] = dt.date(2026, 7, 1)
    new = {**old, "code": "370199101XK00109", "sub_name": "食品经营许可证核发（新）"}
    del new["expires"]
    new["effective"] = dt.date(2026, 7, 1)
    powers["items"].append(new)
    dump(root, "lists/powers/scjgj.yaml", powers)
    # no git history: only the entries' own dates apply
    june = policykit.open_repository(root, as_of="2026-06-30")
    july = policykit.open_repository(root, as_of="2026-07-01")
    assert ITEM in june.powers and "370199101XK00109" not in june.powers
    assert ITEM not in july.powers and "370199101XK00109" in july.powers
    written = policykit.open_repository(root)
    assert ITEM in written.powers and "370199101XK00109" in written.powers   # as written: both
    assert not [p for p in written.load_problems if p.severity == "error"]


def test_entry_dates_on_units_claims_and_roles(tmp_path):
    root = tmp_path / "city"
    shutil.copytree(ROOT / "lists", root / "lists")
    shutil.copy(ROOT / "policykit.yaml", root / "policykit.yaml")
    org = load(root, "lists/organizations/scjgj.yaml")
    org["units"][0]["expires"] = dt.date(2026, 1, 1)
    dump(root, "lists/organizations/scjgj.yaml", org)
    catalog = load(root, "lists/catalogs/hlwjg.yaml")
    first = catalog["items"][0]
    first["claims"] = [{**c, "expires": dt.date(2026, 1, 1)} for c in first["claims"]]
    dump(root, "lists/catalogs/hlwjg.yaml", catalog)
    unit = org["units"][0]["name"]
    assert policykit.open_repository(root, as_of="2025-12-31").departments["scjgj"].unit(unit) is not None
    later = policykit.open_repository(root, as_of="2026-01-01")
    assert later.departments["scjgj"].unit(unit) is None
    assert str(first["code"]) in {c.code for c in later.unclaimed_catalog_items()}


def test_a_date_before_history_is_an_error(tmp_path):
    root = make_city(tmp_path)
    with pytest.raises(InputError, match="没有已生效的提交"):
        policykit.open_repository(root, as_of="2024-12-31")
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        policykit.open_repository(root, as_of="2025-13-01")


def test_cli_as_of(approved_in_advance, capsys):
    root, *_ = approved_in_advance
    assert main(["check", str(root), "--as-of", "2024-01-01", "-q"]) == 2
    assert "没有已生效的提交" in capsys.readouterr().err
    assert main(["check", str(root), "--as-of", "2026-07-32", "-q"]) == 2
    capsys.readouterr()
    code = main(["check", str(root), "--as-of", "2026-06-30", "-q", "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and "problems" in out
    assert main(["check", str(root), "--as-of", "2026-06-30", "--at", "HEAD", "-q"]) in (0, 1)


def test_choose_commit_reports_what_is_held_back(approved_in_advance):
    root, first, transfer_sha = approved_in_advance
    choice = validtime.choose_commit(root, dt.date(2026, 5, 1))
    assert choice.sha == first and choice.held_back == (transfer_sha, dt.date(2026, 7, 1)) and not choice.is_tip
    assert validtime.choose_commit(root, dt.date(2026, 7, 1)).is_tip


def test_site_as_of_publishes_the_lists_in_force_and_says_so(approved_in_advance, tmp_path):
    root, first, *_ = approved_in_advance
    out = tmp_path / "site"
    assert main(["docs", "build", "--root", str(root), "--site-dir", str(out), "--as-of", "2026-06-30"]) == 0
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "本站公布 <strong>2026-06-30</strong> 生效的清单，取自版本 <code>" + first[:7] in home
    scjgj = next(p for p in out.rglob("*.html") if "departments" in p.parts and "scjgj" in p.parts)
    zhzfj = next(p for p in out.rglob("*.html") if "departments" in p.parts and "zhzfj" in p.parts)
    assert ITEM in scjgj.read_text(encoding="utf-8") and ITEM not in zhzfj.read_text(encoding="utf-8")
    assert "本站公布 <strong>2026-06-30</strong> 生效的清单" in zhzfj.read_text(encoding="utf-8")
    assert main(["docs", "build", "--root", str(root), "--site-dir", str(out), "--as-of", "2026-6-1"]) == 2


def test_a_shallow_clone_says_so_instead_of_guessing(approved_in_advance, tmp_path):
    root, *_ = approved_in_advance
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{root}", str(clone))
    with pytest.raises(InputError, match="浅克隆"):
        policykit.open_repository(clone, as_of="2026-06-30")
    # a period judged in a shallow clone falls back to the lists as they are, and says why
    from policykit.lists.repository import period_lists
    view = period_lists(policykit.open_repository(clone), dt.date(2025, 12, 31))
    assert "浅克隆" in view.lists_note and holder(view) == ["zhzfj"]
