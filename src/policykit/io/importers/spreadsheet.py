"""Read spreadsheets into plain grids of text, whatever the file is called.

The format is decided by the first bytes, never by the name: published lists are often
``.xlsx``-named OLE ``.xls`` files. Every value becomes ``str`` (or ``None`` for blank) the way a
person reads it in Excel: ``1.0`` → ``"1"``, dates → ``2024-03-01``. Merged ranges are kept as
ranges; :meth:`Sheet.origin` tells whether a cell is the top-left of a merge or covered by one.

Hostile or broken files are bounded by :class:`ImportLimits` (file size, unzipped size, rows per
sheet, cells per file, characters per cell; configurable with ``POLICYKIT_IMPORT_MAX_*`` or the
``import`` options, see docs/import.md) and end in an :class:`InputError` that names the file, the
sheet and the problem id (``IMPORT-LIMIT``, ``IMPORT-ENCRYPTED``, ``IMPORT-DAMAGED``,
``IMPORT-ENCODING``) — never a traceback. A cell longer than the limit is left out and reported at
its position (``Sheet.oversize``).

Formulas are never evaluated: a formula cell reads as the value the program that saved the file
stored with it (``data_only``); one without such a value is left out and reported at its position
(``Sheet.formulas``). An .xlsx is streamed one row at a time, counting rows and cells as it goes;
merged ranges stay ranges, clipped to the cells the sheet really has. In a CSV the protective
``'`` that ``policykit export`` puts before ``= + - @``, tab or CR (``policykit.io.cells``) is removed.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
import zipfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ..cells import from_csv_text
from ...errors import InputError, UsageError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_LE_BOM, UTF16_BE_BOM = b"\xff\xfe", b"\xfe\xff"

FORMATS = ("xls", "xlsx", "csv")
# control characters (C0 but tab and line ends, DEL, C1), bidirectional controls and non-characters:
# the list loader refuses them (they can rewrite what a terminal or a CI log shows), so they are dropped
_CONTROL = re.compile("[\x00-\x08\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on what one imported spreadsheet may cost (time and memory). Exceeding one is an
    ``IMPORT-LIMIT`` error naming the file (and sheet); a too-long cell is a located problem."""

    max_file_bytes: int = 64 * 1024 * 1024          # the file as given
    max_unzipped_bytes: int = 256 * 1024 * 1024     # xlsx: all zip members, uncompressed
    max_rows: int = 100_000                          # rows per sheet (up to the last non-blank cell)
    max_cells: int = 2_000_000                       # rows × columns, summed over the file's sheets
    max_cell_chars: int = 60_000                     # one cell (the YAML loader's string limit)

    ENV = {"max_file_bytes": "POLICYKIT_IMPORT_MAX_FILE_BYTES",
           "max_unzipped_bytes": "POLICYKIT_IMPORT_MAX_UNZIPPED_BYTES",
           "max_rows": "POLICYKIT_IMPORT_MAX_ROWS", "max_cells": "POLICYKIT_IMPORT_MAX_CELLS",
           "max_cell_chars": "POLICYKIT_IMPORT_MAX_CELL_CHARS"}

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "ImportLimits":
        """Defaults, then ``POLICYKIT_IMPORT_MAX_*`` variables, then ``overrides`` that are not None."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(cls.ENV[f.name])
            if raw is not None and raw.strip():
                try:
                    values[f.name] = int(raw.strip().replace("_", ""))
                except ValueError:
                    raise UsageError(f"环境变量 {cls.ENV[f.name]} 应为正整数：{raw!r} (must be a positive integer)") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        for k, v in values.items():
            if not isinstance(v, int) or v < 1:
                raise UsageError(f"导入上限 {k} 应为正整数：{v!r} (import limit must be a positive integer)")
        return replace(cls(), **values)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: ``cells[r][c]`` (0-based) and merged ranges ``(r0, r1, c0, c1)`` half-open."""

    name: str
    cells: tuple            # tuple of tuples of str | None, trailing blank rows/columns trimmed
    merged: tuple = ()      # ((r0, r1, c0, c1), ...)
    oversize: tuple = ()    # ((r, c, chars), ...): cells longer than the limit, left blank
    formulas: tuple = ()    # ((r, c), ...): formulas the file holds no calculated value for, left blank
    hidden_rows: frozenset = frozenset()   # 0-based rows the file hides (template rows, old versions)
    hidden_cols: frozenset = frozenset()   # 0-based columns the file hides
    state: str = "visible"  # visible | hidden | veryHidden: a hidden sheet is not part of the published list
    _origins: dict = field(default_factory=dict, compare=False, repr=False)
    _ranges: dict = field(default_factory=dict, compare=False, repr=False)
    _ncols: int = field(default=0, compare=False, repr=False)

    def __post_init__(self):
        # computed once: the importer asks for ncols in every row of its loops
        object.__setattr__(self, "_ncols", max((len(r) for r in self.cells), default=0))
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
    def hidden(self) -> bool:
        return self.state != "visible"

    @property
    def nrows(self) -> int:
        return len(self.cells)

    @property
    def ncols(self) -> int:
        return self._ncols

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
    """``xls`` (OLE2), ``xlsx`` (zip with xl/workbook.xml), ``csv`` (text: UTF-8, UTF-16 with its BOM, or a
    Chinese legacy encoding such as GB18030/GBK, see :func:`csv_encoding`) or ``None``."""
    if data.startswith(OLE_MAGIC):
        return "xls"
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    head = data[:4096]
    if head.startswith((UTF8_BOM, UTF16_LE_BOM, UTF16_BE_BOM)):
        return "csv"
    if b"\x00" in head or not head.strip():
        return None
    encoding = csv_encoding(head, partial=True)
    if encoding is None:
        return None
    text = _decode_head(head, encoding)
    if text is not None and ("," in text or "\t" in text):
        return "csv"
    return None


def _decode_head(head: bytes, encoding: str) -> str | None:
    """``head`` decoded, allowing one character cut at its end."""
    for cut in range(0, 4):
        try:
            return head[:len(head) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# the legacy encodings a published Chinese spreadsheet saved as CSV comes in (Excel/WPS on Chinese Windows
# write GBK, of which GB18030 is the superset; Big5 from Taiwan and Hong Kong)
CSV_LEGACY = ("gb18030", "big5")


def csv_encoding(data: bytes, *, partial: bool = False) -> str | None:
    """The encoding of CSV bytes, judged by content: a BOM; else UTF-8 when the bytes are valid UTF-8;
    else the legacy encoding charset-normalizer finds most plausible among :data:`CSV_LEGACY`
    (GB18030 when it is about as plausible as another, and when charset-normalizer is not installed
    and the bytes decode as GB18030); None when none fits. ``partial``: ``data`` is the start of a file
    and may end inside a character."""
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    if data.startswith((UTF16_LE_BOM, UTF16_BE_BOM)):
        return "utf-16"
    if _decode_head(data, "utf-8") is not None if partial else _decodes(data, "utf-8"):
        return "utf-8"
    sample = data[:65536]
    if len(data) > len(sample):
        sample = sample[:sample.rfind(b"\n") + 1] or sample
        if max(sample, default=0) > 0x7F and _decode_head(sample, "utf-8") is not None:
            return "utf-8"      # UTF-8 Chinese at the start, a bad byte further on: say where, do not guess
    try:
        import charset_normalizer
    except ImportError:         # optional: GB18030 when it decodes, as Excel on Chinese Windows writes
        charset_normalizer = None
    if charset_normalizer is not None:
        matches = list(charset_normalizer.from_bytes(sample, cp_isolation=list(CSV_LEGACY)))
        if matches:
            best = min(m.chaos for m in matches)
            for name in CSV_LEGACY:
                if any(m.encoding == name and m.chaos <= best + 0.1 for m in matches):
                    return name
    return "gb18030" if _decode_head(sample, "gb18030") is not None else None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


_GLOSS = {"max_file_bytes": "file size", "max_unzipped_bytes": "unzipped size", "max_rows": "rows",
          "max_cells": "cells", "max_cell_chars": "characters in a cell"}


def _limit(path, where: str, what: str, value: int, limit: int, option: str) -> InputError:
    env = ImportLimits.ENV[option]
    return InputError(f"{path}{where}: [IMPORT-LIMIT] {what} {value:,} 超过上限 {limit:,}，未导入 "
                      f"({_GLOSS[option]} over the limit {option})",
                      hint=f"确属正常的大表时，用 --{option.replace('_', '-')} 或环境变量 {env} 调高上限。")


def encrypted_ole(data: bytes) -> bool:
    """Whether an OLE file is a password-protected Office document (``EncryptionInfo`` /
    ``EncryptedPackage`` streams, as Excel writes them)."""
    names = ()
    try:
        from xlrd.compdoc import CompDoc
        names = tuple(d.name for d in CompDoc(data, logfile=io.StringIO()).dirlist)
    except Exception:  # noqa: BLE001 - a damaged directory: look for the stream names themselves
        pass
    wanted = ("EncryptionInfo", "EncryptedPackage")
    if any(n in wanted for n in names):
        return True
    return any(w.encode("utf-16-le") in data[:1 << 20] for w in wanted) and not names


def read_workbook(path, limits: ImportLimits | None = None) -> Workbook:
    """Read ``path``; raise :class:`InputError` (never a traceback) when it cannot be read at all."""
    path = Path(path)
    limits = limits or ImportLimits.from_env()
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes and path.is_file():
            raise _limit(path, "", "文件大小（字节）", size, limits.max_file_bytes, "max_file_bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"文件不存在 (no such file): {path}") from None
    except IsADirectoryError:
        raise InputError(f"是目录而不是文件 (is a directory): {path}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 (cannot read): {path}: {exc.strerror or exc}") from None
    if len(data) > limits.max_file_bytes:
        raise _limit(path, "", "文件大小（字节）", len(data), limits.max_file_bytes, "max_file_bytes")
    fmt = detect_format(data)
    if fmt is None:
        raise InputError(f"不是电子表格 (not a spreadsheet: no OLE/xlsx signature, not UTF-8 CSV): {path}",
                         hint="支持 .xls（OLE）、.xlsx 和 UTF-8 CSV；按文件内容识别格式，与扩展名无关。")
    if fmt == "xls" and encrypted_ole(data):
        raise InputError(f"{path}: [IMPORT-ENCRYPTED] 文件已加密（设有打开密码），无法读取 "
                         "(password-protected workbook)",
                         hint="请在 Excel/WPS 中输入密码打开，去掉密码（文件→信息→保护工作簿）后另存，再导入。")
    reader = {"xls": _read_xls, "xlsx": _read_xlsx, "csv": _read_csv}[fmt]
    try:
        sheets, notes = reader(data, limits, path)
        if fmt == "csv":
            sheets = [Sheet(path.stem, s.cells, s.merged, s.oversize) for s in sheets]
    except InputError as exc:
        if str(path) in exc.message:
            raise
        raise InputError(f"{path}: {exc.message}", hint=exc.hint) from None
    except MemoryError:
        raise InputError(f"{path}: [IMPORT-LIMIT] 读取时内存不足，未导入 (out of memory while reading)",
                         hint="用较小的 --max-cells、--max-rows 或 --max-unzipped-bytes 让异常文件更早被拒绝，"
                              "或把大表拆分后分别导入。") from None
    except Exception as exc:  # xlrd/openpyxl raise many kinds for damaged files
        kind = {"xls": "OLE .xls", "xlsx": ".xlsx", "csv": "CSV"}[fmt]
        if fmt == "xls" and "encrypt" in str(exc).lower():
            raise InputError(f"{path}: [IMPORT-ENCRYPTED] 文件已加密（设有打开密码），无法读取 "
                             "(password-protected workbook)",
                             hint="请在 Excel/WPS 中输入密码打开，去掉密码后另存，再导入。") from None
        raise InputError(f"{path}: [IMPORT-DAMAGED] {kind} 文件已损坏或无法解析 (damaged or unreadable {kind} file): "
                         f"{type(exc).__name__}: {str(exc)[:300]}",
                         hint="文件可能被截断、加密或不是真正的电子表格；请用 Excel/WPS 打开后另存再导入。") from None
    return Workbook(str(path), fmt, tuple(sheets), tuple(notes))


class _Grid:
    """Collects one sheet's cells as text, enforcing the limits."""

    def __init__(self, path, sheet: str, limits: ImportLimits, budget: list):
        self.path, self.sheet, self.limits, self.budget = path, sheet, limits, budget
        self.oversize = []
        self.formulas = []

    def check_shape(self, nrows: int, ncols: int) -> None:
        where = f":{self.sheet}"
        if nrows > self.limits.max_rows:
            raise _limit(self.path, where, "行数", nrows, self.limits.max_rows, "max_rows")
        self.budget[0] += nrows * ncols
        if self.budget[0] > self.limits.max_cells:
            raise _limit(self.path, where, "单元格数（行×列，全文件累计）", self.budget[0], self.limits.max_cells,
                         "max_cells")

    def text(self, r: int, c: int, value) -> str | None:
        t = _text(value)
        if t is not None and len(t) > self.limits.max_cell_chars:
            self.oversize.append((r, c, len(t)))
            return None
        return t

    def sheet_of(self, name: str, cells: tuple, merged, hidden_rows=(), hidden_cols=(),
                 state: str = "visible") -> "Sheet":
        ncols = max((len(r) for r in cells), default=0)
        merged = _clip_merges(merged, len(cells), ncols)
        # clipped to the grid, merges that do not overlap cover at most the grid; overlapping ones
        # (no spreadsheet program writes them) could cover it many times over when expanded
        covered = sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in merged)
        if covered > self.limits.max_cells:
            raise _limit(self.path, f":{self.sheet}", "合并单元格覆盖的单元格数", covered, self.limits.max_cells,
                         "max_cells")
        return Sheet(name, cells, merged, tuple(self.oversize), tuple(self.formulas),
                     frozenset(r for r in hidden_rows if r < len(cells)), frozenset(c for c in hidden_cols if c < ncols),
                     state if state in ("hidden", "veryHidden") else "visible")


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
    text = _CONTROL.sub("", text)              # control characters have no place in a list (nor in YAML)
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-8", "replace").decode("utf-8")
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

def _read_xls(data: bytes, limits: ImportLimits, path):
    """xlrd keeps rows ragged (no padding of every row to the widest one); a formula's value is the
    result Excel stored with it, never the formula."""
    import xlrd

    def open_book(formatting: bool):
        return xlrd.open_workbook(file_contents=data, formatting_info=formatting, on_demand=True,
                                  ragged_rows=True)
    notes = []
    try:
        book = open_book(True)
    except NotImplementedError:
        book = open_book(False)
        notes.append("无法读取合并单元格信息 (merged cells unavailable for this .xls)")
    except xlrd.XLRDError as exc:
        if "formatting" in str(exc).lower():
            book = open_book(False)
            notes.append("无法读取合并单元格信息 (merged cells unavailable for this .xls)")
        else:
            raise
    sheets = []
    budget = [0]
    try:
        for idx in range(book.nsheets):
            sh = book.get_sheet(idx)
            grid = _Grid(path, sh.name, limits, budget)
            grid.check_shape(sh.nrows, sh.ncols)
            rows = []
            for r in range(sh.nrows):
                row = []
                for c, cell in enumerate(sh.row(r)):
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
                    row.append(grid.text(r, c, v))
                rows.append(row)
            hidden_rows = [r for r, info in (getattr(sh, "rowinfo_map", None) or {}).items() if info.hidden]
            hidden_cols = [c for c, info in (getattr(sh, "colinfo_map", None) or {}).items() if info.hidden]
            state = {1: "hidden", 2: "veryHidden"}.get(getattr(sh, "visibility", 0), "visible")
            sheets.append(grid.sheet_of(sh.name, _trim(rows), getattr(sh, "merged_cells", ()) or (),
                                        hidden_rows, hidden_cols, state))
            book.unload_sheet(idx)
    finally:
        book.release_resources()
    return sheets, notes


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell[\s>/]")
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")


def _precheck_xlsx(zf: zipfile.ZipFile, limits: ImportLimits, path) -> None:
    """Bound the work before openpyxl parses anything: unzipped size, and rows, cells, merged ranges
    and shared strings counted by streaming the XML (cheap: no parsing). A merged range counts as a
    cell (openpyxl keeps an object for each); shared strings have a budget of their own, as large."""
    total = sum(max(0, i.file_size) for i in zf.infolist())
    if total > limits.max_unzipped_bytes:
        raise _limit(path, "", "解压后大小（字节）", total, limits.max_unzipped_bytes, "max_unzipped_bytes")
    seen = 0
    cells_total = strings_total = 0
    for info in zf.infolist():
        sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        strings = info.filename.lower().endswith("sharedstrings.xml")
        if not (sheet or strings):
            continue
        rows = 0
        carry = b""
        name = info.filename.rsplit("/", 1)[-1]
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(1 << 20)
                seen += len(chunk)
                if seen > limits.max_unzipped_bytes:
                    raise _limit(path, "", "解压后大小（字节）", seen, limits.max_unzipped_bytes,
                                 "max_unzipped_bytes")
                buf = carry + chunk
                cut = buf.rfind(b"<") if chunk else len(buf)
                if cut < 0:
                    cut = len(buf)
                part, carry = buf[:cut], buf[cut:]
                if strings:         # at most one distinct string per cell in a real workbook
                    strings_total += len(_STRING_TAG.findall(part))
                    if strings_total > limits.max_cells:
                        raise _limit(path, f":{name}", "共享字符串数", strings_total, limits.max_cells, "max_cells")
                else:
                    rows += len(_ROW_TAG.findall(part))
                    cells_total += len(_CELL_TAG.findall(part)) + len(_MERGE_TAG.findall(part))
                    if rows > limits.max_rows:
                        raise _limit(path, f":{name}", "行数", rows, limits.max_rows, "max_rows")
                    if cells_total > limits.max_cells:
                        raise _limit(path, f":{name}", "单元格数（全文件累计）", cells_total, limits.max_cells,
                                     "max_cells")
                if not chunk:
                    break


def _cell_parser():
    """openpyxl's streaming worksheet parser, told to note formulas without a calculated value.

    Reading with ``data_only`` takes a formula cell's cached value (``<v>``) and never its formula; a
    formula the program that saved the file never calculated has no value at all, and is reported
    instead of being taken as blank (or, worse, as its formula text)."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class CellParser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["uncalculated"] = True
            return cell
    return CellParser


def _merge_ranges(parser, grid: "_Grid", path, sheet: str) -> list:
    """The sheet's merged ranges as ``(r0, r1, c0, c1)``; none is expanded here, and one that claims
    more rows or cells than the limits allow is refused (it is not a published list)."""
    from openpyxl.utils.cell import range_boundaries
    out = []
    for m in getattr(parser.merged_cells, "mergeCell", None) or ():
        try:
            c0, r0, c1, r1 = range_boundaries(str(m.ref))
        except (TypeError, ValueError):
            continue
        if None in (c0, r0, c1, r1):
            continue
        area = (r1 - r0 + 1) * (c1 - c0 + 1)
        if area > grid.limits.max_cells:
            raise _limit(path, f":{sheet}", f"合并单元格 {m.ref} 的单元格数", area, grid.limits.max_cells, "max_cells")
        if r1 > grid.limits.max_rows:
            raise _limit(path, f":{sheet}", f"合并单元格 {m.ref} 的行数", r1, grid.limits.max_rows, "max_rows")
        out.append((r0 - 1, r1, c0 - 1, c1))
    return out


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true")


def _hidden_xlsx(parser, nrows: int, ncols: int) -> tuple[list, list]:
    """0-based rows and columns the sheet XML marks ``hidden`` (``<row hidden="1">``, ``<col min max hidden>``),
    within the grid that has content."""
    rows = []
    for key, attrs in parser.row_dimensions.items():
        try:
            r = int(key) - 1
        except ValueError:
            continue
        if 0 <= r < nrows and _truthy(attrs.get("hidden", "")):
            rows.append(r)
    cols = []
    for attrs in parser.column_dimensions.values():
        if not _truthy(attrs.get("hidden", "")):
            continue
        try:
            lo, hi = int(attrs.get("min")), int(attrs.get("max", attrs.get("min")))
        except (TypeError, ValueError):
            continue
        cols += range(max(lo, 1) - 1, min(hi, ncols))
    return sorted(rows), sorted(set(cols))


def _read_xlsx(data: bytes, limits: ImportLimits, path):
    """Stream each worksheet's XML (openpyxl's parser, one row at a time): cells and rows are counted
    against the limits while parsing, merged ranges are read as ranges and never expanded."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(f"[IMPORT-DAMAGED] zip 结构损坏，文件可能被截断 (damaged zip container): {exc}",
                         hint="文件可能被截断或下载不完整；请重新下载，或用 Excel/WPS 打开后另存再导入。") from None
    with zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
            raise InputError("[IMPORT-DAMAGED] zip 文件不是 Excel 工作簿 (zip file is not an Excel workbook: "
                             "no xl/workbook.xml)")
        _precheck_xlsx(zf, limits, path)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InvalidFileException as exc:
        raise InputError(f"[IMPORT-DAMAGED] 不是有效的 .xlsx (invalid .xlsx): {exc}") from None
    parser_class = _cell_parser()
    sheets = []
    budget = [0]
    seen = 0                      # cell elements parsed in the whole file, blank ones included
    try:
        for ws in book.worksheets:
            grid = _Grid(path, ws.title, limits, budget)
            present, formulas = {}, []
            with ws._get_source() as src:
                parser = parser_class(src, ws._shared_strings, data_only=True, epoch=book.epoch,
                                      date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
                rows = 0
                for _, row in parser.parse():
                    rows += 1
                    seen += len(row)
                    if rows > limits.max_rows:
                        raise _limit(path, f":{ws.title}", "行数", rows, limits.max_rows, "max_rows")
                    if seen > limits.max_cells:
                        raise _limit(path, f":{ws.title}", "单元格数（全文件累计）", seen, limits.max_cells, "max_cells")
                    for cell in row:
                        r, c = cell["row"] - 1, cell["column"] - 1
                        if cell.get("uncalculated"):
                            formulas.append((r, c))
                            continue
                        v = cell["value"]
                        if v is None or (isinstance(v, str) and not v.strip()):
                            continue
                        present[(r, c)] = v
            nrows = max((r for r, _ in present), default=-1) + 1
            ncols = max((c for _, c in present), default=-1) + 1
            grid.check_shape(nrows, ncols)
            rows_ = [[None] * ncols for _ in range(nrows)]
            for (r, c), v in present.items():
                rows_[r][c] = grid.text(r, c, v)
            merged = _merge_ranges(parser, grid, path, ws.title)
            grid.formulas = sorted(set(formulas))
            hidden_rows, hidden_cols = _hidden_xlsx(parser, nrows, ncols)
            sheets.append(grid.sheet_of(ws.title, _trim(rows_), merged, hidden_rows, hidden_cols,
                                        getattr(ws, "sheet_state", "visible")))
    finally:
        book.close()
    return sheets, []


def _read_csv(data: bytes, limits: ImportLimits, path):
    encoding = csv_encoding(data) or "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        name = {"utf-8": "UTF-8", "gb18030": "GB18030/GBK", "big5": "Big5"}.get(encoding, encoding)
        raise InputError(f"[IMPORT-ENCODING] 第 {line} 行（字节 {exc.start}）不是 {name} 编码，文件编码不一致 "
                         f"(not valid {name}; mixed encodings)",
                         hint="CSV 可以是 UTF-8、GB18030/GBK 或 Big5，但整个文件须为同一编码；请在 Excel/WPS 中"
                              "另存为「CSV UTF-8」。") from None
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    dialect = csv.excel_tab if first.count("\t") > first.count(",") else csv.excel
    name = Path(path).stem
    grid = _Grid(path, name, limits, [0])
    rows = []
    csv.field_size_limit(max(limits.max_file_bytes, 131072))   # long cells: located problems, not errors
    for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect)):
        if r >= limits.max_rows:
            raise _limit(path, f":{name}", "行数", r + 1, limits.max_rows, "max_rows")
        grid.budget[0] += len(row)
        if grid.budget[0] > limits.max_cells:
            raise _limit(path, f":{name}", "单元格数", grid.budget[0], limits.max_cells, "max_cells")
        rows.append([grid.text(r, c, from_csv_text(v)) for c, v in enumerate(row)])
    return [grid.sheet_of("CSV", _trim(rows), ())], []
