"""Build or serve the site through mkdocs' Python API (what ``policykit docs`` calls).

mkdocs never reads the repository's ``mkdocs.yml`` itself here: a pull request controls that file,
and mkdocs' reading of it runs code (hooks, ``!!python`` tags, plugins, templates) and follows its
paths (``site_dir``, ``search.jieba_dict_user``). ``site/siteconfig.py`` reads it as plain data,
checks it against an allow-list and generates the configuration mkdocs gets, written into a private
temporary directory; anything else is refused with exit 2. A repository without ``mkdocs.yml``
gets the default configuration (Material, Chinese, offline jieba search, no web fonts).
``trust_config=True`` (``--trust-config``) lets mkdocs read the file as ``mkdocs build`` does.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, UsageError
from .siteconfig import default_site_config, site_config, write_config

TRUSTED_NOTE = ("policykit: 按 mkdocs.yml 原样交给 mkdocs 执行（--trust-config）：其中的 hooks、插件、主题模板、"
                "YAML 标签和路径都会生效，只应用于受保护分支上已审核的配置 (running mkdocs.yml as trusted)\n")


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


@dataclass
class SiteSetup:
    """What mkdocs will be given for one build or serve."""
    root: Path
    config_path: Path            # the file mkdocs loads: generated (private temp dir) or, trusted, the repository's
    site_dir: Path | None        # the configuration's site_dir when policykit generated it
    trusted: bool = False


def prepare(root, config_file=None, *, tmp: Path, trust_config: bool = False, stream=None) -> SiteSetup:
    """Check the site configuration of ``root`` and write the one mkdocs gets into ``tmp`` (a private
    directory from ``tempfile.mkdtemp``). Raises :class:`~.siteconfig.SiteConfigError` (exit 2) with
    every refused key located, before anything runs."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise UsageError(f"目录不存在：{root}")
    cfg_path = Path(config_file) if config_file else root / "mkdocs.yml"
    if config_file and not cfg_path.is_file():
        raise UsageError(f"找不到 mkdocs 配置文件：{cfg_path}")
    present = os.path.lexists(cfg_path)
    if trust_config and present:
        (stream or sys.stderr).write(TRUSTED_NOTE)
        return SiteSetup(root, cfg_path, None, trusted=True)
    from ..lists.config import load_config as load_repo_config
    repo_config, _ = load_repo_config(root)
    if present:
        config = site_config(root, cfg_path, lists_dir=repo_config.lists_dir)
    else:
        docs = tmp / "docs"
        docs.mkdir()
        config = default_site_config(root, f"{repo_config.city}政府部门职责清单", docs, root / "site")
    return SiteSetup(root, write_config(config, tmp), Path(config["site_dir"]))


def _load(setup: SiteSetup, site_dir, strict: bool):
    """mkdocs' configuration object for ``setup`` (``site_dir`` overrides the configured one)."""
    from mkdocs.config import load_config
    kwargs = {"strict": strict}
    if site_dir is not None:
        kwargs["site_dir"] = str(Path(site_dir).resolve())
    elif setup.trusted and setup.config_path.parent != setup.root:
        kwargs["site_dir"] = str(setup.root / "site")
    try:
        return load_config(str(setup.config_path), **kwargs)
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


@contextlib.contextmanager
def _session(root, config_file, stream, verbose: bool, plugin_options, trust_config: bool):
    """Logging to ``stream``, the plugin options, a private temporary directory and the checked setup."""
    logger, handler, old_level = _logging(stream, verbose)
    try:
        with tempfile.TemporaryDirectory(prefix="policykit-site-") as tmp, _plugin_options(plugin_options):
            yield prepare(root, config_file, tmp=Path(tmp), trust_config=trust_config, stream=stream)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = True


def _build(setup: SiteSetup, site_dir, strict: bool) -> BuildResult:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException
    t0 = time.perf_counter()
    cfg = _load(setup, site_dir, strict)
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


def build_site(root=".", *, site_dir=None, strict: bool = False, config_file=None, stream=None,
               verbose: bool = False, plugin_options: dict | None = None, trust_config: bool = False) -> BuildResult:
    """Build the site of the repository at ``root``; raise :class:`InputError` when mkdocs aborts or
    the site configuration is refused. ``plugin_options`` (e.g. ``{"legal_date": "2024-01-01"}``)
    override the plugin's configuration."""
    with _session(root, config_file, stream, verbose, plugin_options, trust_config) as setup:
        return _build(setup, site_dir, strict)


def build_site_atomically(root=".", *, site_dir=None, strict: bool = False, config_file=None, stream=None,
                          verbose: bool = False, plugin_options: dict | None = None,
                          trust_config: bool = False) -> BuildResult:
    """``build_site`` into a staging directory beside the site, then swapped in with one rename:
    the published site is always wholly old or wholly new, even if the build is killed midway
    (a killed run's staging is cleaned up by the next one, ``writing.recover``)."""
    import shutil
    from ..io.writing import recover, replace_directory, staging_directory
    with _session(root, config_file, stream, verbose, plugin_options, trust_config) as setup:
        if site_dir is not None:
            final = Path(site_dir).resolve()
        elif setup.site_dir is not None:
            final = setup.site_dir
        else:
            final = Path(_load(setup, None, False).site_dir).resolve()
        recover(final.parent)
        if final.is_symlink() or (final.exists() and not final.is_dir()):
            raise InputError(f"输出路径已存在且不是目录 (site dir is not a directory): {final}")
        stage = staging_directory(final)
        try:
            result = _build(setup, str(stage), strict)
            replace_directory(stage, final)
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)
    result.site_dir = final
    return result


def serve_site(root=".", *, dev_addr: str = "127.0.0.1:8000", config_file=None, stream=None, open_browser: bool = False,
               plugin_options: dict | None = None, trust_config: bool = False):
    """``mkdocs serve`` for the repository, with the same checked configuration as a build (read once:
    restart after editing mkdocs.yml); rebuilds when lists/, rules/ or policykit.yaml change."""
    from mkdocs.commands.serve import serve
    with _session(root, config_file, stream, False, plugin_options, trust_config) as setup:
        _load(setup, None, False)   # a configuration mkdocs rejects is an error here, not a traceback
        serve(config_file=str(setup.config_path), dev_addr=dev_addr, open_in_browser=open_browser)
