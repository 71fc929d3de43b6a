"""Build or serve the site through mkdocs' Python API (what ``policykit docs`` calls).

With the repository's ``mkdocs.yml`` when it has one; otherwise with the default configuration
below (Material, Chinese, offline jieba search, no web fonts), written to a temporary file, so any
repository of lists can be published without adding files to it.
"""
from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, UsageError

SEPARATOR = r"[\s\u200b\u3000\-、。，．？！；]+"


def default_config(root: Path, site_name: str, docs_dir: str) -> str:
    """The mkdocs configuration used when the repository has no mkdocs.yml (same as the bundled one)."""
    import json
    return f"""site_name: {json.dumps(site_name, ensure_ascii=False)}
copyright: 本站内容由版本库中的清单数据自动生成
docs_dir: {json.dumps(docs_dir)}
extra:
  generator: false
theme:
  name: material
  language: zh
  font: false
  features: [navigation.tabs, navigation.top, navigation.indexes, search.suggest, search.highlight, toc.follow]
plugins:
  - policykit:
      root: {json.dumps(str(root))}
  - search:
      separator: {json.dumps(SEPARATOR)}
markdown_extensions:
  - tables
  - attr_list
  - md_in_html
  - admonition
  - pymdownx.details
  - pymdownx.superfences
  - toc:
      permalink: true
"""


@dataclass
class BuildResult:
    site_dir: Path
    seconds: float
    pages: int = 0
    timings: dict = field(default_factory=dict)


class _StderrHandler(logging.Handler):
    """mkdocs' log lines as plain progress lines on stderr (``INFO    -  …``, as the mkdocs CLI prints)."""

    def __init__(self, stream):
        super().__init__(logging.INFO)
        self.stream = stream

    def emit(self, record):
        try:
            self.stream.write(f"{record.levelname:<8}-  {record.getMessage()}\n")
            self.stream.flush()
        except Exception:  # noqa: BLE001
            self.handleError(record)


def _logging(stream, verbose: bool):
    logger = logging.getLogger("mkdocs")
    handler = _StderrHandler(stream or sys.stderr)
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    return logger, handler, old


def _config(root: Path, config_file, site_dir, strict: bool, tmp: Path, extra: dict | None = None):
    from mkdocs.config import load_config
    root = Path(root).resolve()
    if not root.is_dir():
        raise UsageError(f"目录不存在：{root}")
    cfg_path = Path(config_file) if config_file else root / "mkdocs.yml"
    if config_file and not cfg_path.is_file():
        raise UsageError(f"找不到 mkdocs 配置文件：{cfg_path}")
    if not cfg_path.is_file():
        from ..config import load_config as load_repo_config
        repo_config, _ = load_repo_config(root)
        docs = tmp / "docs"
        docs.mkdir(parents=True, exist_ok=True)
        cfg_path = tmp / "mkdocs.yml"
        cfg_path.write_text(default_config(root, f"{repo_config.city}政府部门职责清单", str(docs)), encoding="utf-8")
    kwargs = {"strict": strict, **(extra or {})}
    if site_dir is not None:
        kwargs["site_dir"] = str(Path(site_dir).resolve())
    elif cfg_path.parent != root:
        kwargs["site_dir"] = str(root / "site")
    try:
        return load_config(str(cfg_path), **kwargs)
    except Exception as exc:  # mkdocs' ConfigurationError and friends
        raise InputError(f"mkdocs 配置有误：{exc}",
                         hint="网站需要 mkdocs-material 和 jieba：pip install -e '.[site]'") from exc


@contextlib.contextmanager
def _plugin_options(options: dict | None):
    """Set options of the ``policykit`` plugin over what mkdocs.yml says while the block runs (they
    hold for ``docs build`` and every rebuild of ``docs serve``). Options that are None are left alone."""
    from . import plugin
    options = {k: v for k, v in (options or {}).items() if v is not None}
    saved = dict(plugin.OPTION_OVERRIDES)
    plugin.OPTION_OVERRIDES.update(options)
    try:
        yield
    finally:
        plugin.OPTION_OVERRIDES.clear()
        plugin.OPTION_OVERRIDES.update(saved)


def build_site(root=".", *, site_dir=None, strict: bool = False, config_file=None, stream=None,
               verbose: bool = False, plugin_options: dict | None = None) -> BuildResult:
    """Build the site of the repository at ``root``; raise :class:`InputError` when mkdocs aborts.
    ``plugin_options`` (e.g. ``{"legal_date": "2024-01-01"}``) override the plugin's configuration."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException
    logger, handler, old_level = _logging(stream, verbose)
    t0 = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="policykit-site-") as tmp, _plugin_options(plugin_options):
            cfg = _config(Path(root), config_file, site_dir, strict, Path(tmp))
            cfg.plugins.on_startup(command="build", dirty=False)
            try:
                build(cfg)
            except Abort as exc:
                raise InputError(f"网站生成中止：{exc}", hint="去掉 --strict 可查看全部警告；先用 policykit check 修复清单。") from None
            except MkDocsException as exc:
                raise InputError(f"网站生成失败：{exc}") from None
            finally:
                cfg.plugins.on_shutdown()
            plugin = cfg.plugins.get("policykit")
            return BuildResult(Path(cfg.site_dir), time.perf_counter() - t0,
                               getattr(plugin, "page_count", 0), dict(getattr(plugin, "timings", {})))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = True


def site_dir_of(root=".", *, site_dir=None, config_file=None) -> Path:
    """The directory a build writes to: ``site_dir``, else the mkdocs configuration's."""
    if site_dir is not None:
        return Path(site_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="policykit-site-") as tmp:
        return Path(_config(Path(root), config_file, None, False, Path(tmp)).site_dir).resolve()


def build_site_atomically(root=".", *, site_dir=None, strict: bool = False, config_file=None, stream=None,
                          verbose: bool = False, plugin_options: dict | None = None) -> BuildResult:
    """``build_site`` into a staging directory beside the site, then swapped in with one rename:
    the published site is always wholly old or wholly new, even if the build is killed midway
    (a killed run's staging is cleaned up by the next one, ``writing.recover``)."""
    import shutil
    from ..writing import recover, replace_directory, staging_directory
    final = site_dir_of(root, site_dir=site_dir, config_file=config_file)
    recover(final.parent)
    if final.exists() and not final.is_dir():
        raise InputError(f"输出路径已存在且不是目录 (site dir is not a directory): {final}")
    stage = staging_directory(final)
    try:
        result = build_site(root, site_dir=str(stage), strict=strict, config_file=config_file, stream=stream,
                            verbose=verbose, plugin_options=plugin_options)
        replace_directory(stage, final)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    result.site_dir = final
    return result


def serve_site(root=".", *, dev_addr: str = "127.0.0.1:8000", config_file=None, stream=None, open_browser: bool = False,
               plugin_options: dict | None = None):
    """``mkdocs serve`` for the repository: rebuilds when lists/, rules/ or policykit.yaml change."""
    from mkdocs.commands.serve import serve
    logger, handler, old_level = _logging(stream, False)
    try:
        with tempfile.TemporaryDirectory(prefix="policykit-site-") as tmp, _plugin_options(plugin_options):
            cfg = _config(Path(root), config_file, None, False, Path(tmp))
            serve(config_file=cfg.config_file_path, dev_addr=dev_addr, open_in_browser=open_browser)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = True
