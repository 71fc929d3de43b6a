"""Work processes from and to a spreadsheet: one row per step (the layout below, docs/processes.md).

==============  =============================================================
部门标识          the department id (``xzspj``)
流程编号          ``LC-<dept>-<number>``; blank: the row continues the process above
流程名称          the process's name
所属处室          the unit of the duty it belongs to
职责序号          the duty's number in that unit's task list
承接事项编码       power item codes, separated by ``；`` ``、`` ``,`` or line breaks
时限计算方式       工作日 | 自然日 (default 工作日)
步骤序号          the step's number (integer)
步骤名称          the step's name
承办部门          another department's id for a hand-off; blank: the process's own
责任处室          the responsible unit
责任岗位          the responsible post (optional)
时限（天）         days (integer ≥ 0)
要件             materials, separated by ``；`` or line breaks
办理标准          the standard (optional)
衔接依据          ``BJ-…`` or ``SG-…`` (optional)
==============  =============================================================

The header is found among the first ten rows by its names. Cells are read by ``spreadsheet.read_workbook``
(its budgets, hidden rows skipped, merged cells read as their top-left value). Every row has a fate: a step
of a process, or skipped with a located problem (``file:sheet!row``, rule ``PROCESS-ROW``). The files
written are validated against ``schemas/process.schema.json`` before anything is written; a file that
would not validate is reported and nothing is written. Export writes the same layout through
``io.cells`` (text cells, never formulas), so an export imports back to the same processes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ...problems import Problem

RULE = "PROCESS-ROW"
HEADER = ["部门标识", "流程编号", "流程名称", "所属处室", "职责序号", "承接事项编码", "时限计算方式", "步骤序号",
          "步骤名称", "承办部门", "责任处室", "责任岗位", "时限（天）", "要件", "办理标准", "衔接依据"]
KEYS = ["department", "id", "name", "unit", "no", "items", "day_type", "step", "step_name", "step_department",
        "step_unit", "post", "days", "materials", "standard", "handoff"]
_SPLIT = re.compile(r"[；;、,，\n]+")          # item codes
_SPLIT_TEXT = re.compile(r"[；;\n]+")          # 要件: a material's own name may hold 、 and ，
_PROCESS_FIELDS = ("department", "id", "name", "unit", "no", "items", "day_type")


@dataclass
class ProcessImport:
    path: str
    rows: int = 0
    steps: int = 0
    documents: dict = field(default_factory=dict)     # dept -> {"department", "processes"}
    problems: list = field(default_factory=list)
    written: list = field(default_factory=list)


def _list(text, split=_SPLIT) -> list:
    return [x.strip() for x in split.split(str(text or "")) if x.strip()]


def _int(text):
    try:
        value = float(str(text).strip())
    except (TypeError, ValueError):
        return None
    return int(value) if value.is_integer() and value >= 0 else None


def _header(sheet) -> tuple[int, dict] | None:
    for r in range(min(10, sheet.nrows)):
        names = {str(sheet.value(r, c) or "").strip(): c for c in range(sheet.ncols)}
        if "流程编号" in names and "步骤序号" in names:
            return r, {key: names[h] for h, key in zip(HEADER, KEYS) if h in names}
    return None


def read_processes(path, limits=None) -> ProcessImport:
    """Read every visible sheet of ``path`` into process documents, one per department."""
    from .spreadsheet import read_workbook
    wb = read_workbook(path, limits)
    result = ProcessImport(str(path))
    by_id: dict = {}
    for sheet in wb.sheets:
        if sheet.hidden:
            continue
        found = _header(sheet)
        if found is None:
            continue
        head, cols = found
        current: dict = {}
        for r in range(head + 1, sheet.nrows):
            if r in sheet.hidden_rows:
                continue
            row = {k: (str(sheet.value(r, c)).strip() if sheet.value(r, c) is not None else "") for k, c in cols.items()}
            if not any(row.values()):
                continue
            result.rows += 1
            where = f"{path}:{sheet.name}!{r + 1}"
            current = _row(row, current, by_id, result, where, r + 1)
    if not by_id and not result.problems:
        raise InputError(f"{path}: [PROCESS-NO-ROWS] 没有找到含「流程编号」「步骤序号」表头的工作流程行 (no process rows)")
    for (dept, _), proc in by_id.items():
        result.documents.setdefault(dept, {"department": dept, "processes": []})["processes"].append(proc)
    return result


def _row(row: dict, current: dict, by_id: dict, result: ProcessImport, where: str, line: int) -> dict:
    """One row: a step of the process it names (or of the one above); returns the current process fields."""
    fields = {k: row.get(k, "") for k in _PROCESS_FIELDS}
    if fields["id"]:
        current = fields
    elif current:
        fields = {k: fields[k] or current.get(k, "") for k in _PROCESS_FIELDS}
    else:
        return _skip(result, where, line, "流程编号为空，且上方没有可延续的流程", current)
    step, days = _int(row.get("step")), _int(row.get("days"))
    reason = _row_problem(fields, row, step, days)
    if reason:
        return _skip(result, where, line, reason, current)
    key = (fields["department"], fields["id"])
    proc = by_id.get(key)
    if proc is None:
        proc = by_id[key] = {"id": fields["id"], "name": fields["name"] or fields["id"],
                             "duty": {"unit": fields["unit"], "no": _int(fields["no"])}}
        if _list(fields["items"]):
            proc["items"] = _list(fields["items"])
        proc["day_type"] = fields["day_type"] or "工作日"
        proc["steps"] = []
    proc["steps"].append(_step(row, fields, step, days))
    result.steps += 1
    return current


def _row_problem(fields: dict, row: dict, step, days) -> str | None:
    """Why a row cannot be a step, or None."""
    if not fields["department"]:
        return "部门标识为空"
    if not fields["unit"]:
        return "所属处室为空"
    if not _int(fields["no"]):
        return f"职责序号应为正整数：{fields['no']}"
    if not step:
        return f"步骤序号应为正整数：{row.get('step')}"
    if days is None:
        return f"时限（天）应为非负整数：{row.get('days')}"
    if not (row.get("step_name") and row.get("step_unit")):
        return "步骤名称或责任处室为空"
    if (fields["day_type"] or "工作日") not in ("工作日", "自然日"):
        return f"时限计算方式应为工作日或自然日：{fields['day_type']}"
    return None


def _step(row: dict, fields: dict, step: int, days: int) -> dict:
    s = {"no": step, "name": row["step_name"]}
    if row.get("step_department") and row["step_department"] != fields["department"]:
        s["department"] = row["step_department"]
    s["unit"] = row["step_unit"]
    if row.get("post"):
        s["post"] = row["post"]
    s["days"] = days
    if _list(row.get("materials"), _SPLIT_TEXT):
        s["materials"] = _list(row.get("materials"), _SPLIT_TEXT)
    for key in ("standard", "handoff"):
        if row.get(key):
            s[key] = row[key]
    return s


def _skip(result, where, line, reason, current) -> dict:
    file, _, rest = where.partition(":")
    result.problems.append(Problem(file, line, 1, rest, RULE, "error", f"{rest} 行已跳过：{reason} (row skipped)"))
    return current


def import_processes(path, out_dir, *, dry_run: bool = False, limits=None) -> ProcessImport:
    """Read ``path`` and write ``out_dir/<dept>.yaml`` for each department, all or nothing, each validated."""
    from ...lists.loader import Limits, load_bytes
    from ...lists.schemas import validate
    from ..writing import dump_yaml, write_files_atomically
    result = read_processes(path, limits)
    out = {}
    for dept, doc in sorted(result.documents.items()):
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", dept):
            result.problems.append(Problem(str(path), 1, 1, "$", RULE, "error", f"部门标识无效，未写入：{dept}"))
            continue
        target = Path(out_dir) / f"{dept}.yaml"
        text = dump_yaml(doc)
        parsed = load_bytes(text.encode("utf-8"), target.name, Limits())
        problems = validate(parsed, "process", None)
        if problems:
            first = problems[0]
            result.problems.append(Problem(str(path), 1, 1, "$", RULE, "error",
                                           f"{dept} 的工作流程不符合模式，未写入：{first.message}"))
            continue
        out[target] = text
    if not dry_run and out and not any(p.severity == "error" and "未写入" in p.message for p in result.problems):
        result.written = write_files_atomically(out)
    return result


def export_rows(repo, departments=None) -> list[list]:
    """The processes as rows of ``HEADER`` (one per step)."""
    rows = []
    for p in repo.processes:
        if departments and p.department not in departments:
            continue
        for i, s in enumerate(p.steps):
            head = [p.department, p.id, p.name, p.duty_unit, p.duty_no, "；".join(p.items), p.day_type] if i == 0 \
                else [p.department, "", "", "", "", "", ""]
            rows.append(head + [s.no, s.name, s.department if s.cross else "", s.unit, s.post or "", s.days,
                                "；".join(s.materials), s.standard or "", s.handoff or ""])
    return rows


def export_processes(repo, departments=None) -> bytes:
    """An xlsx of the processes in the import layout (cells through ``io.cells``)."""
    from ..exporters import render_xlsx
    return render_xlsx([("工作流程", f"{repo.config.city}部门工作流程", HEADER, export_rows(repo, departments))])


def format_text(result: ProcessImport) -> str:
    from ...problems import SEVERITY_LABEL
    lines = [f"{result.path}：{result.rows} 行，导入 {result.steps} 个步骤、"
             f"{sum(len(d['processes']) for d in result.documents.values())} 个流程（{len(result.documents)} 个部门）"]
    for p in result.problems:
        lines.append(f"{p.file}:{p.line}: {SEVERITY_LABEL[p.severity]} [{p.rule}] {p.message}")
    lines.append(("已写入 " + "、".join(str(x) for x in result.written)) if result.written else "未写入文件")
    return "\n".join(lines) + "\n"
