"""Spreadsheet rows → power items (权责清单) and the organisation units they name.

The work is split in pure steps:

1. :func:`analyse_sheet` finds the header row, maps columns to fields, groups rows into items
   (an item starts where a 事项名称 or 子项名称 cell of its own appears; rows below it without one
   are continuation rows, merged in) and records the fate of every row.
2. :func:`build_department` turns the items of one department into ``powers/<dept>.yaml`` data:
   codes (kept from the source, else from the existing file, else generated), organisation
   units, and the in-place merge with items already in the repository.
3. :func:`plan_import` does both for a list of files and returns the texts to write;
   :func:`import_files` writes them all or nothing.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ...errors import InputError
from ...problems import Problem
from ..writing import dump_yaml, write_files_atomically
from . import text as T
from .mapping import IGNORE, Mapping, load_mapping, normalize_header
from .spreadsheet import ImportLimits, Sheet, read_workbook

# key order of a power item, as in docs/data-format.md
ITEM_KEYS = (
    "code", "name", "sub_name", "category", "legal_basis", "unit", "levels", "sanding_duty",
    "responsibilities", "responsibility_basis", "accountability_targets", "accountability_cases",
    "power_source", "source_document", "delegator", "co_departments", "catalog_code", "impl_code",
    "supervision_items", "status", "remedy", "phone", "integrity_risks", "remark", "source_text", "provenance",
)
# required lists: written as [] when the source has nothing, so `policykit check` reports them
REQUIRED_LISTS = ("legal_basis", "responsibilities", "accountability_targets", "accountability_cases")
LIST_FIELDS = {
    "responsibilities": T.split_lines, "accountability_cases": T.split_lines,
    "integrity_risks": T.split_lines, "accountability_targets": T.split_targets,
    "responsibility_basis": T.split_basis_texts, "co_departments": T.split_list,
    "supervision_items": T.split_list,
}
TEXT_FIELDS = ("remedy", "remark", "source_document")
LINE_FIELDS = ("name", "sub_name", "unit", "subject", "status", "power_source", "delegator", "phone")
CODE_FIELDS = ("code", "catalog_code", "impl_code")

DEFAULT_CONFIG = {
    "region_code": "370199",
    "code_pattern": r"^(?P<region>\d{6})(?P<department>\d{3})(?P<letters>[A-Z]{2})(?P<main>\d{3})(?P<sub>\d{2})$",
    "categories": [
        {"name": "行政许可", "letters": "XK", "number": "01"}, {"name": "行政处罚", "letters": "CF", "number": "02"},
        {"name": "行政强制", "letters": "QZ", "number": "03"}, {"name": "行政征收", "letters": "ZS", "number": "04"},
        {"name": "行政给付", "letters": "GF", "number": "05"}, {"name": "行政检查", "letters": "JC", "number": "06"},
        {"name": "行政确认", "letters": "QR", "number": "07"}, {"name": "行政奖励", "letters": "JL", "number": "08"},
        {"name": "行政裁决", "letters": "CJ", "number": "09"}, {"name": "其他行政权力", "letters": "QT", "number": "10"},
        {"name": "公共服务", "letters": "FW", "number": "20"},
    ],
}

FATE_IMPORTED, FATE_MERGED, FATE_SKIPPED = "imported", "merged", "skipped"
R_TITLE = "表头之上的标题行 (title row above the header)"
R_HEADER = "表头 (header row)"
R_BLANK = "空行 (blank row)"
R_NO_HEADER = "工作表中没有可识别的表头 (sheet has no recognisable header)"
R_REPEATED_HEADER = "重复的表头 (repeated header row)"
R_NOTE = "说明或分类标题行 (note or section row)"
R_SEQ_ONLY = "只有序号的行 (only a sequence number)"
R_ORPHAN = "首个事项之前、没有事项名称的行 (row before the first item, without an item name)"
R_HIDDEN = "隐藏的行 (hidden row)"
R_HIDDEN_SHEET = "隐藏的工作表 (hidden sheet)"
# columns a layout may lack; the items then say so in provenance.absent, so that `policykit check` reports
# the gap once per list (PWR-SOURCE-COLUMNS) instead of once per item
ABSENT_TRACKED = ("accountability_targets", "levels")
M_CONTINUATION = "续行 (continuation row)"
M_COVERED = "合并单元格覆盖的行 (row covered by merged cells)"
M_MAIN_ROW = "子项的主项名称行 (main-item row of its sub-items)"

_NOTE_START = re.compile(r"^(注|备注|说明|附注|填表|填报|制表|审核|联系|单位负责人|部门负责人|负责人)[:：\s]")
_CATEGORY_IN_NAME = re.compile(r"(行政[\u4e00-\u9fa5]{2}|其他行政权力|其他权力|公共服务)")


# --- configuration ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    region_code: str
    code_pattern: re.Pattern
    letters: dict          # category name → two letters
    numbers: dict = field(default_factory=dict)   # category number as written ("01", "1") → name

    @property
    def categories(self):
        return tuple(self.letters)


def load_config(root=None, data: dict | None = None) -> Config:
    """Categories, region and code pattern from ``policykit.yaml`` under ``root`` (defaults when
    there is none), or from ``data`` given directly."""
    if data is None and root is not None and (Path(root) / "policykit.yaml").is_file():
        from ...lists.config import load_config as _repo_config
        cfg, problems = _repo_config(Path(root))
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise InputError(f"配置文件有错误 (configuration has errors): {errors[0].location()} {errors[0].message}",
                             hint="先用 policykit check 修复 policykit.yaml。")
        numbers = _category_numbers(Path(root))
        data = {"region_code": cfg.region_code, "code_pattern": cfg.code_pattern,
                "categories": [{"name": k, "letters": v, "number": numbers.get(k)} for k, v in cfg.categories.items()]}
    merged = {**DEFAULT_CONFIG, **{k: v for k, v in (data or {}).items() if v is not None and v != ""}}
    from ...safe_regex import UnsafePattern, compile as safe_compile
    try:
        pattern = safe_compile(merged["code_pattern"])   # RE2: the pattern comes from the repository
        letters = {str(c["name"]): str(c["letters"]) for c in merged["categories"]}
        numbers = {}
        for c in merged["categories"]:
            if c.get("number") not in (None, ""):
                numbers[str(c["number"])] = str(c["name"])
                if str(c["number"]).isdigit():
                    numbers.setdefault(str(int(c["number"])), str(c["name"]))   # 01 written as 1
            numbers.setdefault(str(c["letters"]), str(c["name"]))                 # XK
    except (UnsafePattern, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"配置中的 code_pattern 或 categories 无效 (invalid configuration): {exc}") from None
    return Config(str(merged["region_code"]), pattern, letters, numbers)


def _category_numbers(root: Path) -> dict:
    """Category name → its ``number`` in ``policykit.yaml`` (the national two-digit code, 01 行政许可 …),
    read with the list loader (bounded, no link out of the tree); empty when there is none."""
    from ...lists.loader import load_file
    doc = load_file(root / "policykit.yaml", root)
    cats = doc.data.get("categories") if isinstance(doc.data, dict) else None
    out = {}
    for c in cats if isinstance(cats, list) else ():
        if isinstance(c, dict) and c.get("name") and c.get("number") not in (None, ""):
            out[str(c["name"])] = str(c["number"])
    return out


# --- results ---------------------------------------------------------------------------------

@dataclass(eq=False)
class RowFate:
    sheet: str
    row: int                 # 1-based
    fate: str                # imported | merged | skipped
    reason: str = ""
    item: "SourceItem | None" = None   # the item the row was imported as or merged into

    def item_label(self) -> str | None:
        if self.item is None:
            return None
        return item_label(self.item.final if self.item.final is not None else self.item.fields)

    def as_dict(self) -> dict:
        d = {"sheet": self.sheet, "row": self.row, "fate": self.fate}
        if self.item is not None:
            d["item"] = self.item_label()
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(eq=False)
class SourceItem:
    """An item as read from the sheet, before codes and departments."""

    fields: dict
    sheet: str
    rows: list
    subject: str | None = None
    inherited_name: bool = False
    columns: dict = field(default_factory=dict)   # field → 1-based column, for problem positions
    source_code: str | None = None
    provenance: dict | None = None                # from a 来源 column (an exported file)
    has_provenance_column: bool = False
    final: dict | None = None                     # the item as written (after codes)
    department: str | None = None
    keep_cols: set = field(default_factory=set)   # 0-based columns whose text is kept as written (parse lost some)
    absent: list = field(default_factory=list)    # tracked fields the layout has no column for


@dataclass(eq=False)
class SheetResult:
    name: str
    rows: int
    header_row: int | None = None
    columns: dict = field(default_factory=dict)
    items: list = field(default_factory=list)
    fates: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    title: str | None = None
    header_rows: int = 1                          # a header may take two rows (a group row above its columns)
    keys: dict = field(default_factory=dict)      # 0-based column → key of its text in an item's source_text
    absent: list = field(default_factory=list)    # tracked fields the layout has no column for


@dataclass(eq=False)
class FileResult:
    path: str
    format: str = ""
    sheets: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)

    @property
    def data_rows(self) -> int:
        return sum(s.rows - s.header_row for s in self.sheets if s.header_row)

    @property
    def items(self) -> list:
        """The items as written, in source order."""
        return [si.final if si.final is not None else si.fields for s in self.sheets for si in s.items]

    @property
    def fates(self) -> list:
        return [f for s in self.sheets for f in s.fates]

    def fate_counts(self) -> Counter:
        return Counter(f.fate for f in self.fates)


@dataclass(eq=False)
class ImportPlan:
    files: list                     # FileResult per input file
    outputs: dict                   # Path → text (only files whose content changes or is new)
    departments: dict               # id → {"name", "code", "items", "files"}

    @property
    def problems(self) -> list:
        return [p for f in self.files for p in f.problems]


def item_label(item: dict) -> str:
    if item.get("code"):
        return str(item["code"])
    name = item.get("name") or "?"
    return f"{name}/{item['sub_name']}" if item.get("sub_name") else name


# --- sheet analysis ---------------------------------------------------------------------------

def _col_letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def _problem(file_label, sheet, r, c, rule, severity, message) -> Problem:
    """A problem at 0-based (r, c) of ``sheet``."""
    return Problem(file_label, r + 1, c + 1, f"{sheet}!{_col_letter(c)}{r + 1}", rule, severity, message)


def _visible_cols(sheet: Sheet) -> list:
    return [c for c in range(sheet.ncols) if c not in sheet.hidden_cols]


def header_texts(sheet: Sheet, mapping: Mapping, top: int, last: int) -> list:
    """The header text of each column. In a two-row header (a group cell such as 追责 or 责任事项 merged
    above its columns) a lower cell's own text wins when it names a field, else the group and the lower
    text together (责任事项 + 内容), else the lower text; a column without a lower cell keeps the upper one."""
    out = []
    for c in range(sheet.ncols):
        upper = sheet.value(top, c)
        if last == top:
            out.append(upper)
            continue
        lower = sheet.raw(last, c) if sheet.origin(last, c) == (last, c) else None
        if lower is None or not normalize_header(lower):
            out.append(upper)
            continue
        combined = normalize_header(upper) + normalize_header(lower) if normalize_header(upper) else None
        pick = lower
        if mapping.field_for(lower) is None and combined and mapping.field_for(combined) is not None:
            pick = combined
        out.append(pick)
    return out


def _header_fields(heads, mapping: Mapping, cols) -> set:
    fields = set()
    for c in cols:
        f = mapping.field_for(heads[c])
        if f and f != IGNORE:
            fields.add(f)
    return fields


def find_header(sheet: Sheet, mapping: Mapping) -> tuple[int, int] | None:
    """``(top, last)`` 0-based rows of the header (the same row, or two rows when the lower one names more
    fields under group cells), or None. Hidden rows and columns do not count."""
    cols = _visible_cols(sheet)
    for r in range(min(sheet.nrows, mapping.header_search_rows)):
        if r in sheet.hidden_rows:
            continue
        single = _header_fields([sheet.value(r, c) for c in range(sheet.ncols)], mapping, cols)
        if r + 1 < sheet.nrows and r + 1 not in sheet.hidden_rows:
            heads = header_texts(sheet, mapping, r, r + 1)
            pair = _header_fields(heads, mapping, cols)
            lower_named = sum(1 for c in cols if sheet.origin(r + 1, c) == (r + 1, c) and sheet.raw(r + 1, c)
                              and mapping.field_for(heads[c]) is not None)
            below = _header_fields([sheet.value(r + 1, c) for c in range(sheet.ncols)], mapping, cols)
            if "name" in pair and len(pair) >= mapping.header_min_fields and len(pair) > max(len(single), len(below)) \
                    and lower_named >= 2:
                return r, r + 1
        if "name" in single and len(single) >= mapping.header_min_fields:
            return r, r
    return None


def analyse_sheet(sheet: Sheet, mapping: Mapping, config: Config, file_label: str) -> SheetResult:
    """One sheet → its items and the fate of every row (the steps are the functions below, in order)."""
    res = SheetResult(sheet.name, sheet.nrows)
    if sheet.nrows == 0:
        return res
    if sheet.hidden:
        _hidden_sheet(res, sheet, mapping, file_label)
        return res
    found = find_header(sheet, mapping)
    if found is None:
        _headerless_sheet(res, sheet, mapping, file_label)
        return res
    top, hr = found
    res.header_row, res.header_rows = top + 1, hr - top + 1
    heads = header_texts(sheet, mapping, top, hr)
    _rows_above_header(res, sheet, top, hr)
    cols, secondary = _map_columns(res, sheet, mapping, hr, file_label, heads)
    level_extra_cols = [c for c, f in secondary.items() if f == "levels"]
    mapping_cols = (cols, secondary)
    groups, group_fates = _group_rows(res, sheet, mapping, hr, cols, file_label, heads)
    items, item_rows_fates = _build_items(res, sheet, groups, group_fates, cols, level_extra_cols, mapping, config,
                                          file_label)
    folded = _fold_main_rows(items, item_rows_fates)
    _record_items(res, sheet, items, item_rows_fates, folded)
    _category_from_sheet_name(res, sheet, mapping, config, cols, file_label)
    res.fates.sort(key=lambda f: f.row)
    _keep_source_text(res, sheet, mapping_cols, mapping, file_label, hr)
    return res


def _hidden_sheet(res: SheetResult, sheet: Sheet, mapping: Mapping, file_label: str) -> None:
    """A hidden sheet (templates, old versions) is not part of the published list: every row skipped, said once."""
    for r in range(sheet.nrows):
        blank = all(mapping.is_blank(sheet.raw(r, c)) for c in range(sheet.ncols))
        res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_BLANK if blank else R_HIDDEN_SHEET))
    if any(f.reason == R_HIDDEN_SHEET for f in res.fates):
        res.problems.append(_problem(file_label, sheet.name, 0, 0, "IMPORT-HIDDEN", "info",
                                     f"工作表「{sheet.name}」已隐藏，整表未导入 (hidden sheet skipped)"))


def _headerless_sheet(res: SheetResult, sheet: Sheet, mapping: Mapping, file_label: str) -> None:
    """A sheet without a header: every row skipped, and one warning when it has content."""
    for r in range(sheet.nrows):
        blank = all(mapping.is_blank(sheet.raw(r, c)) for c in range(sheet.ncols))
        res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_BLANK if blank else R_NO_HEADER))
    if any(f.reason == R_NO_HEADER for f in res.fates):
        res.problems.append(_problem(file_label, sheet.name, 0, 0, "IMPORT-NO-HEADER", "warning",
                                     f"工作表「{sheet.name}」有内容但找不到表头（需含事项名称等列），整表未导入 "
                                     "(sheet has content but no header row; not imported)"))


def _rows_above_header(res: SheetResult, sheet: Sheet, top: int, hr: int) -> None:
    """Title and blank rows above the header, and the header itself, are skipped; the first title is kept."""
    for r in range(top):
        if r in sheet.hidden_rows:
            res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_HIDDEN))
            continue
        text = " ".join(v for c in range(sheet.ncols) if (v := sheet.raw(r, c)) and v.strip())
        if text.strip() and res.title is None:
            res.title = T.squash(text)
        res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_TITLE if text.strip() else R_BLANK))
    for r in range(top, hr + 1):
        res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_HEADER))


def _map_columns(res: SheetResult, sheet: Sheet, mapping: Mapping, hr: int, file_label: str, heads: list) -> tuple:
    """``(cols, secondary)``: field → first column, and the extra columns of a field (merged or repeated
    headers); columns that are not imported are reported, hidden ones skipped (and said so)."""
    cols: dict = {}
    secondary: dict = {}
    header_fields = {}
    for c in range(sheet.ncols):
        head = heads[c]
        oc = sheet.origin(hr, c)[1]
        if c in sheet.hidden_cols:
            header_fields[c] = None
            if any(not mapping.is_blank(sheet.raw(r, c)) for r in range(hr + 1, sheet.nrows)):
                name = normalize_header(head) or _col_letter(c)
                res.problems.append(_problem(file_label, sheet.name, hr, c, "IMPORT-HIDDEN", "info",
                                             f"第 {_col_letter(c)} 列「{name}」已隐藏，未导入 (hidden column skipped)"))
            continue
        f = mapping.field_for(head)
        if oc != c or (not normalize_header(head) and c > 0 and header_fields.get(c - 1) == "levels"):
            f0 = header_fields.get(oc if oc != c else c - 1)
            header_fields[c] = f0
            if f0:
                secondary[c] = f0
                continue
        header_fields[c] = f
        has_data = any(not mapping.is_blank(sheet.raw(r, c)) for r in range(hr + 1, sheet.nrows))
        if f is not None and f != IGNORE and f not in cols:
            cols[f] = c
            continue
        if f is not None and f != IGNORE:
            secondary[c] = f
        if has_data:
            res.problems.append(_unimported_column_problem(sheet, hr, c, f, head, cols, file_label))
    res.columns = {f: c + 1 for f, c in cols.items()}
    if "category" not in cols:
        res.problems.append(_problem(file_label, sheet.name, hr, 0, "IMPORT-COLUMN-MISSING", "warning",
                                     "没有权力类型列，按工作表名推断 (no category column; inferred from the sheet name)"))
    res.absent = [f for f in ABSENT_TRACKED if f not in cols]
    for f in res.absent:
        what = ABSENT_LABEL[f]
        res.problems.append(_problem(file_label, sheet.name, hr, 0, "IMPORT-COLUMN-MISSING", "warning",
                                     f"表格没有「{what}」列，本表各事项的{what}留空，并在来源中注明 (provenance.absent)，"
                                     f"policykit check 对每份清单只报告一次 (no {f} column; said once per list by "
                                     "PWR-SOURCE-COLUMNS)"))
    res.keys = _text_keys(heads, sheet.ncols)
    return cols, secondary


ABSENT_LABEL = {"accountability_targets": "追责对象", "levels": "实施层级"}


def _text_keys(heads: list, ncols: int) -> dict:
    """Column → the key its text is kept under in ``source_text``: the header as written (whitespace
    removed), the column letter added where a header repeats or is blank."""
    keys, seen = {}, set()
    for c in range(ncols):
        name = normalize_header(heads[c]) if c < len(heads) else ""
        keys[c] = f"{_col_letter(c)}列" if not name else f"{name}（{_col_letter(c)}列）" if name in seen else name
        seen.add(name)
    return keys


def _unimported_column_problem(sheet: Sheet, hr: int, c: int, f, head, cols: dict, file_label: str) -> Problem:
    """Why a column with data is not imported: unknown, unnamed, known without a field, or a duplicate."""
    name = normalize_header(head)
    if f is None and name:
        return _problem(file_label, sheet.name, hr, c, "IMPORT-COLUMN-UNKNOWN", "warning",
                        f"列「{name}」不在映射中，未导入 (unknown column, not imported; add it with --mapping)")
    if f is None:
        return _problem(file_label, sheet.name, hr, c, "IMPORT-COLUMN-UNNAMED", "warning",
                        f"第 {_col_letter(c)} 列没有表头但有内容，未导入 (column without a header has data; not imported)")
    if f == IGNORE:
        return _problem(file_label, sheet.name, hr, c, "IMPORT-COLUMN-IGNORED", "info",
                        f"列「{name}」无对应字段，未导入 (known column without a field, not imported)")
    return _problem(file_label, sheet.name, hr, c, "IMPORT-COLUMN-DUPLICATE", "info",
                    f"列「{name}」重复出现，只导入第 {_col_letter(cols[f])} 列 (duplicate column; only the first is imported)")


_STARTS = "starts an item"


class _RowRoles:
    """Tells what a row below the header is: the start of an item, a row to skip (and why), or a continuation."""

    def __init__(self, sheet: Sheet, mapping: Mapping, hr: int, cols: dict, heads: list):
        self.sheet, self.mapping = sheet, mapping
        self.header_cells = {c: mapping.field_for(heads[c]) for c in range(sheet.ncols)}
        self.name_c, self.sub_c, self.seq_c = cols.get("name"), cols.get("sub_name"), cols.get("seq")

    def own(self, r: int, c) -> bool:
        """The cell (r, c) is the origin of its merge (or not merged) and is not blank."""
        return c is not None and self.sheet.origin(r, c) == (r, c) and not self.mapping.is_blank(self.sheet.raw(r, c))

    def role(self, r: int, owned: list):
        """_STARTS, a skip reason (repeated header, note, sequence number only), or None for a continuation row."""
        sheet, mapping, header_cells = self.sheet, self.mapping, self.header_cells
        repeats = sum(1 for c in owned if header_cells.get(c) and
                      mapping.field_for(sheet.raw(r, c)) == header_cells[c] and header_cells[c] != IGNORE)
        if repeats >= mapping.header_min_fields:
            return R_REPEATED_HEADER
        names = self.own(r, self.name_c) or self.own(r, self.sub_c)
        if not names and self._is_note(r, owned):
            return R_NOTE
        if names:
            return _STARTS
        if self.own(r, self.seq_c):
            return R_SEQ_ONLY if owned == [self.seq_c] else _STARTS
        return None

    def _is_note(self, r: int, owned: list) -> bool:
        """A row that is one wide merged cell, or text that begins like a note (注：, 填表 …)."""
        first_text = (self.sheet.raw(r, owned[0]) or "").strip()
        merge = self.sheet.merge_of(r, owned[0])
        one_wide_merge = (merge is not None and merge[3] - merge[2] >= 3 and merge[0] == r
                          and all(merge[2] <= c < merge[3] for c in owned))
        return bool(one_wide_merge or _NOTE_START.match(first_text))


def _group_rows(res: SheetResult, sheet: Sheet, mapping: Mapping, hr: int, cols: dict, file_label: str,
                heads: list) -> tuple:
    """``(groups, group_fates)``: the rows of each item, and per group its merged rows with their reason;
    skipped rows get their fate (an orphan row also a warning; a hidden row is skipped as hidden)."""
    roles = _RowRoles(sheet, mapping, hr, cols, heads)
    visible = _visible_cols(sheet)
    groups: list[list[int]] = []
    group_fates: dict[int, list] = {}
    current: list[int] | None = None
    for r in range(hr + 1, sheet.nrows):
        if r in sheet.hidden_rows:
            res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_HIDDEN))
            if any(not mapping.is_blank(sheet.raw(r, c)) for c in range(sheet.ncols)):
                res.problems.append(_problem(file_label, sheet.name, r, 0, "IMPORT-HIDDEN", "info",
                                             f"第 {r + 1} 行已隐藏，未导入 (hidden row skipped)"))
            continue
        owned = [c for c in visible if roles.own(r, c)]
        if not owned:
            covered_v = any(sheet.origin(r, c)[0] < r for c in visible)
            if covered_v and current is not None:
                current.append(r)
                group_fates.setdefault(len(groups) - 1, []).append((r, M_COVERED))
            else:
                res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_BLANK))
            continue
        role = roles.role(r, owned)
        if role is _STARTS:
            current = [r]
            groups.append(current)
        elif role is not None:
            res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, role))
        elif current is None:
            res.fates.append(RowFate(sheet.name, r + 1, FATE_SKIPPED, R_ORPHAN))
            res.problems.append(_problem(file_label, sheet.name, r, owned[0], "IMPORT-ROW-ORPHAN", "warning",
                                         f"第 {r + 1} 行有内容但在首个事项之前且没有事项名称，未导入 (row with content "
                                         "before the first item; not imported)"))
        else:
            current.append(r)
            group_fates.setdefault(len(groups) - 1, []).append((r, M_CONTINUATION))
    return groups, group_fates


def _build_items(res, sheet, groups, group_fates, cols, level_extra_cols, mapping, config, file_label) -> tuple:
    """``(items, item_rows_fates)``: an item per group of rows, a sub-item without a name taking the previous one."""
    items: list[SourceItem] = []
    item_rows_fates: list[list] = []
    prev_name = None
    for gi, rows in enumerate(groups):
        item, probs = _build_item(sheet, rows, cols, level_extra_cols, mapping, config, file_label, prev_name)
        item.absent = list(res.absent)
        res.problems += probs
        items.append(item)
        item_rows_fates.append(group_fates.get(gi, []))
        if item.fields.get("name"):
            prev_name = item.fields["name"]
    return items, item_rows_fates


def _fold_main_rows(items: list, item_rows_fates: list) -> set:
    """A row naming only the main item, followed by its sub-items, is folded into the first sub-item
    (which, with its siblings, takes a missing category from it); returns the folded indexes."""
    folded = set()
    for i in range(len(items) - 1):
        a, b = items[i], items[i + 1]
        if (not a.fields.get("sub_name") and b.fields.get("sub_name") and b.inherited_name
                and a.fields.get("name") == b.fields.get("name") and not _has_content(a.fields)):
            folded.add(i)
            b.rows = sorted(a.rows + b.rows)
            item_rows_fates[i + 1] = [(a.rows[0], M_MAIN_ROW)] + [(r, M_MAIN_ROW) for r in a.rows[1:]] \
                + item_rows_fates[i + 1]
            _inherit_category(items, i)
    return folded


def _inherit_category(items: list, i: int) -> None:
    """The sub-items following the main-item row ``items[i]`` take its category when they have none."""
    a = items[i]
    for j in range(i + 1, len(items)):
        if not (items[j].inherited_name and items[j].fields.get("name") == a.fields.get("name")):
            break
        for k in ("category",):
            if not items[j].fields.get(k) and a.fields.get(k):
                items[j].fields[k] = a.fields[k]


def _record_items(res: SheetResult, sheet: Sheet, items: list, item_rows_fates: list, folded: set) -> None:
    """The items that remain, with the fates of their rows: the first imported, the others merged."""
    for i, item in enumerate(items):
        if i in folded:
            continue
        res.items.append(item)
        first = min(item.rows)
        res.fates.append(RowFate(sheet.name, first + 1, FATE_IMPORTED, item=item))
        for r, reason in item_rows_fates[i]:
            if r != first:
                res.fates.append(RowFate(sheet.name, r + 1, FATE_MERGED, reason, item=item))
        item.rows = sorted(item.rows)


def _category_from_sheet_name(res, sheet, mapping, config, cols, file_label) -> None:
    """Items without a category take the one the sheet name gives (info), else an error each."""
    sheet_category = _category_from_text(sheet.name, mapping, config)
    for item in res.items:
        if item.fields.get("category"):
            continue
        if sheet_category:
            item.fields["category"] = sheet_category
            res.problems.append(_problem(file_label, sheet.name, item.rows[0], cols.get("category", 0),
                                         "IMPORT-CATEGORY", "info",
                                         f"权力类型为空，按工作表名取「{sheet_category}」 (category taken from the "
                                         "sheet name)"))
        else:
            res.problems.append(_problem(file_label, sheet.name, item.rows[0], cols.get("category", 0),
                                         "IMPORT-CATEGORY", "error",
                                         "权力类型为空 (category is missing)"))


def _has_content(fields: dict) -> bool:
    return any(fields.get(k) for k in ("legal_basis", "unit", "responsibilities", "accountability_cases",
                                       "accountability_targets", "responsibility_basis"))


def _category_from_text(text: str, mapping: Mapping, config: Config) -> str | None:
    for m in _CATEGORY_IN_NAME.finditer(T.nospace(text) or ""):
        cat = mapping.category(m.group(1), config.letters)
        if cat in config.letters:
            return cat
    return None


def _field_texts(sheet: Sheet, rows, c) -> list:
    """The distinct cells of column ``c`` that rows ``rows`` show (a merge counts once), in order."""
    seen, out = set(), []
    for r in rows:
        o = sheet.origin(r, c)
        if o in seen:
            continue
        seen.add(o)
        v = sheet.raw(*o)
        if v is not None:
            out.append((o, v))
    return out


class _ItemCells:
    """The cells of one item's rows, read by field, and the problems found in them (located at r0 by default)."""

    def __init__(self, sheet, rows, cols, mapping, file_label):
        self.sheet, self.rows, self.cols, self.mapping, self.file_label = sheet, rows, cols, mapping, file_label
        self.r0 = rows[0]
        self.problems: list = []

    def p(self, c, rule, severity, message, r=None):
        """Report a problem at column ``c`` (0 when unknown) of row ``r`` (default: the item's first row)."""
        r = self.r0 if r is None else r
        self.problems.append(_problem(self.file_label, self.sheet.name, r, c if c is not None else 0, rule, severity,
                                      message))

    def texts(self, key) -> list:
        """``[(origin, text)]`` of the field's non-blank cells in the item's rows (a merge counts once)."""
        c = self.cols.get(key)
        if c is None:
            return []
        return [(o, v) for o, v in _field_texts(self.sheet, self.rows, c) if not self.mapping.is_blank(v)]


def _build_item(sheet, rows, cols, level_extra_cols, mapping, config, file_label, prev_name):
    """The rows of one item → a SourceItem and its problems (one step per kind of field)."""
    f: dict = {}
    item = SourceItem(fields=f, sheet=sheet.name, rows=list(rows))
    item.columns = {k: c + 1 for k, c in cols.items()}
    cells = _ItemCells(sheet, rows, cols, mapping, file_label)
    _line_fields(cells, item)
    _item_name(cells, item, prev_name)
    _item_category(cells, f, config)
    _legal_basis(cells, f, item)
    _levels(cells, f)
    _sanding_duty(cells, f)
    _list_and_text_fields(cells, f)
    _source_code_and_provenance(cells, item, config)
    _source_text_column(cells, f)
    if f.get("status") in mapping.statuses:
        f["status"] = mapping.statuses[f["status"]]
    for key in ("power_source", "status"):
        if key not in f and key in mapping.defaults:
            f[key] = mapping.defaults[key]
    return item, cells.problems


def _line_fields(cells: _ItemCells, item: SourceItem) -> None:
    """Names, codes and other one-line values: the first distinct value (the unit split into units)."""
    f = item.fields
    for key in LINE_FIELDS + CODE_FIELDS:
        vals = cells.texts(key)
        if not vals:
            continue
        conv = T.nospace if key in CODE_FIELDS else T.squash
        values = [conv(v) for _, v in vals]
        values = [v for v in dict.fromkeys(values) if v]
        if not values:
            continue
        if key == "unit":
            _units(cells, f, values)
            if len(f["_units"]) > 1:        # the item keeps one unit: the cell naming them all is kept as written
                item.keep_cols.add(cells.cols["unit"])
        elif key == "subject":
            item.subject = values[0]
        elif key == "sub_name":
            f[key] = T.strip_numbering(values[0]) or values[0]
        else:
            f[key] = values[0]
            if len(values) > 1 and key in ("name", "code"):
                cells.p(cells.cols[key], "IMPORT-MERGE-CONFLICT", "warning",
                        f"合并的行中{key}不一致，取第一个：{'；'.join(values)} (merged rows disagree; first kept)")


def _units(cells: _ItemCells, f: dict, values: list) -> None:
    """The 承办机构 cells → the item's unit (the first) and all units named (for the organisation, and the cell
    as written in the item's source_text)."""
    units = []
    for v in values:
        units += [u for u in _split_units(v) if u not in units]
    f["unit"] = units[0]
    f["_units"] = units
    if len(units) > 1:
        cells.p(cells.cols["unit"], "IMPORT-UNIT-MULTIPLE", "warning",
                f"承办机构列出 {len(units)} 个机构（{'、'.join(units)}），事项只能有一个承办机构，取第一个，"
                "原文保留在 source_text (several units named; the first is the item's unit, the cell is kept)")


def _item_name(cells: _ItemCells, item: SourceItem, prev_name) -> None:
    """The 事项名称: from a cell covered by a merge, else inherited by a sub-item from the previous item, else an error."""
    f, cols, r0 = item.fields, cells.cols, cells.r0
    if "name" in f:
        if cols.get("name") is not None and cells.sheet.origin(r0, cols["name"]) != (r0, cols["name"]):
            item.inherited_name = True
        return
    c = cols.get("name")
    if c is not None:
        v = cells.sheet.value(r0, c)
        if not cells.mapping.is_blank(v):
            f["name"] = T.squash(v)
    if "name" not in f and prev_name and "sub_name" in f:
        f["name"] = prev_name
        item.inherited_name = True
    if "name" not in f:
        cells.p(cols.get("name"), "IMPORT-NAME", "error", "事项名称为空 (item name is missing)")


def _item_category(cells: _ItemCells, f: dict, config: Config) -> None:
    """The 权力类型, normalised; unknown or conflicting values are reported."""
    cats = [config.numbers.get(T.nospace(v) or "") or cells.mapping.category(v, config.letters)
            for _, v in cells.texts("category")]
    cats = list(dict.fromkeys(c for c in cats if c))
    if not cats:
        return
    f["category"] = cats[0]
    if cats[0] not in config.letters:
        cells.p(cells.cols["category"], "IMPORT-CATEGORY", "error",
                f"未知的权力类型「{cats[0]}」，不在 policykit.yaml categories 中 (unknown category)")
    if len(cats) > 1:
        cells.p(cells.cols["category"], "IMPORT-MERGE-CONFLICT", "warning",
                f"合并的行中权力类型不一致：{'、'.join(cats)}，取第一个 (merged rows disagree on the category)")


def _legal_basis(cells: _ItemCells, f: dict, item: SourceItem) -> None:
    """The 实施依据 cells → distinct legal-basis entries, with the parser's notes located at their cell; a cell
    the parser could not read whole (a warning) is also kept as written, in the item's source_text."""
    entries = []
    for (orow, ocol), v in cells.texts("legal_basis"):
        got, notes = T.parse_legal_basis(v, cells.mapping)
        for e in got:
            if e not in entries:
                entries.append(e)
        for rule, severity, message in notes:
            cells.p(ocol, rule, severity, message, r=orow)
            if severity != "info":
                item.keep_cols.add(ocol)
    f["legal_basis"] = entries


def _levels(cells: _ItemCells, f: dict) -> None:
    """Implementation levels (the first column holds the level; a second 权限 column only describes it)."""
    levels = []
    for (orow, ocol), v in cells.texts("levels"):
        found, _rest = cells.mapping.find_levels(v)
        if not found:
            found = cells.mapping.levels_from_text(v)
            if found:
                cells.p(ocol, "IMPORT-LEVEL", "info",
                        f"实施层级按说明文字「{T.squash(v)[:30]}」取{'、'.join(found)}，原文保留在 source_text "
                        "(level read from the prose)", r=orow)
        if not found:
            cells.p(ocol, "IMPORT-LEVEL", "warning",
                    f"未识别实施层级：「{T.squash(v)[:30]}」 (no implementation level recognised)", r=orow)
        levels += [x for x in found if x not in levels]
    if levels:
        f["levels"] = levels


def _sanding_duty(cells: _ItemCells, f: dict) -> None:
    """部门职责: a number is the 三定 duty it implements; text has no field (summarised per sheet)."""
    for _, v in cells.texts("sanding_duty"):
        m = re.fullmatch(r"(?:第)?(\d{1,3})(?:项|条)?", T.nospace(v) or "")
        if m and int(m.group(1)) >= 1:
            f["sanding_duty"] = int(m.group(1))
            break


def _list_and_text_fields(cells: _ItemCells, f: dict) -> None:
    """List fields split by their splitter (required lists written even when empty) and multi-line texts."""
    for key, split in LIST_FIELDS.items():
        out = []
        for _, v in cells.texts(key):
            out += [x for x in split(v) if x not in out] if key != "responsibilities" else split(v)
        if out or key in REQUIRED_LISTS:
            f[key] = out
    for key in TEXT_FIELDS:
        vals = list(dict.fromkeys(T.clean_text(v) for _, v in cells.texts(key)))
        vals = [v for v in vals if v]
        if vals:
            f[key] = "\n".join(vals)


def _source_code_and_provenance(cells: _ItemCells, item: SourceItem, config: Config) -> None:
    """Keep a code the source gives (warning when it does not match the pattern) and a 来源 column's provenance."""
    f = item.fields
    for key in ("code",):
        if f.get(key):
            item.source_code = f[key]
            if not config.code_pattern.match(f[key]):
                cells.p(cells.cols[key], "IMPORT-CODE", "warning",
                        f"事项编码「{f[key]}」不符合 code_pattern (item code does not match the code pattern)")
    if "provenance" in cells.cols:
        item.has_provenance_column = True
        vals = cells.texts("provenance")
        if vals:
            item.provenance = parse_provenance(vals[0][1])


def _source_text_column(cells: _ItemCells, f: dict) -> None:
    """An exported file's 原文 column (JSON, see text.format_source_text) → source_text; other text is reported."""
    for (orow, ocol), v in cells.texts("source_text"):
        data = T.parse_source_text(v)
        if data is None:
            cells.p(ocol, "IMPORT-SOURCE-TEXT", "warning", "「原文」列不是导出时写入的格式，按单元格文字保留 "
                    "(the 原文 cell is not in the exported format; kept as text)", r=orow)
            data = {"原文": v.strip()}
        f.setdefault("source_text", {}).update(data)


def _split_units(text: str) -> list:
    """'农业科（农产品质量安全监管科)、畜牧兽医科' → two units; separators inside brackets don't split."""
    s = T.nospace(text) or ""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "（(〔[【":
            depth += 1
        elif ch in "）)〕]】":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,；;/":
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return [u.strip("。.") for u in out if u.strip("。.")] or ([s] if s else [])


def _keep_source_text(res, sheet, mapping_cols, mapping, file_label, hr):
    """Nothing discarded: text with no field of its own (权限 descriptions, 部门职责 text, columns the mapping
    does not know, a repeated column that differs, a 实施依据 cell the parser could not read whole) is kept as
    written in the item's ``source_text``, under its column's header; one info problem per column says so."""
    cols, secondary = mapping_cols
    fields_at = {c: f for f, c in cols.items()}
    counts: Counter = Counter()
    for item in res.items:
        kept = {}
        for c in _visible_cols(sheet):
            texts = _kept_texts(sheet, item, c, fields_at.get(c), secondary.get(c), cols, mapping)
            if texts:
                kept[res.keys.get(c, _col_letter(c))] = "\n".join(texts)
                if c not in item.keep_cols:
                    counts[c] += 1
        if kept:
            item.fields["source_text"] = {**item.fields.get("source_text", {}), **kept}
    for c, n in sorted(counts.items()):
        res.problems.append(_problem(file_label, sheet.name, hr, c, "IMPORT-TEXT-KEPT", "info",
                                     f"第 {_col_letter(c)} 列「{res.keys.get(c)}」有 {n} 个单元格的文字无对应字段，原文保留在"
                                     f"事项的 source_text 中 ({n} cells of text without a field, kept as written)"))


def _kept_texts(sheet, item, c, field_, secondary_field, cols, mapping) -> list:
    """The texts of column ``c`` in ``item``'s rows that no field carries (empty when a field carries them)."""
    texts = [v.strip() for _, v in _field_texts(sheet, item.rows, c) if not mapping.is_blank(v)]
    texts = list(dict.fromkeys(t for t in texts if t))
    if not texts:
        return []
    if c in item.keep_cols:
        return texts
    if field_ == "levels":
        return [t for t in texts if mapping.find_levels(t)[1]]
    if field_ == "sanding_duty":
        return [t for t in texts if not re.fullmatch(r"(?:第)?\d{1,3}(?:项|条)?", T.nospace(t) or "")]
    if field_ is not None:
        return []
    if secondary_field == "levels":
        return texts
    if secondary_field is not None and secondary_field != IGNORE and secondary_field in cols:
        first = [v.strip() for _, v in _field_texts(sheet, item.rows, cols[secondary_field]) if v]
        return [t for t in texts if t not in first]
    return texts


# --- provenance column (exported files) -------------------------------------------------------

_PROV_SEP = " › "


def format_provenance(prov: dict | None) -> str:
    if not prov:
        return ""
    parts = [str(prov.get("file", ""))]
    if prov.get("sheet") is not None or prov.get("rows"):
        parts.append(str(prov.get("sheet", "")))
    if prov.get("rows"):
        parts.append("行 " + _ranges(prov["rows"]))
    if prov.get("absent"):
        parts.append("未列 " + "、".join(ABSENT_LABEL.get(f, f) for f in prov["absent"]))
    return _PROV_SEP.join(parts)


def parse_provenance(text: str) -> dict | None:
    parts = str(text).strip().split(_PROV_SEP)
    if not parts or not parts[0]:
        return None
    prov = {"file": parts[0]}
    if len(parts) > 1:
        prov["sheet"] = parts[1]
    if len(parts) > 2 and parts[2].startswith("行 "):
        rows = []
        for chunk in parts[2][2:].split(","):
            chunk = chunk.strip()
            if re.fullmatch(r"\d+-\d+", chunk):
                a, b = map(int, chunk.split("-"))
                rows += list(range(a, b + 1))
            elif chunk.isdigit():
                rows.append(int(chunk))
        prov["rows"] = rows
    absent_part = next((x for x in parts[2:] if x.startswith("未列 ")), None)
    if absent_part:
        by_label = {v: k for k, v in ABSENT_LABEL.items()}
        prov["absent"] = [by_label[x] for x in absent_part[3:].split("、") if x in by_label]
    return prov


def _ranges(rows) -> str:
    rows = sorted(set(rows))
    out, i = [], 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        out.append(str(rows[i]) if i == j else f"{rows[i]}-{rows[j]}")
        i = j + 1
    return ",".join(out)


# --- departments -------------------------------------------------------------------------------

_YEAR = re.compile(r"(19|20)\d{2}年(度)?")


_GENERIC = re.compile(r"^(地州市|县市区|地州|地市|县市|市|县)")


def department_name(subjects: Counter, title: str | None, file_stem: str,
                    prefer: Counter | None = None) -> tuple[str | None, str | None]:
    """``(name, short_name)`` from the 行使主体 values, completed from the title or file name when
    the subject is a short or template form (市统计局 → 克拉玛依市统计局, 地州市商务主管部门 →
    克拉玛依市商务局). Ties between subjects are broken by ``prefer`` (the whole file's counts)."""
    candidates = [c for c in (_name_from_title(title), _name_from_title(file_stem)) if c]
    if not subjects:
        return (candidates[0] if candidates else None), None
    order = list(subjects)
    prefer = prefer or Counter()
    subject = max(order, key=lambda s: (subjects[s], prefer[s], -order.index(s)))
    plain = re.sub(r"[（(][^）)]*[)）]", "", subject)
    core = _GENERIC.sub("", plain)
    for cand in candidates:
        if cand != subject and len(core) >= 2 and cand.endswith(core) and len(cand) > len(plain):
            return cand, subject
    template = subject.startswith(("地州市", "县市区", "地州"))
    if template:
        for cand in candidates:
            if re.search(r"(局|委员会|办公室|厅|部|委|中心|队|院)$", cand):
                return cand, None
    return subject, None


def _name_from_title(text: str | None) -> str | None:
    if not text:
        return None
    s = T.nospace(text) or ""
    s = re.sub(r"^(附件[0-9一二三四五六七八九十]*[:：]?)", "", s)
    s = re.sub(r"[（(]\d+[)）]$", "", s)
    s = _YEAR.sub("", s)
    s = re.split(r"权责清单|权力清单|责任清单|地县两级|区地县|指导目录", s)[0]
    return s.strip("：:（(") or None


def _code_for(name: str, used: set) -> str:
    """A 3-digit department code derived from the name (stable), avoiding codes in ``used``."""
    n = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % 900
    for k in range(900):
        code = f"{100 + (n + k) % 900:03d}"
        if code not in used:
            return code
    raise InputError("三位部门编码已用尽 (no free 3-digit department code)")


def read_yaml_file(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"无法读取已有文件 (cannot read existing file): {path}: {exc}",
                         hint="先修复该文件（policykit check 会指出位置），再导入。") from None


def load_organizations(out_dir: Path) -> dict:
    """``{id: (path, data)}`` of ``organizations/*.yaml`` under ``out_dir``."""
    orgs = {}
    d = out_dir / "organizations"
    if d.is_dir():
        for path in sorted(d.glob("*.yaml")):
            data = read_yaml_file(path)
            if isinstance(data, dict):
                orgs[str(data.get("id") or path.stem)] = (path, data)
    return orgs


# --- items → YAML -------------------------------------------------------------------------------

def _ordered(fields: dict) -> dict:
    out = {k: fields[k] for k in ITEM_KEYS if k in fields}
    for k in fields:          # keys the format does not know (kept from an existing file) go last
        if k not in out and not k.startswith("_"):
            out[k] = fields[k]
    return out


def assign_codes(items: list, dept_code: str, config: Config, existing: list) -> None:
    """Give every item without a source code a code: the one of the existing item with the same
    (name, sub_name, category), else a new one ``region + dept + letters + main + sub``.

    Items sharing a name and category share the main number; a sub-item gets the next free sub
    number, an item without 子项 gets 00. Deterministic: same items, same existing file → same codes.
    """
    used = set()
    mains: dict = {}          # (letters, name) → main
    max_main: dict = Counter()
    subs_used: dict = {}      # (letters, main) → set of sub numbers

    def note(code):
        m = config.code_pattern.match(code or "")
        used.add(code)
        if not m or "main" not in m.groupdict():
            return None
        letters, main, sub = m.group("letters"), m.group("main"), m.group("sub")
        max_main[letters] = max(max_main[letters], int(main))
        subs_used.setdefault((letters, main), set()).add(sub)
        return letters, main

    existing_codes = {}
    for e in existing:
        if isinstance(e, dict) and e.get("code"):
            existing_codes.setdefault((e.get("name"), e.get("sub_name"), e.get("category")), []).append(str(e["code"]))
            note(str(e["code"]))
    for it in items:
        if it.get("code"):
            lm = note(it["code"])
            if lm:
                mains.setdefault((lm[0], it.get("name")), lm[1])
    taken_now = {it["code"] for it in items if it.get("code")}
    for it in items:
        if it.get("code"):
            continue
        key = (it.get("name"), it.get("sub_name"), it.get("category"))
        old = next((c for c in existing_codes.get(key, []) if c not in taken_now), None)
        if old:
            it["code"] = old
            taken_now.add(old)
            lm = config.code_pattern.match(old)
            if lm:
                mains.setdefault((lm.group("letters"), it.get("name")), lm.group("main"))
    for it in items:
        if it.get("code"):
            continue
        letters = config.letters.get(it.get("category"))
        if not letters:
            continue
        mk = (letters, it.get("name"))
        main = mains.get(mk)
        if main is None or (not it.get("sub_name") and "00" in subs_used.get((letters, main), set())):
            max_main[letters] += 1
            main = f"{max_main[letters]:03d}"
            if mk not in mains:
                mains[mk] = main
        taken = subs_used.setdefault((letters, main), set())
        if it.get("sub_name"):
            n = 1
            while f"{n:02d}" in taken:
                n += 1
            sub = f"{n:02d}"
        else:
            sub = "00"
        taken.add(sub)
        it["code"] = f"{config.region_code}{dept_code}{letters}{main}{sub}"
        used.add(it["code"])


def merge_into_existing(existing: list, new_by_file: dict) -> list:
    """Replace, in place, the existing items that the import brings again.

    An existing item is replaced when it came from one of the imported files (its provenance)
    or has the code of an imported item. The new items of a file take the place of the first
    item they replace; existing items from other files, and hand-written ones, stay where they
    are; files not seen before are appended. So re-importing gives an item-level diff.
    """
    group_of_code = {}
    for src, items in new_by_file.items():
        for it in items:
            if it.get("code"):
                group_of_code.setdefault(str(it["code"]), src)
    out, emitted = [], set()
    for e in existing:
        prov = e.get("provenance") if isinstance(e.get("provenance"), dict) else {}
        src = prov.get("file") if prov.get("file") in new_by_file else group_of_code.get(str(e.get("code")))
        if src is None:
            out.append(e)
            continue
        if src not in emitted:
            out += new_by_file[src]
            emitted.add(src)
    for src, items in new_by_file.items():
        if src not in emitted:
            out += items
    return out


# --- the whole import ---------------------------------------------------------------------------

def plan_import(paths, *, out_dir, department: str | None = None, mapping: Mapping | None = None,
                config: Config | None = None, progress=None, limits: ImportLimits | None = None) -> ImportPlan:
    """Read ``paths`` and compute every file to write under ``out_dir``; writes nothing.

    Raises :class:`InputError` if any input cannot be read at all (or exceeds ``limits``, by default
    :meth:`ImportLimits.from_env`). ``progress(n, total, file_result)`` is called after each file is read.
    """
    out_dir = Path(out_dir)
    mapping = mapping or load_mapping()
    config = config or load_config(out_dir.parent)
    limits = limits or ImportLimits.from_env()
    files: list[FileResult] = []
    groups: dict = {}        # department key → [(FileResult, SheetResult)]
    metas: dict = {}         # department key → what is known about it
    for n, path in enumerate(paths, 1):
        t0 = time.perf_counter()
        fr = _read_file(path, mapping, config, limits)
        _group_by_department(fr, department, config, groups, metas)
        fr.seconds = time.perf_counter() - t0
        files.append(fr)
        if progress:
            progress(n, len(paths), fr)

    orgs = load_organizations(out_dir)
    used_codes = {str(d.get("code")) for _, d in orgs.values() if d.get("code")}
    by_name = _organizations_by_name(orgs)
    outputs: dict = {}
    departments: dict = {}
    for key, dept_groups in groups.items():
        t0 = time.perf_counter()
        meta = metas[key]
        dept_id, dept_code, org_path, org = _identify_department(key, meta, department, orgs, by_name, used_codes)
        outs, info = build_department(dept_id, dept_code, meta, dept_groups, out_dir, org_path, org, config)
        outputs.update(outs)
        departments[dept_id] = info
        _share_time(dept_groups, dept_id, t0)
    for fr in files:
        _subject_notes(fr, departments)
    return ImportPlan(files, outputs, departments)


def _read_file(path, mapping: Mapping, config: Config, limits: ImportLimits) -> FileResult:
    """One spreadsheet → its sheets analysed, with the reader's notes and the cells it left out as problems."""
    label = str(path)
    wb = read_workbook(path, limits)
    fr = FileResult(label, wb.format)
    for note in wb.notes:
        fr.problems.append(Problem(label, 1, 1, "", "IMPORT-MERGED-UNAVAILABLE", "warning", note))
    for sheet in wb.sheets:
        sr = analyse_sheet(sheet, mapping, config, label)
        _left_out_cells(sr, sheet, label, limits)
        fr.sheets.append(sr)
        fr.problems += sr.problems
    if not any(sr.items for sr in fr.sheets):
        raise _no_items(label, wb, fr, mapping)
    return fr


def _no_items(label: str, wb, fr: FileResult, mapping: Mapping) -> InputError:
    """A file that yields no item at all is an error (exit 2), never a silent success: say why per sheet."""
    why = []
    for sheet, sr in zip(wb.sheets, fr.sheets):
        if sheet.hidden:
            why.append(f"「{sheet.name}」已隐藏")
        elif sr.header_row is None:
            first = next((T.squash(v)[:20] for row in sheet.cells[:mapping.header_search_rows] for v in row
                          if v and T.squash(v)), None)
            why.append(f"「{sheet.name}」前 {mapping.header_search_rows} 行中没有可识别的表头"
                       + (f"（首个单元格：{first}）" if first else "（空表）"))
        else:
            why.append(f"「{sheet.name}」第 {sr.header_row} 行是表头，但其下没有事项")
    return InputError(f"{label}: [IMPORT-NO-ITEMS] 没有导入任何事项 (the file yields no items): " + "；".join(why or ["没有工作表"]),
                      hint=f"表头须在前 {mapping.header_search_rows} 行内，至少含「事项名称」等 {mapping.header_min_fields} 个已知列；"
                           "表头用词不同时，用 --mapping MAP.yaml 补充（格式见 docs/import.md）。")


def _left_out_cells(sr: SheetResult, sheet: Sheet, label: str, limits: ImportLimits) -> None:
    """Errors for the cells the reader left out: over the length limit, or formulas without a stored value."""
    for r, c, chars in sheet.oversize:
        sr.problems.append(_problem(label, sheet.name, r, c, "IMPORT-LIMIT", "error",
                                    f"单元格内容 {chars:,} 字符，超过上限 {limits.max_cell_chars:,}，该单元格未导入 "
                                    "(cell longer than the limit; left out)"))
    for r, c in sheet.formulas:
        sr.problems.append(_problem(label, sheet.name, r, c, "IMPORT-FORMULA", "error",
                                    "单元格是公式，文件中没有保存它的计算结果，未导入（公式不会被执行）；请在 Excel/WPS 中打开后保存，"
                                    "或把公式改为值，再导入 "
                                    "(formula without a stored value; left out, never evaluated)"))


def _group_by_department(fr: FileResult, department, config: Config, groups: dict, metas: dict) -> None:
    """Assign each sheet with items to a department key (the given one, else one per dominant 行使主体, so a
    地县两级 list with a sheet per level gives two) and gather what is known about that department."""
    stem = Path(fr.path).stem
    file_subjects = Counter(it.subject for sr in fr.sheets for it in sr.items if it.subject)
    for sr in fr.sheets:
        if not sr.items:
            continue
        subjects = Counter(it.subject for it in sr.items if it.subject)
        if department:
            key = department
        else:
            key = department_name(subjects, sr.title, stem, file_subjects)[0] or stem
        meta = metas.setdefault(key, {"subjects": Counter(), "source_codes": Counter(),
                                      "title": sr.title, "stem": stem, "prefer": file_subjects})
        meta["subjects"].update(subjects)
        for it in sr.items:
            m = config.code_pattern.match(it.source_code or "")
            if m and "department" in m.groupdict():
                meta["source_codes"][m.group("department")] += 1
        groups.setdefault(key, []).append((fr, sr))


def _organizations_by_name(orgs: dict) -> dict:
    """Name and short name → id of the organisations already in the repository (the first one wins)."""
    by_name: dict = {}
    for oid, (_, d) in orgs.items():
        for k in ("name", "short_name"):
            if d.get(k):
                by_name.setdefault(str(d[k]), oid)
    return by_name


def _identify_department(key, meta: dict, department, orgs: dict, by_name: dict, used_codes: set) -> tuple:
    """``(id, code, org_path, org)`` of a department key: its name settled into ``meta``, the existing
    organisation it matches by name, and its code (the organisation's, else the source's, else a new one)."""
    name, short = department_name(meta["subjects"], meta["title"], meta["stem"], meta["prefer"])
    meta["name"], meta["short_name"] = name or key, short
    if department:
        dept_id = department
    else:
        dept_id = next((by_name[k] for k in [name, short, *meta["subjects"]] if k and k in by_name), None)
    org_path, org = orgs.get(dept_id, (None, None)) if dept_id else (None, None)
    if org is not None and re.fullmatch(r"\d{3}", str(org.get("code") or "")):
        dept_code = str(org["code"])
    else:
        src = meta["source_codes"].most_common(1)
        dept_code = src[0][0] if src and src[0][0] not in used_codes else _code_for(meta["name"], used_codes)
        used_codes.add(dept_code)
    return dept_id or f"dept-{dept_code}", dept_code, org_path, org


def _share_time(dept_groups: list, dept_id: str, t0: float) -> None:
    """Share the time spent on a department among its files, and note the department on each file."""
    share = list(dict.fromkeys(fr for fr, _ in dept_groups))
    spent = time.perf_counter() - t0
    for fr in share:
        fr.seconds += spent / len(share)
        if dept_id not in fr.departments:
            fr.departments.append(dept_id)


def _subject_notes(fr: FileResult, departments: dict) -> None:
    """Info for items whose 行使主体 is not their department (e.g. 自治区 rows in a city list)."""
    for sr in fr.sheets:
        for si in sr.items:
            dept = departments.get(si.department)
            if not si.subject or not dept:
                continue
            if si.subject not in (dept["name"], dept.get("short_name"), dept.get("subject")):
                c = si.columns.get("subject", 1) - 1
                fr.problems.append(_problem(fr.path, sr.name, si.rows[0], c, "IMPORT-SUBJECT", "info",
                                            f"行使主体「{si.subject}」与部门「{dept['name']}」不同 "
                                            "(the item's 行使主体 is not its department)"))


def build_department(dept_id, dept_code, meta, groups, out_dir: Path, org_path, org, config: Config):
    """Items of one department → texts of ``powers/<id>.yaml`` and ``organizations/<id>.yaml``."""
    powers_path = out_dir / "powers" / f"{dept_id}.yaml"
    existing_doc, existing = _existing_items(powers_path)
    sources, new_by_file, units = _final_items(dept_id, groups)
    _keep_other_subjects(sources, meta)
    assign_codes([si.final for si in sources], dept_code, config, existing)
    _keep_existing_fields(sources, existing)
    doc = {"department": dept_id, "items": merge_into_existing(existing, new_by_file)}
    if isinstance(existing_doc, dict):
        doc.update({k: v for k, v in existing_doc.items() if k not in doc})
    outputs = {}
    if existing_doc != doc:     # same data: leave the file (and its formatting) alone
        outputs[powers_path] = dump_yaml(doc)
    _organization_output(outputs, dept_id, dept_code, meta, units, out_dir, org_path, org)
    subjects = meta["subjects"]
    info = {"name": meta["name"], "short_name": meta.get("short_name"), "code": dept_code,
            "subject": max(subjects, key=lambda s: (subjects[s], meta["prefer"][s])) if subjects else None,
            "items": len(sources), "files": sorted({os.path.basename(fr.path) for fr, _ in groups}),
            "existing_organization": org is not None}
    return outputs, info


def _keep_other_subjects(sources: list, meta: dict) -> None:
    """An item whose 行使主体 is not its department (自治区 rows in a city list, a 分局) keeps that text in its
    source_text: the department's file does not otherwise say who the source named."""
    subjects = meta["subjects"]
    main = max(subjects, key=lambda x: (subjects[x], meta["prefer"][x])) if subjects else None
    names = {meta.get("name"), meta.get("short_name"), main}
    for si in sources:
        if si.subject and si.subject not in names:
            si.final["source_text"] = {**(si.final.get("source_text") or {}), "行使主体": si.subject}


def _existing_items(powers_path: Path) -> tuple:
    """``(document, items)`` of the department's powers file already in the repository (None, [] when absent)."""
    existing_doc = read_yaml_file(powers_path) if powers_path.is_file() else None
    existing = existing_doc.get("items") if isinstance(existing_doc, dict) else None
    existing = [e for e in existing if isinstance(e, dict)] if isinstance(existing, list) else []
    return existing_doc, existing


def _final_items(dept_id, groups) -> tuple:
    """``(sources, new_by_file, units)``: each item's fields as they will be written (with provenance),
    grouped by the source file they replace, and the units they name."""
    new_by_file: dict = {}
    sources: list = []
    units: list = []
    for fr, sr in groups:
        base = os.path.basename(fr.path)
        for si in sr.items:
            si.department = dept_id
            fields = dict(si.fields)
            for u in fields.pop("_units", []):
                if u not in units:
                    units.append(u)
            if si.has_provenance_column:       # an exported file: provenance travels in 来源
                if si.provenance:
                    fields["provenance"] = si.provenance
                src = (si.provenance or {}).get("file", f"\0{base}")
            else:
                fields["provenance"] = {"file": base, "sheet": sr.name, "rows": [r + 1 for r in si.rows]}
                if si.absent:
                    fields["provenance"]["absent"] = list(si.absent)
                src = base
            si.final = fields
            sources.append(si)
            new_by_file.setdefault(src, []).append(fields)
    return sources, new_by_file, units


def _keep_existing_fields(sources: list, existing: list) -> None:
    """Fields the source has no column for keep the value of the existing item with the same code; keys in
    the format's order."""
    old_by_code = {str(e["code"]): e for e in existing if e.get("code")}
    for si in sources:
        old = old_by_code.get(str(si.final.get("code")))
        if old is not None:
            for k, v in old.items():
                # fields added by hand or by other tools (aliases, time_limit …) stay; source_text read now wins
                if k not in si.columns and k not in ("code", "provenance") and (k in ITEM_KEYS or k not in si.final) \
                        and not (k == "source_text" and k in si.final):
                    si.final[k] = v
        ordered = _ordered(si.final)
        si.final.clear()
        si.final.update(ordered)


def _organization_output(outputs: dict, dept_id, dept_code, meta, units, out_dir: Path, org_path, org) -> None:
    """The organisation file: created when missing, else given the units it does not list yet."""
    if org is None:
        org_doc = {"id": dept_id, "code": dept_code, "name": meta["name"] or dept_id}
        if meta.get("short_name"):
            org_doc["short_name"] = meta["short_name"]
        org_doc["units"] = [{"name": u} for u in units]
        outputs[out_dir / "organizations" / f"{dept_id}.yaml"] = dump_yaml(org_doc)
        return
    have = {str(u.get("name")) for u in (org.get("units") or []) if isinstance(u, dict)}
    missing = [u for u in units if u not in have]
    if missing:
        org_doc = dict(org)
        org_doc["units"] = list(org.get("units") or []) + [{"name": u} for u in missing]
        outputs[org_path] = dump_yaml(org_doc)


def import_files(paths, *, out_dir, department=None, mapping=None, config=None, dry_run=False,
                 progress=None, protect_uncommitted=False, is_dirty=None, limits=None) -> ImportPlan:
    """:func:`plan_import`, then write every output all or nothing (unless ``dry_run``)."""
    plan = plan_import(paths, out_dir=out_dir, department=department, mapping=mapping, config=config,
                       progress=progress, limits=limits)
    if not dry_run and plan.outputs:
        write_files_atomically(plan.outputs, protect_uncommitted=protect_uncommitted, is_dirty=is_dirty)
    return plan
