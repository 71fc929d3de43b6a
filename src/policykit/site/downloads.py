"""Each department's power list as xlsx and CSV, in the customary published column layout.

The files are written by ``policykit.io.exporters`` (序号 事项编码 事项名称 … 救济渠道 备注, the same files
``policykit export`` writes and ``policykit import`` reads back), so that every cell is text and
never a formula (``policykit.io.cells``), whoever wrote the list.
"""
from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.policykit")

_MAPPING = None


def _mapping():
    global _MAPPING
    if _MAPPING is None:
        from ..io.importers.mapping import load_mapping
        _MAPPING = load_mapping()
    return _MAPPING


def _render(job):
    """``(dept_id, powers_doc, org_doc, formats)`` → ``(dept_id, {filename: bytes})``."""
    dept_id, doc, org, formats = job
    name = str((org or {}).get("name") or dept_id)
    sheet = str((org or {}).get("short_name") or name)
    title = f"{name}权责清单"
    from ..io import exporters as E
    out = {}
    header, rows = E.department_table(doc, org, _mapping())
    if "xlsx" in formats:
        out[f"{dept_id}.xlsx"] = E.render_xlsx([(sheet, title, header, rows)])
    if "csv" in formats:
        out[f"{dept_id}.csv"] = E.render_csv(header, rows)
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
