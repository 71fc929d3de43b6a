"""Fuzzing the importer with real spreadsheets (xlsx written by openpyxl, CSV) built by hypothesis.

Random headers (real ones and noise), title rows, merged cells, blank rows, odd types (numbers, NaN,
booleans, dates, formulas), CJK, control characters, long cells; and damaged bytes of a real file.
Whatever arrives, the importer answers with items and located problems (``file:row:column`` and
``sheet!A1``), or one :class:`InputError` for a file it cannot read at all — never a traceback — and
every source row is accounted for exactly once. What it would write is YAML the policykit loader
accepts without a single problem. Budget: see ``fuzz_settings`` in tests/test_fuzz.py.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from pathlib import Path

from hypothesis import given, strategies as st

from policykit.errors import InputError
from policykit.io.importers import ImportLimits, plan_import
from policykit.lists.loader import parse_text
from test_fuzz import fuzz_settings

FIX = Path(__file__).resolve().parent / "fixtures" / "spreadsheets"
HEADERS = ["序号", "事项名称", "子项名称", "权力类型", "职权类别", "实施依据", "设定依据", "行使主体", "实施主体", "承办机构",
           "实施层级", "责任事项", "责任事项内容", "追责对象范围", "追责情形", "备注", "事项编码", "行使\n层级", "来源",
           "", None, "杂项", "Name"]
WORDS = ["行政许可", "行政处罚", "行政强制", "行政检查", "行政确认", "其他", "某局", "一科", "市级、县级", "【法律】《中华人民共和国某法》第一条",
         "受理责任：受理\n审查责任：审查", "注：本表仅供参考", "合计", "承办人员", "370199101XK00100", "=SUM(A1:A3)", "=1/0",
         "来源: a.xlsx / 表1 / 第3行", "  ", "\t", "\n", "第一条第二款", "（一）", "１２３", "\u3000事项\u3000"]
CELL = st.one_of(
    st.none(), st.sampled_from(WORDS), st.text(max_size=12),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), max_size=10),
    st.text(alphabet=st.sampled_from("\x00\x01\x07\x0b\x0c\x1b\x7f\x85\u2028\ufeff\ufffe\r\n\t a测"), max_size=6),
    st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)),
    st.sampled_from(["长" * 70_000, "x" * 5000]),
)


@st.composite
def grids(draw):
    ncols = draw(st.integers(1, 8))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=ncols, max_size=ncols))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=ncols + 1), max_size=12))
    title = draw(st.lists(st.sampled_from(["某市某局权责清单", None, ""]), max_size=2))
    grid = [[t] for t in title] + [header] + rows
    height, width = len(grid), max(len(r) for r in grid)
    merges = []
    for _ in range(draw(st.integers(0, 3))):
        r0, c0 = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
        r1, c1 = draw(st.integers(r0, min(height - 1, r0 + 4))), draw(st.integers(c0, min(width - 1, c0 + 3)))
        if (r1, c1) != (r0, c0) and all(r1 < a or r0 > b or c1 < c or c0 > d for a, b, c, d in merges):
            merges.append((r0, r1, c0, c1))
    sheet = draw(st.sampled_from(["行政许可", "Sheet1", "清单 (2)", "表'1", "其他行政权力"]))
    return sheet, grid, merges


def write_xlsx(path: Path, sheets) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    wb = Workbook()
    wb.remove(wb.active)
    used = set()
    for name, grid, merges in sheets:
        title = name if name not in used else f"{name}{len(used)}"
        used.add(title)
        ws = wb.create_sheet(title)
        for r, row in enumerate(grid, 1):
            for c, v in enumerate(row, 1):
                if isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("", v)        # Excel itself cannot store these
                    v = "".join(ch for ch in v if not 0xD800 <= ord(ch) <= 0xDFFF and ch not in "\ufffe\uffff")
                if isinstance(v, float) and v != v:
                    v = None                                    # NaN is not a cell value in xlsx
                ws.cell(r, c).value = v
        for r0, r1, c0, c1 in merges:
            ws.merge_cells(start_row=r0 + 1, end_row=r1 + 1, start_column=c0 + 1, end_column=c1 + 1)
    wb.save(path)


def write_csv(path: Path, grid) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    for row in grid:
        w.writerow(["" if v is None else str(v) for v in row])
    text = buf.getvalue().encode("utf-8", "replace")
    path.write_bytes(b"\xef\xbb\xbf" + text)


LOCATION = re.compile(r"^.+!(?:[A-Z]{1,3})\d+$")


def check_plan(plan, paths):
    assert len(plan.files) == len(paths)
    for fr in plan.files:
        for sr in fr.sheets:
            rows = sorted(f.row for f in sr.fates)
            assert rows == list(range(1, sr.rows + 1)), f"{sr.name}: rows not accounted for exactly once"
            for f in sr.fates:
                assert f.fate in ("imported", "merged", "skipped") and (f.fate != "skipped" or f.reason)
        for p in fr.problems:
            assert p.file == fr.path and p.line >= 1 and p.column >= 1 and p.rule.startswith("IMPORT-")
            assert p.message and any("\u4e00" <= ch <= "\u9fff" for ch in p.message[:12])
            assert p.path == "" or LOCATION.match(p.path), p.path
        assert sum(1 for f in fr.fates if f.fate == "imported") == len(fr.items)
    for path, text in plan.outputs.items():        # what would be written loads cleanly
        doc = parse_text(text, f"lists/{Path(path).parent.name}/{Path(path).name}")
        assert doc.problems == [], (path, doc.problems[:3])
        assert isinstance(doc.data, dict)


def run_import(paths, out):
    try:
        plan = plan_import(paths, out_dir=out, limits=ImportLimits())
    except InputError as exc:
        assert exc.message and "Traceback" not in exc.message
        return None
    check_plan(plan, paths)
    return plan


@fuzz_settings(40)
@given(sheets=st.lists(grids(), min_size=1, max_size=3), department=st.sampled_from([None, "csj"]))
def test_importer_on_generated_xlsx(sheets, department):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "清单.xlsx"
        write_xlsx(path, sheets)
        try:
            plan = plan_import([path], out_dir=Path(tmp) / "lists", department=department, limits=ImportLimits())
        except InputError as exc:       # a file that yields no item is refused, saying why (exit 2)
            assert "IMPORT-NO-ITEMS" in exc.message and "Traceback" not in exc.message
            return
        check_plan(plan, [path])
        fr = plan.files[0]
        assert len(fr.sheets) == len(sheets)


@fuzz_settings(40)
@given(sheet=grids())
def test_importer_on_generated_csv(sheet):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "清单.csv"
        write_csv(path, sheet[1])
        plan = run_import([path], Path(tmp) / "lists")
        if plan is not None:
            # the long cells of the generator are reported where they are, never silently cut
            long_cells = [p for p in plan.files[0].problems if p.rule == "IMPORT-LIMIT"]
            expected = sum(1 for row in sheet[1] for v in row if isinstance(v, str) and len(v.strip()) > 60_000)
            assert len(long_cells) == expected


@fuzz_settings(40)
@given(cuts=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8)), min_size=1, max_size=4),
       source=st.sampled_from(["titled.xlsx", "legacy.xls", "ole-named.xlsx"]), truncate=st.booleans())
def test_importer_on_damaged_bytes(cuts, source, truncate):
    data = bytearray((FIX / source).read_bytes())
    for where, junk in cuts:
        i = int(where * (len(data) - 1))
        data[i:i + len(junk)] = junk
    if truncate:
        data = data[:int(cuts[0][0] * len(data))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / source
        path.write_bytes(bytes(data))
        run_import([path], Path(tmp) / "lists")
