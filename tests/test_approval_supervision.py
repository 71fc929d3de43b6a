"""审管协同: the bundled pair between the 行政审批服务局 and the 市场监管局, its queries and page data, and each
SGXT rule firing on a planted defect in a copy of the bundled city."""
from pathlib import Path

from policykit.checking.check import run_check

SG = "lists/approval-supervision/SG-001.yaml"


def _replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _rules(problems, prefix="SGXT-"):
    return sorted((p.rule, p.file, p.line) for p in problems if p.rule.startswith(prefix))


def test_bundled_pair_names_approving_body_supervisor_push_and_inspection(bundled_repo):
    repo = bundled_repo
    [pair] = repo.approval_pairs
    assert (pair.approving, pair.supervising, pair.item, pair.inspection) == \
        ("xzspj", "scjgj", "370199114XK00100", "370199101JC00100")
    assert pair.push_days == 1 and pair.push_day_type == "工作日" and pair.push_content
    assert repo.item(pair.inspection).category == "行政检查" and repo.item(pair.inspection).department == "scjgj"
    assert repo.config.processes["approval_body"] == "xzspj"


def test_every_sgxt_rule_finds_its_planted_defect(bundled_copy):
    root = bundled_copy
    _replace(root, SG, "  days: 1\n", "")                                  # no push time
    _replace(root, SG, 'inspection: "370199101JC00100"', 'inspection: "370199101CF00100"')   # a 处罚, not a 检查
    _replace(root, SG, 'approving: xzspj', 'approving: scjgj')             # not the approving body's item
    result = run_check(root)
    got = _rules(result.problems)
    assert ("SGXT-PUSH-TIME", SG, 1) in got
    assert ("SGXT-INSPECTION", SG, 6) in got
    assert ("SGXT-ITEM", SG, 2) in got
    assert not any(r == "SGXT-COVERED" for r, _, _ in got)     # the record still names the item


def test_an_approved_item_without_a_record_is_reported_and_its_handoffs_lose_their_basis(bundled_copy):
    root = bundled_copy
    (root / SG).unlink()
    result = run_check(root)
    assert ("SGXT-COVERED", "lists/powers/xzspj.yaml", 3) in _rules(result.problems)
    # the process steps handed to the 市场监管局 rested on SG-001 only
    handoffs = [p for p in result.problems if p.rule in ("PRC-HANDOFF", "PRC-HANDOFF-REF")]
    assert {p.file for p in handoffs} == {"lists/processes/xzspj.yaml"} and len(handoffs) >= 3


def test_engine_and_oracle_agree_on_the_sgxt_rules(bundled_copy):
    root = bundled_copy
    _replace(root, SG, "  days: 1\n", "")
    _replace(root, SG, 'inspection: "370199101JC00100"', 'inspection: "370199101JC09900"')
    key = lambda ps: sorted((p.rule, p.file, p.line, p.message) for p in ps)  # noqa: E731
    assert key(run_check(root, engine="durable").problems) == key(run_check(root, engine="oracle").problems)
