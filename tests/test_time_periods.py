"""Periods judged by their own lists: 2026 transfers between departments leave the 2025 evaluation,
the 2025 ledgers' checks and the 2025 problems report unchanged — on a real git history."""
from __future__ import annotations

import json

import pytest

import policykit
from policykit.cli import main
from policykit.supervision.evaluation import scorecards
from timecity import commit, git, make_city, record, transfer

TRANSFERS = [("370199101XK00101", "scjgj", "zhzfj"),    # 食品经营许可 → 综合执法局
             ("370199107XK00100", "zhzfj", "scjgj"),
             ("370199106XK00101", "wsjkw", "scjgj")]


def run_json(capsys, *argv) -> dict:
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return json.loads(out)


def scores(data: dict) -> list:
    return [(c["department"], c["total"], [(l["code"], l["points"]) for l in c["leaves"]]) for c in data["scorecards"]]


def ledger_problems(data: dict) -> list:
    return sorted((p["rule"], p["file"], p["line"], p["message"]) for p in data["problems"]
                  if p["rule"].startswith("SUP-PERF"))


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The city committed on 2025-03-01, its results for 2025, then three 2026 transfers committed."""
    root = make_city(tmp_path_factory.mktemp("periods"))
    before_sha = git(root, "rev-parse", "HEAD").strip()
    before = {"cards": _cards(root), "check": _check(root), "report": _report(root)}
    for i, (code, source, target) in enumerate(TRANSFERS, 1):
        transfer(root, code, source, target)
        commit(root, record("机构改革", f"事项 {code} 划转", approval=f"明编办〔2026〕{i}号"), f"2026-0{i}-15T09:00:00+08:00")
    return root, before_sha, before


def _cards(root, **kw):
    repo = policykit.open_repository(root, **kw)
    return json.loads(_render(scorecards(repo, "2025")))


def _render(cards):
    from policykit.supervision.evaluation import render
    return render(cards, "json")


def _check(root, *extra):
    from policykit.checking.check import run_check
    result = run_check(root, *extra)
    return sorted((p.rule, p.file, p.line, p.message) for p in result.problems
                  if p.rule.startswith(("SUP-PERF", "SUP-ITEM")))


def _report(root):
    from policykit.supervision.report import problems_report
    data = problems_report(policykit.open_repository(root), "month", period="2025")
    data.pop("computed_from")
    return data


def test_evaluate_2025_unchanged_by_2026_transfers(history):
    root, before_sha, before = history
    after = _cards(root)
    assert scores(after) == scores(before["cards"])
    assert [c["department"] for c in after["scorecards"]] == [c["department"] for c in before["cards"]["scorecards"]]
    # the output names what it was computed from: the lists in force on 2025-12-31 (the first commit)
    assert after["computed_from"]["lists_as_of"] == "2025-12-31"
    assert after["computed_from"]["lists_revision"] == before_sha
    assert after["computed_from"]["head"] == git(root, "rev-parse", "HEAD").strip()
    # the transfers do move scores when the current lists are used: the test can fail
    now = _cards(root, as_of="2026-12-31")
    assert scores(now) != scores(before["cards"])


def test_ledger_checks_of_2025_unchanged(history):
    root, _, before = history
    assert _check(root) == before["check"]
    # judged by the current lists (the same files without their history), the 2025 ledgers and
    # supervisions break: the defect of the issue, so this test can fail
    import shutil
    bare = root.parent / "without-history"
    shutil.copytree(root, bare, ignore=shutil.ignore_patterns(".git"))
    now = _check(bare)
    assert now != before["check"]
    assert {rule for rule, *_ in now} >= {"SUP-PERF-ITEM", "SUP-PERF-COVERAGE", "SUP-ITEM"}


def test_problems_report_2025_unchanged(history):
    root, _, before = history
    assert _report(root) == before["report"]


def test_cli_evaluate_names_revision_and_dates(history, capsys):
    root, before_sha, before = history
    data = run_json(capsys, "evaluate", "--period", "2025", "--root", str(root), "-f", "json")
    assert scores(data) == scores(before["cards"])
    assert data["computed_from"]["lists_revision"] == before_sha
    assert main(["evaluate", "--period", "2025", "--root", str(root)]) == 0
    text = capsys.readouterr().out
    assert "计算依据：2025-12-31 生效的清单" in text and before_sha[:7] in text
    # reproducible from the revision named: --at the first commit gives the same scores
    again = run_json(capsys, "evaluate", "--period", "2025", "--root", str(root), "--at", before_sha, "-f", "json")
    assert scores(again) == scores(before["cards"])
    assert main(["evaluate", "--period", "2025", "--root", str(root), "--as-of", "2025-02-30"]) == 2


def test_check_as_of_a_later_day_still_judges_2025_ledgers_by_2025_lists(history):
    root, _, before = history
    from policykit.checking.check import run_check
    repo = policykit.open_repository(root, as_of="2026-12-31")
    after = run_check(root, repo=repo).problems
    # the 2025 ledgers and supervisions: as before the transfers
    assert sorted((p.rule, p.file, p.line, p.message) for p in after
                  if p.rule.startswith(("SUP-PERF", "SUP-ITEM"))) == before["check"]
    # the lists themselves are those of 2026: the item moved to zhzfj names a unit zhzfj does not have
    assert any(p.rule == "REF-UNIT" and p.file == "lists/powers/zhzfj.yaml" for p in after)


def test_the_sites_public_copy_is_judged_by_the_periods_lists_with_its_own_records(history):
    """The site scores the public copy of the records (publishing policy applied): a period's view
    keeps those records and takes only the lists from the older commit."""
    import datetime as dt
    from policykit.lists.repository import period_lists
    from policykit.site.publishing import public_site_data
    root, before_sha, before = history
    public = public_site_data(policykit.open_repository(root))[0]
    view = period_lists(public, dt.date(2025, 12, 31))
    assert view.lists_revision == before_sha
    assert view.records["problem"] == public.records["problem"]           # the published copy, not the files
    assert {i.department for i in view.power_items if i.code == TRANSFERS[0][0]} == {"scjgj"}
    assert {i.department for i in public.power_items if i.code == TRANSFERS[0][0]} == {"zhzfj"}
    assert scores(json.loads(_render(scorecards(public, "2025")))) == scores(before["cards"])


def test_the_sites_evaluation_page_names_the_lists_it_scored_by(history):
    from policykit.site.pages import SitePages
    root, before_sha, _ = history
    site = SitePages(policykit.open_repository(root))
    page = site.supervision.evaluation_page()
    text = str(page.body)
    assert f"本期按 2025-12-31 生效的清单评分（版本 {before_sha[:7]}）" in text


def test_a_department_deleted_in_2026_is_still_scored_for_2025(tmp_path):
    """机构改革 done the blunt way (the department's files deleted): 2025 is still judged by 2025's lists."""
    root = make_city(tmp_path)
    before = scores(_cards(root))
    for rel in ("lists/organizations/fgw.yaml", "lists/powers/fgw.yaml", "lists/tasks/fgw.yaml"):
        (root / rel).unlink()
    commit(root, record("机构改革", "撤销发展改革委", approval="明编办〔2026〕9号"), "2026-02-01T09:00:00+08:00")
    assert "fgw" not in policykit.open_repository(root).departments
    assert scores(_cards(root)) == before


def test_cli_problems_report_names_its_lists(history, capsys):
    root, before_sha, before = history
    data = run_json(capsys, "problems", "report", "--within", "2025", "--root", str(root), "-f", "json")
    assert data.pop("computed_from")["lists_revision"] == before_sha
    assert data == json.loads(json.dumps(before["report"], default=str))
    assert main(["problems", "report", "--within", "2025", "--root", str(root)]) == 0
    assert "计算依据：2025-12-31 生效的清单" in capsys.readouterr().out
    assert main(["problems", "report", "--root", str(root), "--as-of", "yesterday"]) == 2


def test_the_note_says_which_later_commits_an_advance_change_holds_back(tmp_path):
    """A transfer approved in March for July holds back an April commit already in force: the lists'
    note says so, so a reviewer of an --as-of result knows (docs/time.md: write it with entry dates)."""
    from policykit.lists.validtime import choose_commit
    import datetime as dt
    root = make_city(tmp_path)
    transfer(root, *TRANSFERS[0])
    held = commit(root, record("机构改革", "食品经营许可划转", effective="2026-07-01"), "2026-03-10T09:00:00+08:00")
    transfer(root, *TRANSFERS[1])
    later = commit(root, record("职责调整", "另一事项划转", approval="明编办〔2026〕4号"), "2026-04-10T09:00:00+08:00")
    choice = choose_commit(root, dt.date(2026, 5, 1))
    assert choice.held_back == (held, dt.date(2026, 7, 1)) and choice.waiting == (later,)
    note = policykit.open_repository(root, as_of="2026-05-01").lists_note
    assert note.startswith(f"清单取自提交 ") and "其后已到生效日的 1 个提交随之等待" in note
    # before the April commit's own day nothing waits for the March one: the note is as it was
    assert choose_commit(root, dt.date(2026, 4, 1)).waiting == ()
    assert "随之等待" not in policykit.open_repository(root, as_of="2026-04-01").lists_note
