"""Each department's power list as xlsx and CSV, in the customary published column layout.

The layout is ``policykit.exporters`` (序号 事项编码 事项名称 … 救济渠道 备注, the same files
``policykit export`` writes and ``policykit import`` reads back). Should that module be missing, a
minimal writer here keeps the customary 15 columns so the site still offers its downloads.
"""
from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.policykit")

FALLBACK_COLUMNS = ("序号", "事项编码", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构",
                    "实施层级及权限", "部门职责", "责任事项内容", "追责对象范围", "追责情形", "救济渠道", "备注")


def _fallback_table(doc: dict, org: dict | None):
    subject = str((org or {}).get("name") or doc.get("department") or "")
    rows = []
    for n, it in enumerate([i for i in doc.get("items") or [] if isinstance(i, dict)], 1):
        basis = "\n".join(f"【{b.get('level', '')}】《{b.get('title', '')}》{b.get('article', '')}"
                          for b in it.get("legal_basis") or [] if isinstance(b, dict))
        rows.append([str(n), str(it.get("code") or ""), str(it.get("name") or ""), str(it.get("sub_name") or ""),
                     str(it.get("category") or ""), basis, subject, str(it.get("unit") or ""),
                     "、".join(it.get("levels") or []), "" if it.get("sanding_duty") is None else str(it["sanding_duty"]),
                     "\n".join(it.get("responsibilities") or []), "、".join(it.get("accountability_targets") or []),
                     "\n".join(it.get("accountability_cases") or []), str(it.get("remedy") or ""),
                     str(it.get("remark") or "")])
    return list(FALLBACK_COLUMNS), rows


def _fallback_csv(header, rows) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def _fallback_xlsx(sheet: str, title: str, header, rows) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = (sheet or "Sheet")[:31].translate(str.maketrans("[]:*?/\\", "_______"))
    ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_MAPPING = None


def _mapping(E):
    global _MAPPING
    if _MAPPING is None:
        _MAPPING = E.load_mapping()
    return _MAPPING


def _render(job):
    """``(dept_id, powers_doc, org_doc, formats)`` → ``(dept_id, {filename: bytes})``."""
    dept_id, doc, org, formats = job
    name = str((org or {}).get("name") or dept_id)
    sheet = str((org or {}).get("short_name") or name)
    title = f"{name}权责清单"
    out = {}
    try:
        from .. import exporters as E
    except ImportError:
        E = None
    if E is not None:
        header, rows = E.department_table(doc, org, _mapping(E))
        if "xlsx" in formats:
            out[f"{dept_id}.xlsx"] = E.render_xlsx([(sheet, title, header, rows)])
        if "csv" in formats:
            out[f"{dept_id}.csv"] = E.render_csv(header, rows)
    else:
        header, rows = _fallback_table(doc, org)
        if "xlsx" in formats:
            out[f"{dept_id}.xlsx"] = _fallback_xlsx(sheet, title, header, rows)
        if "csv" in formats:
            out[f"{dept_id}.csv"] = _fallback_csv(header, rows)
    return dept_id, out


def plan(repo, formats=("xlsx", "csv")) -> tuple[list, dict]:
    """The jobs and ``{dept_id: [file names]}`` of every department with a power list file."""
    formats = tuple(formats)
    if "xlsx" in formats:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            log.info("policykit: 未安装 openpyxl，只提供 CSV 下载")
            formats = tuple(f for f in formats if f != "xlsx")
    jobs, names = [], {}
    for rel, dept_id in sorted(repo.power_files.items(), key=lambda kv: str(kv[1])):
        if not dept_id or dept_id in names:
            continue
        doc = repo.documents[rel].data
        if not isinstance(doc, dict):
            continue
        dept = repo.departments.get(dept_id)
        org = repo.documents[dept.source.file].data if dept is not None else None
        jobs.append((dept_id, doc, org if isinstance(org, dict) else None, formats))
        names[dept_id] = [f"{dept_id}.{fmt}" for fmt in formats]
    return jobs, names


class DownloadWriter:
    """Writes the downloads into ``site_dir/downloads`` while mkdocs renders pages (see parallel.py)."""

    def __init__(self, jobs: list, out_dir, workers: int | None = None):
        from .parallel import Forked
        self.jobs = jobs
        self.out_dir = Path(out_dir)
        self.forked = Forked(self._write, jobs, workers, label="生成下载文件")

    def _write(self, job) -> None:
        _, files = _render(job)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (self.out_dir / name).write_bytes(data)

    def start(self) -> "DownloadWriter":
        self.forked.start()
        return self

    def finish(self) -> int:
        """Wait for the files; return how many were written."""
        self.forked.join()
        expected = [f"{dept_id}.{fmt}" for dept_id, _doc, _org, formats in self.jobs for fmt in formats]
        return sum(1 for name in expected if (self.out_dir / name).is_file())
