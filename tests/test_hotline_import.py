"""12345 import that keeps every row: a realistic 200-row export (tests/data/hotline-12345-200.csv, made by
tests/data/make_hotline_sample.py), the same orders as an Excel workbook, department aliases, former names,
several departments in one cell, Excel serial dates, an empty 承办单位 and the row accounting."""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
import yaml

import policykit
from policykit.cli import main
from policykit.supervision.hotline import _parse_date, import_hotline, read_hotline_csv

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SAMPLE = DATA / "hotline-12345-200.csv"


def _generator():
    spec = importlib.util.spec_from_file_location("make_hotline_sample", DATA / "make_hotline_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()


@pytest.fixture(scope="module")
def repo():
    return policykit.open_repository(ROOT)


@pytest.fixture(scope="module")
def sample(repo):
    return read_hotline_csv(SAMPLE, repo)


def test_the_committed_sample_is_what_the_generator_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(GEN, "OUT", tmp_path / "again.csv")
    GEN.main()
    assert (tmp_path / "again.csv").read_bytes() == SAMPLE.read_bytes()


def test_every_row_is_imported_or_reported_with_its_reason(sample):
    exp = GEN.EXPECTED
    assert sample.rows == exp["rows"] == len(sample.imported) + len(sample.skipped)
    assert len(sample.imported) == exp["imported"]
    assert sample.skip_reasons() == exp["skipped"]
    # each skipped row has its located error, at the row's line
    errors = {p.line for p in sample.problems if p.severity == "error"}
    assert {line for line, _ in sample.skipped} <= errors
    partial = [p for p in sample.problems if p.severity == "warning" and "已略去" in p.message]
    assert len(partial) == exp["partial"]
    assert sample.accounting().startswith(f"读取 200 行：导入 {exp['imported']} 件，跳过 12 行（")
    assert f"{exp['partial']} 个承办单位无法对应、已略去" in sample.accounting()


def test_colloquial_former_and_merged_names_reach_the_right_department(sample):
    expected = {}
    for row in GEN.rows():
        expected.setdefault(row[0], row[4])        # a repeated id: the first row is the record
    by_order = {rec["order_id"]: rec for rec in sample.records}
    known = dict(GEN.DEPARTMENTS)
    checked = 0
    for order, cell in expected.items():
        rec = by_order.get(order)
        if rec is None:
            continue
        names = [n for n in cell.replace("；", ",").replace("、", ",").split(",") if n]
        want = list(dict.fromkeys(known[n] for n in names if n in known))
        assert rec["departments"] == want, (order, cell)
        checked += 1
    assert checked == GEN.EXPECTED["imported"]
    # 卫健委's name before the 机构改革, and a body merged into 市场监管局, are found
    assert any(rec["departments"] == ["wsjkw"] for o, rec in by_order.items() if "卫生和计划生育" in expected[o])
    assert any("scjgj" in rec["departments"] for o, rec in by_order.items() if "食品药品监督管理局" in expected[o])


def test_excel_serial_dates(sample):
    assert _parse_date("45352") == dt.date(2024, 3, 1)
    assert _parse_date("45352.5625") == dt.date(2024, 3, 1)
    assert _parse_date("12345") is None and _parse_date("99999") is None      # numbers, not dates
    serial_rows = [r for r in GEN.rows() if r[1].isdigit()]
    assert len(serial_rows) == GEN.EXPECTED["serial_dates"]
    by_order = {rec["order_id"]: rec for rec in sample.records}
    kept = [row for row in serial_rows if row[0] in by_order]          # a row may be skipped for another reason
    assert len(kept) >= len(serial_rows) - 2
    for row in kept:
        assert by_order[row[0]]["date"] == dt.date(1899, 12, 30) + dt.timedelta(days=int(row[1]))


def test_empty_department_cell_is_reported_not_imported_silently(repo, tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("工单编号,受理时间,诉求内容,承办单位\nA1,2025-01-02,路灯不亮,\nA2,2025-01-02,路灯不亮,城管局\n",
                   encoding="utf-8")
    result = read_hotline_csv(csv, repo)
    assert result.imported == ["RX-A2"] and result.skipped == [(2, "承办单位为空")]
    (p,) = [p for p in result.problems if p.severity == "error"]
    assert (p.line, p.column) == (2, 20) and "承办单位为空" in p.message


def _as_workbook(path: Path, *, hide: int | None = None) -> None:
    """The sample as a 12345 platform's Excel export: a title row, real date cells (serial numbers where the
    CSV has them), and optionally one hidden row."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "工单明细"
    ws.append(["明湖市12345热线工单明细（2025年）"])
    ws.append(GEN.HEADER)
    for n, row in enumerate(GEN.rows(), 1):
        cells = list(row)
        if cells[1].isdigit():
            cells[1] = int(cells[1])                       # a number cell
        elif n % 7 == 0 and len(cells[1]) == 19:
            cells[1] = dt.datetime.strptime(cells[1], "%Y-%m-%d %H:%M:%S")   # a date cell
        ws.append(cells)
    if hide is not None:
        ws.row_dimensions[hide].hidden = True
    wb.save(path)


def test_xlsx_export_gives_the_same_records_as_the_csv(repo, sample, tmp_path):
    book = tmp_path / "12345.xlsx"
    _as_workbook(book)
    result = read_hotline_csv(book, repo, batch=sample.batch)
    assert result.records == sample.records
    assert result.skip_reasons() == sample.skip_reasons() and result.rows == sample.rows
    (first,) = [p for p in result.problems if "缺少工单编号" in p.message]
    assert (first.line, first.column, first.path) == (52, 1, "工单明细!A52")       # row 50 below title and header


def test_hidden_row_of_a_workbook_is_skipped_with_its_reason(repo, tmp_path):
    book = tmp_path / "12345.xlsx"
    _as_workbook(book, hide=5)
    result = read_hotline_csv(book, repo)
    assert (5, "隐藏的行") in result.skipped
    assert result.rows == 200 and result.rows == len(result.imported) + len(result.skipped)


def test_cli_prints_the_accounting_first(tmp_path, capsys):
    out = tmp_path / "p.yaml"
    code = main(["problems", "import-hotline", str(SAMPLE), "--out", str(out), "--root", str(ROOT)])
    text = capsys.readouterr().out
    assert code == 1                                        # skipped rows are errors
    assert text.splitlines()[0].endswith("读取 200 行：导入 188 件，跳过 12 行（承办单位无法对应 4、承办单位为空 3、受理时间无效 2、"
                                          "缺少工单编号 1、工单编号重复 1、缺少诉求内容 1）；6 个承办单位无法对应、已略去（所在工单照常导入）")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert len(data["problems"]) == 188
    again = import_hotline(SAMPLE, out, policykit.open_repository(ROOT))
    assert again.written == [] or out.read_text(encoding="utf-8") == again.text   # re-import: same bytes


def test_a_merged_department_is_followed_to_its_successor_as_of_the_order_date(tmp_path):
    """机构改革: 明湖市商务局 merged into 发展改革委 on 2025-07-01 — orders before go to 商务局, after to 发改委,
    and the old 俗称 still finds it."""
    import shutil
    root = tmp_path / "city"
    shutil.copytree(ROOT / "lists", root / "lists")
    shutil.copy(ROOT / "policykit.yaml", root / "policykit.yaml")
    org = root / "lists" / "organizations" / "swj.yaml"
    org.write_text(org.read_text(encoding="utf-8").rstrip("\n") + "\naliases: [商务委]\nlifecycle:\n"
                   "- {event: 合并, date: 2025-07-01, approval: 明编办〔2025〕7号, successor: fgw}\n", encoding="utf-8")
    csv = tmp_path / "m.csv"
    csv.write_text("工单编号,受理时间,诉求内容,承办单位\nB1,2025-06-30,预付卡退费,商务委\nB2,2025-07-02,预付卡退费,商务委\n",
                   encoding="utf-8")
    result = read_hotline_csv(csv, policykit.open_repository(root))
    assert [rec["departments"] for rec in result.records] == [["swj"], ["fgw"]]
