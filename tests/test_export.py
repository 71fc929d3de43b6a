"""Export to the published layout (xlsx, CSV) and export → import round trips."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml

from policykit.cli import main
from policykit.errors import InputError, UsageError
from policykit.io.exporters import PUBLISHED_COLUMNS, export_powers
from policykit.io.importers import import_files, read_workbook
from policykit.io.writing import dump_yaml

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "spreadsheets"
BASE_LISTS = ROOT / "rules" / "_base" / "lists"
CORPUS = ROOT.parent / "shared" / "datasets" / "karamay-2024" / "lists"

CUSTOMARY = ["序号", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构", "实施层级及权限", "部门职责",
             "责任事项内容", "责任事项依据", "追责对象范围", "追责情形", "救济渠道", "备注"]

# a hand-written list using every field the layout carries, in the data format's own style
HAND = {
    "organizations/csj.yaml": {"id": "csj", "code": "301", "name": "明湖市测试局", "short_name": "测试局",
                               "units": [{"name": "一科"}, {"name": "二科"}]},
    "powers/csj.yaml": {"department": "csj", "items": [
        {"code": "370199301XK00100", "name": "某项许可", "sub_name": "新办", "category": "行政许可",
         "legal_basis": [
             {"level": "法律", "title": "中华人民共和国某法", "article": "第三十五条第一款", "text": "国家实行许可制度。"},
             {"level": "地方性法规", "title": "明湖市某条例", "article": "第十条"}],
         "unit": "一科", "levels": ["市级", "县级"], "sanding_duty": 2,
         "responsibilities": ["受理责任：依法受理申请", "审查责任：审查申请材料"],
         "responsibility_basis": ["【法律】《中华人民共和国行政许可法》第三十条"],
         "accountability_targets": ["承办人员", "分管负责人"],
         "accountability_cases": ["对符合法定条件的申请不予受理的"],
         "power_source": "上级委托", "source_document": "明政发〔2024〕1号", "delegator": "省测试厅",
         "co_departments": ["gaj"], "catalog_code": "XK-0001", "impl_code": "S-01",
         "supervision_items": ["JG-001", "JG-002"], "status": "暂停", "remedy": "行政复议或行政诉讼",
         "phone": "0531-12345", "integrity_risks": ["违规审批"], "remark": "多行备注\n第二行"},
        {"code": "370199301CF00100", "name": "对某违法行为的处罚", "category": "行政处罚",
         "legal_basis": [{"level": "法律", "title": "中华人民共和国某法", "article": "第九十条"}],
         "unit": "二科", "responsibilities": ["立案责任：及时立案"], "accountability_targets": ["执法人员"],
         "accountability_cases": ["不予处罚的"], "power_source": "法定本级行使", "status": "在用",
         "provenance": {"file": "原表.xls", "sheet": "Sheet1", "rows": [3, 4, 5, 9]}},
    ]},
}


def write_lists(root: Path, files: dict) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(dump_yaml(data), encoding="utf-8")
    return root


def powers(lists: Path) -> dict:
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((lists / "powers").glob("*.yaml"))}


def snapshot(directory: Path) -> dict:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def hand(tmp_path):
    return write_lists(tmp_path / "lists", HAND)


def test_xlsx_layout(hand, tmp_path):
    out = tmp_path / "out.xlsx"
    export_powers(hand, out)
    wb = read_workbook(out)
    assert [s.name for s in wb.sheets] == ["测试局"]
    sheet = wb.sheets[0]
    assert sheet.raw(0, 0) == "明湖市测试局权责清单" and sheet.merge_of(0, 3) is not None   # title row
    header = [sheet.raw(1, c) for c in range(sheet.ncols)]
    assert header[:len(PUBLISHED_COLUMNS)] == list(PUBLISHED_COLUMNS)
    assert [h for h in header if h != "事项编码"][:15] == CUSTOMARY               # the customary 15 + 事项编码
    assert "来源" in header and "状态" in header and "权力来源" in header
    row = {header[c]: sheet.raw(2, c) for c in range(sheet.ncols)}
    assert row["事项编码"] == "370199301XK00100" and row["行使主体"] == "明湖市测试局"
    assert row["实施依据"].startswith("【法律】《中华人民共和国某法》第三十五条第一款")
    assert row["实施层级及权限"] == "市级、县级" and row["部门职责"] == "2"
    assert row["追责对象范围"] == "1.承办人员；\n2.分管负责人"
    assert sheet.raw(3, header.index("来源")) == "原表.xls › Sheet1 › 行 3-5,9"


def test_csv_layout(hand, tmp_path):
    out = tmp_path / "csv"
    written = export_powers(hand, out, fmt="csv")
    assert written == [out / "csj.csv"]
    data = (out / "csj.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:16] == list(PUBLISHED_COLUMNS) and len(rows) == 3
    assert rows[1][2] == "某项许可" and rows[1][-1] == ""


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_hand_written_list(hand, tmp_path, fmt):
    before = snapshot(hand)
    out = tmp_path / ("out.xlsx" if fmt == "xlsx" else "csv")
    files = export_powers(hand, out, fmt=fmt)
    plan = import_files(files, out_dir=hand)
    assert plan.outputs == {}                       # nothing to change: the same YAML
    assert snapshot(hand) == before
    fresh = tmp_path / "fresh" / "lists"            # into an empty repository: same items, same codes
    import_files(files, out_dir=fresh, department="csj")
    assert powers(fresh) == powers(hand)


def test_round_trip_imported_fixture(tmp_path):
    lists = tmp_path / "lists"
    import_files([FIX / "titled.xlsx"], out_dir=lists)
    before = snapshot(lists)
    for fmt, out in (("xlsx", tmp_path / "e.xlsx"), ("csv", tmp_path / "csv")):
        files = export_powers(lists, out, fmt=fmt)
        assert import_files(files, out_dir=lists).outputs == {}
        assert snapshot(lists) == before
        fresh = tmp_path / f"fresh-{fmt}" / "lists"
        import_files(files, out_dir=fresh)
        assert powers(fresh) == powers(lists)


@pytest.mark.skipif(not BASE_LISTS.is_dir(), reason="rules/_base/lists 不存在")
def test_round_trip_bundled_lists(tmp_path):
    lists = tmp_path / "lists"
    shutil.copytree(BASE_LISTS, lists)
    before = snapshot(lists)
    files = export_powers(lists, tmp_path / "base.xlsx")
    plan = import_files(files, out_dir=lists)
    assert plan.outputs == {} and snapshot(lists) == before


def test_export_errors(tmp_path, hand):
    with pytest.raises(InputError):
        export_powers(tmp_path / "nowhere", tmp_path / "x.xlsx")
    with pytest.raises(UsageError):
        export_powers(hand, tmp_path / "x.xlsx", layout="other")
    with pytest.raises(UsageError):
        export_powers(hand, tmp_path / "x.xlsx", departments=["nope"])


def test_cli_export(hand, tmp_path, capsys):
    assert main(["export", "--lists", str(hand), "--out", str(tmp_path / "a.xlsx")]) == 0
    assert (tmp_path / "a.xlsx").is_file()
    assert main(["export", "--lists", str(hand), "--out", str(tmp_path / "c"), "--format", "csv"]) == 0
    assert (tmp_path / "c" / "csj.csv").is_file()
    assert main(["export", "--lists", str(tmp_path / "none"), "--out", str(tmp_path / "b.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "找不到" in err


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/datasets/karamay-2024 不存在 (corpus absent)")
def test_round_trip_corpus(tmp_path):
    lists = tmp_path / "lists"
    import_files(sorted(CORPUS.iterdir()), out_dir=lists)
    before = powers(lists)
    files = export_powers(lists, tmp_path / "all.xlsx")
    fresh = tmp_path / "fresh" / "lists"
    import_files(files, out_dir=fresh)
    assert powers(fresh) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_sample_city_without_a_change(tmp_path, fmt):
    lists = tmp_path / "lists"
    shutil.copytree(ROOT / "lists", lists)
    before = snapshot(lists)
    out = tmp_path / "city.xlsx" if fmt == "xlsx" else tmp_path / "csv"
    files = export_powers(lists, out, fmt=fmt)
    plan = import_files(files, out_dir=lists)
    assert plan.outputs == {} and snapshot(lists) == before
    assert len(powers(lists)) == len(list((ROOT / "lists" / "powers").glob("*.yaml"))) >= 13
