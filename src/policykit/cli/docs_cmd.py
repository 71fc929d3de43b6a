"""``policykit docs build [--root .] [--site-dir site] [--strict] [--legal-date D] [--trust-config]`` and
``policykit docs serve``. The repository's mkdocs.yml is checked against an allow-list and mkdocs gets a
configuration policykit generated (``site/siteconfig.py``); ``--trust-config`` hands mkdocs the file itself."""
from __future__ import annotations

import sys

TRUST_HELP = ("把 mkdocs.yml 原样交给 mkdocs（hooks、插件、模板、YAML 标签都会执行）；"
              "只用于受保护分支上已审核的配置，不要用于拉取请求 (trust mkdocs.yml: protected branches only)")
AS_OF_HELP = "公布该日期生效的清单（调整按生效日期、条目按自身的生效/失效日期；默认：现状；见 docs/time.md）"
LEGAL_DATE_HELP = "按该日期（YYYY-MM-DD）核对依据的效力状况、督导问题是否逾期（默认：mkdocs.yml 中插件的 legal_date，否则今天）"


def register(sub) -> None:
    p = sub.add_parser("docs", help="生成并预览公开网站 · build or serve the published site",
                       description="由 lists/、rules/ 和版本历史生成公开网站（mkdocs + Material，离线中文搜索）。"
                                   "mkdocs.yml 按白名单检查后由 policykit 生成配置交给 mkdocs，"
                                   "hooks、其他插件、模板、YAML 标签和仓库外的路径一律拒绝（退出码 2）；"
                                   "仓库没有 mkdocs.yml 时使用内置配置。")
    dsub = p.add_subparsers(dest="docs_command", metavar="ACTION")
    b = dsub.add_parser("build", help="生成网站 · build the site",
                        description="先在临时目录中完整生成网站，成功后一步替换输出目录：中断或失败时原有网站保持不变。")
    b.add_argument("--root", default=".", help="仓库根目录（默认当前目录）")
    b.add_argument("--site-dir", default=None, help="输出目录（默认 mkdocs.yml 的 site_dir，即 site）")
    b.add_argument("--config-file", default=None, help="mkdocs 配置文件（默认 ROOT/mkdocs.yml）")
    b.add_argument("--strict", action="store_true", help="有任何警告即失败（CI 使用）")
    b.add_argument("--legal-date", default=None, metavar="YYYY-MM-DD", help=LEGAL_DATE_HELP)
    b.add_argument("--as-of", default=None, metavar="YYYY-MM-DD", help=AS_OF_HELP)
    b.add_argument("-v", "--verbose", action="store_true", help="输出 mkdocs 的调试信息")
    b.add_argument("--trust-config", action="store_true", help=TRUST_HELP)
    b.set_defaults(func=run_build)
    s = dsub.add_parser("serve", help="本地预览，清单改动后自动重新生成 · preview with live reload")
    s.add_argument("--root", default=".", help="仓库根目录（默认当前目录）")
    s.add_argument("--config-file", default=None, help="mkdocs 配置文件（默认 ROOT/mkdocs.yml）")
    s.add_argument("-a", "--dev-addr", default="127.0.0.1:8000", metavar="IP:PORT", help="监听地址（默认 127.0.0.1:8000）")
    s.add_argument("--open", action="store_true", help="在浏览器中打开")
    s.add_argument("--legal-date", default=None, metavar="YYYY-MM-DD", help=LEGAL_DATE_HELP)
    s.add_argument("--as-of", default=None, metavar="YYYY-MM-DD", help=AS_OF_HELP)
    s.add_argument("--trust-config", action="store_true", help=TRUST_HELP)
    s.set_defaults(func=run_serve)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def _legal_date(args) -> str | None:
    """``--legal-date`` checked and normalized (``YYYY-MM-DD``), or None when not given."""
    import datetime as dt
    from ..errors import UsageError
    value = getattr(args, "legal_date", None)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise UsageError(f"法律日期应为 YYYY-MM-DD 格式的日期：--legal-date {value} (invalid legal date)") from None


def _as_of(args) -> str | None:
    """``--as-of`` checked and normalized (``YYYY-MM-DD``), or None when not given."""
    from ..lists.validtime import parse_day
    value = getattr(args, "as_of", None)
    return None if value is None else parse_day(value).isoformat()


def run_build(args) -> int:
    from ..site import build_site_atomically
    result = build_site_atomically(args.root, site_dir=args.site_dir, strict=args.strict, config_file=args.config_file,
                                   stream=sys.stderr, verbose=args.verbose,
                                   plugin_options=_plugin_options(args), trust_config=args.trust_config)
    sys.stderr.write(f"网站已生成：{result.site_dir}（{result.pages} 个页面和文件，用时 {result.seconds:.1f} 秒）\n")
    return 0


def run_serve(args) -> int:
    from ..site import serve_site
    serve_site(args.root, dev_addr=args.dev_addr, config_file=args.config_file, stream=sys.stderr,
               open_browser=args.open, plugin_options=_plugin_options(args),
               trust_config=args.trust_config)
    return 0


def _plugin_options(args) -> dict:
    """What the command line decides for the plugin: the legal date, and (a process-wide choice that
    belongs here) reading the lists with the garbage collector paused, as ``policykit check`` does."""
    options = {"legal_date": _legal_date(args), "pause_gc_while_loading": True}
    if getattr(args, "as_of", None) is not None:
        options["as_of"] = _as_of(args)
    return options
