"""Every spreadsheet and CSV cell policykit writes is text, never a formula (OWASP "CSV Injection").

A spreadsheet program runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (and, per OWASP ASVS 1.2.10, a NUL) as a formula: ``=HYPERLINK("http://…?"&A1)`` in an item
name would leak the sheet when a reader opens the download. One rule, here, for every writer:

* CSV (:func:`csv_text`, :func:`render_csv`): such a cell gets a leading single quote ``'``, the
  marker spreadsheets read as "text follows"; every field is enclosed in double quotes, so a
  ``,`` or ``;`` inside a value can never start a new cell. A value that itself begins with ``'``
  followed by one of those characters (or by another ``'``) gets a quote as well, so the marker is
  unambiguous and :func:`from_csv_text` gives back exactly what was exported (``-`` placeholders,
  a name that legitimately starts with ``=`` or ``-``).
* xlsx (:func:`set_text`, :func:`write_row`): the cell's type is string (``t="inlineStr"``),
  never inferred (openpyxl would store ``=…`` as a formula and ``#N/A`` as an error), and a
  dangerous cell carries Excel's own ``quotePrefix`` style, which is what typing ``'`` in Excel
  stores: the value stays exact and re-editing the cell in Excel does not turn it into a formula.
"""
from __future__ import annotations

import csv
import io
import re

FORMULA_START = frozenset("=+-@\t\r\0")
QUOTE = "'"
_MARKED = FORMULA_START | {QUOTE}
# characters XML 1.0 cannot carry (openpyxl refuses them); the importer drops them too
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def dangerous(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (its first character)."""
    return bool(text) and text[0] in FORMULA_START


def csv_text(value) -> str:
    """The CSV field for ``value``: ``str(value)``, with a protective ``'`` where needed."""
    text = "" if value is None else str(value)
    if text and (text[0] in FORMULA_START or (text[0] == QUOTE and len(text) > 1 and text[1] in _MARKED)):
        return QUOTE + text
    return text


def from_csv_text(text: str) -> str:
    """Undo :func:`csv_text`: the protective quote before a marked character is removed."""
    if len(text) > 1 and text[0] == QUOTE and text[1] in _MARKED:
        return text[1:]
    return text


def render_csv(header, rows, *, bom: bool = True) -> bytes:
    """UTF-8 CSV (with BOM by default, so that Excel opens it as Chinese text), CRLF line ends,
    every field quoted and protected by :func:`csv_text`."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    if header is not None:
        w.writerow([csv_text(v) for v in header])
    for row in rows:
        w.writerow([csv_text(v) for v in row])
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


def xlsx_text(value: str) -> str:
    """``value`` without the characters an xlsx cannot hold (as the importer reads it back)."""
    return _ILLEGAL_XML.sub("", value)


def set_text(cell, value) -> None:
    """Put ``value`` into an openpyxl cell; a string is always a string cell, never a formula.

    None stays blank; numbers (``int``/``float``, not ``bool``) stay numbers; anything else is text.
    """
    if value is None or value == "":
        cell.value = None
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return
    text = xlsx_text(str(value))
    cell.value = text
    cell.data_type = "s"            # openpyxl infers "f" from a leading "=", "e" from "#N/A"
    if dangerous(text):
        cell.quotePrefix = True


def write_row(ws, row: int, values) -> None:
    """Write ``values`` into row ``row`` (1-based) of ``ws``, each through :func:`set_text`."""
    for c, v in enumerate(values, 1):
        set_text(ws.cell(row=row, column=c), v)
