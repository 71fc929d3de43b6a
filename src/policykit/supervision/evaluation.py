"""Performance evaluation (履职评估): the indicator system as data, scores, department scorecards.

Import. ``import_indicators(xls, out)`` reads a published indicator system such as 《机构编制执行情况和
使用效益评估指标体系》 (one sheet per kind of organisation: 党委单位, 政府部门, 直属事业单位): 一级/二级/
三级指标 in merged cells (repeated after page breaks), 评估要点 numbered ①②③ and 评估方式及标准 in one
cell, and three weight columns written as 「所在一级指标权重25%」. Weights are taken by column; a label
that names another level (a real defect of the source) is reported as a located warning
(``xls:row:column``, rule ``INDICATOR-XLS``). Indicators whose standard can be computed from the
ledgers get ``computed`` with the deductions parsed from the standard's own text. Re-importing into an
existing file keeps what the city added: its id and name, department categories and 个性 indicators.

Scoring. 实际得分 = ∑（三级指标分值 × 三级指标权重 × 所在二级指标权重 × 所在一级指标权重）, with 共性
indicators worth ``core_points`` and 个性 ones ``individual_points``. A 三级 score (0–100) is computed
from the ledgers when the indicator says ``computed`` (see ``METRICS``), else taken from the
evaluation record, with its evidence. ``scorecards(repo, period)`` returns one card per evaluated
department; ``render(cards, fmt)`` gives text, markdown, json or an SVG chart of the evidence.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path

from ..errors import InputError, UsageError
from ..problems import Problem
from ..io.writing import dump_yaml, write_files_atomically
from ..lists.records import in_period, period_bounds, period_text, views

RULE = "INDICATOR-XLS"
SHEET_IDS = {"党委单位": "dwdw", "政府部门": "zfbm", "直属事业单位": "zssydw"}
SHEET_TYPES = {"党委单位": ["党委工作机关"], "政府部门": ["政府工作部门", "部门管理机构", "直属特设机构"],
               "直属事业单位": ["直属事业单位"]}
# name fragment of a 三级 indicator -> the ledger metric that scores it
COMPUTABLE = {"权责事项实际运行情况": "idle_powers", "协同高效情况": "buck_passing",
              "牵头或参与议事协调机构的情况": "inactive_bodies", "解决问题的时效性": "late_findings",
              "解决问题的有效性": "open_findings"}
METRICS = {
    "idle_powers": "在用权力事项本期办理量为 0 且未说明原因（履职台账）",
    "buck_passing": "派给本部门、标为推诿或多头的问题所涉事项（问题征集）",
    "inactive_bodies": "本部门牵头、本期没有运行记录的议事协调机构",
    "late_findings": "未按整改期限反馈的督导问题，以及标为超期办理的 12345 工单",
    "open_findings": "本期到期、评估时仍未整改到位的督导问题",
    "on_time_rate": "履职台账按时办结率（按时办结量 ÷ 办理量 × 100）",
}
_WEIGHT = re.compile(r"(?:所在)?\s*([一二三])级指标权重\s*(\d+(?:\.\d+)?)\s*%")
_L1 = re.compile(r"^\s*(\d+)\s*[\.．、]\s*(.+?)\s*$", re.S)
_L2 = re.compile(r"^\s*(\d+\.\d+)\s*(.+?)\s*$", re.S)
_L3 = re.compile(r"^\s*(\d+\.\d+\.\d+)\s*(.+?)\s*$", re.S)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮"
_LEVEL = {"一": 1, "二": 2, "三": 3}
_COLUMN = "ABCDEFGHIJ"


# =============================== import ====================================================
@dataclass
class SheetImport:
    sheet: str
    system: dict
    problems: list = field(default_factory=list)
    rows: int = 0


@dataclass
class IndicatorImport:
    path: str
    sheets: list = field(default_factory=list)
    outputs: dict = field(default_factory=dict)    # path -> text
    written: list = field(default_factory=list)

    @property
    def problems(self) -> list:
        return [p for s in self.sheets for p in s.problems]


def _open_cells(path: Path):
    """{sheet name: rows of str cells} from an OLE .xls or a zip .xlsx, by content, through the
    importer's bounded reader (``ImportLimits``: size, rows, cells; formulas read as their stored
    values, never evaluated)."""
    try:
        with path.open("rb") as fh:
            raw_head = fh.read(8)
    except OSError as exc:
        raise InputError(f"无法读取指标体系文件：{path}：{exc.strerror or exc} (cannot read)") from None
    if raw_head != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and raw_head[:2] != b"PK":
        raise InputError(f"不是电子表格文件（.xls 或 .xlsx）：{path} (not a spreadsheet)")
    _need("xlrd" if raw_head[:2] != b"PK" else "openpyxl")
    from ..io.importers.spreadsheet import read_workbook
    book = read_workbook(path)
    for sh in book.sheets:
        if sh.formulas:       # a weight or a standard left blank would change the scores silently
            (r, c), more = sh.formulas[0], len(sh.formulas) - 1
            raise InputError(f"{path}:{r + 1}:{c + 1}: [IMPORT-FORMULA] 工作表「{sh.name}」{_column_letter(c)}{r + 1} "
                             f"是公式，文件中没有保存它的计算结果" + (f"（另有 {more} 个）" if more else "")
                             + " (formula without a stored value; never evaluated)",
                             hint="请在 Excel/WPS 中打开后保存，或把公式改为值，再导入。")
    return {s.name: [[_text(v) for v in row] for row in s.cells] for s in book.sheets}


def _column_letter(c: int) -> str:
    """0-based column → A, B, … Z, AA …"""
    s, c = "", c + 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def _need(module: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"读取电子表格需要 {module}，当前环境未安装 (missing {module})",
                         hint="pip install 'policykit[excel]'") from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _split_points(cell: str) -> tuple[list, str | None]:
    """(评估要点 list, 评估方式及标准 text) from the combined cell."""
    m = re.search(r"评估方式及标准\s*[：:]?\s*", cell)
    head, method = (cell[:m.start()], cell[m.end():].strip()) if m else (cell, None)
    head = re.sub(r"^\s*评估要点\s*[：:]?\s*", "", head).strip()
    parts = [p.strip() for p in re.split(f"[{_CIRCLED}]", head) if p.strip()]
    return parts, method or None


def _scoring(method: str | None) -> str | None:
    if not method:
        return None
    if "加分制" in method:
        return "加分制"
    if "扣分制" in method:
        return "扣分制"
    if "认可度" in method and "得100分" in method:
        return "评级制"
    return None


def _computed(name: str, method: str | None) -> dict | None:
    metric = next((m for frag, m in COMPUTABLE.items() if frag in name), None)
    if metric is None or not method:
        return None
    amounts = [float(x) if "." in x else int(x) for x in re.findall(r"扣\s*(\d+(?:\.\d+)?)\s*分", method)]
    if not amounts:
        return None
    if "扣完为止" in method and len(amounts) == 1:
        return {"metric": metric, "per": amounts[0]}
    return {"metric": metric, "steps": amounts}


def _weight_number(value: float):
    return int(value) if float(value).is_integer() else value


def read_indicator_sheet(rows: list, sheet: str, label: str) -> SheetImport:
    """One sheet of the indicator system as an ``indicator`` record (without id/name decisions)."""
    out = SheetImport(sheet, {})

    def warn(r, c, message, severity="warning"):
        out.problems.append(Problem(label, r + 1, c + 1, f"$['{sheet}'][{r + 1}][{_COLUMN[c]}]", RULE, severity, message))

    header = next((r for r, row in enumerate(rows) if row and row[0].replace(" ", "") == "一级指标"), None)
    if header is None:
        warn(0, 0, f"工作表「{sheet}」中找不到表头「一级指标」，未导入 (no header)", "error")
        return out
    title, notes = _sheet_notes(rows[:header])
    tree = _IndicatorRows(warn)
    for r in range(header + 1, len(rows)):
        row = (rows[r] + [""] * 7)[:7]
        if not any(row):
            continue
        out.rows += 1
        tree.row(r, row)
    _default_weights(tree.by_code, header, warn)
    out.system = _sheet_system(sheet, title, notes, tree.tops, header, warn)
    return out


def _sheet_notes(rows: list) -> tuple:
    """The sheet's title (the cell naming the 指标体系) and its numbered 备注 lines, above the header."""
    title, notes = None, []
    for row in rows:
        cell = next((c for c in row if c), "")
        if cell.startswith("备注"):
            for line in re.sub(r"^备注\s*[：:]\s*", "", cell).split("\n"):
                line = re.sub(r"^\s*\d+\s*[\.．、]\s*", "", line).strip()
                if line:
                    notes.append(line)
        elif "指标体系" in cell:
            title = cell
    return title, notes


class _IndicatorRows:
    """The walk down the data rows: the current level-1 and level-2 indicators, and every node by code."""

    def __init__(self, warn):
        self.warn = warn
        self.tops: list = []
        self.by_code: dict = {}
        self.l1 = self.l2 = None

    def row(self, r: int, row: list) -> None:
        """One row: its level-1 cell, level-2 cell, level-3 cell (a leaf), then its three weight cells."""
        c1, c2, c3, c4 = row[0], row[1], row[2], row[3]
        if c1 and not self._top(r, c1):
            return
        if self.l1 is None:
            self.warn(r, 0, "该行之前没有一级指标，已跳过")
            return
        if not self._second(r, c2) or not c3:
            return
        leaf = self._leaf(r, c3, c4)
        if leaf is not None:
            for col, node in ((4, self.l1), (5, self.l2), (6, leaf)):
                if row[col]:
                    self._weight(r, col, node, row[col])

    def _top(self, r: int, c1: str) -> bool:
        """A level-1 cell (1.履职尽责情况) makes its indicator current; False: no number, skip the row."""
        m = _L1.match(c1)
        if not m:
            self.warn(r, 0, f"一级指标「{c1}」没有编号（如 1.履职尽责情况），已跳过该行")
            return False
        code = m.group(1)
        if code not in self.by_code:
            kind = "个性" if "个性" in m.group(2) else "共性"
            node = {"code": code, "name": m.group(2), "type": kind, "weight": None, "children": [], "_row": r}
            self.by_code[code] = node
            self.tops.append(node)
        self.l1 = self.by_code[code]
        return True

    def _second(self, r: int, c2: str) -> bool:
        """A level-2 cell makes its indicator current (a 个性 indicator's unnumbered one is its note);
        False: the row has no usable level-2 indicator and is skipped."""
        l1 = self.l1
        if c2:
            m = _L2.match(c2)
            if m:
                code = m.group(1)
                if not code.startswith(l1["code"] + "."):
                    self.warn(r, 1, f"二级指标 {code} 的编号与所在一级指标 {l1['code']} 不一致")
                if code not in self.by_code:
                    node = {"code": code, "name": m.group(2), "weight": None, "children": [], "_row": r}
                    self.by_code[code] = node
                    l1["children"].append(node)
                self.l2 = self.by_code[code]
                return True
            if l1["type"] == "个性":
                l1["note"] = c2
                self.l2 = None
                return False
            self.warn(r, 1, f"二级指标「{c2}」没有编号（如 1.1），已跳过该行")
            return False
        if self.l2 is None or not self.l2["code"].startswith(l1["code"] + "."):
            if l1["type"] != "个性":
                self.warn(r, 1, "该行没有二级指标，已跳过")
            return False
        return True

    def _leaf(self, r: int, c3: str, c4: str) -> dict | None:
        """The level-3 indicator of the row under the current level-2 one; None when its code repeats."""
        l2 = self.l2
        m = _L3.match(c3)
        if m:
            code, name = m.group(1), m.group(2)
            if not code.startswith(l2["code"] + "."):
                self.warn(r, 2, f"三级指标 {code} 的编号与所在二级指标 {l2['code']} 不一致")
        else:
            code, name = f"{l2['code']}.{len(l2['children']) + 1}", c3
        leaf = _leaf_node(code, name, c4, r)
        if code in self.by_code:
            self.warn(r, 2, f"三级指标编号 {code} 重复，已跳过该行")
            return None
        self.by_code[code] = leaf
        l2["children"].append(leaf)
        return leaf

    def _weight(self, r: int, col: int, node: dict, cell: str) -> None:
        """A weight cell (所在一级指标权重25%): the weight of the node of the column's level, kept once."""
        m = _WEIGHT.search(cell)
        if not m:
            self.warn(r, col, f"权重「{cell}」无法识别（应如 所在一级指标权重25%）")
            return
        level = col - 3
        value = float(m.group(2))
        if _LEVEL[m.group(1)] != level:
            self.warn(r, col, f"第{_COLUMN[col]}列是{'一二三'[level - 1]}级指标权重，但写作「{cell}」，"
                              f"按列位置取作{'一二三'[level - 1]}级指标{node['code']}的权重 {m.group(2)}%")
        if node["weight"] is None:
            node["weight"] = _weight_number(value)
        elif float(node["weight"]) != value:
            self.warn(r, col, f"{'一二三'[level - 1]}级指标 {node['code']} 的权重前后不一致："
                              f"先为 {node['weight']}%，此处为 {m.group(2)}%，保留前者")


def _leaf_node(code: str, name: str, c4: str, r: int) -> dict:
    """A level-3 indicator with its 评估要点, 评估方式及标准, scoring kind and computed metric, if any."""
    points, method = _split_points(c4)
    leaf = {"code": code, "name": name, "weight": None}
    if points:
        leaf["points"] = points
    if method:
        leaf["method"] = method
    scoring = _scoring(method)
    if scoring:
        leaf["scoring"] = scoring
    comp = _computed(name, method)
    if comp:
        leaf["computed"] = comp
    leaf["source_row"] = r + 1
    return leaf


def _default_weights(by_code: dict, header: int, warn) -> None:
    """Nodes without a weight: a 个性 indicator counts 100; any other is an error that stops the import."""
    for node in list(by_code.values()):
        if node.get("weight") is None:
            if node.get("type") == "个性":
                node["weight"] = 100
            else:
                node["weight"] = 0
                level = node["code"].count(".")
                warn(node.get("_row", node.get("source_row", header + 2) - 1), 4 + level,
                     f"{'一二三'[level]}级指标 {node['code']}「{node['name']}」没有权重，未导入该工作表", "error")


def _sheet_system(sheet: str, title, notes: list, tops: list, header: int, warn) -> dict:
    """The ``indicator`` record: name, organisation types, points and formula from the notes, indicators."""
    joined = "\n".join(notes)
    core = re.search(r"共性指标\s*(\d+)\s*分", joined)
    indiv = re.search(r"个性指标\s*(\d+)\s*分", joined)
    formula = re.search(r"(实际得分\s*=\s*[^。\n]+)", joined)
    system = {"name": title or sheet}
    system["organization_types"] = SHEET_TYPES.get(sheet, [])
    if core:
        system["core_points"] = int(core.group(1))
    if indiv:
        system["individual_points"] = int(indiv.group(1))
    if formula:
        system["formula"] = re.sub(r"\s+", "", formula.group(1))
    if notes:
        system["notes"] = notes
    system["indicators"] = [_ordered_top(t) for t in tops]
    if "core_points" not in system:
        warn(header, 0, "备注中没有找到共性指标分值，按 100 分计", "warning")
        system["core_points"] = 100
    return system


def _ordered_top(t: dict) -> dict:
    d = {"code": t["code"], "name": t["name"], "type": t["type"], "weight": t["weight"]}
    if t.get("note"):
        d["note"] = t["note"]
    d["children"] = [{"code": c["code"], "name": c["name"], "weight": c["weight"], "children": c["children"]}
                     for c in t["children"]]
    return d


def read_indicator_xls(path, *, sheet: str | None = None) -> list[SheetImport]:
    path = Path(path)
    books = _open_cells(path)
    if sheet is not None and sheet not in books:
        raise UsageError(f"没有工作表「{sheet}」，可用：{'、'.join(books)}")
    return [read_indicator_sheet(rows, name, str(path)) for name, rows in books.items()
            if (sheet is None or name == sheet) and any(any(c for c in row) for row in rows)]


def _merge_system(new: dict, old: dict, system_id: str, source: str) -> dict:
    """The imported system, keeping what the city added to an existing file."""
    out = {"id": system_id, "name": old.get("name") or new["name"], "source": source}
    for key in ("organization_types", "core_points", "individual_points", "formula", "notes"):
        if key in new:
            out[key] = new[key]
    if old.get("categories"):
        out["categories"] = old["categories"]
    kept = {t.get("code"): t for t in old.get("indicators") or () if t.get("type") == "个性" and t.get("children")}
    out["indicators"] = [kept.get(t["code"], t) if t["type"] == "个性" else t for t in new["indicators"]]
    for code, top in kept.items():
        if code not in {t["code"] for t in out["indicators"]}:
            out["indicators"].append(top)
    return out


def import_indicators(path, out, *, sheet: str | None = None, system_id: str | None = None,
                      dry_run: bool = False) -> IndicatorImport:
    """Import every sheet (or ``sheet``) of ``path``: into ``out/<id>.yaml`` when ``out`` is a directory
    (or ends with ``/``), else into the file ``out`` (one sheet only)."""
    path = Path(path)
    result = IndicatorImport(str(path))
    result.sheets = read_indicator_xls(path, sheet=sheet)
    out = Path(out)
    to_dir = out.is_dir() or str(out).endswith(("/", "\\")) or (not out.suffix and len(result.sheets) > 1)
    if not to_dir and len(result.sheets) > 1:
        raise UsageError(f"{path.name} 有 {len(result.sheets)} 个工作表，--out 应为目录，或用 --sheet 选择一个",
                         hint="工作表：" + "、".join(s.sheet for s in result.sheets))
    if system_id is not None and len(result.sheets) > 1:
        raise UsageError("--id 只能用于单个工作表（请同时给出 --sheet）")
    for i, s in enumerate(result.sheets):
        if any(p.severity == "error" for p in s.problems) or not s.system:
            continue
        sid = system_id or SHEET_IDS.get(s.sheet) or f"sheet{i + 1}"
        target = out / f"{sid}.yaml" if to_dir else out
        old = {}
        if target.is_file():
            from ..lists.loader import load_file
            doc = load_file(target.resolve(), target.resolve().parent)
            if not isinstance(doc.data, dict):
                first = doc.problems[0].message if doc.problems else "不是 YAML 映射"
                raise InputError(f"输出文件已存在但无法解析，未做任何修改：{target}（{first}）",
                                 hint="先修正或删除该文件，再重新导入。")
            old = doc.data
            if system_id is None and old.get("id"):
                sid = old["id"]
        source = f"{path.name} · 工作表「{s.sheet}」"
        result.outputs[target] = dump_yaml(_merge_system(s.system, old, sid, source))
    if not dry_run and result.outputs:
        result.written = write_files_atomically(result.outputs)
    return result


def format_import(result: IndicatorImport) -> str:
    from ..problems import SEVERITY_LABEL
    lines = []
    for s in result.sheets:
        leaves = sum(len(c["children"]) for t in s.system.get("indicators", ()) for c in t["children"])
        computed = sum(1 for t in s.system.get("indicators", ()) for c in t["children"] for l in c["children"]
                       if l.get("computed"))
        lines.append(f"工作表「{s.sheet}」：一级指标 {len(s.system.get('indicators', ()))} 个，三级指标 {leaves} 个"
                     f"（其中 {computed} 个由台账计算）")
    for p in sorted(result.problems):
        lines.append(f"{p.location()}: {SEVERITY_LABEL[p.severity]} [{p.rule}] {p.message}")
    lines.append(("已写入 " + "、".join(str(p) for p in result.written)) if result.written
                 else "未写入文件（内容未变或预演）")
    return "\n".join(lines) + "\n"


# =============================== scoring ====================================================
@dataclass
class Evidence:
    type: str
    ref: str
    note: str = ""
    item: str | None = None
    file: str | None = None

    def label(self) -> str:
        ref = f"{self.ref}（{self.item}）" if self.item else self.ref
        return f"{self.type} {ref}" + (f"：{self.note}" if self.note else "")


@dataclass
class LeafScore:
    code: str
    name: str
    level1: str
    level2: str
    group: str                    # 共性 | 个性
    weights: tuple                # (w1, w2, w3) in %
    max_points: float
    status: str                   # 计算 | 评分 | 未评
    score: float | None
    points: float
    source: str                   # what the score rests on
    reason: str = ""
    metric: str | None = None
    count: int | None = None
    evidence: list = field(default_factory=list)

    @property
    def lost(self) -> float:
        return round(self.max_points - self.points, 2)


@dataclass
class Scorecard:
    department: str
    department_name: str
    period: str
    system: str
    system_name: str
    category: str | None
    evaluation: str | None
    stage: str | None
    evaluators: tuple
    date: str | None
    core: float
    core_max: float
    individual: float
    individual_max: float
    leaves: list
    feedback: tuple = ()
    rectification: tuple = ()
    computed_from: dict = field(default_factory=dict)   # lists.validtime.provenance: revisions and dates read

    @property
    def total(self) -> float:
        return round(sum(l.points for l in self.leaves), 2)

    @property
    def max_total(self) -> float:
        return round(self.core_max + self.individual_max, 2)

    @property
    def unscored(self) -> list:
        return [l for l in self.leaves if l.status == "未评"]

    def level1(self) -> list:
        """[(label, points, max points, leaves)] per 一级指标, in order."""
        groups: dict = {}
        for leaf in self.leaves:
            g = groups.setdefault(leaf.level1, [0.0, 0.0, []])
            g[0] += leaf.points
            g[1] += leaf.max_points
            g[2].append(leaf)
        return [(k, round(v[0], 2), round(v[1], 2), v[2]) for k, v in groups.items()]

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(total=self.total, max_total=self.max_total, unscored=[l.code for l in self.unscored])
        return d


def _deduction(comp: dict, n: int) -> float:
    if n <= 0:
        return 0.0
    if comp.get("steps"):
        steps = comp["steps"]
        return float(steps[min(n, len(steps)) - 1])
    return float(comp.get("per") or 0) * n


def _ledger_entries(v, department: str, period: str):
    start, end = period_bounds(period)
    out = []
    for ledger in v.ledgers:
        if ledger.department != department:
            continue
        try:
            ls, le = period_bounds(ledger.period)
        except ValueError:
            continue
        if start <= ls and le <= end:
            out.append(ledger)
    return out


def _metric(repo, v, metric: str, comp: dict, department: str, period: str, as_of: _dt.date):
    """(score 0–100 or None, count, evidence, reason) of a computed indicator."""
    start, end = period_bounds(period)
    compute = _METRICS.get(metric)
    if compute is None:
        raise UsageError(f"未知的计算指标：{metric}")
    return compute(repo, v, metric, comp, department, period, as_of, start, end)


def _no_ledger(department: str) -> tuple:
    """The result of a ledger-based indicator when the department kept no ledger in the period."""
    return None, None, [], f"本期没有 {department} 的履职台账，无法计算"


def _idle_powers(repo, v, metric, comp, department, period, as_of, start, end) -> tuple:
    """Items in use that the ledgers show as not run in the period without a stated reason."""
    ledgers = _ledger_entries(v, department, period)
    if not ledgers:
        return _no_ledger(department)
    by_code = defaultdict(list)
    for e in (e for l in ledgers for e in l.entries):
        if e.power:
            by_code[e.power].append(e)
    idle, explained = [], 0
    items = [i for i in repo.items_of(department) if i.status == "在用"]
    for item in items:
        rows = by_code.get(item.code, [])
        if sum(e.handled for e in rows) > 0:
            continue
        if any(e.idle_reason for e in rows):
            explained += 1
            continue
        idle.append(_idle_evidence(item, rows, ledgers))
    n = len(idle)
    reason = (f"在用事项 {len(items)} 项，{n} 项本期未运行且未说明原因" + (f"，{explained} 项说明了未运行原因" if explained else ""))
    if not idle:
        idle = [Evidence("履职台账", l.id, f"在用事项均有办理量或说明了未运行原因（{len(l.entries)} 条记录）", None, l.source.file)
                for l in ledgers]
    return max(0.0, 100 - _deduction(comp, n)), n, idle, reason


def _idle_evidence(item, rows, ledgers) -> Evidence:
    """Evidence for one idle item: its ledger rows if it has any, else the first ledger that omits it."""
    ledger = rows[0].ledger if rows else ledgers[0].id
    note = (f"「{item.full_name}」本期办理 0 件，未说明原因" if rows else f"「{item.full_name}」台账未记录")
    return Evidence("履职台账", ledger, note, item.code, (rows[0].source.file if rows else ledgers[0].source.file))


def _on_time_rate(repo, v, metric, comp, department, period, as_of, start, end) -> tuple:
    """Share of the handled cases (optionally of some categories only) finished on time, with the worst items."""
    ledgers = _ledger_entries(v, department, period)
    if not ledgers:
        return _no_ledger(department)
    entries = [e for l in ledgers for e in l.entries]
    cats = set(comp.get("categories") or ())
    powers = repo.powers
    chosen = [e for e in entries if not cats or (e.power and e.power in powers and powers[e.power].category in cats)]
    handled = sum(e.handled for e in chosen)
    on_time = sum(e.on_time for e in chosen)
    if handled == 0:
        return None, None, [], "台账中没有可计算的办理量"
    rate = on_time / handled
    worst = sorted((e for e in chosen if e.handled > e.on_time), key=lambda e: (-(e.handled - e.on_time), e.target))[:3]
    ev = [Evidence("履职台账", l.id, f"按时办结 {on_time}/{handled} 件（{rate * 100:.1f}%）" + (f"，限于{'、'.join(sorted(cats))}" if cats else ""),
                   None, l.source.file) for l in ledgers]
    ev += [Evidence("履职台账", e.ledger, f"「{e.name or (powers[e.power].full_name if e.power in powers else e.target)}」超时 {e.handled - e.on_time} 件",
                    e.power, e.source.file) for e in worst]
    return round(rate * 100, 1), handled - on_time, ev, f"按时办结率 {rate * 100:.1f}%"


def _buck_passing(repo, v, metric, comp, department, period, as_of, start, end) -> tuple:
    """Matters with problems of the period tagged as buck-passing or many-headed that name the department."""
    matters = defaultdict(list)
    for p in v.problems:
        if p.buck_passing and department in p.departments and in_period(p.date, period):
            matters[p.matter or p.id].append(p)
    ev = [Evidence("问题", ps[0].id, f"「{m}」推诿/多头 {len(ps)} 件：{'、'.join(p.id for p in ps)}", None, ps[0].source.file)
          for m, ps in sorted(matters.items(), key=lambda x: (-len(x[1]), x[0]))]
    n = len(matters)
    return max(0.0, 100 - _deduction(comp, n)), n, ev, f"{n} 个事项存在推诿或多头问题"


def _inactive_bodies(repo, v, metric, comp, department, period, as_of, start, end) -> tuple:
    """Coordination bodies the department hosts in the period that recorded no run (meeting, document)."""
    ev, n = [], 0
    for b in v.bodies:
        if b.host != department or not (b.existed_on(end) or (b.abolished_on and b.abolished_on > start)):
            continue
        count = sum(1 for r in b.records if in_period(r[0], period))
        if count == 0:
            n += 1
            ev.append(Evidence("议事协调机构", b.id, f"「{b.name}」本期没有运行记录", None, b.source.file))
        else:
            ev.append(Evidence("议事协调机构", b.id, f"「{b.name}」本期运行记录 {count} 次", None, b.source.file))
    return max(0.0, 100 - _deduction(comp, n)), n, ev, f"牵头 {len(ev)} 个机构，{n} 个本期未运行"


def _findings_metric(repo, v, metric, comp, department, period, as_of, start, end) -> tuple:
    """Supervision findings due in the period that the department answered late (plus 12345 orders
    handled late) or has not put right (``late_findings`` / ``open_findings``)."""
    ev, n, considered = [], 0, []
    for s in v.supervisions:
        for f in s.findings:
            if f.department != department or not in_period(f.due, period):
                continue
            considered.append((s, f))
            counted = _finding_evidence(metric, s, f, as_of)
            if counted is not None:
                n += 1
                ev.append(counted)
    if metric == "late_findings":
        for p in v.problems:
            if "超期办理" in p.tags and department in p.departments and in_period(p.date, period):
                n += 1
                ev.append(Evidence("问题", p.id, f"12345 工单超期办理（{p.matter or p.content[:20]}）", None, p.source.file))
    what = "未按期整改或超期办理" if metric == "late_findings" else "未整改到位"
    if not ev:
        ev = [Evidence("督导评估台账", s.id, f"第{f.no}个问题期限 {f.due}，{f.status}" + (f"，{f.response_date} 反馈" if f.response_date else ""),
                       None, f.source.file) for s, f in considered]
    return max(0.0, 100 - _deduction(comp, n)), n, ev, f"{n} 个问题{what}"


def _finding_evidence(metric: str, s, f, as_of) -> Evidence | None:
    """Evidence if the finding counts against the department for ``metric`` on ``as_of``, else None."""
    if metric == "late_findings" and f.late(as_of):
        answered = f.response_date
        return Evidence("督导评估台账", s.id, f"第{f.no}个问题「{f.text}」期限 {f.due}，"
                        + (f"{answered} 才反馈" if answered else "未反馈"), None, f.source.file)
    if metric == "open_findings" and not (f.closed and (f.closed_on is None or f.closed_on <= as_of)):
        return Evidence("督导评估台账", s.id, f"第{f.no}个问题「{f.text}」期限 {f.due}，{f.status}", None, f.source.file)
    return None


# computed indicator -> how it is computed
_METRICS = {"idle_powers": _idle_powers, "on_time_rate": _on_time_rate, "buck_passing": _buck_passing,
            "inactive_bodies": _inactive_bodies, "late_findings": _findings_metric, "open_findings": _findings_metric}


def scorecard(repo, system, department: str, period: str, evaluation=None, *, today: _dt.date | None = None) -> Scorecard:
    v = views(repo)
    as_of = (evaluation.date if evaluation is not None and evaluation.date else None) or today or _dt.date.today()
    leaves = []
    core = core_max = indiv = indiv_max = 0.0
    for top in system.indicators:
        group_points = system.core_points if top.type == "共性" else system.individual_points
        for mid in top.children:
            for leaf in mid.children:
                if not system.applies(leaf, department):
                    continue
                max_points = group_points * top.weight / 100 * mid.weight / 100 * leaf.weight / 100
                comp = leaf.computed
                score, status, reason, evidence, count, metric = None, "未评", "", [], None, None
                if comp:
                    metric = comp.get("metric")
                    score, count, evidence, reason = _metric(repo, v, metric, comp, department, period, as_of)
                    status = "计算" if score is not None else "未评"
                    source = METRICS.get(metric, metric)
                else:
                    source = "评估记录"
                    s = evaluation.score(leaf.code) if evaluation is not None else None
                    if s is not None:
                        score, status, reason = s.score, "评分", s.reason or ""
                        evidence = [Evidence(e.get("type", ""), str(e.get("ref", "")), e.get("note") or "", e.get("item"),
                                             s.source.file) for e in s.evidence]
                    else:
                        reason = "评估记录中没有该指标的得分，按 0 分计"
                points = round((score or 0) / 100 * max_points, 4)
                leaves.append(LeafScore(leaf.code, leaf.name, f"{top.code} {top.name}", f"{mid.code} {mid.name}", top.type,
                                        (top.weight, mid.weight, leaf.weight), round(max_points, 4), status, score, points,
                                        source, reason, metric, count, evidence))
                if top.type == "共性":
                    core, core_max = core + points, core_max + max_points
                else:
                    indiv, indiv_max = indiv + points, indiv_max + max_points
    e = evaluation
    return Scorecard(department, repo.department_name(department), period_text(period), system.id, system.name,
                     system.category_of(department), e.id if e else None, e.stage if e else None,
                     e.evaluators if e else (), e.date.isoformat() if e and e.date else None,
                     round(core, 2), round(core_max, 2), round(indiv, 2), round(indiv_max, 2), leaves,
                     e.feedback if e else (), e.rectification if e else ())


def scorecards(repo, period, *, departments=None, system: str | None = None, today=None) -> list[Scorecard]:
    """Scorecards of the period: every department with an evaluation record (or ``departments``).

    The period is judged by its own lists: those in force on its last day (valid time,
    ``lists.repository.period_lists``), unless ``repo`` was opened ``as_of`` a date already; so an
    edit made after the period never changes its scores. Each card names what it was computed
    from (``computed_from``)."""
    period = period_text(period)
    try:
        end = period_bounds(period)[1]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if getattr(repo, "as_of", None) is None:
        from ..lists.repository import period_lists
        repo = period_lists(repo, end)
    from ..lists.validtime import provenance
    basis = {"period": period, **provenance(repo)}
    v = views(repo)
    evals = {e.department: e for e in v.evaluations if e.period == period and (system is None or e.system == system)}
    wanted = list(departments) if departments else sorted(evals)
    cards = []
    for dept in wanted:
        if dept not in repo.departments:
            raise UsageError(f"部门名录中没有部门「{dept}」")
        e = evals.get(dept)
        sid = e.system if e else system or (v.systems[0].id if len(v.systems) == 1 else None)
        sys_ = v.system(sid) if sid else None
        if sys_ is None:
            raise UsageError(f"无法确定 {dept} 使用的指标体系" + (f"「{sid}」" if sid else "") + "，请用 --system 指定")
        card = scorecard(repo, sys_, dept, period, e, today=today)
        card.computed_from = basis
        cards.append(card)
    cards.sort(key=lambda c: (-round(sum(l.points for l in c.leaves), 6), c.department))
    return cards


# =============================== rendering ==================================================
def _n(x) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def render_text(cards: list) -> str:
    if not cards:
        return "本期没有履职评估记录。\n"
    out = [f"{cards[0].period} 年度部门履职评估（{len(cards)} 个部门）", ""]
    for i, c in enumerate(cards, 1):
        out.append(f"  {i}. {c.department_name:<10} 总分 {_n(c.total):>6} / {_n(c.max_total)}  "
                   f"共性 {_n(c.core)} / {_n(c.core_max)}  个性 {_n(c.individual)} / {_n(c.individual_max)}"
                   + (f"  未评 {len(c.unscored)} 项" if c.unscored else ""))
    for c in cards:
        out += ["", f"== {c.department_name}（{c.department}） {c.period} · {c.stage or '仅台账计算'} · 指标体系 {c.system}"
                + (f" · 类别 {c.category}" if c.category else ""),
                f"   总分 {_n(c.total)} / {_n(c.max_total)}（共性 {_n(c.core)} / {_n(c.core_max)}，个性 {_n(c.individual)} / {_n(c.individual_max)}）"]
        for label, pts, mx, leaves in c.level1():
            out.append(f"   {label}：{_n(pts)} / {_n(mx)}")
            for l in leaves:
                score = "—" if l.score is None else _n(l.score)
                out.append(f"     {l.code} {l.name}  {score} 分 → {_n(round(l.points, 2))} / {_n(round(l.max_points, 2))}  [{l.status}]"
                           + (f" {l.reason}" if l.reason else ""))
                for e in l.evidence:
                    out.append(f"         · {e.label()}")
        for f in c.feedback:
            out.append(f"   问题反馈：{f}")
        for r in c.rectification:
            out.append(f"   督促整改：{r}")
    out += [""] + _basis_lines(cards) if cards[0].computed_from else []
    return "\n".join(out) + "\n"


def render_markdown(cards: list) -> str:
    if not cards:
        return "本期没有履职评估记录。\n"
    out = [f"# {cards[0].period} 年度部门履职评估", "",
           "| 排名 | 部门 | 总分 | 共性 | 个性 | 评估阶段 | 未评 |", "|---:|---|---:|---:|---:|---|---:|"]
    for i, c in enumerate(cards, 1):
        out.append(f"| {i} | {c.department_name} | {_n(c.total)} / {_n(c.max_total)} | {_n(c.core)} | {_n(c.individual)} | "
                   f"{c.stage or '—'} | {len(c.unscored)} |")
    for c in cards:
        out += ["", f"## {c.department_name}：{_n(c.total)} / {_n(c.max_total)}", "",
                f"指标体系 {c.system}" + (f"，部门类别 {c.category}" if c.category else "")
                + (f"，评估记录 {c.evaluation}（{c.stage}，{c.date or '—'}）" if c.evaluation else "，无评估记录"), "",
                "| 指标 | 得分 | 折算 | 来源 | 依据 |", "|---|---:|---:|---|---|"]
        for l in c.leaves:
            ev = "<br>".join(escape(e.label()) for e in l.evidence) or "—"
            why = escape(l.reason) + ("<br>" if l.reason and l.evidence else "")
            score = "—" if l.score is None else _n(l.score)
            out.append(f"| {l.code} {escape(l.name)} | {score} | {_n(round(l.points, 2))} / {_n(round(l.max_points, 2))} | "
                       f"{l.status} | {why}{ev} |")
        if c.feedback:
            out += ["", "问题反馈：", ""] + [f"- {f}" for f in c.feedback]
        if c.rectification:
            out += ["", "督促整改：", ""] + [f"- {r}" for r in c.rectification]
    out += [""] + [escape(x) for x in _basis_lines(cards)] if cards[0].computed_from else []
    return "\n".join(out) + "\n"


def render_json(cards: list) -> str:
    return json.dumps({"period": cards[0].period if cards else None,
                       "computed_from": cards[0].computed_from if cards else None,
                       "scorecards": [c.as_dict() for c in cards]}, ensure_ascii=False, indent=2) + "\n"


def _basis_lines(cards: list) -> list:
    """What the scores were computed from (revisions and dates), so a published result can be reproduced."""
    if not cards or not cards[0].computed_from:
        return []
    from ..lists.validtime import describe
    return [describe(cards[0].computed_from)]


def _w(text: str, size: float = 13) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in text)


def _clip(text: str, px: float, size: float = 12) -> str:
    if _w(text, size) <= px:
        return text
    out = ""
    for ch in text:
        if _w(out + ch + "…", size) > px:
            return out + "…"
        out += ch
    return out


def render_svg(cards: list, *, width: int = 980, max_evidence: int = 3) -> str:
    """Scorecards as one SVG: totals, then per department one bar per 一级指标 (earned / lost) with the
    indicators that lost points or were computed, and the evidence behind each (visible text, and the
    complete list in each bar's tooltip)."""
    earned, lost, grey = "#3f6ec6", "#e8a0a0", "#666"
    label_w = 300
    plot_w = width - label_w - 120
    parts, y = [], 10

    def text(x, y, s, size=13, anchor="start", fill="#222", weight="normal"):
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
                     + (f' font-weight="{weight}"' if weight != "normal" else "") + f">{escape(s)}</text>")

    period = cards[0].period if cards else ""
    title = f"{period} 年度部门履职评估记分卡"
    y += 20
    text(10, y, title, 16, weight="bold")
    y += 14
    top = max((c.max_total for c in cards), default=1) or 1
    for c in cards:
        y += 24
        w1 = plot_w * c.total / top
        w2 = plot_w * (c.max_total - c.total) / top
        tip = f"{c.department_name}：{_n(c.total)} / {_n(c.max_total)}"
        parts.append(f"<g><title>{escape(tip)}</title>"
                     f'<rect x="{label_w}" y="{y - 14}" width="{w1:.1f}" height="16" fill="{earned}"/>'
                     f'<rect x="{label_w + w1:.1f}" y="{y - 14}" width="{w2:.1f}" height="16" fill="{lost}"/></g>')
        text(label_w - 8, y, c.department_name, anchor="end")
        text(label_w + w1 + w2 + 6, y, f"{_n(c.total)} / {_n(c.max_total)}", 12, fill=grey)
    for c in cards:
        y += 40
        text(10, y, f"{c.department_name}（{c.department}）总分 {_n(c.total)} / {_n(c.max_total)}"
             + (f" · {c.stage}" if c.stage else "") + (f" · {c.category}" if c.category else ""), 15, weight="bold")
        groups = c.level1()
        scale = plot_w / max((mx for _, _, mx, _ in groups), default=1)
        for label, pts, mx, leaves in groups:
            y += 26
            tip_lines = [f"{label}：{_n(pts)} / {_n(mx)}"]
            for l in leaves:
                tip_lines.append(f"{l.code} {l.name}：{'—' if l.score is None else _n(l.score)} 分（{l.status}）{l.reason}")
                tip_lines += [f"  · {e.label()}" for e in l.evidence]
            parts.append(f"<g><title>{escape(chr(10).join(tip_lines))}</title>"
                         f'<rect x="{label_w}" y="{y - 14}" width="{pts * scale:.1f}" height="16" fill="{earned}"/>'
                         f'<rect x="{label_w + pts * scale:.1f}" y="{y - 14}" width="{(mx - pts) * scale:.1f}" height="16" fill="{lost}"/></g>')
            text(label_w - 8, y, _clip(label, label_w - 20), anchor="end")
            text(label_w + mx * scale + 6, y, f"{_n(pts)} / {_n(mx)}", 12, fill=grey)
            for l in leaves:
                if l.status == "评分" and (l.score or 0) >= 100:
                    continue
                y += 18
                score = "未评" if l.score is None else f"{_n(l.score)} 分"
                line = f"{l.code} {l.name}：{score}（{l.status}，−{_n(l.lost)}）" + (f" {l.reason}" if l.reason else "")
                text(label_w + 4, y, _clip(line, width - label_w - 14, 12), 12, fill="#333")
                for e in l.evidence[:max_evidence]:
                    y += 16
                    text(label_w + 20, y, _clip("· " + e.label(), width - label_w - 30, 11), 11, fill=grey)
                if len(l.evidence) > max_evidence:
                    y += 16
                    text(label_w + 20, y, f"· 另有 {len(l.evidence) - max_evidence} 项佐证（见提示）", 11, fill=grey)
    y += 20
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {y}" '
            f'width="{width}" height="{y}" font-family="sans-serif"><title>{escape(title)}</title>'
            f'<rect width="100%" height="100%" fill="#fff"/>')
    return head + "".join(parts) + "</svg>\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json, "svg": render_svg}


def render(cards: list, fmt: str = "text") -> str:
    try:
        return RENDERERS[fmt](cards)
    except KeyError:
        raise UsageError(f"未知的格式：{fmt}（可用 {'、'.join(RENDERERS)}）") from None
