"""Spreadsheet import: format detection, rows → items, provenance, row accounting, atomic writes.

Fixture spreadsheets are made by tests/fixtures/spreadsheets/make_fixtures.py (committed). The
real corpus (21 published Karamay lists) is read from ../shared/datasets/karamay-2024 and those
tests skip when it is absent.
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from policykit.cli import main
from policykit.errors import InputError, UsageError
from policykit.io.importers import (FATE_IMPORTED, FATE_MERGED, FATE_SKIPPED, detect_format, import_files, load_mapping, plan_import, read_workbook)
from policykit.io.importers import text as T
from policykit.io.importers.report import format_json, format_text, report_data
from policykit.io.writing import UncommittedChangesError, dump_yaml, write_files_atomically

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "spreadsheets"
CORPUS = ROOT.parent / "shared" / "datasets" / "karamay-2024" / "lists"
SCHEMAS = ROOT / "schemas"
MAPPING = load_mapping()


def snapshot(directory: Path) -> dict:
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def only_items(plan):
    return [it for f in plan.files for it in f.items]


def load_powers(out: Path) -> dict:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((out / "powers").glob("*.yaml"))}


# --- format detection and reading --------------------------------------------------------------

@pytest.mark.parametrize("name, fmt", [("titled.xlsx", "xlsx"), ("legacy.xls", "xls"), ("ole-named.xlsx", "xls")])
def test_format_is_detected_from_content_not_name(name, fmt):
    data = (FIX / name).read_bytes()
    assert detect_format(data) == fmt
    assert read_workbook(FIX / name).format == fmt


@pytest.mark.parametrize("name", ["truncated.xlsx", "truncated.xls", "not-a-spreadsheet.xls", "missing.xlsx"])
def test_unreadable_files_raise_input_error(name):
    with pytest.raises(InputError) as exc:
        read_workbook(FIX / name)
    assert exc.value.exit_code == 2
    assert exc.value.message  # Chinese-first message, no traceback


def test_merged_cells_are_read_from_xls_and_xlsx():
    for name in ("titled.xlsx", "legacy.xls"):
        sheet = read_workbook(FIX / name).sheets[0]
        assert (5, 7, 1, 2) in sheet.merged           # 事项名称 over rows 6-7
        assert sheet.value(6, 1) == "特种设备检验检测"  # covered cell shows the merge's value
        assert sheet.raw(6, 1) is None


def test_xls_and_xlsx_fixtures_import_to_the_same_items(tmp_path):
    a = plan_import([FIX / "titled.xlsx"], out_dir=tmp_path / "a")
    b = plan_import([FIX / "legacy.xls"], out_dir=tmp_path / "b")
    strip = lambda items: [{k: v for k, v in it.items() if k != "provenance"} for it in items]  # noqa: E731
    assert strip(only_items(a)) == strip(only_items(b))


# --- rows → items -------------------------------------------------------------------------------

@pytest.fixture
def titled(tmp_path):
    out = tmp_path / "lists"
    plan = import_files([FIX / "titled.xlsx"], out_dir=out)
    return plan, out


def test_items_from_the_titled_fixture(titled):
    plan, out = titled
    items = only_items(plan)
    names = [(it["name"], it.get("sub_name")) for it in items]
    assert names == [
        ("食品经营许可", None),
        ("对未取得许可从事食品经营的处罚", None),
        ("特种设备检验检测", "检验机构核准"),        # numbering "1." stripped from 子项名称
        ("特种设备检验检测", "检测人员考核"),        # name inherited from the merged cell
        ("食品安全宣传指导", None),
        ("食品生产经营者信用等级确认", None),
    ]
    by_name = {(it["name"], it.get("sub_name")): it for it in items}
    first = by_name[("食品经营许可", None)]
    assert "sub_name" not in first and "remark" not in first         # "/" means nothing
    assert first["legal_basis"][0] == {
        "level": "法律", "title": "中华人民共和国食品安全法", "article": "第三十五条",
        "text": "（2009年2月28日通过，2021年4月29日修正）\n第三十五条 国家对食品生产经营实行许可制度。"}
    assert first["legal_basis"][1] == {"level": "部门规章", "title": "食品经营许可和备案管理办法", "article": "第二条第一款"}
    assert first["accountability_targets"] == ["具体承办人", "内设机构负责人", "单位法定代表人"]
    assert first["sanding_duty"] == 4 and first["levels"] == ["市级"]
    assert first["unit"] == "食品经营科"
    assert first["power_source"] == "法定本级行使" and first["status"] == "在用"
    # continuation row merged into the item above it, provenance keeps both rows
    fine = by_name[("对未取得许可从事食品经营的处罚", None)]
    assert fine["category"] == "行政处罚"                                   # '行政\n处罚'
    assert fine["accountability_cases"] == ["1.没有法律依据实施处罚的；", "2.擅自改变处罚种类、幅度的。"]
    assert fine["provenance"] == {"file": "titled.xlsx", "sheet": "行政权力", "rows": [4, 5]}
    assert fine["levels"] == ["市级", "县级"]
    assert by_name[("特种设备检验检测", "检验机构核准")]["category"] == "其他行政权力"   # synonym 其他权力
    local = by_name[("特种设备检验检测", "检测人员考核")]["legal_basis"][0]
    assert local["level"] == "地方性法规"                                   # 【法规】 + 自治区 title
    confirm = by_name[("食品生产经营者信用等级确认", None)]
    assert confirm["category"] == "行政确认" and confirm["levels"] == ["市级"]  # ' 行政\n确认', 地州市级
    assert confirm["legal_basis"][0] == {"level": "规范性文件", "title": "明湖市食品安全信用管理办法", "article": ""}


def test_every_row_is_accounted_for_once(titled):
    plan, _ = titled
    fr = plan.files[0]
    sheet = fr.sheets[0]
    rows = [f.row for f in fr.fates if f.sheet == sheet.name]
    assert sorted(rows) == list(range(1, sheet.rows + 1))
    fates = {f.row: f for f in fr.fates}
    assert fates[1].fate == FATE_SKIPPED and "标题" in fates[1].reason
    assert fates[2].fate == FATE_SKIPPED and "表头" in fates[2].reason
    assert fates[5].fate == FATE_MERGED and fates[5].item_label() == fates[4].item_label()
    assert fates[8].fate == FATE_SKIPPED and "空行" in fates[8].reason
    assert fates[11].fate == FATE_SKIPPED and "说明" in fates[11].reason
    assert sum(1 for f in fr.fates if f.fate == FATE_IMPORTED) == len(fr.items)
    # every row the items claim as provenance is a row imported or merged into that item
    claimed = sorted(r for it in fr.items for r in it["provenance"]["rows"])
    assert claimed == sorted(f.row for f in fr.fates if f.fate in (FATE_IMPORTED, FATE_MERGED))


def test_problems_are_located_in_the_source(titled):
    plan, _ = titled
    probs = plan.files[0].problems
    unknown = [p for p in probs if p.rule == "IMPORT-CATEGORY" and p.severity == "error"]
    assert len(unknown) == 1
    p = unknown[0]
    assert p.file == str(FIX / "titled.xlsx") and (p.line, p.column) == (9, 4) and p.path == "行政权力!D9"
    assert "行政指导" in p.message
    assert all(p.rule.startswith("IMPORT-") for p in probs)
    multi = [p for p in probs if p.rule == "IMPORT-UNIT-MULTIPLE"]
    assert multi and multi[0].path == "行政权力!G3"


def test_item_with_unknown_category_gets_no_invented_code(titled):
    plan, _ = titled
    items = only_items(plan)
    bad = [it for it in items if it["category"] == "行政指导"]
    assert bad and "code" not in bad[0]
    import re
    pattern = re.compile(yaml.safe_load((ROOT / "policykit.yaml").read_text(encoding="utf-8"))["code_pattern"])
    codes = [it["code"] for it in items if "code" in it]
    assert len(codes) == len(set(codes)) == len(items) - 1
    assert all(pattern.match(c) for c in codes)
    sub = [it for it in items if it.get("sub_name")]
    assert sub[0]["code"][:-2] == sub[1]["code"][:-2] and sub[0]["code"][-2:] == "01" and sub[1]["code"][-2:] == "02"


def test_output_files_and_organisation(titled):
    plan, out = titled
    (dept,) = plan.departments
    powers = yaml.safe_load((out / "powers" / f"{dept}.yaml").read_text(encoding="utf-8"))
    org = yaml.safe_load((out / "organizations" / f"{dept}.yaml").read_text(encoding="utf-8"))
    assert powers["department"] == dept == org["id"]
    assert org["name"] == "明湖市测试局" and len(org["code"]) == 3
    assert [u["name"] for u in org["units"]] == ["食品经营科", "综合执法支队", "特种设备科"]
    assert all(it["code"][6:9] == org["code"] for it in powers["items"] if "code" in it)
    assert list(powers) == ["department", "items"]


def test_reimport_is_byte_identical_and_writes_nothing(titled):
    _, out = titled
    before = snapshot(out)
    plan = import_files([FIX / "titled.xlsx"], out_dir=out)
    assert plan.outputs == {}
    assert snapshot(out) == before
    fresh = out.parent / "fresh"
    import_files([FIX / "titled.xlsx"], out_dir=fresh)
    assert snapshot(fresh) == before     # same file → same codes, same bytes


def test_reimport_keeps_codes_and_hand_added_fields(titled):
    plan, out = titled
    (dept,) = plan.departments
    path = out / "powers" / f"{dept}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["items"][1]["co_departments"] = ["gaj"]          # added by hand after the import
    doc["items"][1]["status"] = "暂停"                    # the source has no 状态 column
    hand = {"code": "370199999QT09900", "name": "手工事项", "category": "其他行政权力", "legal_basis": [],
            "unit": "食品经营科", "responsibilities": [], "accountability_targets": [], "accountability_cases": [],
            "power_source": "法定本级行使", "status": "在用"}
    doc["items"].insert(0, hand)
    path.write_text(dump_yaml(doc), encoding="utf-8")
    plan2 = import_files([FIX / "titled.xlsx"], out_dir=out)
    doc2 = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc2 == doc and plan2.outputs == {}


def test_department_option_and_dry_run(tmp_path):
    out = tmp_path / "lists"
    plan = import_files([FIX / "titled.xlsx"], out_dir=out, department="csj", dry_run=True)
    assert not out.exists()
    assert set(plan.departments) == {"csj"}
    assert {p.name for p in plan.outputs} == {"csj.yaml"}


def test_user_mapping_extends_headers(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "清单条目", "权力类别", "设定依据", "办理科室", "追责情形"])
    ws.append(["1", "某项检查", "检查", "【法律】《中华人民共和国某法》第一条", "一科", "失职的"])
    src = tmp_path / "custom.xlsx"
    wb.save(src)
    with pytest.raises(InputError, match="IMPORT-NO-ITEMS"):       # no item at all: an error, not a quiet success
        plan_import([src], out_dir=tmp_path / "lists")
    m = tmp_path / "map.yaml"
    m.write_text("fields:\n  name: [清单条目]\n  unit: [办理科室]\n", encoding="utf-8")
    plan = plan_import([src], out_dir=tmp_path / "lists", mapping=load_mapping(m))
    (item,) = only_items(plan)
    assert item["name"] == "某项检查" and item["unit"] == "一科" and item["category"] == "行政检查"
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields:\n  nonsense: [x]\n", encoding="utf-8")
    with pytest.raises(UsageError):
        load_mapping(bad)


def test_a_failed_import_leaves_the_output_untouched(titled):
    _, out = titled
    before = snapshot(out)
    for bad in ("truncated.xlsx", "not-a-spreadsheet.xls", "truncated.xls"):
        with pytest.raises(InputError):
            import_files([FIX / "legacy.xls", FIX / bad], out_dir=out, department="other")
    assert snapshot(out) == before


# --- reports and CLI ----------------------------------------------------------------------------

def test_report_text_and_json(titled):
    plan, _ = titled
    text = format_text(plan)
    assert "事项: 6（其中子项 2）" in text and "IMPORT-CATEGORY" in text
    data = json.loads(format_json(plan))
    f = data["files"][0]
    assert f["items"] == 6 and f["sub_items"] == 2
    assert f["imported_rows"] + f["merged_rows"] + f["skipped_rows"] == f["rows"]
    assert f["categories"]["其他行政权力"] == 2
    assert f["problems_by_rule"]["IMPORT-CATEGORY:error"] == 1
    assert len(f["row_fates"]) == f["rows"]
    assert report_data(plan, rows=False)["files"][0].get("row_fates") is None


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_exit_codes_and_progress(tmp_path, capsys):
    shutil.copy(ROOT / "policykit.yaml", tmp_path / "policykit.yaml")   # the city's region code (docs/init.md)
    out = tmp_path / "lists"
    code, stdout, err = run_cli(capsys, "import", FIX / "titled.xlsx", "--out", out)
    assert code == 1                                    # an error-level import problem (unknown category)
    assert "[1/1] 导入 titled.xlsx: 6 项" in err and "\r" not in err
    assert (out / "powers").is_dir()
    code, stdout, err = run_cli(capsys, "import", FIX / "titled.xlsx", "--out", out, "--report", "json", "-q")
    assert code == 1 and json.loads(stdout)["outputs"] == [] and err == ""
    code, _, err = run_cli(capsys, "import", FIX / "truncated.xlsx", "--out", tmp_path / "x")
    assert code == 2 and "Traceback" not in err and "损坏" in err
    assert not (tmp_path / "x").exists()
    code, _, err = run_cli(capsys, "import", FIX / "legacy.xls", "--department", "Bad Id", "--out", tmp_path / "y")
    assert code == 2


def test_cli_import_clean_file_exits_zero(tmp_path, capsys):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["明湖市某局权责清单"])
    ws.append(["序号", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构", "实施层级", "责任事项内容",
               "追责对象范围", "追责情形"])
    ws.append(["1", "某项许可", None, "行政许可", "【法律】《中华人民共和国某法》第一条", "明湖市某局", "一科", "市级",
               "受理责任：受理", "承办人", "不予受理的"])
    wb.save(tmp_path / "clean.xlsx")
    code, out, _ = run_cli(capsys, "import", tmp_path / "clean.xlsx", "--out", tmp_path / "lists", "--dry-run", "-q")
    assert code == 0 and "将写入 2 个文件" in out and not (tmp_path / "lists").exists()


# --- writing ---------------------------------------------------------------------------------------

def test_dump_yaml_is_stable_block_style():
    import datetime
    data = {"b": "多行\n文本", "a": ["市级"], "d": datetime.date(2024, 3, 1), "c": "101", "e": []}
    text = dump_yaml(data)
    assert text == "b: |-\n  多行\n  文本\na:\n  - 市级\nd: 2024-03-01\nc: '101'\ne: []\n"
    assert yaml.safe_load(text) == data and dump_yaml(yaml.safe_load(text)) == text


def test_write_files_atomically_rolls_back(tmp_path, monkeypatch):
    a, b = tmp_path / "a.yaml", tmp_path / "sub" / "b.yaml"
    a.write_text("old\n", encoding="utf-8")
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)
    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(InputError):
        write_files_atomically({a: "new\n", b: "new\n"})
    monkeypatch.setattr(os, "replace", real)
    assert a.read_text(encoding="utf-8") == "old\n"
    assert not b.exists() and not (tmp_path / "sub").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]       # no temporary files left
    assert write_files_atomically({a: "new\n", b: "new\n"}) == [a, b]
    assert write_files_atomically({a: "new\n", b: "new\n"}) == []         # unchanged: not touched


def test_write_files_atomically_protects_uncommitted(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("old\n", encoding="utf-8")
    with pytest.raises(UncommittedChangesError):
        write_files_atomically({a: "new\n", tmp_path / "n.yaml": "x\n"}, protect_uncommitted=True,
                               is_dirty=lambda p: p == a)
    assert a.read_text(encoding="utf-8") == "old\n" and not (tmp_path / "n.yaml").exists()
    write_files_atomically({a: "new\n"}, protect_uncommitted=True, is_dirty=lambda p: False)
    assert a.read_text(encoding="utf-8") == "new\n"


# --- text parsing round trips (what export → import relies on) -------------------------------------

CJK = st.sampled_from(list("中华人民共和国法条例办法规定第一二三十百条款项责任：；。，、（）1234 \n【】《》"))
cells = st.text(CJK, max_size=60)


@settings(max_examples=300, deadline=None)
@given(cells)
def test_legal_basis_parse_is_idempotent_through_format(text):
    entries, _ = T.parse_legal_basis(text, MAPPING)
    again, _ = T.parse_legal_basis(T.format_legal_basis(entries, MAPPING), MAPPING)
    assert again == entries


@settings(max_examples=300, deadline=None)
@given(cells)
def test_list_fields_are_idempotent_through_format(text):
    for split, fmt in ((T.split_lines, T.format_lines), (T.split_targets, T.format_targets),
                       (T.split_basis_texts, T.format_basis_texts)):
        values = split(text)
        assert split(fmt(values)) == values
    cleaned = T.clean_text(text)
    assert T.clean_text(cleaned) == cleaned


def test_basis_variants():
    e, notes = T.parse_legal_basis("【法规】《植物检疫条例》第七条、第八条：调运植物……；2.《B办法》第二条", MAPPING)
    assert e[0] == {"level": "行政法规", "title": "植物检疫条例", "article": "第七条、第八条", "text": "调运植物……"}
    assert e[1]["title"] == "B办法" and e[1]["level"] == "行政法规"     # the tag applies to the whole segment
    e, notes = T.parse_legal_basis("【党内法规】《中国共产党纪律处分条例》", MAPPING)
    assert e == [{"level": "规范性文件", "title": "中国共产党纪律处分条例", "article": ""}]   # mapping synonym
    e, notes = T.parse_legal_basis("【口径】《某规定》第一条", MAPPING)        # unknown tag: weakest level + warning
    assert e == [{"level": "规范性文件", "title": "某规定", "article": "第一条"}]
    assert notes[0][:2] == ("IMPORT-BASIS-LEVEL", "warning")
    e, notes = T.parse_legal_basis("新政发【2023】12号", MAPPING)          # a year in brackets is not a level,
    assert e == [] and notes[0][0] == "IMPORT-BASIS-TITLE"                # and text without 《title》 is no basis
    e, _ = T.parse_legal_basis("法律】《中华人民共和国某法》第二条", MAPPING)   # a tag missing its 【
    assert e == [{"level": "法律", "title": "中华人民共和国某法", "article": "第二条"}]


# --- the real corpus -------------------------------------------------------------------------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/datasets/karamay-2024 不存在 (corpus absent)")
CORPUS_FILES = sorted(CORPUS.iterdir()) if CORPUS.is_dir() else []


@pytest.fixture(scope="module")
def corpus_import(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "lists"
    plan = import_files(CORPUS_FILES, out_dir=out)
    return plan, out


@corpus
def test_corpus_has_21_lists():
    assert len(CORPUS_FILES) == 21


@corpus
def test_corpus_every_file_imports_and_every_row_is_accounted_for(corpus_import):
    plan, _ = corpus_import
    assert [f.path for f in plan.files] == [str(p) for p in CORPUS_FILES]
    for fr in plan.files:
        wb = read_workbook(fr.path)
        assert fr.items, fr.path
        for sheet, sr in zip(wb.sheets, fr.sheets):
            rows = sorted(f.row for f in sr.fates)
            assert rows == list(range(1, sheet.nrows + 1)), (fr.path, sheet.name)
            counts = Counter(f.fate for f in sr.fates)
            assert counts[FATE_IMPORTED] + counts[FATE_MERGED] + counts[FATE_SKIPPED] == sheet.nrows
            assert counts[FATE_IMPORTED] == len(sr.items)
            for f in sr.fates:
                assert f.fate != FATE_SKIPPED or f.reason, (fr.path, f)
                assert f.fate == FATE_SKIPPED or f.item is not None
            if sr.header_row:   # data rows: everything below the header
                below = [f for f in sr.fates if f.row > sr.header_row]
                assert len(below) == sheet.nrows - sr.header_row
        # provenance rows are exactly the rows imported or merged
        claimed = Counter((it["provenance"]["sheet"], r) for it in fr.items for r in it["provenance"]["rows"])
        used = Counter((f.sheet, f.row) for f in fr.fates if f.fate != FATE_SKIPPED)
        assert claimed == used, fr.path


@corpus
def test_corpus_output_matches_the_schemas(corpus_import):
    import jsonschema
    plan, out = corpus_import
    powers_schema = json.loads((SCHEMAS / "powers.schema.json").read_text(encoding="utf-8"))
    org_schema = json.loads((SCHEMAS / "organization.schema.json").read_text(encoding="utf-8"))
    pv = jsonschema.Draft202012Validator(powers_schema)
    ov = jsonschema.Draft202012Validator(org_schema)
    powers = load_powers(out)
    assert set(powers) == set(plan.departments)
    total_items = 0
    for dept, doc in powers.items():
        total_items += len(doc["items"])
        # schema-valid, so that `policykit check` runs its rules on every department; the source's
        # defects (a basis without article, a missing 追责情形 …) are left for those rules to find
        errors = [(list(e.absolute_path), e.message) for e in pv.iter_errors(doc)]
        assert errors == [], (dept, errors[:3])
        org = yaml.safe_load((out / "organizations" / f"{dept}.yaml").read_text(encoding="utf-8"))
        assert not list(ov.iter_errors(org)), dept
        units = {u["name"] for u in org["units"]}
        assert all(it["unit"] in units for it in doc["items"] if "unit" in it)
    assert total_items == sum(len(f.items) for f in plan.files)


@corpus
def test_corpus_reimport_is_byte_identical(corpus_import):
    plan, out = corpus_import
    before = snapshot(out)
    again = import_files(CORPUS_FILES, out_dir=out)
    assert again.outputs == {}
    assert snapshot(out) == before


@corpus
def test_corpus_special_layouts(corpus_import):
    plan, _ = corpus_import
    by_name = {Path(f.path).name: f for f in plan.files}
    fire = by_name["克拉玛依市2025年消防监督执法权责清单.xlsx"]          # 26 columns, 职权编码
    src = read_workbook(fire.path).sheets[0]
    kept = generated = 0
    for it in fire.items:
        cell = src.raw(it["provenance"]["rows"][0] - 1, 5)
        if cell and cell.strip() != "/":
            assert it["code"] == cell.strip()                           # the source's code is kept
            kept += 1
        else:                                                           # '/' in the source: a new code,
            assert it["code"][6:9] == "207"                            # with the source's department code
            generated += 1
    assert kept and generated
    forest = by_name["克拉玛依市林业和草原系统2024年地县两级权责清单指导目录.xls"]
    assert len(forest.departments) == 2                                   # city sheet and county sheet
    levels = Counter(lv for it in forest.items for lv in it.get("levels", []))
    assert levels["市级"] and levels["县级"]
    stats = by_name["2025年克拉玛依市统计局权责清单.xlsx"]                # hard-wrapped narrow cells
    assert all("\n" not in it["name"] for it in stats.items)


@corpus
def test_corpus_failed_import_leaves_output_untouched(corpus_import, tmp_path):
    _, out = corpus_import
    target = tmp_path / "lists"
    shutil.copytree(out, target)
    before = snapshot(target)
    with pytest.raises(InputError):
        import_files(CORPUS_FILES[:3] + [FIX / "truncated.xlsx"], out_dir=target)
    assert snapshot(target) == before
