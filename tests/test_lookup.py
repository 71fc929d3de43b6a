"""The plain-words lookup (policykit.lookup): one spec, answers with why, plain "no matter", the CLI."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

pytest.importorskip("jieba")
if not (ROOT / "lists" / "boundaries").is_dir():
    pytest.skip("the bundled sample city is not there", allow_module_level=True)


@pytest.fixture(scope="module")
def repo():
    import policykit
    return policykit.open_repository(ROOT)


def test_question_words_are_dropped_and_the_matter_leads(repo):
    from policykit.lookup import lookup
    for q in ("占道经营", "占道经营归谁管", "占道经营谁管", "占道经营找谁？"):
        r = lookup(repo, q)
        assert r.confident and r.answers[0].key == "BJ-010", q
        assert r.answers[0].lead == "zhzfj"
        assert [(h.word, h.via) for h in r.answers[0].matched] == [("占道经营", "name")]


def test_one_extra_word_does_not_kill_a_hit_and_synonyms_reach_the_data(repo):
    from policykit.lookup import lookup
    a = lookup(repo, "餐饮油烟").answers[0]
    assert a.key == "370199107CF00700" and a.kind == "item" and a.lead == "zhzfj" and a.confident
    assert "油烟" in a.why()
    r = lookup(repo, "噪音扰民")                # the data says 噪声: no entry holds it, a 三定 duty does
    assert not r.confident
    assert "sthjj" in [h.department for h in r.departments]
    assert any(h.words == ("噪音",) for h in r.departments)


def test_a_single_shared_character_is_never_a_hit(repo):
    from policykit.lookup import lookup
    for q in ("处", "量子纠缠", "手机信号差", "结婚登记预约"):
        assert not lookup(repo, q).confident, q
    assert lookup(repo, "处").answers == ()


def test_ranking_is_by_coverage_of_the_query(repo):
    from policykit.lookup import lookup
    answers = lookup(repo, "危险化学品 停车场").answers
    assert answers[0].key == "BJ-003"
    assert all(answers[0].score >= a.score for a in answers)
    assert answers[0].coverage == 1.0


def test_library_doors_use_the_lookup_for_inexact_words(repo):
    assert repo.lead_of("电动自行车充电") == "gaj"            # 派出所日常消防监督检查 (its 俗称)
    assert repo.lead_of("应急物资保障") == "yjglj"           # exact names as before
    assert repo.lead_of("量子纠缠") is None
    assert [b.id for b in repo.find_matters("危化品车辆停车场")] == ["BJ-003"]
    answers = repo.lookup("路边摆摊")
    assert answers[0].key == "BJ-010" and answers[0].cooperating


def test_a_repository_without_the_engine_says_so(repo):
    from policykit.errors import UsageError
    from policykit.lists.repository import open_repository
    plain = open_repository(ROOT)
    with pytest.raises(UsageError):
        plain.lookup("油烟")
    assert plain.lead_of("应急物资保障") == "yjglj"


def test_index_data_is_what_the_site_runs(repo):
    from policykit.lookup import index_of, spec
    data = index_of(repo).to_data()
    assert data["spec"]["confident"] == spec.CONFIDENT and data["spec"]["fields"][0] == ["name", 1.0]
    assert "占道" in data["vocab"] and "噪声" in data["synonyms"]["噪音"]
    kinds = {e[0] for e in data["entries"]}
    assert kinds == {"matter", "pair", "item", "catalog"}
    assert data["pairs"]["SG-001"]["supervising"] == "scjgj" and data["spec"]["code_pattern"] == spec.CODE_PATTERN
    catalog = next(e for e in data["entries"] if e[0] == "catalog")
    assert catalog[3] == [catalog[1].split("/", 1)[1]]             # the bare code beside catalog/code
    json.dumps(data, ensure_ascii=False)


def test_a_code_answers_its_entry_exactly(repo):
    from policykit.lookup import lookup
    for q, key in (("370199101XK00101", "370199101XK00101"), ("370199101xk00101", "370199101XK00101"),
                   ("事项编码：370199101XK00101", "370199101XK00101"), ("ＢＪ－００３", "BJ-003"),
                   ("bj003谁管", "BJ-003"), ("JG-001", "hlwjg/JG-001"), ("hlwjg/jg-001", "hlwjg/JG-001"),
                   ("SG-001", "SG-001")):
        r = lookup(repo, q)
        assert r.confident and r.answers[0].key == key, (q, r.answers[:2])
        assert r.answers[0].matched[0].via == "code" and r.answers[0].why().endswith("（编码）")
        assert not [w.text for w in r.words if any(c.isdigit() for c in w.text)], q   # the code is not read as a word too
    r = lookup(repo, "370199101xk001")                                # a first part: the items it begins
    assert [a.key for a in r.answers] == ["370199101XK00101", "370199101XK00102"] and r.confident
    assert r.answers[0].why() == "370199101XK001→370199101XK00101（编码）"
    assert not lookup(repo, "370199").answers                         # too short to be a first part
    mixed = lookup(repo, "370199101")                                 # digits alone match only a whole code
    assert not [a for a in mixed.answers if a.matched and a.matched[0].via == "code"]


def test_an_items_catalog_code_and_separators():
    from policykit.lookup.answers import search
    from policykit.lookup.index import Entry, Index
    entries = [Entry("item", "X-1", "甲", "a", (), {"name": ("甲",)}, ("11370100MB0000001XK0001",)),
               Entry("item", "X-2", "乙", "b", (), {"name": ("乙",)}, ("11370100MB0000001XK0002",)),
               Entry("matter", "部门-1", "丙", "c", (), {"name": ("丙",)})]        # not typable as a code
    index = Index(entries, frozenset({"甲", "乙"}), {}, {})
    r = search(index, "基本编码 11370100mb0000001xk0001")
    assert r.confident and [a.key for a in r.answers] == ["X-1"] and r.answers[0].matched[0].found.endswith("0001")
    r = search(index, "11370100MB0000001XK")                           # both items, two departments: not sure
    assert [a.key for a in r.answers] == ["X-1", "X-2"] and not r.confident
    assert r.answers[0].why() == "11370100MB0000001XK→11370100MB0000001XK0001（编码）"
    assert search(index, "x-1").answers == () and search(index, "x1").answers == ()   # under 4 characters


def test_numbers_in_plain_words_never_find_codes(repo):
    from policykit.lookup import lookup, spec
    for q in ("社保卡号370199101丢了", "工单20250312001没人回复", "打12345", "3号楼", "2025年的养老金",
              "手机13701991010被骚扰", "370199108 占道经营"):
        r = lookup(repo, q)
        assert not r.codes and all(h.via != "code" for a in r.answers for h in a.matched), q
    assert lookup(repo, "370199108 占道经营").answers[0].key == "BJ-010"
    # and a code's digits or letters are never a field that words match
    assert all("code" not in f for f, _ in spec.FIELDS)


def test_a_pair_answers_who_supervises_after_approval(repo):
    from policykit.lookup import lookup
    r = lookup(repo, "办了食品生产许可证以后谁来监管")
    a = r.answers[0]
    assert r.confident and a.kind == "pair" and a.key == "SG-001"
    assert a.lead == "scjgj" and a.cooperating == ("xzspj",)
    assert "行政审批服务局审批" in a.reason and "市场监督管理局负责许可后监管" in a.reason and "370199101JC00100" in a.reason
    # the licence named without asking about supervision: the licence itself, never the pair
    for q in ("食品生产许可", "食品生产许可去哪办"):
        assert "SG-001" not in [x.key for x in lookup(repo, q).answers], q
    top = lookup(repo, "食品生产许可")
    assert top.confident and top.answers[0].key == "370199114XK00100" and top.answers[0].lead == "xzspj"
    # 食品经营许可 is the 市场监管局's own licence in this city: its item answers, not the pair
    r = lookup(repo, "办了食品经营许可证后谁来监管")
    assert r.confident and r.answers[0].kind == "item" and r.answers[0].lead == "scjgj"


def test_cli_names_the_approving_body_and_why():
    r = _cli("办了食品生产许可证以后谁来监管")
    assert r.returncode == 0, r.stderr
    assert "审管协同 SG-001" in r.stdout and "配合部门：明湖市行政审批服务局（审批）" in r.stdout
    assert "负责许可后监管" in r.stdout
    j = json.loads(_cli("370199101XK00101", "-f", "json").stdout)
    assert j["codes"] == ["370199101xk00101"] and j["answers"][0]["key"] == "370199101XK00101"
    assert j["answers"][0]["matched"] == [{"word": "370199101XK00101", "found": "370199101XK00101", "via": "code"}]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "policykit", "lookup", *args, "--root", str(ROOT)],
                          capture_output=True, text=True, cwd=ROOT)


def test_cli_text_json_and_nothing_found():
    r = _cli("占道经营归谁管")
    assert r.returncode == 0, r.stderr
    assert "占道经营治理" in r.stdout and "牵头" in r.stdout and "市城市管理局" in r.stdout
    j = _cli("路边摆摊", "-f", "json")
    assert j.returncode == 0
    data = json.loads(j.stdout)
    assert data["answers"][0]["key"] == "BJ-010" and data["confident"] is True
    assert data["answers"][0]["matched"][0]["via"] in {"alias", "name", "domain", "body"}
    n = _cli("噪音扰民")
    assert n.returncode == 0
    assert "暂无确定对应" in n.stdout and "市生态环境局" in n.stdout
    bad = _cli("x" * 5000)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_large_search_index_is_split_and_a_small_one_is_not(tmp_path):
    from policykit.site import searchworker as sw
    docs = [{"location": f"items/{i}/", "title": f"事项\u200b{i}", "text": "370199101CF00200\u200b市场监管局" * 10}
            for i in range(5)] + [{"location": "departments/x/#units", "title": "内设机构", "text": "职责" * 50}]
    index = json.dumps({"config": {"lang": ["en"], "separator": "[\\s\\u200b]+"}, "docs": docs}, ensure_ascii=False)
    small = json.loads(sw.split(index, tmp_path, above=10))
    assert small["docs"] == docs and not (tmp_path / "search").exists()
    assert small["config"]["policykit_kinds"][:2] == ["boundaries/", "items/"] and "policykit_full" not in small["config"]
    quick = json.loads(sw.split(index, tmp_path, above=2))
    assert quick["config"]["policykit_full"] == sw.FULL_NAME
    assert [d["location"] for d in quick["docs"]] == [f"items/{i}/" for i in range(5)]
    assert all(len(d["text"]) <= sw.QUICK_TEXT and d["text"].startswith("370199101CF00200") for d in quick["docs"])
    assert json.loads((tmp_path / "search" / sw.FULL_NAME).read_text(encoding="utf-8"))["docs"] == docs


def test_the_search_worker_wrapper_replaces_materials_once(tmp_path):
    from policykit.site import searchworker as sw
    workers = tmp_path / sw.WORKERS
    workers.mkdir(parents=True)
    (workers / "search.abc123.min.js").write_text("/* material */", encoding="utf-8")
    assert sw.install(tmp_path)
    assert (workers / sw.ORIGINAL).read_text(encoding="utf-8") == "/* material */"
    wrapper = (workers / "search.abc123.min.js").read_text(encoding="utf-8")
    assert wrapper.startswith(sw.MARKER) and f'importScripts("{sw.ORIGINAL}")' in wrapper
    assert not sw.install(tmp_path)                     # wrapped already: left alone
    assert "innerHTML" not in wrapper and "eval(" not in wrapper
