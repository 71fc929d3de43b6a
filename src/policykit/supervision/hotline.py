"""Import a 12345 hotline work-order CSV export into problem records (``lists/problems/*.yaml``).

The export has a header row; columns are found by name (common spellings of each are accepted):

=============  ==================================================
order_id       工单编号 · 工单号 · 编号
date           受理时间 · 来电时间 · 登记时间 · 受理日期
content        诉求内容 · 问题描述 · 来电内容 · 内容
departments    承办单位 · 承办部门 · 派单部门 · 派单单位
tags           疑难标签 · 标签 · 问题标签          (optional)
district       所属区县 · 区县 · 所属区域          (optional)
matter         归属事项 · 事项 · 事项名称          (optional)
status         办理状态 · 状态                    (optional)
result         办理结果 · 办理情况                 (optional)
=============  ==================================================

Departments are written as the export writes them (``市城市管理局；住建局``) and resolved to
department ids by full name, short name, name without the city or without 市, id, the organisation's
``aliases`` (简称、俗称, names before a 机构改革) and the former names of its 沿革 (更名); a department
that has since been merged or abolished is followed to its successor as of the row's date. In a row
naming several departments the known ones are kept and each unknown one is a warning; a row whose
承办单位 is empty, or names no known department, is skipped with its reason. A matter is linked to the
boundary item of the same (normalised) name. Every row has a fate: imported, or skipped with a
located problem (``file:line:column``, rule ``HOTLINE-ROW``); doubtful values that do not stop the row
are warnings; the report's first line accounts for every row (read N = imported M + skipped K, by
reason). Input: CSV in UTF-8 (with or without BOM), else GB18030, or an Excel workbook (.xlsx/.xls, by
content, read with the spreadsheet importer's reader and budgets); dates as text or as Excel serial
numbers (45352 → 2024-03-01).

Budgets (:class:`HotlineLimits`): the file's size (default 64 MiB) and its number of rows (default
100,000), configurable with ``--max-file-bytes`` / ``--max-rows`` or ``POLICYKIT_HOTLINE_MAX_*``.
A cheap first pass counts the rows and settles the encoding, so a file over a limit is refused in
a second or two with ``HOTLINE-LIMIT`` and nothing is written; the second pass streams the rows
(only the current record's lines are kept in memory). A protective ``'`` that a CSV writer put
before ``= + - @``, tab or CR (``policykit.io.cells``) is removed from a cell.

Re-importing the same export gives the same bytes. Fields added by hand to an existing output file
(``dispute``, ``remark``, a ``boundary`` the importer did not find …) are kept for the same problem
id, and problems the export no longer has are kept as they were.
"""
from __future__ import annotations

import csv
import datetime as _dt
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..io.cells import from_csv_text
from ..errors import InputError, UsageError
from ..problems import Problem
from ..io.writing import dump_yaml, write_files_atomically

RULE = "HOTLINE-ROW"
RULE_FILE = "HOTLINE-FILE"
RULE_LIMIT = "HOTLINE-LIMIT"
COLUMNS = {
    "order_id": ("工单编号", "工单号", "编号", "order_id"),
    "date": ("受理时间", "来电时间", "登记时间", "受理日期", "date"),
    "content": ("诉求内容", "问题描述", "来电内容", "内容", "content"),
    "departments": ("承办单位", "承办部门", "派单部门", "派单单位", "departments"),
    "tags": ("疑难标签", "标签", "问题标签", "tags"),
    "district": ("所属区县", "区县", "所属区域", "district"),
    "matter": ("归属事项", "事项", "事项名称", "matter"),
    "status": ("办理状态", "状态", "status"),
    "result": ("办理结果", "办理情况", "result"),
}
REQUIRED = ("order_id", "date", "content", "departments")
LABEL = {"order_id": "工单编号", "date": "受理时间", "content": "诉求内容", "departments": "承办单位",
         "tags": "疑难标签", "district": "所属区县", "matter": "归属事项", "status": "办理状态", "result": "办理结果"}
TAG_SYNONYMS = {
    "推诿": "推诿", "推诿扯皮": "推诿", "相互推诿": "推诿", "扯皮": "推诿",
    "多头": "多头", "多头管理": "多头", "多头派单": "多头",
    "无人管": "无人管", "无人管理": "无人管", "管理空白": "无人管", "监管空白": "无人管",
    "职责交叉": "职责交叉", "职责不清": "职责交叉",
    "反复派单": "反复派单", "多次派单": "反复派单", "重复派单": "反复派单", "退单": "反复派单",
    "超期办理": "超期办理", "超期": "超期办理", "逾期": "超期办理",
}
STATUS = {"已办结": "已办结", "办结": "已办结", "已完成": "已办结", "办理中": "办理中", "处理中": "办理中",
          "在办": "办理中", "待办": "办理中", "已退回": "已退回", "退回": "已退回", "已转调处": "已转调处",
          "转调处": "已转调处", "转职责争议调处": "已转调处"}
_SPLIT = re.compile(r"[；;、，,/|\n]+")
_ORDER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,40}$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")
SOURCE = "12345"
PREFIX = "RX"


@dataclass(frozen=True)
class HotlineLimits:
    """What one 12345 export may cost: bytes of the file and rows after the header."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_rows: int = 100_000

    ENV = {"max_file_bytes": "POLICYKIT_HOTLINE_MAX_FILE_BYTES", "max_rows": "POLICYKIT_HOTLINE_MAX_ROWS"}

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "HotlineLimits":
        """Defaults, then ``POLICYKIT_HOTLINE_MAX_*`` variables, then ``overrides`` that are not None."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, var in cls.ENV.items():
            raw = environ.get(var)
            if raw is not None and raw.strip():
                try:
                    values[name] = int(raw.strip().replace("_", ""))
                except ValueError:
                    raise UsageError(f"环境变量 {var} 应为正整数：{raw!r} (must be a positive integer)") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        for k, v in values.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise UsageError(f"12345 导入上限 {k} 应为正整数：{v!r} (limit must be a positive integer)")
        return cls(**values)

    def error(self, label: str, line: int, what: str, value: int, option: str) -> InputError:
        limit = getattr(self, option)
        gloss = "rows" if option == "max_rows" else "file size"
        return InputError(f"{label}:{line}:1: [{RULE_LIMIT}] {what} {value:,} 超过上限 {limit:,}，未导入任何工单 "
                          f"({gloss} over the limit {option})",
                          hint=f"确属正常的大批量导出时，用 --{option.replace('_', '-')} 或环境变量 {self.ENV[option]} "
                               "调高上限，或按月份拆分导出后分批导入。")


@dataclass
class HotlineImport:
    """What one import did: the records, every row's fate and the located problems."""

    path: str
    batch: str
    rows: int = 0
    records: list = field(default_factory=list)        # problem dicts, in output order
    imported: list = field(default_factory=list)       # ids from this export
    skipped: list = field(default_factory=list)        # (line, reason)
    blank: int = 0                                      # blank rows (not records, not counted in rows)
    kept: list = field(default_factory=list)           # ids kept from the existing output only
    problems: list = field(default_factory=list)       # Problem
    boundaries: Counter = field(default_factory=Counter)
    tags: Counter = field(default_factory=Counter)
    text: str = ""
    written: list = field(default_factory=list)

    def skip_reasons(self) -> dict:
        return dict(Counter(reason for _, reason in self.skipped).most_common())

    def accounting(self) -> str:
        """读取 N 行 = 导入 M + 跳过 K（按原因）: every non-blank row once."""
        reasons = "、".join(f"{k} {v}" for k, v in self.skip_reasons().items())
        partial = sum(1 for p in self.problems if p.rule == RULE and p.severity == "warning" and "已略去" in p.message)
        return (f"读取 {self.rows} 行：导入 {len(self.imported)} 件，跳过 {len(self.skipped)} 行"
                + (f"（{reasons}）" if reasons else "")
                + (f"；{partial} 个承办单位无法对应、已略去（所在工单照常导入）" if partial else "")
                + (f"；空行 {self.blank}" if self.blank else ""))

    def summary(self) -> dict:
        return {"file": self.path, "batch": self.batch, "rows": self.rows, "imported": len(self.imported),
                "skipped": len(self.skipped), "skip_reasons": self.skip_reasons(), "blank": self.blank,
                "accounting": self.accounting(),
                "kept": len(self.kept), "tags": dict(self.tags.most_common()),
                "boundaries": dict(sorted(self.boundaries.items())),
                "errors": sum(p.severity == "error" for p in self.problems),
                "warnings": sum(p.severity == "warning" for p in self.problems),
                "written": [str(p) for p in self.written]}


def _open(path: Path, encoding: str):
    # universal newlines: \r\n and a lone \r read as \n (multi-line cells included)
    return open(path, encoding=encoding, errors="strict", newline=None)


def _cannot_read(label: str, exc: OSError) -> InputError:
    return InputError(f"无法读取 12345 工单文件：{label}：{exc.strerror or exc} (cannot read)")


def _survey(path: Path, label: str, limits: HotlineLimits) -> str:
    """First pass, in bounded memory: the file's size, its encoding (UTF-8, else GB18030) and its
    number of rows, refused early when over a limit. Returns the encoding."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _cannot_read(label, exc) from None
    if size > limits.max_file_bytes:
        raise limits.error(label, 1, "文件大小（字节）", size, "max_file_bytes")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with _open(path, encoding) as fh:
                reader = csv.reader(fh)
                records = -1                      # the header is not a row
                while True:
                    try:
                        next(reader)
                    except StopIteration:
                        break
                    except csv.Error:
                        pass                      # reported, located, by the second pass
                    records += 1
                    if records > limits.max_rows:
                        raise limits.error(label, reader.line_num, "工单行数", records, "max_rows")
            return encoding
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise _cannot_read(label, exc) from None
    raise InputError(f"无法识别 {label} 的编码（应为 UTF-8 或 GB18030） (cannot decode)")


def _field_positions(record_text: str) -> list[tuple[int, int]]:
    """(line offset, 1-based column) of the start of each field of one CSV record."""
    out = [(0, 1)]
    line, col, quoted = 0, 1, False
    i = 0
    while i < len(record_text):
        ch = record_text[i]
        if ch == '"':
            if quoted and i + 1 < len(record_text) and record_text[i + 1] == '"':
                i += 1
                col += 1
            else:
                quoted = not quoted
        elif ch == "\n":
            line, col = line + 1, 0
        elif ch == "," and not quoted:
            out.append((line, col + 1))
        col += 1
        i += 1
    return out


def _department_index(repo) -> dict:
    """Every way a 12345 export names a department → its id: id, full and short name, ``aliases``
    (简称、俗称、机构改革前的名称), former names of its 沿革, each with and without the city, 市 and brackets."""
    index = {}
    city = (repo.config.city or "").strip()
    for d in repo.departments.values():
        events = getattr(d, "lifecycle", ())
        names = {d.id, d.name, d.short_name or "", *getattr(d, "aliases", ()),
                 *(e.former_name for e in events if getattr(e, "former_name", None)),
                 # 设立 by merging bodies that have no file of their own: their names are this department's
                 *(p for e in events if e.event == "设立" for p in getattr(e, "predecessors", ())
                   if p not in repo.departments)}
        for n in list(names):
            if not n:
                continue
            base = n.split("（")[0].split("(")[0]
            names.add(base)
            if city and n.startswith(city):
                names.add(n[len(city):])
                names.add("市" + n[len(city):])
                names.add(base[len(city):] if base.startswith(city) else base)
                names.add("市" + (base[len(city):] if base.startswith(city) else base))
        if d.short_name:
            names.add("市" + d.short_name)
        for n in names:
            if n:
                index.setdefault(n, d.id)
    return index


_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = _dt.date(1899, 12, 30)       # Excel's day 0 (its 1900 leap-year bug included)


def _parse_date(text: str):
    text = text.strip()
    if _SERIAL.match(text):                 # an Excel date cell exported as its serial number
        days = int(float(text))
        if 20000 <= days <= 80000:          # 1954 … 2119: a date, not some other number
            return _EXCEL_EPOCH + _dt.timedelta(days=days)
        return None
    for fmt in _DATE_FORMATS:
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_hotline_csv(path, repo, *, batch: str | None = None, existing: dict | None = None,
                     limits: HotlineLimits | None = None) -> HotlineImport:
    """Parse the export at ``path`` against ``repo`` (for department names and boundary items).

    Raises :class:`InputError` (``HOTLINE-LIMIT``) when the file is over ``limits`` (by default
    :meth:`HotlineLimits.from_env`)."""
    path = Path(path)
    label = os.fspath(path)
    limits = limits or HotlineLimits.from_env()
    result = HotlineImport(label, batch or path.stem)
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}", result.batch):
        raise InputError(f"批次编号只能含字母、数字、-、_：{result.batch}", hint="用 --batch 指定，如 12345-2025")
    if _is_workbook(path, label):
        _read_workbook_rows(path, label, repo, result, limits)
    else:
        encoding = _survey(path, label, limits)
        try:
            with _open(path, encoding) as fh:
                _read_rows(fh, label, repo, result)
        except UnicodeDecodeError:      # the file changed between the two passes
            raise InputError(f"无法识别 {label} 的编码（应为 UTF-8 或 GB18030） (cannot decode)") from None
        except OSError as exc:
            raise _cannot_read(label, exc) from None
    _merge(result, existing or {})
    result.text = _document({"batch": result.batch, "source": SOURCE, "imported_from": path.name}, result.records)
    return result


def _document(head: dict, records: list) -> str:
    """``dump_yaml({**head, "problems": records})``, the same bytes, written one record at a time so
    that the emitter never holds the whole batch's node graph (it is the bulk of the memory)."""
    if not records:
        return dump_yaml({**head, "problems": records})
    parts = [dump_yaml(head), "problems:\n"]
    for rec in records:
        for line in dump_yaml([rec]).splitlines(keepends=True):
            parts.append("  " + line if line.strip("\n") else line)
    return "".join(parts)


def _recording(fh, record: list):
    """The file's lines, each also kept in ``record`` so that a row's problems can be located in its text."""
    for line in fh:
        record.append(line)
        yield line


def _read_header(reader, label: str, result: HotlineImport) -> list | None:
    """The header row, or None (a HOTLINE-FILE problem reported) when the file is empty or it is unparsable."""
    try:
        return [from_csv_text(h) for h in next(reader)]
    except StopIteration:
        result.problems.append(Problem(label, 1, 1, "$", RULE_FILE, "error", "文件为空，没有表头 (empty file)"))
    except csv.Error as exc:
        result.problems.append(Problem(label, 1, 1, "$", RULE_FILE, "error", f"表头无法解析：{exc} (bad header)"))
    return None


def _columns(header: list, label: str, result: HotlineImport) -> dict | None:
    """Field → column index by the accepted spellings, or None (reported) when a required column is missing."""
    cols = {}
    for key, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h.strip().lstrip("\ufeff") in names:
                cols.setdefault(key, i)
    missing = [LABEL[k] for k in REQUIRED if k not in cols]
    if missing:
        result.problems.append(Problem(label, 1, 1, "$", RULE_FILE, "error",
                                       f"缺少必需的列：{'、'.join(missing)}（表头为：{'、'.join(h.strip() for h in header)}） (missing columns)"))
        return None
    return cols


@dataclass(eq=False)
class _Batch:
    """What every row of one export is read against: columns, department names, matters seen, order ids seen."""

    label: str
    repo: object
    result: HotlineImport
    header: list
    cols: dict
    departments: dict
    matters: dict = field(default_factory=dict)   # matter name -> boundary item or None, looked up once
    seen: dict = field(default_factory=dict)      # order id -> line of its first row


class _Row:
    """One data row: its cells by field, and its problems located at the field's line and column."""

    __slots__ = ("batch", "row", "start", "text", "positions")

    def __init__(self, batch: _Batch, row: list, start: int, text: str):
        self.batch, self.row, self.start, self.text, self.positions = batch, row, start, text, None

    def cell(self, key: str) -> str:
        """The stripped text of the field's cell ('' when the column or the cell is absent)."""
        idx = self.batch.cols.get(key)
        return self.row[idx].strip() if idx is not None and idx < len(self.row) else ""

    def problem(self, key: str, message: str, severity: str = "error") -> None:
        """Report a HOTLINE-ROW problem at the field's cell; positions are computed only when one is reported."""
        if self.positions is None:
            self.positions = _field_positions(self.text)
        idx = self.batch.cols.get(key, 0)
        off, col = self.positions[idx] if idx < len(self.positions) else (0, 1)
        self.batch.result.problems.append(Problem(self.batch.label, self.start + off, col,
                                                  f"$[{self.start}].{LABEL.get(key, key)}", RULE, severity, message))


def _read_rows(fh, label: str, repo, result: HotlineImport) -> None:
    """Second pass: one record at a time; only the current record's lines are kept."""
    record: list = []
    reader = csv.reader(_recording(fh, record))
    header = _read_header(reader, label, result)
    if header is None:
        return
    cols = _columns(header, label, result)
    if cols is None:
        return
    batch = _Batch(label, repo, result, header, cols, _department_index(repo))
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        record.clear()
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(Problem(label, reader.line_num, 1, f"$[{reader.line_num}]", RULE, "error",
                                           f"该行无法解析，已跳过：{exc} (unparsable row)"))
            result.skipped.append((reader.line_num, "无法解析"))
            previous_end = reader.line_num
            continue
        previous_end = reader.line_num
        if any(c.strip() for c in row):
            _read_row(_Row(batch, [from_csv_text(c) for c in row], start, "".join(record)))
        else:
            result.blank += 1


def _is_workbook(path: Path, label: str) -> bool:
    """An .xlsx or .xls workbook, by its first bytes (whatever the file is called)."""
    from ..io.importers.spreadsheet import OLE_MAGIC, ZIP_MAGIC
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _cannot_read(label, exc) from None
    return head.startswith((OLE_MAGIC, ZIP_MAGIC))


class _SheetRow(_Row):
    """A row of a workbook: problems located at the cell (line = row number, column = column number)."""

    __slots__ = ("sheet",)

    def problem(self, key: str, message: str, severity: str = "error") -> None:
        from ..io.importers.powers import _col_letter
        idx = self.batch.cols.get(key, 0)
        self.batch.result.problems.append(Problem(self.batch.label, self.start, idx + 1,
                                                  f"{self.sheet}!{_col_letter(idx)}{self.start}", RULE, severity, message))


def _read_workbook_rows(path: Path, label: str, repo, result: HotlineImport, limits: HotlineLimits) -> None:
    """An Excel export: the first visible sheet with the required columns in one of its first rows (title rows
    above it are allowed); hidden rows are skipped with their reason, like every other row."""
    from ..io.importers.spreadsheet import ImportLimits, read_workbook
    wb = read_workbook(path, ImportLimits.from_env(max_file_bytes=limits.max_file_bytes, max_rows=limits.max_rows + 20))
    found = None
    for sheet in wb.sheets:
        if sheet.hidden:
            continue
        for r in range(min(sheet.nrows, 10)):
            header = [sheet.value(r, c) or "" for c in range(sheet.ncols)]
            probe = HotlineImport(label, result.batch)
            cols = _columns(header, label, probe)
            if cols is not None:
                found = (sheet, r, header, cols)
                break
        if found:
            break
    if found is None:
        first = wb.sheets[0] if wb.sheets else None
        header = [first.value(0, c) or "" for c in range(first.ncols)] if first and first.nrows else []
        if not header:
            result.problems.append(Problem(label, 1, 1, "$", RULE_FILE, "error", "文件为空，没有表头 (empty file)"))
            return
        _columns(header, label, result)          # reports the missing columns
        return
    sheet, hr, header, cols = found
    batch = _Batch(label, repo, result, header, cols, _department_index(repo))
    for r in range(hr + 1, sheet.nrows):
        cells = [(sheet.value(r, c) or "") for c in range(sheet.ncols)]
        if not any(c.strip() for c in cells):
            result.blank += 1
            continue
        if r in sheet.hidden_rows:
            result.rows += 1
            result.skipped.append((r + 1, "隐藏的行"))
            result.problems.append(Problem(label, r + 1, 1, f"{sheet.name}!A{r + 1}", RULE, "warning",
                                           "该行在表格中被隐藏，未导入 (hidden row skipped)"))
            continue
        row = _SheetRow(batch, cells, r + 1, "")
        row.sheet = sheet.name
        _read_row(row)


def _read_row(r: _Row) -> None:
    """One non-blank row → a problem record, or a skip with its reason."""
    batch = r.batch
    batch.result.rows += 1
    if len(r.row) < len(batch.header):
        r.problem("order_id", f"该行只有 {len(r.row)} 列，表头有 {len(batch.header)} 列，缺少的列按空值处理 (short row)",
                  "warning")
    reason, order, day, content, depts = _checked(r)
    if reason is not None:
        batch.result.skipped.append((r.start, reason))
        return
    batch.seen[order] = r.start
    tags = _tags(r)
    status = _status(r)
    rec = {"id": f"{PREFIX}-{order}", "order_id": order, "date": day, "content": content}
    if r.cell("district"):
        rec["district"] = r.cell("district")
    rec["departments"] = depts
    if tags:
        rec["tags"] = tags
    _link_matter(r, rec)
    if status:
        rec["status"] = status
    if r.cell("result"):
        rec["result"] = r.cell("result")
    batch.result.tags.update(tags)
    batch.result.records.append(rec)
    batch.result.imported.append(rec["id"])


def _order_reason(r: _Row, order: str) -> str | None:
    """Why the order id stops the row (missing, malformed, already seen), reported; None when it is good."""
    if not order:
        r.problem("order_id", "缺少工单编号，已跳过该行 (missing order id)")
        return "缺少工单编号"
    if not _ORDER.match(order):
        r.problem("order_id", f"工单编号「{order}」只能含字母、数字和 -，已跳过该行 (invalid order id)")
        return "工单编号格式不符"
    if order in r.batch.seen:
        r.problem("order_id", f"工单编号 {order} 与第 {r.batch.seen[order]} 行重复，已跳过该行 (duplicate order id)")
        return "工单编号重复"
    return None


def _checked(r: _Row) -> tuple:
    """``(reason, order, day, content, departments)``: the required fields, and the first reason (reported)
    that makes the row be skipped, None when there is none."""
    order = r.cell("order_id")
    reason = _order_reason(r, order)
    day = _parse_date(r.cell("date")) if r.cell("date") else None
    if reason is None and day is None:
        reason = "受理时间无效"
        r.problem("date", f"受理时间「{r.cell('date')}」无法识别（如 2025-03-02 09:15:00），已跳过该行 (invalid date)")
    content = r.cell("content")
    if reason is None and not content:
        reason = "缺少诉求内容"
        r.problem("content", "诉求内容为空，已跳过该行 (empty content)")
    depts: list = []
    if reason is None:
        reason = _departments(r, depts, day)
    return reason, order, day, content, depts


def _departments(r: _Row, depts: list, day=None) -> str | None:
    """Resolve the 承办单位 names into ``depts`` (ids, each once, a merged or abolished department followed to
    its successor on ``day``). Unknown names among known ones are warnings (the row is kept); the skip reason
    (reported) when the cell is empty or names no known department."""
    names = [n.strip() for n in _SPLIT.split(r.cell("departments")) if n.strip()]
    if not names:
        r.problem("departments", "承办单位为空，无法确定承办部门，已跳过该行 (empty department)")
        return "承办单位为空"
    unknown = []
    for name in names:
        dept = _lookup_department(r.batch.departments, name)
        if dept is None:
            unknown.append(name)
            continue
        current = getattr(r.batch.repo, "current_department", None)
        if current is not None and day is not None:
            dept = current(dept, day)
        if dept not in depts:
            depts.append(dept)
    if unknown and not depts:
        r.problem("departments", f"承办单位「{'、'.join(unknown)}」无法对应到部门名录中的部门，已跳过该行；"
                                 "可在部门文件的 aliases 中补充别称 (unknown department)")
        return "承办单位无法对应"
    for name in unknown:
        r.problem("departments", f"承办单位「{name}」无法对应到部门名录中的部门，已略去，其余承办单位照常导入；"
                                 "可在部门文件的 aliases 中补充别称 (unknown department left out)", "warning")
    return None


_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def _lookup_department(index: dict, name: str) -> str | None:
    """The id for a name as written: as is, without spaces and brackets, without a leading 市 or 区."""
    for cand in (name, re.sub(r"\s+", "", name), _BRACKETS.sub("", re.sub(r"\s+", "", name))):
        if cand in index:
            return index[cand]
        for prefix in ("市", "区", "县"):
            if cand.startswith(prefix) and cand[len(prefix):] in index:
                return index[cand[len(prefix):]]
    return None


def _tags(r: _Row) -> list:
    """The row's known tags, normalised and each once; an unknown tag is a warning and ignored."""
    tags = []
    for t in (t.strip() for t in _SPLIT.split(r.cell("tags"))):
        if not t:
            continue
        tag = TAG_SYNONYMS.get(t)
        if tag is None:
            r.problem("tags", f"标签「{t}」不是已知标签（{'、'.join(sorted(set(TAG_SYNONYMS.values())))}），已忽略 (unknown tag)",
                      "warning")
        elif tag not in tags:
            tags.append(tag)
    return tags


def _status(r: _Row) -> str | None:
    """The row's normalised 办理状态; an unknown one is a warning and ignored."""
    if not r.cell("status"):
        return None
    status = STATUS.get(r.cell("status"))
    if status is None:
        r.problem("status", f"办理状态「{r.cell('status')}」无法识别，已忽略 (unknown status)", "warning")
    return status


def _link_matter(r: _Row, rec: dict) -> None:
    """Record the row's 归属事项 and the boundary item of that name (looked up once per matter)."""
    matter = r.cell("matter")
    if not matter:
        return
    rec["matter"] = matter
    matters = r.batch.matters
    if matter not in matters:
        from .report import boundary_for_matter
        matters[matter] = boundary_for_matter(r.batch.repo, matter)
    b = matters[matter]
    if b is not None:
        rec["boundary"] = b.id
        r.batch.result.boundaries[b.id] += 1


_FIELD_ORDER = ("id", "source", "order_id", "date", "content", "district", "reporter", "departments", "tags", "matter",
                "boundary", "dispute", "status", "result", "remark")


def _merge(result: HotlineImport, existing: dict) -> None:
    """Keep hand-added fields of problems already in the output file, and problems the export lacks."""
    old = {p.get("id"): p for p in existing.get("problems") or () if isinstance(p, dict)}
    merged = []
    for rec in result.records:
        prev = old.pop(rec["id"], None)
        if prev:
            for key, value in prev.items():
                if key not in rec:
                    rec[key] = value
            rec = {k: rec[k] for k in sorted(rec, key=lambda k: _FIELD_ORDER.index(k) if k in _FIELD_ORDER else 99)}
        merged.append(rec)
    for pid, prev in old.items():
        merged.append(prev)
        result.kept.append(pid)
    result.records = merged


def import_hotline(csv_path, out_path, repo, *, batch: str | None = None, dry_run: bool = False,
                   limits: HotlineLimits | None = None) -> HotlineImport:
    """Read the export and write ``out_path`` atomically (unless ``dry_run`` or nothing was imported)."""
    out = Path(out_path)
    existing = {}
    if out.is_dir():
        out = out / f"{batch or Path(csv_path).stem}.yaml"
    if out.is_file():
        from ..lists.loader import load_file
        doc = load_file(out.resolve(), out.resolve().parent)
        if doc.data is None or not isinstance(doc.data, dict):
            first = doc.problems[0].message if doc.problems else "不是 YAML 映射"
            raise InputError(f"输出文件已存在但无法解析，未做任何修改：{out}（{first}）",
                             hint="先修正或删除该文件，再重新导入。")
        existing = doc.data
    result = read_hotline_csv(csv_path, repo, batch=batch, existing=existing, limits=limits)
    if not dry_run and result.records and not any(p.rule == RULE_FILE for p in result.problems):
        result.written = write_files_atomically({out: result.text})
    return result


def format_text(result: HotlineImport) -> str:
    s = result.summary()
    lines = [f"{s['file']}：{s['accounting']}" + (f"，保留原有 {s['kept']} 件" if s["kept"] else "")]
    if s["tags"]:
        lines.append("标签：" + "、".join(f"{k} {v}" for k, v in s["tags"].items()))
    if s["boundaries"]:
        lines.append("对应边界事项：" + "、".join(f"{k} {v} 件" for k, v in s["boundaries"].items()))
    from ..problems import SEVERITY_LABEL
    for p in sorted(result.problems):
        lines.append(f"{p.location()}: {SEVERITY_LABEL[p.severity]} [{p.rule}] {p.message}")
    lines.append(("已写入 " + "、".join(s["written"])) if s["written"] else "未写入文件（内容未变、没有可导入的行或预演）")
    return "\n".join(lines) + "\n"
