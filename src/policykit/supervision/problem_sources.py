"""Problem sources besides 12345 — 信访, 行政复议 results, 督查 — imported through the 12345 path.

A 信访 register, a list of 行政复议 decisions or a 督查 list is a CSV with the same columns the 12345
importer reads (``supervision.hotline``: 编号, 受理日期, 内容, 承办部门, 标签, 事项, 状态, 结果 …). Each is
read by that importer — so every row is imported or skipped with a located reason, the same budgets
apply, re-importing gives the same bytes and hand-added fields are kept — and only the record ids
(``XF-``, ``FY-``, ``DC-`` instead of ``RX-``) and the batch's ``source`` differ.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, UsageError
from . import hotline

# source -> id prefix of its problem records
SOURCES = {"12345": "RX", "信访": "XF", "行政复议": "FY", "督查": "DC"}


def import_problems(csv_path, out_path, repo, *, source: str, batch: str | None = None, dry_run: bool = False,
                    limits: hotline.HotlineLimits | None = None) -> hotline.HotlineImport:
    """Read one source's CSV and write ``out_path`` atomically (unless ``dry_run`` or nothing was imported)."""
    prefix = SOURCES.get(source)
    if prefix is None:
        raise UsageError(f"未知的问题来源「{source}」：应为 {'、'.join(SOURCES)}")
    out = Path(out_path)
    if out.is_dir():
        out = out / f"{batch or Path(csv_path).stem}.yaml"
    existing = _existing(out)
    result = hotline.read_hotline_csv(csv_path, repo, batch=batch, limits=limits)
    if prefix != hotline.PREFIX:
        old = f"{hotline.PREFIX}-"
        for rec in result.records:
            if rec["id"].startswith(old):
                rec["id"] = f"{prefix}-{rec['id'][len(old):]}"
        result.imported = [f"{prefix}-{i[len(old):]}" if i.startswith(old) else i for i in result.imported]
    result.records = [r for r in result.records if r["id"] not in result.kept]
    result.kept = []
    hotline._merge(result, existing)
    result.text = hotline._document({"batch": result.batch, "source": source, "imported_from": Path(csv_path).name},
                                    result.records)
    if not dry_run and result.records and not any(p.rule == hotline.RULE_FILE for p in result.problems):
        from ..io.writing import write_files_atomically
        result.written = write_files_atomically({out: result.text})
    return result


def _existing(out: Path) -> dict:
    if not out.is_file():
        return {}
    from ..lists.loader import load_file
    doc = load_file(out.resolve(), out.resolve().parent)
    if doc.data is None or not isinstance(doc.data, dict):
        first = doc.problems[0].message if doc.problems else "不是 YAML 映射"
        raise InputError(f"输出文件已存在但无法解析，未做任何修改：{out}（{first}）", hint="先修正或删除该文件，再重新导入。")
    return doc.data
