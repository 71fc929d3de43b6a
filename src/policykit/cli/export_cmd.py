"""``policykit export -o PATH [--format xlsx|csv|sqlite] [--kind KIND] [--at REV] [--root DIR | --lists DIR]``"""
from __future__ import annotations

import sys

SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def register(sub) -> None:
    from ..io.tables import KINDS
    p = sub.add_parser("export", help="导出为电子表格、CSV 或 SQLite · export as xlsx, CSV or SQLite",
                       description="导出清单。默认把权责清单（lists/powers/*.yaml）导出为惯用的公布格式：xlsx（每个部门一个"
                                   "工作表，标题行 + 表头，另有事项编码列）或 CSV（每个部门一个 UTF-8 带 BOM 的文件），可再导入"
                                   "得到相同的 YAML。--kind tasks、--kind boundaries 导出职责任务清单、职责边界清单的公布格式；"
                                   "其他类别的清单和记录（及 --layout tables）每张表一个工作表或 CSV 文件，中文表头；"
                                   "--format sqlite 把全部清单和记录导出为一个 SQLite 数据库（每类一张表，含主键和外键，"
                                   "见 docs/export.md）。")
    p.add_argument("--root", default=".", metavar="DIR", help="仓库目录（默认当前目录；--kind 和 sqlite 从这里读取）")
    p.add_argument("--lists", default=None, metavar="DIR",
                   help="权责清单公布格式：直接读取这个清单目录（默认 <root>/lists）")
    p.add_argument("-o", "--out", required=True, metavar="PATH",
                   help="输出：xlsx 文件、CSV 输出目录或 SQLite 文件")
    p.add_argument("--format", default=None, choices=["xlsx", "csv", "sqlite"],
                   help="格式（默认按 --out 推断：.xlsx 为 xlsx，.sqlite/.sqlite3/.db 为 sqlite，否则 csv）")
    p.add_argument("--kind", action="append", default=None, choices=sorted(KINDS) + ["all"], metavar="KIND",
                   help="导出哪类清单或记录（可多次给出；默认 powers，即权责清单公布格式；all 为全部）："
                        + "、".join(f"{k} {v}" for k, v in KINDS.items()))
    p.add_argument("--layout", default=None, choices=["published", "tables"],
                   help="版式：published 为惯用的公布格式（单独导出 powers、tasks 或 boundaries 时的默认），"
                        "tables 为与 SQLite 相同的表（中文表头，每张表一个工作表或 CSV 文件）")
    p.add_argument("--at", default=None, metavar="REV",
                   help="按某一提交或日期（该日或之前的最后一次提交）读取清单")
    p.add_argument("--as-of", default=None, metavar="DATE",
                   help="导出该日（YYYY-MM-DD）有效的清单（按调整的生效日期和条目的生效、失效日期；记录按 --at）")
    p.add_argument("--department", action="append", default=None, metavar="ID",
                   help="权责清单公布格式：只导出这些部门（可多次给出）")
    p.add_argument("--include-personal-data", action="store_true",
                   help="照原样导出问题、调处和督导记录（含工单编号、来电人等个人信息）；默认按 policykit.yaml 的 "
                        "publishing 规则隐去，与公开网站相同")
    p.add_argument("--datasette-metadata", default=None, metavar="FILE",
                   help="SQLite 导出时另写 Datasette 的元数据（表和字段的中文名、默认分面）：datasette serve city.sqlite -m FILE")
    p.add_argument("--force", action="store_true",
                   help="覆盖已纳入 git 且有未提交修改的输出文件（默认拒绝）")
    p.set_defaults(func=run)


def _format(args) -> str:
    from pathlib import Path
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower()
    if suffix in SQLITE_SUFFIXES:
        return "sqlite"
    return "xlsx" if suffix == ".xlsx" else "csv"


def _open(args):
    """The repository at ``--at``, with the supervision records as the publishing policy allows
    unless ``--include-personal-data``."""
    from .. import open_repository
    repo = open_repository(args.root, at=args.at, as_of=args.as_of)
    errors = sorted({p.file for p in repo.load_problems if p.severity == "error"})
    if errors:
        sys.stderr.write(f"警告：{len(errors)} 个文件有错误，未导出（先运行 policykit check）：{', '.join(errors[:5])}"
                         + (" …" if len(errors) > 5 else "") + "\n")
    if args.include_personal_data:
        return repo
    from ..site.publishing import public_site_data
    return public_site_data(repo)[0]


def _report_sqlite(report) -> None:
    for table, n in sorted(report.skipped.items()):
        sys.stderr.write(f"警告：{table} 有 {n} 行的主键与前面的行重复，未导出（policykit check 会报告）\n")
    for (table, parent), n in sorted(report.dangling.items()):
        sys.stderr.write(f"警告：{table} 有 {n} 处引用在 {parent} 中找不到（policykit check 会报告）\n")


def run(args) -> int:
    from pathlib import Path
    from ..errors import UsageError
    from ..io.writing import recover
    from .import_cmd import git_dirty_checker
    fmt = _format(args)
    kinds = set(args.kind or ())
    layout = _layout(args, kinds, fmt)
    out = Path(args.out)
    recover(out if out.is_dir() else out.parent)
    # an output git tracks and that has uncommitted edits is someone's work: refuse (untracked outputs
    # are earlier exports and are replaced)
    is_dirty = None if args.force else git_dirty_checker(out if out.is_dir() else out.parent, untracked=False)
    protect = is_dirty is not None
    if layout == "sqlite":
        from ..io.sqlite_export import export_sqlite
        repo = _open(args)
        report = export_sqlite(repo, out, meta={"at": args.at, "as_of": args.as_of, "personal_data": int(args.include_personal_data)},
                               protect_uncommitted=protect, is_dirty=is_dirty)
        _report_sqlite(report)
        written = [out]
        if args.datasette_metadata:
            written.append(_write_metadata(repo, out, Path(args.datasette_metadata), protect, is_dirty))
    elif layout == "published" and kinds <= {"powers"}:
        written = _export_powers(args, fmt, protect, is_dirty)
    elif layout == "published":
        from ..io.exporters import export_published
        written = export_published(_open(args), next(iter(kinds)), out, fmt=fmt, protect_uncommitted=protect,
                                   is_dirty=is_dirty)
    else:
        from ..io.exporters import export_kind
        written = export_kind(_open(args), None if "all" in kinds else (kinds or {"powers"}), out, fmt=fmt,
                              protect_uncommitted=protect, is_dirty=is_dirty)
    for path in written:
        sys.stderr.write(f"已写入 {path}\n")
    return 0


def _layout(args, kinds: set, fmt: str) -> str:
    """``sqlite``, ``published`` (the customary layout of one kind) or ``tables``; usage errors for
    combinations that mean nothing."""
    from ..errors import UsageError
    from ..io.exporters import PUBLISHED_KINDS
    if fmt == "sqlite":
        if kinds - {"all"} or args.layout:
            raise UsageError("SQLite 导出总是包含全部清单和记录的表，不接受 --kind 或 --layout "
                             "(the SQLite file holds every kind, as tables)")
        return "sqlite"
    if args.datasette_metadata:
        raise UsageError("--datasette-metadata 只用于 SQLite 导出 (only with --format sqlite)")
    single = "powers" if not kinds else (next(iter(kinds)) if len(kinds) == 1 else None)
    if args.layout == "tables":
        return "tables"
    if single in PUBLISHED_KINDS:
        return "published"
    if args.layout == "published":
        raise UsageError("公布格式只用于单独导出 powers、tasks 或 boundaries (a published layout exists for "
                         "powers, tasks and boundaries, one at a time)")
    return "tables"


def _write_metadata(repo, database, path, protect, is_dirty):
    import json
    from ..io.sqlite_export import datasette_metadata
    from ..io.writing import write_files_atomically
    text = json.dumps(datasette_metadata(repo, database.stem), ensure_ascii=False, indent=1) + "\n"
    write_files_atomically({path: text.encode("utf-8")}, protect_uncommitted=protect, is_dirty=is_dirty)
    return path


def _export_powers(args, fmt, protect, is_dirty) -> list:
    """The power lists in the published layout: read from ``--lists`` (the work tree), or from the
    repository at ``--at``."""
    from pathlib import Path
    from ..errors import UsageError
    from ..io.exporters import export_powers, repository_lists
    if args.at is None and args.as_of is None:
        lists_dir = args.lists or str(Path(args.root) / "lists")
        return export_powers(lists_dir, args.out, fmt=fmt, departments=args.department,
                             protect_uncommitted=protect, is_dirty=is_dirty)
    if args.lists:
        raise UsageError("--at/--as-of 从仓库读取清单，不能与 --lists 同用 (--at and --as-of read the repository, not --lists)")
    from .. import open_repository
    repo = open_repository(args.root, at=args.at, as_of=args.as_of)
    return export_powers(Path(args.root) / repo.config.lists_dir, args.out, fmt=fmt, departments=args.department,
                         protect_uncommitted=protect, is_dirty=is_dirty, lists=repository_lists(repo))
