"""Export the power lists in the customary published layout (xlsx or CSV).

The 15 customary columns (序号 … 救济渠道, 备注) come with a 事项编码 column, and with the
columns of any other field the items use (权力来源, 状态, 来源 …), so that importing the exported
file gives back the same YAML (round trip). xlsx: one sheet per department, a title row above the
header. CSV: one UTF-8 file with BOM per department (Excel opens it as Chinese text).

Every cell is text, never a formula (``policykit.io.cells``): xlsx cells are string cells, CSV cells
that begin with ``= + - @``, tab or CR carry a protective ``'`` that the importer removes again.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import yaml

from . import cells
from ..errors import InputError, UsageError
from .importers import text as T
from .importers.mapping import load_mapping
from .importers.powers import format_provenance
from .writing import write_files_atomically

PUBLISHED_COLUMNS = (
    "序号", "事项编码", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构", "实施层级及权限",
    "部门职责", "责任事项内容", "责任事项依据", "追责对象范围", "追责情形", "救济渠道", "备注",
)
# further fields, written only when some item of the department has them
EXTRA_COLUMNS = (
    ("power_source", "权力来源"), ("source_document", "下放/授权/委托文件"), ("delegator", "下放/授权/委托机关"),
    ("co_departments", "共同实施部门"), ("catalog_code", "基本编码"), ("impl_code", "实施编码"),
    ("supervision_items", "对应监管事项"), ("status", "状态"), ("phone", "监督电话"),
    ("integrity_risks", "廉政风险点"), ("source_text", "原文"), ("provenance", "来源"),
)
LAYOUTS = ("published",)


def _cell(item: dict, column: str, subject: str, mapping) -> str:
    g = item.get
    if column == "事项编码":
        return str(g("code") or "")
    if column == "事项名称":
        return str(g("name") or "")
    if column == "子项名称":
        return str(g("sub_name") or "")
    if column == "权力类型":
        return str(g("category") or "")
    if column == "实施依据":
        return T.format_legal_basis(g("legal_basis") or [], mapping)
    if column == "行使主体":
        return subject
    if column == "承办机构":
        return str(g("unit") or "")
    if column == "实施层级及权限":
        return "、".join(g("levels") or [])
    if column == "部门职责":
        return "" if g("sanding_duty") is None else str(g("sanding_duty"))
    if column == "责任事项内容":
        return T.format_lines(g("responsibilities"))
    if column == "责任事项依据":
        return T.format_basis_texts(g("responsibility_basis"))
    if column == "追责对象范围":
        return T.format_targets(g("accountability_targets"))
    if column == "追责情形":
        return T.format_lines(g("accountability_cases"))
    if column == "救济渠道":
        return str(g("remedy") or "")
    if column == "备注":
        return str(g("remark") or "")
    raise KeyError(column)


def _extra(item: dict, key: str) -> str:
    v = item.get(key)
    if v is None:
        return ""
    if key == "provenance":
        return format_provenance(v) if isinstance(v, dict) else ""
    if key in ("co_departments", "supervision_items"):
        return T.format_list(v)
    if key == "integrity_risks":
        return T.format_lines(v)
    if key == "source_text":
        return T.format_source_text(v) if isinstance(v, dict) else ""
    return str(v)


def department_table(doc: dict, org: dict | None, mapping=None) -> tuple[list, list]:
    """``(header, rows)`` of one department in the published layout."""
    mapping = mapping or load_mapping()
    items = [it for it in (doc.get("items") or []) if isinstance(it, dict)]
    dept = str(doc.get("department") or "")
    subject = str((org or {}).get("name") or dept)
    extras = []
    for key, title in EXTRA_COLUMNS:
        if key == "provenance":      # always: an empty 来源 tells the importer "no provenance"
            extras.append((key, title))
            continue
        default = mapping.defaults.get(key)
        if any(it.get(key) not in (None, "", [], {}) and it.get(key) != default for it in items) or \
                (default is not None and any(it.get(key) is None for it in items)):
            extras.append((key, title))
    header = list(PUBLISHED_COLUMNS) + [t for _, t in extras]
    rows = []
    for n, it in enumerate(items, 1):
        row = [str(n)] + [_cell(it, c, subject, mapping) for c in PUBLISHED_COLUMNS[1:]]
        row += [_extra(it, k) for k, _ in extras]
        rows.append(row)
    return header, rows


def load_lists(lists_dir) -> list:
    """``[(dept_id, powers_doc, org_doc_or_None)]`` sorted by department id."""
    lists_dir = Path(lists_dir)
    powers_dir = lists_dir / "powers"
    if not powers_dir.is_dir():
        raise InputError(f"找不到权责清单目录 (no powers directory): {powers_dir}")
    out = []
    for path in sorted(powers_dir.glob("*.yaml")):
        doc = _read(path)
        if not isinstance(doc, dict):
            raise InputError(f"权责清单文件顶层必须是映射 (must be a mapping): {path}")
        dept = str(doc.get("department") or path.stem)
        org_path = lists_dir / "organizations" / f"{dept}.yaml"
        org = _read(org_path) if org_path.is_file() else None
        out.append((dept, doc, org if isinstance(org, dict) else None))
    return out


def _read(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"无法读取 (cannot read) {path}: {exc}",
                         hint="先用 policykit check 修复该文件。") from None


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, used: set) -> str:
    base = _SHEET_BAD.sub("_", name).strip("'") or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in used:
        suffix = f"({n})"
        title = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(title.lower())
    return title


def render_xlsx(tables) -> bytes:
    """``tables``: ``[(sheet_name, title, header, rows)]`` → xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    wb.remove(wb.active)
    used: set = set()
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet_name, title, header, rows in tables:
        ws = wb.create_sheet(_sheet_title(sheet_name, used))
        cells.write_row(ws, 1, [title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.cell(1, 1).font = Font(bold=True, size=14)
        ws.cell(1, 1).alignment = Alignment(horizontal="center")
        cells.write_row(ws, 2, header)
        for c in range(1, len(header) + 1):
            ws.cell(2, c).font = Font(bold=True)
            ws.cell(2, c).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for r, row in enumerate(rows, 3):
            cells.write_row(ws, r, row)
            for c in range(1, len(header) + 1):
                ws.cell(r, c).alignment = wrap
        widths = {"序号": 6, "事项编码": 20, "实施依据": 60, "责任事项内容": 50, "责任事项依据": 50, "追责情形": 50}
        for c, h in enumerate(header, 1):
            ws.column_dimensions[get_column_letter(c)].width = widths.get(h, 18)
        ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_csv(header, rows) -> bytes:
    """One department as UTF-8 CSV with BOM; cells protected by :func:`policykit.io.cells.render_csv`."""
    return cells.render_csv(header, rows)


def export_powers(lists_dir, out_path, layout: str = "published", *, fmt: str | None = None,
                  departments=None, mapping=None, protect_uncommitted: bool = False, is_dirty=None,
                  lists=None) -> list:
    """Write the power lists under ``lists_dir`` to ``out_path``; return the paths written.

    ``lists``: the lists already read (:func:`repository_lists` of a repository opened at a
    revision), instead of reading ``lists_dir``.

    ``fmt`` is ``xlsx`` (``out_path`` is the workbook) or ``csv`` (``out_path`` is a directory that
    receives ``<dept>.csv``); by default ``.xlsx`` means xlsx and anything else csv. Written all or
    nothing; with ``protect_uncommitted`` an output with uncommitted changes (``is_dirty``) is refused.
    """
    if layout not in LAYOUTS:
        raise UsageError(f"未知的导出版式 (unknown layout): {layout}", hint="可用: " + ", ".join(LAYOUTS))
    out_path = Path(out_path)
    fmt = _format(out_path, fmt)
    mapping = mapping or load_mapping()
    lists = load_lists(lists_dir) if lists is None else list(lists)
    if departments:
        wanted = set(departments)
        missing = wanted - {d for d, _, _ in lists}
        if missing:
            raise UsageError("找不到这些部门的权责清单 (no power list for): " + ", ".join(sorted(missing)))
        lists = [x for x in lists if x[0] in wanted]
    if not lists:
        raise InputError(f"没有可导出的权责清单 (no power lists to export) in {Path(lists_dir) / 'powers'}")
    tables = []
    for dept, doc, org in lists:
        header, rows = department_table(doc, org, mapping)
        name = str((org or {}).get("name") or dept)
        sheet = str((org or {}).get("short_name") or name)
        tables.append((dept, sheet, f"{name}权责清单", header, rows))
    return write_sheets(tables, out_path, fmt, protect_uncommitted=protect_uncommitted, is_dirty=is_dirty)


def _format(out_path: Path, fmt: str | None) -> str:
    """``xlsx`` or ``csv``: ``fmt`` when given, else by the output's suffix (``.xlsx`` or anything else)."""
    fmt = fmt or ("xlsx" if out_path.suffix.lower() == ".xlsx" else "csv")
    if fmt not in ("xlsx", "csv"):
        raise UsageError(f"未知的导出格式 (unknown format): {fmt}")
    return fmt


def write_sheets(sheets, out_path: Path, fmt: str, *, protect_uncommitted: bool = False, is_dirty=None) -> list:
    """Write ``sheets`` (``[(file_key, sheet_name, title, header, rows)]``) as one xlsx workbook
    ``out_path``, a sheet each, or (``fmt="csv"``) as ``<file_key>.csv`` files in the directory
    ``out_path``; all or nothing. Return the paths written, sorted."""
    if fmt == "xlsx":
        outputs = {out_path: render_xlsx([(sheet, title, h, r) for _, sheet, title, h, r in sheets])}
    else:
        if out_path.exists() and not out_path.is_dir():
            raise UsageError(f"CSV 导出需要目录 (CSV export needs a directory): {out_path}")
        outputs = {out_path / f"{key}.csv": render_csv(h, r) for key, _, _, h, r in sheets}
    write_files_atomically(outputs, protect_uncommitted=protect_uncommitted, is_dirty=is_dirty)
    return sorted(outputs)


# ---- every list kind as tables (policykit.io.tables) --------------------------------------------
def export_kind(repo, kinds, out_path, *, fmt: str | None = None, protect_uncommitted: bool = False,
                is_dirty=None) -> list:
    """Write the tables of the list kinds ``kinds`` (``{"tasks"}``, ``{"boundaries"}`` …; None for
    every kind) of ``repo`` to ``out_path``; return the paths written.

    xlsx: one workbook, one sheet per table, a title row above the Chinese header. CSV: ``out_path``
    is a directory receiving ``<table>.csv`` (UTF-8 with BOM). Every cell goes through
    ``policykit.io.cells`` (text cells, never a formula). Written all or nothing."""
    from .tables import KINDS, city_tables
    unknown = set(kinds or ()) - set(KINDS)
    if unknown:
        raise UsageError("未知的清单类别 (unknown list kind): " + ", ".join(sorted(unknown)),
                         hint="可用: " + ", ".join(KINDS))
    out_path = Path(out_path)
    fmt = _format(out_path, fmt)
    tables = city_tables(repo, set(kinds) if kinds else None)
    city = str(getattr(repo.config, "city", "") or "")
    return write_sheets([(t.name, t.title, f"{city}{t.title}", t.header, t.rows) for t in tables], out_path, fmt,
                        protect_uncommitted=protect_uncommitted, is_dirty=is_dirty)


def repository_lists(repo) -> list:
    """``[(dept_id, powers_doc, org_doc_or_None)]`` of an opened repository (any revision), as
    :func:`load_lists` reads them from a directory: the documents as written."""
    orgs = {}
    for rel, kind in repo.kinds.items():
        data = getattr(repo.documents.get(rel), "data", None)
        if kind == "organization" and isinstance(data, dict) and data.get("id") is not None:
            orgs.setdefault(str(data["id"]), data)
    out = []
    for rel in sorted(r for r, k in repo.kinds.items() if k == "powers"):
        data = getattr(repo.documents.get(rel), "data", None)
        if isinstance(data, dict):
            dept = str(data.get("department") or Path(rel).stem)
            out.append((dept, data, orgs.get(dept)))
    return out


# ---- the customary published layouts of the 职责任务清单 and the 职责边界清单 ------------------------
TASK_COLUMNS = ("序号", "内设机构", "职责序号", "对应三定职责", "职责内容", "具体任务", "岗位")
BOUNDARY_COLUMNS = ("序号", "边界事项编号", "事项名称", "领域", "牵头部门", "配合部门", "部门职责", "依据", "协调配合机制")
MECHANISM_TITLES = {"trigger": "启动情形", "handoff": "衔接流程", "dispute_resolution": "争议解决办法",
                    "enforcement": "督促落实"}
PUBLISHED_KINDS = ("powers", "tasks", "boundaries")
_FILE_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _numbered(values) -> str:
    return "\n".join(f"{n}. {v}" for n, v in enumerate(values, 1)) if len(values) > 1 else "".join(values)


def tasks_sheets(repo) -> list:
    """The 职责任务清单 as published (一处一清单): one sheet per department, one row per unit duty,
    its tasks numbered in one cell. ``[(file_key, sheet, title, header, rows)]``."""
    by_dept: dict = {}
    for d in repo.unit_duties:
        by_dept.setdefault(d.department, []).append(d)
    sheets = []
    for dept_id in sorted(by_dept):
        dept = repo.departments.get(dept_id)
        name = dept.name if dept else dept_id
        rows = [[n, d.unit, d.no, d.sanding_duty, d.content, _numbered(d.tasks), d.post]
                for n, d in enumerate(by_dept[dept_id], 1)]
        key = dept_id if _FILE_KEY.match(dept_id) else f"department-{len(sheets) + 1}"
        sheets.append((key, repo.department_name(dept_id), f"{name}职责任务清单", list(TASK_COLUMNS), rows))
    return sheets


def boundaries_sheets(repo) -> list:
    """The 职责边界清单 as published: one row per matter, its lead and cooperating departments by
    name, each department's duties under its name, the bases and the coordination mechanism."""
    name = repo.department_name
    rows = []
    for n, b in enumerate(repo.boundaries, 1):
        duties = "\n".join(f"【{r.role}】{name(r.department)}：" + "；".join(r.duties) for r in b.roles)
        mechanism = "\n".join(f"{MECHANISM_TITLES.get(k, k)}：{v}" for k, v in (b.mechanism or {}).items())
        rows.append([n, b.id, b.name, b.domain, "、".join(name(r.department) for r in b.roles if r.role == "牵头"),
                     "、".join(name(d) for d in b.cooperating), duties, "\n".join(str(x) for x in b.basis), mechanism])
    city = str(getattr(repo.config, "city", "") or "")
    return [("boundaries", "职责边界清单", f"{city}职责边界清单", list(BOUNDARY_COLUMNS), rows)]


def export_published(repo, kind: str, out_path, *, fmt: str | None = None, protect_uncommitted: bool = False,
                     is_dirty=None) -> list:
    """Write the 职责任务清单 (``kind="tasks"``) or the 职责边界清单 (``"boundaries"``) of ``repo`` in
    the customary published layout: xlsx (one sheet per department, or one sheet) or CSV (a directory
    of ``<department id>.csv`` or ``boundaries.csv``; no file is named by list text). For reading:
    unlike the 权责清单's layout, these do not import back."""
    builders = {"tasks": tasks_sheets, "boundaries": boundaries_sheets}
    if kind not in builders:
        raise UsageError(f"{kind} 没有公布格式 (no published layout)", hint="可用: " + ", ".join(PUBLISHED_KINDS))
    out_path = Path(out_path)
    fmt = _format(out_path, fmt)
    return write_sheets(builders[kind](repo), out_path, fmt, protect_uncommitted=protect_uncommitted,
                        is_dirty=is_dirty)
