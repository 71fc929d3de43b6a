"""Fuzzing the item-level diff with pairs of generated list documents committed in a throwaway git repo.

Properties, whatever the two states are: the diff never crashes; diff(A, A) is empty; swapping A and
B swaps 新增 and 取消 and reverses every pairing; and the reported change set explains every changed
item (legal bases compared as a set: reordering them is no change) — applying it to A's items (drop 取消, add 新增, re-key re-coded items, take the new values of
modified ones) gives B's items, and nothing unchanged is reported. Budget: ``fuzz_settings`` in
tests/test_fuzz.py.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, strategies as st

from policykit.history import diff as D
from policykit.history import review as R
from policykit.history.diff import _norm
from policykit.io.writing import dump_yaml
from gitrepo import git
from test_fuzz import fuzz_settings

BASE = Path(__file__).resolve().parents[1] / "rules" / "_base"
CODES = [f"370199101JC{n:03d}00" for n in range(1, 7)] + ["370199102CF00100", "370199102CF00200"]
BASES = [{"level": "法律", "title": "中华人民共和国食品安全法", "article": "第一条"},
         {"level": "法律", "title": "中华人民共和国食品安全法", "article": "第二条"},
         {"level": "行政法规", "title": "中华人民共和国食品安全法实施条例", "article": "第三条"}]

ITEM = st.fixed_dictionaries({
    "name": st.sampled_from(["检查甲", "检查乙", "检查丙", "处罚丁"]),
    "category": st.sampled_from(["行政检查", "行政处罚"]),
    "legal_basis": st.lists(st.sampled_from(BASES), min_size=1, max_size=2, unique_by=lambda b: b["article"]),
    "unit": st.sampled_from(["办公室", "食品安全科"]),
    "levels": st.sampled_from([["市级"], ["市级", "县级"]]),
    "responsibilities": st.sampled_from([["检查责任：依法检查"], ["检查责任：依法检查", "处置责任：依法处置"]]),
    "accountability_targets": st.just(["承办人员"]),
    "accountability_cases": st.just(["不依法履行职责的"]),
    "power_source": st.just("法定本级行使"),
    "status": st.sampled_from(["在用", "暂停"]),
}, optional={"remark": st.sampled_from(["甲", "乙", "多行\n备注"]), "sub_name": st.sampled_from(["子项一", "子项二"])})

STATE = st.dictionaries(st.sampled_from(CODES), st.tuples(st.sampled_from(["scjgj", "sthjj"]), ITEM), max_size=6)


def write_state(root: Path, state: dict) -> None:
    for dept in ("scjgj", "sthjj"):
        items = [{"code": code, **item} for code, (d, item) in sorted(state.items()) if d == dept]
        (root / f"lists/powers/{dept}.yaml").write_text(dump_yaml({"department": dept, "items": items}),
                                                        encoding="utf-8")


def items_of(state: dict) -> dict:
    """Items as the diff compares them: empty values dropped, legal bases as a set (their order is no change)."""
    out = {}
    for code, (d, item) in state.items():
        norm = {"department": d, **_norm(item)}
        norm["legal_basis"] = sorted(norm["legal_basis"], key=lambda b: sorted(b.items()))
        out[code] = norm
    return out


def keys(d, kind):
    return {c.key for c in d.changes if c.object == "power" and kind in c.types}


def pairs(d):
    return {(c.previous_key or c.key, c.key) for c in d.changes if c.object == "power"}


@fuzz_settings(20)
@given(a=STATE, b=STATE)
def test_diff_properties(a, b):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "city"
        shutil.copytree(BASE, root)
        git(root, "init", "-q", "-b", "main")
        write_state(root, a)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "A")
        write_state(root, b)
        git(root, "commit", "-q", "--allow-empty", "-am", "B")
        sha_a, sha_b = git(root, "rev-parse", "HEAD~1").strip(), git(root, "rev-parse", "HEAD").strip()

        assert [c for c in D.diff(root, sha_a, sha_a).changes if c.object == "power"] == []
        ab, ba = D.diff(root, sha_a, sha_b), D.diff(root, sha_b, sha_a)
        R.render(ab, "markdown"), R.render(ab, "json"), R.as_text(ab)          # every rendering works

        assert keys(ab, "新增") == keys(ba, "取消") and keys(ab, "取消") == keys(ba, "新增")
        assert {(new, old) for old, new in pairs(ab)} == pairs(ba)

        # applying the change set to A's items gives B's items
        old, new = items_of(a), items_of(b)
        applied = dict(old)
        for c in ab.changes:
            if c.object != "power":
                continue
            if "取消" in c.types:
                assert c.key in old and c.key not in new
                del applied[c.key]
                continue
            if "新增" in c.types:
                assert c.key in new and c.key not in old
            else:
                prev = c.previous_key or c.key
                assert prev in old and c.key in new, (c.types, prev, c.key)
                assert old[prev] != new[c.key] or prev != c.key, f"{c.key}: reported but unchanged"
                differ = {k for k in set(old[prev]) | set(new[c.key]) if old[prev].get(k) != new[c.key].get(k)}
                fields = {f.field.split(".")[0].split("[")[0] for f in c.fields}
                if "划转" in c.types:
                    fields.add("department")
                assert differ == fields - {"code"}, (c.key, c.types, differ, fields)
                applied.pop(prev)
            applied[c.key] = new[c.key]
        assert applied == new
        changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
        reported = {k for pair in pairs(ab) for k in pair}
        assert changed <= reported, f"changed items not reported: {changed - reported}"
