"""Escaping by construction for the public site: the three types pages are assembled from.

- ``Html``: HTML made by this code. ``Html(template).format(…)``, ``Html(sep).join(…)`` and ``+``
  escape every value that is not itself ``Html``; newlines in text become ``&#10;``, so a raw HTML
  block inside a Markdown page never has a blank line.
- ``Md``: a Markdown line or piece made by this code; every other value becomes literal Markdown text
  (HTML-escaped, Markdown's specials backslashed). ``Html`` enters a Markdown page only as a block of
  its own (``Md.block``).
- ``Url``: a link target or id the code built from codes and ids (``urls.py``), checked against a
  strict alphabet; the only thing besides ``Html``/``Md`` passed through unescaped.

``Generated`` and ``HtmlPage`` are what every page generator returns. Everything on the site that is
not made here is text. This module imports nothing of the site, so every page module may use it.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from markupsafe import Markup

try:  # markupsafe's C escaping of a str (& < > " ' as entities), without building a Markup object
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover — markupsafe without its compiled speedups
    from markupsafe._native import _escape_inner

_new = str.__new__   # a str subclass instance without markupsafe's escaping of its argument


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|])")


_URL_ALPHABET = re.compile(r"[A-Za-z0-9_\-./#%~]*\Z")


class Html(Markup):
    """HTML made by this code; every other value joined in is escaped (see the module's docstring)."""
    __slots__ = ()

    def __new__(cls, base="", *args):
        # the site builds millions of these: a plain str needs none of Markup's checks
        return _new(cls, base) if type(base) is str else super().__new__(cls, base, *args)

    @classmethod
    def escape(cls, s) -> "Html":
        return s if isinstance(s, Html) else _new(cls, _html_text(s))

    # markupsafe runs format and join through Python-level escaping per value (4x slower on the 11,000
    # item pages): the same escaping, done here on the values, then str's own format and join
    def format(self, *args, **kwargs) -> "Html":
        return _new(Html, str.format(self, *[a if type(a) in _NUMBERS else _html_text(a) for a in args],
                                     **{k: v if type(v) in _NUMBERS else _html_text(v) for k, v in kwargs.items()}))

    def join(self, values) -> "Html":
        return _new(Html, str.join(self, [_html_text(v) for v in values]))


class Md(Markup):
    """Markdown made by this code; every other value joined in is literal text (see the module's docstring)."""
    __slots__ = ()

    def __new__(cls, base="", *args):
        return _new(cls, base) if type(base) is str else super().__new__(cls, base, *args)

    @classmethod
    def escape(cls, s) -> "Md":
        return s if isinstance(s, Md) else _new(cls, _md_text(s))

    def format(self, *args, **kwargs) -> "Md":
        return _new(Md, str.format(self, *[a if type(a) in _NUMBERS else _md_text(a) for a in args],
                                   **{k: v if type(v) in _NUMBERS else _md_text(v) for k, v in kwargs.items()}))

    def join(self, values) -> "Md":
        return _new(Md, str.join(self, [_md_text(v) for v in values]))

    @classmethod
    def block(cls, html: Html) -> "Md":
        """A block of HTML on a line of its own in a Markdown page (Markdown leaves such a block as it is)."""
        return _new(cls, _html_text(html))


class Url(Markup):
    """A link target, anchor or class name built by the code (``urls.py``), from a strict alphabet."""
    __slots__ = ()

    def __new__(cls, value=""):
        text = str(value)
        if not _URL_ALPHABET.match(text):
            raise ValueError(f"not a URL made by the site: {text!r}")
        return _new(cls, text)


_NUMBERS = (int, float)      # formatted as they are: their format specs apply, digits need no escaping


def _html_text(s) -> str:
    """``s`` as HTML text: escaped, newlines as character references; Html and Url as they are."""
    if type(s) is not str:
        if isinstance(s, (Html, Url)):
            return s
        if isinstance(s, Md):
            raise TypeError("Markdown in HTML: build this piece as Html")
        if s is None:
            return ""
        s = str(s)
    text = _escape_inner(s)
    if "\n" in text or "\r" in text:
        text = text.replace("\r", "&#13;").replace("\n", "&#10;")
    return text


def _md_text(s) -> str:
    """``s`` as literal Markdown text; Md and Url as they are."""
    if type(s) is not str:
        if isinstance(s, (Md, Url)):
            return s
        if isinstance(s, Html):
            raise TypeError("HTML in a Markdown line: Md.block() for a block of HTML, or build it as Md")
        if s is None:
            return ""
        s = str(s)
    text = _escape_inner(_MD_SPECIAL.sub(r"\\\1", s))
    if "\n" in text or "\r" in text:
        text = text.replace("\r", "").replace("\n", "<br>")
    return text


def h(text) -> Html:
    """Text as HTML (``Html`` passes as it is)."""
    return Html.escape(text)


def md(text) -> Md:
    """Text as inline Markdown: HTML-escaped, Markdown specials backslashed, one line (``Md`` passes as it is)."""
    return Md.escape(text)


def _md_page(lines) -> str:
    """A Markdown page from its lines; a line that is not ``Md`` is written as text."""
    return str(Md("\n").join(lines))


def _title_text(text) -> str:
    """A title on one line."""
    return " ".join(str(text or "").split())


def iso_day(value) -> str:
    """YYYY-MM-DD of a date or datetime; other values as text, None as ''."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value or "")


# ---- pages ------------------------------------------------------------------------------------
@dataclass
class Generated:
    src_uri: str
    content: str | bytes
    in_nav: bool = False
    render: object = None         # () -> HtmlPage, for pages whose body is generated as HTML
    kind: str = "page"            # "page" or "item-shell"


@dataclass
class HtmlPage:
    title: str
    body: Html                    # the page body without its <h1>
    toc: list                     # mkdocs toc tokens: {level, id, name, children}
    sections: list = field(default_factory=list)   # search: [(anchor or "", title, text)], escaped text
    boost: float | None = None

    @property
    def html(self) -> Html:
        return Html("<h1>{}</h1>\n{}").format(self.title, self.body)
