"""``policykit import FILE… [--department ID] [--mapping MAP.yaml] [--out lists] [--report text|json] [--dry-run]``"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ._args import positive_int


def register(sub) -> None:
    p = sub.add_parser("import", help="导入电子表格权责清单 · import published spreadsheets",
                       description="把已公布的权责清单电子表格（.xls、.xlsx、CSV，按内容识别格式）导入为 YAML："
                                   "lists/powers/<部门>.yaml，并在缺少时创建 lists/organizations/<部门>.yaml。"
                                   "每个源表行都有去向：导入、并入某事项，或带原因跳过。写入是原子的。")
    p.add_argument("files", nargs="+", metavar="FILE", help="电子表格文件")
    p.add_argument("--department", default=None, metavar="ID",
                   help="部门标识（默认按行使主体推断，新部门记为 dept-<编码>）")
    p.add_argument("--mapping", action="append", default=None, metavar="MAP.yaml",
                   help="补充表头映射（可多次给出；格式同 importers/default_mapping.yaml）")
    p.add_argument("--out", default="lists", metavar="DIR", help="清单目录（默认 lists）")
    p.add_argument("--report", default="text", choices=["text", "json"], help="报告格式（默认 text）")
    p.add_argument("--dry-run", action="store_true", help="只报告，不写文件")
    p.add_argument("-v", "--verbose", action="store_true", help="文本报告列出全部问题")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示每个文件的进度")
    p.add_argument("--force", action="store_true",
                   help="覆盖有未提交修改的清单文件（默认拒绝，以免丢失尚未提交的工作）")
    lim = p.add_argument_group("上限 · limits",
                               "防止异常或恶意文件耗尽时间和内存；默认值见 docs/import.md，也可用环境变量 "
                               "POLICYKIT_IMPORT_MAX_* 设置")
    for name, help_ in (("max-file-bytes", "单个文件最大字节数（默认 64 MiB）"),
                        ("max-unzipped-bytes", ".xlsx 解压后最大字节数（默认 256 MiB）"),
                        ("max-rows", "每个工作表最多行数（默认 100000）"),
                        ("max-cells", "每个文件最多单元格数，行×列累计（默认 2000000）"),
                        ("max-cell-chars", "单元格最多字符数（默认 60000；超出的单元格报错且不导入）")):
        lim.add_argument(f"--{name}", type=positive_int, default=None, metavar="N", help=help_)
    p.set_defaults(func=run)


def git_dirty_checker(out_dir: Path, *, untracked: bool = True):
    """``is_dirty(path)`` for files under ``out_dir`` when it is inside a git work tree: the file
    differs from HEAD (modified or staged; untracked too when ``untracked``). None outside git."""
    from ..lists import gitdoor as history
    from ..io.writing import _existing_ancestor, git_dir_of
    out_dir = _existing_ancestor(Path(out_dir).absolute())
    if git_dir_of(out_dir) is None:
        return None
    top = history.toplevel(out_dir)
    if history.has_commits(top):
        committed = {rel: sha for rel, (_, sha) in history.tree_files(top, "HEAD").items()}
    else:
        committed = {}

    def is_dirty(path: Path) -> bool:
        path = Path(path).absolute()
        try:
            rel = path.resolve().relative_to(top).as_posix()
        except ValueError:
            return False
        try:
            data = path.read_bytes()
        except OSError:
            return False
        if rel not in committed:
            return untracked
        return committed[rel] != history.blob_sha(data)
    return is_dirty


PLACEHOLDER_REGION = "000000"


def city_config_problem(root: Path) -> str | None:
    """Why the repository ``root`` (the folder holding ``--out``) cannot give the city's region code
    (item codes begin with it), or None when its ``policykit.yaml`` does. Codes made with another
    city's region would look right and be wrong everywhere, so nothing is written without it."""
    from ..lists.config import load_config as repo_config
    if not (root / "policykit.yaml").is_file():
        return f"{root} 中没有 policykit.yaml：不知道本市的区划代码"
    config, problems = repo_config(root)   # a broken file is reported by the importer's own reading
    if not config.region_code and not any(p.severity == "error" for p in problems):
        return f"{root / 'policykit.yaml'} 没有 region_code：不知道本市的区划代码"
    return None


def _without_city(root: Path, why: str, dry_run: bool):
    """A dry run may preview a spreadsheet before the repository exists: its codes then begin with
    the placeholder region 000000, said on stderr. A real import stops (exit 2) after the files have
    been read, so a damaged file is still named as such."""
    from ..errors import UsageError
    if dry_run:
        sys.stderr.write(f"注意：{why}，试运行中的事项编码以占位区划代码 {PLACEHOLDER_REGION} 开头 "
                         f"(no region code: the dry run uses the placeholder {PLACEHOLDER_REGION})\n")
        return None
    return UsageError(f"{why}，无法为事项编码，未写入任何文件 (no policykit.yaml with region_code: nothing imported)", hint=f"先建立城市仓库：policykit init {root} --region 区划代码 "
                      "--name 城市名称（见 docs/init.md），或用 --out 指向已有仓库的 lists 目录")


def run(args) -> int:
    from ..errors import UsageError
    from ..io.importers import ImportLimits, import_files, load_config, load_mapping
    from ..io.importers.report import format_json, format_text
    from ..problems import at_least

    if args.department is not None:
        import re
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", args.department):
            raise UsageError(f"部门标识不合法 (invalid department id): {args.department!r}",
                             hint="小写字母开头，仅含小写字母、数字、-、_，如 scjgj")
    out_dir = Path(args.out)
    root = out_dir.resolve().parent
    why = city_config_problem(root)
    if why is None:
        config = load_config(root)
    else:
        import dataclasses
        config = load_config(root if (root / "policykit.yaml").is_file() else None)
        config = dataclasses.replace(config, region_code=PLACEHOLDER_REGION)
        refusal = _without_city(root, why, args.dry_run)
    mapping = load_mapping(args.mapping)

    def progress(n, total, fr):
        if not args.quiet:
            count = sum(len(s.items) for s in fr.sheets)
            sys.stderr.write(f"[{n}/{total}] 导入 {os.path.basename(fr.path)}: {count} 项\n")
            sys.stderr.flush()

    limits = ImportLimits.from_env(max_file_bytes=args.max_file_bytes, max_unzipped_bytes=args.max_unzipped_bytes,
                                   max_rows=args.max_rows, max_cells=args.max_cells,
                                   max_cell_chars=args.max_cell_chars)
    is_dirty = None
    if not args.dry_run and why is None:
        from ..io.writing import recover
        recover(out_dir, *(out_dir / d for d in ("powers", "organizations")))
        if not args.force:
            is_dirty = git_dirty_checker(out_dir)
    plan = import_files(args.files, out_dir=out_dir, department=args.department, mapping=mapping,
                        config=config, dry_run=args.dry_run or why is not None, progress=progress, limits=limits,
                        protect_uncommitted=is_dirty is not None, is_dirty=is_dirty)
    if why is not None and refusal is not None:
        raise refusal
    if args.report == "json":
        sys.stdout.write(format_json(plan))
    else:
        sys.stdout.write(format_text(plan, dry_run=args.dry_run, verbose=args.verbose))
    return 1 if at_least(plan.problems, "error") else 0
