"""Published lists of any province: each defect met in the real corpus has a small realistic file built
here, so that CI without ../shared/datasets/karamay-2024 still tests it; the corpus test at the end checks
the findings after importing and checking the 21 Karamay lists when the corpus is there."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from policykit.cli import main
from policykit.errors import InputError
from policykit.io.importers import format_json, format_text, import_files, load_config, load_mapping, plan_import
from policykit.io.importers.powers import R_HIDDEN, R_HIDDEN_SHEET
from policykit.io.importers.spreadsheet import csv_encoding, read_workbook

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "datasets" / "karamay-2024" / "lists"

HEADER = ["序号", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构", "实施层级及权限",
          "部门职责", "责任事项内容", "责任事项依据", "追责对象范围", "追责情形", "备注"]
BASIS = "【法律】《中华人民共和国城乡规划法》第四十条"


def row(n, name, category="行政许可", basis=BASIS, levels="市级", cases="不依法受理的", targets="1.具体承办人；2.分管负责人"):
    return [str(n), name, "", category, basis, "明湖市测试局", "审批科", levels, "1", "受理责任：依法受理",
            "", targets, cases, ""]


def items(plan):
    return [it for f in plan.files for it in f.items]


def city(tmp_path) -> Path:
    """A city repository: the bundled city's policykit.yaml and an empty lists folder."""
    root = tmp_path / "city"
    (root / "lists").mkdir(parents=True)
    shutil.copy(ROOT / "policykit.yaml", root / "policykit.yaml")
    return root


# --- hidden rows, columns and sheets ---------------------------------------------------------------

def test_hidden_columns_rows_and_sheets_of_an_xlsx_are_skipped_and_reported(tmp_path):
    """商务局: a hidden older copy of the last columns; 农业: hidden template rows; a hidden sheet."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "清单"
    ws.append(["明湖市测试局权责清单"])
    ws.append(HEADER[:11] + ["追责对象范围", "追责情形", "追责对象范围", "追责情形"])
    first = row(1, "建设工程规划许可")[:11]
    ws.append(first + ["旧：承办人", "旧版追责情形", "1.具体承办人", "不依法受理的"])
    ws.append(["", "自治区住房和城乡建设厅（模板行）", "", "行政许可", BASIS, "自治区住房和城乡建设厅", "处室", "自治区级",
               "", "", "", "", "", "", ""])
    ws.append(row(2, "乡村建设规划许可")[:11] + ["旧：承办人", "旧版追责情形", "1.具体承办人", "不依法受理的"])
    for col in ("L", "M"):
        ws.column_dimensions[col].hidden = True
    ws.row_dimensions[4].hidden = True
    old = wb.create_sheet("旧版")
    old.append(HEADER)
    old.append(row(1, "已取消的旧事项"))
    old.sheet_state = "hidden"
    path = tmp_path / "商务局.xlsx"
    wb.save(path)

    sheet = read_workbook(path).sheets[0]
    assert sheet.hidden_cols == {11, 12} and sheet.hidden_rows == {3}
    plan = plan_import([path], out_dir=tmp_path / "lists")
    got = items(plan)
    assert [it["name"] for it in got] == ["建设工程规划许可", "乡村建设规划许可"]     # no template, no hidden sheet
    assert all(it["accountability_cases"] == ["不依法受理的"] for it in got)        # the visible column
    assert all("旧" not in json.dumps(it, ensure_ascii=False) for it in got)          # hidden text not kept either
    fates = {(f.sheet, f.row): f for f in plan.files[0].fates}
    assert fates[("清单", 4)].reason == R_HIDDEN
    assert {f.reason for (s, _), f in fates.items() if s == "旧版"} == {R_HIDDEN_SHEET}
    hidden = [p for p in plan.problems if p.rule == "IMPORT-HIDDEN"]
    assert {p.path for p in hidden} == {"清单!L2", "清单!M2", "清单!A4", "旧版!A1"}


def test_hidden_rows_and_columns_of_an_xls_are_skipped(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("行政征收")
    for c, h in enumerate(HEADER):
        ws.write(0, c, h)
    template = row(1, "对渔业资源增殖保护费的征收", category="行政征收")
    template[5] = "自治区农业农村厅"
    real = row(1, "对渔业资源增殖保护费的征收", category="行政征收")
    for r, values in ((1, template), (2, real)):
        for c, v in enumerate(values):
            ws.write(r, c, v)
    ws.row(1).hidden = True
    ws.write(2, 14, "内部备注")
    ws.col(14).hidden = True
    hidden = wb.add_sheet("模板")
    hidden.write(0, 0, "说明")
    hidden.visibility = 1
    path = tmp_path / "农业.xls"
    wb.save(str(path))
    plan = plan_import([path], out_dir=tmp_path / "lists")
    (item,) = items(plan)                                    # the hidden template row is not a duplicate
    assert "source_text" not in item
    assert read_workbook(path).sheets[1].hidden


# --- other layouts ------------------------------------------------------------------------------

def test_two_row_header_with_provincial_and_national_column_names(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "权力基本码", "主项名称", "子项", "事项类别", "设定依据", "责任处(科)室", "行使层级", "追责", None,
               "责任事项", None])
    ws.append([None, None, None, None, None, None, None, None, "追责对象", "追责情形", "内容", "依据"])
    for rng in ("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:F2", "G1:G2", "H1:H2", "I1:J1", "K1:L1"):
        ws.merge_cells(rng)
    ws.append(["1", "000101001000", "建设工程规划许可", "新建项目", "01", BASIS, "规划科", "市级", "承办人", "不依法受理的",
               "受理责任：依法受理", BASIS])
    path = tmp_path / "省级目录.xlsx"
    wb.save(path)
    root = city(tmp_path)
    plan = plan_import([path], out_dir=root / "lists", config=load_config(root))
    sr = plan.files[0].sheets[0]
    assert sr.header_row == 1 and sr.header_rows == 2
    (it,) = items(plan)
    assert it["catalog_code"] == "000101001000" and it["sub_name"] == "新建项目" and it["unit"] == "规划科"
    assert it["category"] == "行政许可"                      # 01 is 行政许可 by policykit.yaml's number
    assert it["accountability_targets"] == ["承办人"] and it["accountability_cases"] == ["不依法受理的"]
    assert it["responsibilities"] == ["受理责任：依法受理"] and it["levels"] == ["市级"]
    assert not [p for p in plan.problems if p.severity == "error"]


def test_a_file_without_a_recognised_header_is_an_error_exit_2(tmp_path, capsys):
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["编号", "清单条目", "分类"])
    wb.active.append(["1", "某事项", "检查"])
    path = tmp_path / "不认识的表.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match="IMPORT-NO-ITEMS"):
        plan_import([path], out_dir=tmp_path / "lists")
    root = city(tmp_path)
    assert main(["import", str(path), "--out", str(root / "lists")]) == 2
    err = capsys.readouterr().err
    assert "IMPORT-NO-ITEMS" in err and "表头" in err and "Traceback" not in err
    assert not (root / "lists" / "powers").exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_csv_encoding_is_detected_by_content(tmp_path, encoding):
    text = "\r\n".join(",".join(r) for r in [HEADER, row(1, "建设工程规划许可"), row(2, "对违法建设的处罚", "行政处罚")])
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    plan = plan_import([path], out_dir=tmp_path / "lists")
    assert [it["name"] for it in items(plan)] == ["建设工程规划许可", "对违法建设的处罚"]


def test_csv_with_mixed_encodings_is_refused_at_its_line(tmp_path):
    lines = [",".join(HEADER).encode("utf-8")] + [",".join(row(n, "建设工程规划许可")).encode("utf-8") for n in range(1, 3000)]
    lines.append(",".join(row(3000, "对违法建设的处罚")).encode("gb18030"))
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\r\n".join(lines))
    assert csv_encoding(path.read_bytes()) == "utf-8"
    with pytest.raises(InputError, match=r"IMPORT-ENCODING\] 第 3001 行"):
        plan_import([path], out_dir=tmp_path / "lists")


# --- nothing discarded ----------------------------------------------------------------------------

def test_unreadable_basis_is_kept_and_named_at_its_cell_in_every_report(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "附表1"
    ws.append(HEADER)
    typo = "【行政法规】（禁止使用童工规定》（2002年10月1日国务院令第364号公布）第六条 用人单位使用童工的……"
    ws.append(row(1, "对使用童工的处罚", "行政处罚", basis=typo))
    ws.append(row(2, "对拒不改正的处罚", "行政处罚", basis="根据2017年3月1日国务院令第676号"))
    ws.append(row(3, "公共机构节能监督检查", "行政检查", levels="负责市本级公共机构节能监督检查工作"))
    path = tmp_path / "人社局.xlsx"
    wb.save(path)
    plan = plan_import([path], out_dir=tmp_path / "lists")
    child, other, energy = items(plan)
    assert child["legal_basis"][0]["title"] == "禁止使用童工规定" and child["legal_basis"][0]["article"] == "第六条"
    assert child["source_text"]["实施依据"] == typo                 # the cell as written, beside the parsed parts
    assert other["legal_basis"] == [] and other["source_text"]["实施依据"] == "根据2017年3月1日国务院令第676号"
    assert energy["levels"] == ["市级"]
    assert energy["source_text"]["实施层级及权限"] == "负责市本级公共机构节能监督检查工作"
    text = format_text(plan)                                          # without -v
    assert "人社局.xlsx!附表1!E2 警告 IMPORT-BASIS-TITLE" in text
    assert "人社局.xlsx!附表1!E3 警告 IMPORT-BASIS-TITLE" in text
    cells = {p["cell"] for f in json.loads(format_json(plan))["files"] for p in f["problems"]
             if p["rule"] == "IMPORT-BASIS-TITLE"}
    assert cells == {"人社局.xlsx!附表1!E2", "人社局.xlsx!附表1!E3"}


def test_own_level_words_follow_the_mapping(tmp_path):
    m = tmp_path / "county.yaml"
    m.write_text("own_level: 县级\n", encoding="utf-8")
    assert load_mapping().levels_from_text("负责本行政区域档案工作监督检查") == ["市级"]
    assert load_mapping(m).levels_from_text("负责本行政区域档案工作监督检查") == ["县级"]
    assert load_mapping().levels_from_text("指导县（市、区）开展工作") == ["县级"]
    assert load_mapping().levels_from_text("会同有关部门建立制度") == []


# --- a layout without 追责对象 / 实施层级 columns: said once by check --------------------------------

def test_a_layout_without_targets_and_levels_columns_is_reported_once_per_list(tmp_path, capsys):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "事项名称", "权力类型", "实施依据", "承办机构", "责任事项内容", "追责情形", "部门职责"])
    for n in range(1, 6):
        ws.append([str(n), f"消防监督检查{n}", "行政检查", "【法律】《中华人民共和国消防法》第五十三条", "防火监督科",
                   "检查责任：依法检查", "对应当检查而未检查的", "1"])
    path = tmp_path / "消防.xlsx"
    wb.save(path)
    root = city(tmp_path)
    plan = import_files([path], out_dir=root / "lists", config=load_config(root))
    missing = [p for p in plan.problems if p.rule == "IMPORT-COLUMN-MISSING"]
    assert len(missing) == 2                                           # once each, not once per item
    doc = yaml.safe_load(next((root / "lists" / "powers").glob("*.yaml")).read_text(encoding="utf-8"))
    assert all(it["provenance"]["absent"] == ["accountability_targets", "levels"] for it in doc["items"])
    code = main(["check", str(root), "-q", "-f", "json"])
    found = Counter(p["rule"] for p in json.loads(capsys.readouterr().out)["problems"])
    assert code == 1 and found["PWR-SOURCE-COLUMNS"] == 1
    assert found["PWR-ACCOUNTABILITY-TARGETS"] == 0 and found["PWR-LEVELS"] == 0


# --- the real corpus ------------------------------------------------------------------------------

@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/datasets/karamay-2024 不存在 (corpus absent)")
def test_karamay_corpus_after_import_and_check(tmp_path, capsys):
    root = tmp_path / "karamay"
    (root / "lists").mkdir(parents=True)
    config = (ROOT / "policykit.yaml").read_text(encoding="utf-8")
    (root / "policykit.yaml").write_text(config.replace('region_code: "370199"', 'region_code: "650200"'),
                                         encoding="utf-8")
    files = sorted(CORPUS.iterdir())
    plan = import_files(files, out_dir=root / "lists", config=load_config(root))
    by_name = {Path(f.path).name: f for f in plan.files}
    commerce = by_name["克拉玛依市商务局2024年权责清单.xlsx"]
    assert {p.path for p in commerce.problems if p.rule == "IMPORT-HIDDEN"} >= {"1!L2", "1!M2", "1!N2"}
    agri = by_name["2024年市农业农村局权责清单.xls"]
    assert sum(f.reason == R_HIDDEN for f in agri.fates) == 2
    people = by_name["克拉玛依市人力资源和社会保障局2024年权责清单.xls"]
    assert any(b["title"] == "禁止使用童工规定" for it in people.items for b in it["legal_basis"])
    assert main(["check", str(root), "-q", "-f", "json"]) == 1
    found = Counter(p["rule"] for p in json.loads(capsys.readouterr().out)["problems"])
    assert found["X-OVERLAP-NAME"] <= 2                       # was 290: the 地县两级 forestry catalogue
    assert found["PWR-SOURCE-COLUMNS"] == 3                   # 消防 (both columns), 医保, 财政 (levels)
    assert found["PWR-ACCOUNTABILITY-TARGETS"] <= 3 and found["PWR-LEVELS"] <= 5
    assert found["PWR-BASIS-ARTICLE"] <= 90                   # was 109: 第N项 of a 决定 or 目录 is precise
    assert found["PWR-BASIS-PRESENT"] <= 2


def test_a_cell_naming_several_units_is_kept_as_written(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    r = row(1, "建设工程规划许可")
    r[6] = "规划科、执法支队"
    ws.append(r)
    path = tmp_path / "units.xlsx"
    wb.save(path)
    (it,) = items(plan_import([path], out_dir=tmp_path / "lists"))
    assert it["unit"] == "规划科" and it["source_text"] == {"承办机构": "规划科、执法支队"}


def test_a_subject_other_than_the_department_is_kept(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(row(1, "建设工程规划许可"))
    ws.append(row(2, "乡村建设规划许可"))
    other = row(3, "对违法建设的处罚", "行政处罚")
    other[5] = "自治区住房和城乡建设厅"
    ws.append(other)
    path = tmp_path / "subjects.xlsx"
    wb.save(path)
    first, second, third = items(plan_import([path], out_dir=tmp_path / "lists"))
    assert "source_text" not in first and "source_text" not in second
    assert third["source_text"] == {"行使主体": "自治区住房和城乡建设厅"}
