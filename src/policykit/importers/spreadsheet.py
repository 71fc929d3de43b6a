"""Read spreadsheets into plain grids of text, whatever the file is called.

The format is decided by the first bytes, never by the name: published lists are often
``.xlsx``-named OLE ``.xls`` files. Every value becomes ``str`` (or ``None`` for blank) the way a
person reads it in Excel: ``1.0`` → ``"1"``, dates → ``2024-03-01``. Merged ranges are kept as
ranges; :meth:`Sheet.origin` tells whether a cell is the top-left of a merge or covered by one.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"

FORMATS = ("xls", "xlsx", "csv")


@dataclass(frozen=True)
class Sheet:
    """One worksheet: ``cells[r][c]`` (0-based) and merged ranges ``(r0, r1, c0, c1)`` half-open."""

    name: str
    cells: tuple            # tuple of tuples of str | None, trailing blank rows/columns trimmed
    merged: tuple = ()      # ((r0, r1, c0, c1), ...)
    _origins: dict = field(default_factory=dict, compare=False, repr=False)
    _ranges: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        origins, ranges = {}, {}
        for rng in self.merged:
            r0, r1, c0, c1 = rng
            ranges[(r0, c0)] = rng
            for r in range(r0, r1):
                for c in range(c0, c1):
                    origins[(r, c)] = (r0, c0)
        object.__setattr__(self, "_origins", origins)
        object.__setattr__(self, "_ranges", ranges)

    @property
    def nrows(self) -> int:
        return len(self.cells)

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    def raw(self, r: int, c: int):
        """The value stored in the cell itself (a covered cell of a merge is blank)."""
        if r < len(self.cells) and c < len(self.cells[r]):
            return self.cells[r][c]
        return None

    def origin(self, r: int, c: int) -> tuple[int, int]:
        """Top-left cell of the merge covering ``(r, c)``, or ``(r, c)`` itself."""
        return self._origins.get((r, c), (r, c))

    def merge_of(self, r: int, c: int):
        """The merged range ``(r0, r1, c0, c1)`` covering ``(r, c)``, or None."""
        o = self._origins.get((r, c))
        return self._ranges.get(o) if o else None

    def value(self, r: int, c: int):
        """The value a reader sees: a covered cell shows its merge's top-left value."""
        return self.raw(*self.origin(r, c))


@dataclass(frozen=True)
class Workbook:
    path: str
    format: str             # xls | xlsx | csv
    sheets: tuple
    notes: tuple = ()       # things the reader could not do, e.g. merged cells unavailable


def detect_format(data: bytes) -> str | None:
    """``xls`` (OLE2), ``xlsx`` (zip with xl/workbook.xml), ``csv`` (UTF-8 text) or ``None``."""
    if data.startswith(OLE_MAGIC):
        return "xls"
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    head = data[:4096]
    if head.startswith(UTF8_BOM):
        return "csv"
    if b"\x00" in head or not head.strip():
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:       # not just a character cut at the 4096-byte boundary
            return None
        text = head[:exc.start].decode("utf-8")
    if "," in text or "\t" in text:
        return "csv"
    return None


def read_workbook(path) -> Workbook:
    """Read ``path``; raise :class:`InputError` (never a traceback) when it cannot be read at all."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"文件不存在 (no such file): {path}") from None
    except IsADirectoryError:
        raise InputError(f"是目录而不是文件 (is a directory): {path}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 (cannot read): {path}: {exc.strerror or exc}") from None
    fmt = detect_format(data)
    if fmt is None:
        raise InputError(f"不是电子表格 (not a spreadsheet: no OLE/xlsx signature, not UTF-8 CSV): {path}",
                         hint="支持 .xls（OLE）、.xlsx 和 UTF-8 CSV；按文件内容识别格式，与扩展名无关。")
    reader = {"xls": _read_xls, "xlsx": _read_xlsx, "csv": _read_csv}[fmt]
    try:
        sheets, notes = reader(data)
        if fmt == "csv":
            sheets = [Sheet(path.stem, s.cells, s.merged) for s in sheets]
    except InputError:
        raise
    except Exception as exc:  # xlrd/openpyxl raise many kinds for damaged files
        kind = {"xls": "OLE .xls", "xlsx": ".xlsx", "csv": "CSV"}[fmt]
        raise InputError(f"{kind} 文件已损坏或无法解析 (damaged or unreadable {kind} file): {path}: "
                         f"{type(exc).__name__}: {exc}",
                         hint="文件可能被截断、加密或不是真正的电子表格；请用 Excel/WPS 打开后另存再导入。") from None
    return Workbook(str(path), fmt, tuple(sheets), tuple(notes))


# --- values ------------------------------------------------------------------------------------

def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    return text if text.strip() else None


def _trim(rows: list[list]) -> tuple:
    """Drop trailing blank rows and columns (blank = None)."""
    last_row = -1
    last_col = -1
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                last_row = r
                last_col = max(last_col, c)
    return tuple(tuple(row[:last_col + 1]) + (None,) * max(0, last_col + 1 - len(row))
                 for row in rows[:last_row + 1])


def _clip_merges(merged, nrows, ncols) -> tuple:
    out = []
    for r0, r1, c0, c1 in merged:
        r1, c1 = min(r1, nrows), min(c1, ncols)
        if r0 < r1 and c0 < c1 and (r1 - r0) * (c1 - c0) > 1:
            out.append((r0, r1, c0, c1))
    return tuple(sorted(set(out)))


# --- readers -----------------------------------------------------------------------------------

def _read_xls(data: bytes):
    import xlrd
    notes = []
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except NotImplementedError:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        notes.append("无法读取合并单元格信息 (merged cells unavailable for this .xls)")
    except xlrd.XLRDError as exc:
        if "formatting" in str(exc).lower():
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
            notes.append("无法读取合并单元格信息 (merged cells unavailable for this .xls)")
        else:
            raise
    sheets = []
    try:
        for idx in range(book.nsheets):
            sh = book.get_sheet(idx)
            rows = []
            for r in range(sh.nrows):
                row = []
                for c in range(sh.ncols):
                    cell = sh.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            v = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
                        except Exception:
                            v = cell.value
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        v = None
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        v = bool(cell.value)
                    else:
                        v = cell.value
                    row.append(_text(v))
                rows.append(row)
            cells = _trim(rows)
            ncols = max((len(r) for r in cells), default=0)
            merged = _clip_merges(getattr(sh, "merged_cells", ()) or (), len(cells), ncols)
            sheets.append(Sheet(sh.name, cells, merged))
            book.unload_sheet(idx)
    finally:
        book.release_resources()
    return sheets, notes


def _read_xlsx(data: bytes):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile as exc:
        raise InputError(f"zip 结构损坏 (damaged zip container): {exc}") from None
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        raise InputError("zip 文件不是 Excel 工作簿 (zip file is not an Excel workbook: no xl/workbook.xml)")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except InvalidFileException as exc:
        raise InputError(f"不是有效的 .xlsx (invalid .xlsx): {exc}") from None
    sheets = []
    for ws in book.worksheets:
        rows = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        cells = _trim(rows)
        ncols = max((len(r) for r in cells), default=0)
        merged = [(m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append(Sheet(ws.title, cells, _clip_merges(merged, len(cells), ncols)))
    book.close()
    return sheets, []


def _read_csv(data: bytes):
    text = data.decode("utf-8-sig")
    dialect = csv.excel_tab if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else csv.excel
    rows = [[_text(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    return [Sheet("CSV", _trim(rows), ())], []
