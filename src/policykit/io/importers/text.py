"""Turning cell text into field values, and back (the exporter uses the ``format_*`` half).

Every ``parse_*`` is idempotent through its ``format_*``: ``parse(format(parse(x))) == parse(x)``,
which is what makes export → import a round trip.
"""
from __future__ import annotations

import re

_WS = re.compile(r"[\s\u3000]+")
_NON_ASCII_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=\S)|(?<=\S) (?=[^\x00-\x7f])")
_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_NUMBERING = re.compile(rf"^(?:{_NUM}\s*[.．、:：)）]|[（(]\s*{_NUM}\s*[)）])\s*")
_RENUMBER = re.compile(rf"(?<=[。；;：:])\s*(?={_NUM}[.．、](?!\d))")


def squash(text) -> str | None:
    """One-line value: whitespace runs → one space, none next to Chinese characters."""
    if text is None:
        return None
    s = _WS.sub(" ", str(text)).strip()
    s = _NON_ASCII_SPACE.sub("", s)
    return s or None


def nospace(text) -> str | None:
    if text is None:
        return None
    return _WS.sub("", str(text)) or None


def _hard_wrapped(lines) -> bool:
    """Cells typed with a line break every few characters (narrow columns), e.g. '市统\n计局':
    three or more short lines, most of which do not end a phrase with punctuation."""
    if len(lines) < 3 or sum(len(x) for x in lines) / len(lines) > 10:
        return False
    ended = sum(1 for x in lines[:-1] if x[-1] in "；;。：:，,、！!？?")
    return ended * 2 < len(lines) - 1


def clean_text(text) -> str | None:
    """Multi-line value: lines stripped, blank lines dropped, hard-wrapped cells joined again."""
    if text is None:
        return None
    raw = [ln.strip(" \t\u3000\xa0") for ln in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in raw if ln]
    if not lines:
        return None
    first = raw.index(lines[0])
    last = len(raw) - 1 - raw[::-1].index(lines[-1])
    deliberate = "" in raw[first:last + 1]      # a blank line inside: the line breaks are meant
    if not deliberate and _hard_wrapped(lines):
        joined = "".join(lines)
        lines = [ln.strip() for ln in _RENUMBER.sub("\n", joined).split("\n") if ln.strip()]
    return safe_join(lines)


def safe_join(parts) -> str:
    """Join with line breaks; where the result would look hard-wrapped (short lines), join
    with a blank line so that reading it back keeps the lines apart."""
    s = "\n".join(parts)
    lines = [ln.strip() for ln in s.split("\n") if ln.strip()]
    return s.replace("\n", "\n\n") if _hard_wrapped(lines) else s


def split_lines(text) -> list:
    s = clean_text(text)
    return [ln for ln in s.split("\n") if ln] if s else []


def format_lines(values) -> str:
    return safe_join(values or [])


def strip_numbering(text: str) -> str:
    return _NUMBERING.sub("", text, count=1)


def split_targets(text) -> list:
    """追责对象范围: '1.具体承办人；\\n2.内设机构负责人' → ['具体承办人', '内设机构负责人']."""
    s = clean_text(text)
    if not s:
        return []
    out = []
    for part in re.split(r"[\n；;]", s):
        part = strip_numbering(part.strip()).strip(" \t\u3000：:；;。，,、")
        if part and part not in out:
            out.append(part)
    return out


def format_targets(values) -> str:
    return safe_join([f"{i}.{v}；" if i < len(values) else f"{i}.{v}" for i, v in enumerate(values or [], 1)])


def split_list(text) -> list:
    """Codes or ids separated by 、 , ； or whitespace."""
    if not text:
        return []
    return [p for p in re.split(r"[、,，;；\s]+", str(text)) if p]


def format_list(values) -> str:
    return "、".join(values or [])


_TAG_SPLIT = re.compile(r"\n(?=【)|(?<=[；;。])(?=【)")


def split_basis_texts(text) -> list:
    """责任事项依据: one entry per 【…】-tagged basis, else one per line."""
    s = clean_text(text)
    if not s:
        return []
    if "【" in s:
        return [p.strip() for p in _TAG_SPLIT.split(s) if p.strip()]
    return [ln for ln in s.split("\n") if ln]


def format_basis_texts(values) -> str:
    return safe_join(values or [])


# --- source_text (原文) ---------------------------------------------------------------------

def format_source_text(values) -> str:
    """source_text → one cell: JSON (unambiguous whatever the texts hold; begins with ``{``)."""
    import json
    return json.dumps(values, ensure_ascii=False) if values else ""


def parse_source_text(text) -> dict | None:
    """The 原文 cell written by :func:`format_source_text` → the mapping, None when it is not one."""
    import json
    try:
        data = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return None
    return data


# --- 实施依据 → legal_basis -------------------------------------------------------------------

_CN_NUM = "零〇一二三四五六七八九十百千两"
_ONE_ARTICLE = (rf"第[{_CN_NUM}\d]+条(?:之[{_CN_NUM}]+)?(?:第[{_CN_NUM}\d]+款)?(?:第[{_CN_NUM}\d]+项)?"
                rf"|第[{_CN_NUM}\d]+[款项]")
ARTICLE = re.compile(rf"(?:{_ONE_ARTICLE})(?:\s*[、，,和及与]\s*(?:{_ONE_ARTICLE}))*")
_TAG = re.compile(r"【([^【】\d]{1,12})】|(?:^|(?<=\n))[ \t\u3000]*((?:法律|法规|规章|行政法规|地方性法规|部门规章|"
                  r"地方政府规章|规范性文件|国务院决定))】")
_LEAD = re.compile(rf"^(?:\s|{_NUMBERING.pattern[1:]}|[、，,；;。:：]|依据|根据|依照|按照|法律依据|实施依据|设定依据)*")


def _find_title(s: str, start: int = 0):
    """``(open, close)`` of the first 《…》 at or after ``start`` (nesting allowed), or None."""
    i = s.find("《", start)
    if i < 0:
        return None
    j = _matching_close(s, i)
    return None if j is None else (i, j)


def parse_remainder(rest: str):
    """What follows 《title》 → ``(article, text)``; the article is taken from the front if it is there."""
    rest = rest.strip().lstrip("》").strip()
    if not rest:
        return None, None
    m = ARTICLE.match(rest)
    if m:
        article = m.group(0)
        text = rest[m.end():].lstrip(" \t\u3000：:，,").strip()
        return article, (text if text.strip(_PUNCT) else None)
    if not rest.strip(_PUNCT):
        return None, None
    m = ARTICLE.search(rest)
    return (m.group(0) if m else None), rest


def infer_basis_level(title: str, mapping) -> str | None:
    t = title
    local = mapping.is_local(t)
    if "决定" in t and t.startswith("国务院"):
        return "国务院决定"
    if t.startswith(("国务院关于", "国务院办公厅", "中共中央办公厅", "关于")):
        return "规范性文件"
    if t.startswith("全国人民代表大会") or (t.startswith("中华人民共和国") and t.endswith("法")):
        return "法律"
    if t.endswith("条例"):
        return "地方性法规" if local else "行政法规"
    if re.search(r"(办法|规定|细则|规则)$", t):
        return "地方政府规章" if local else "部门规章"
    if t.endswith("法") and not local:
        return "法律"
    return None


FALLBACK_LEVEL = "规范性文件"   # a basis whose level cannot be told counts as the weakest


def _entry(level, title, article, text) -> dict:
    e = {"level": level, "title": title, "article": article}   # article "" when the source names none
    if text:
        text = "\n".join(ln for ln in text.split("\n") if ln.strip())
        if text:
            e["text"] = text
    return e


def parse_legal_basis(text, mapping) -> tuple[list, list]:
    """实施依据 text → ``(entries, notes)``; notes are ``(rule, severity, message)`` tuples.

    ``【法律】《中华人民共和国种子法》（…）第三十一条 从事…`` →
    ``{level: 法律, title: 中华人民共和国种子法, article: 第三十一条, text: （…）第三十一条 从事…}``.
    """
    s = clean_text(text)
    if not s:
        return [], []
    notes = []
    s, repaired = repair_title_marks(s)
    for title in repaired:
        notes.append(("IMPORT-BASIS-TITLE", "warning",
                      f"书名号《》不配对，按《{title}》读取，请核对原文 (unpaired 《 or 》; read as this title, "
                      "please check the source)"))
    # split into (tag, body) segments at level tags
    segments = []
    pos, tag = 0, None
    for m in _TAG.finditer(s):
        segments.append((tag, s[pos:m.start()]))
        tag, pos = m.group(1) or m.group(2), m.end()
    segments.append((tag, s[pos:]))
    entries = []
    for tag, body in segments:
        if tag is None and not body.strip():
            continue
        for title, article, rest in _split_titles(body):
            if not title:
                notes.append(("IMPORT-BASIS-TITLE", "warning",
                              f"实施依据中有一段没有《法规名称》，未作为依据导入: {(rest or '')[:40]} "
                              "(basis text without a 《title》 was not imported as a basis)"))
                continue
            level = None
            if tag is not None:
                level = mapping.basis_level(tag, title)
                if level is None:
                    level = FALLBACK_LEVEL
                    notes.append(("IMPORT-BASIS-LEVEL", "warning",
                                  f"依据层级标签【{_WS.sub('', tag)}】不是已知层级，《{title}》按{level}导入 "
                                  "(unknown basis level tag; imported as the weakest level)"))
            else:
                level = infer_basis_level(title, mapping)
                if level:
                    notes.append(("IMPORT-BASIS-LEVEL", "info",
                                  f"《{title}》无层级标签，按标题推定为{level} (level inferred from the title)"))
                else:
                    level = FALLBACK_LEVEL
                    notes.append(("IMPORT-BASIS-LEVEL", "warning",
                                  f"《{title}》无层级标签，无法推定，按{level}导入 (no level tag; imported as the "
                                  "weakest level)"))
            e = _entry(level, title, article or "", rest)
            if e not in entries:
                entries.append(e)
    return entries, notes


# what the name of a legal basis ends with; a 《…》 after a basis that names a form or a report
# (《海事报告书》, 《种畜禽生产经营许可证申请表》) is a quotation in that basis's text, even at a line start
_DOCUMENT_NAME = re.compile(r"(法|条例|规定|办法|决定|细则|规则|意见|通知|目录|清单|批复|方案|标准|纲要|规划|决议|"
                            r"公告|令|制度|规范|规程|指南|函|答复|通告|措施|解释|章程|名录|纪要|公约)(?:[（(][^（()）]*[)）])*$")
_OPEN_STOP = "（(【】\n；;。，,：:、"
_CLOSE_STOP = re.compile(rf"[（(，,；;。\n]|第[{_CN_NUM}\d]+条")


def repair_title_marks(s: str) -> tuple[str, list]:
    """The first title mark of a line, when unpaired, is repaired: a 》 without its 《 (``（禁止使用童工规定》``)
    gets one after the punctuation before the name (a （ typed for 《 becomes it); a 《 never closed gets its 》
    where the name ends (before ``（``, ``，``, ``第…条`` …). Later marks of the line are text (quotations).
    Returns the text and the titles so recovered (each reported: the typo is in the source). Names of 2 to 80
    characters only."""
    lines, titles = [], []
    for line in s.split("\n"):
        fixed, title = _repair_line(line)
        lines.append(fixed)
        if title:
            titles.append(title)
    return "\n".join(lines), titles


def _repair_line(line: str) -> tuple[str, str | None]:
    i = min((k for k in (line.find("《"), line.find("》")) if k >= 0), default=-1)
    if i < 0:
        return line, None
    if line[i] == "》":
        start = max(line.rfind(c, 0, i) for c in _OPEN_STOP) + 1
        name = line[start:i]
        if not 2 <= len(name.strip()) <= 80:
            return line, None
        typed = start > 0 and line[start - 1] in "（("            # （ typed for 《
        return (line[:start - 1] if typed else line[:start]) + "《" + line[start:], name.strip()
    if _matching_close(line, i) is not None:
        return line, None
    m = _CLOSE_STOP.search(line, i + 1)
    end = m.start() if m else len(line)
    name = line[i + 1:end]
    if not 2 <= len(name.strip()) <= 80 or "《" in name:
        return line, None
    return line[:end] + "》" + line[end:], name.strip()


def _matching_close(s: str, i: int) -> int | None:
    """The index of the 》 that closes the 《 at ``i`` (nesting allowed), or None."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "《":
            depth += 1
        elif s[j] == "》":
            depth -= 1
            if depth == 0:
                return j
    return None


_NUMBER_TAIL = rf"(?:\s|{_NUMBERING.pattern[1:]})*"
_NEW_BASIS_BEFORE = re.compile(rf"(?:^|[\n；;。]){_NUMBER_TAIL}$")
_PUNCT = "、，,；;。:：. \n\t\u3000"


def _split_titles(body: str):
    """One tag's body → ``[(title, article, text)]``. A new basis starts at each 《 that opens the
    body or a line, or follows ；。 (optionally after a number like ``2.``); a 《 inside a sentence
    is a quotation. Text before the first 《 that is more than numbering becomes its own entry."""
    titles = []
    pos = 0
    while True:
        t = _find_title(body, pos)
        if t is None:
            break
        pos = t[1] + 1
        if not _WS.sub("", body[t[0] + 1:t[1]]).strip("《》"):
            continue                                   # 《》 names nothing: plain text
        if not titles or (_NEW_BASIS_BEFORE.search(body[titles[-1][1] + 1:t[0]])
                          and _DOCUMENT_NAME.search(_WS.sub("", body[t[0] + 1:t[1]]))):
            titles.append(t)
    if not titles:
        rest = body.strip()
        return [(None, None, rest)] if rest.strip(_PUNCT) else []
    out = []
    prefix = body[:titles[0][0]]
    if _LEAD.sub("", prefix).strip(_PUNCT):
        out.append((None, None, prefix.strip()))
    for k, (o, c) in enumerate(titles):
        last = k + 1 == len(titles)
        rest = body[c + 1:len(body) if last else titles[k + 1][0]]
        if not last:
            rest = re.sub(rf"[\n；;]?{_NUMBER_TAIL}$", "", rest)
        article, text = parse_remainder(rest)
        out.append((_WS.sub("", body[o + 1:c]) or None, article, text))
    return out


def format_legal_basis(entries, mapping=None) -> str:
    """legal_basis entries → the customary 【层级】《名称》条款 内容 text, one basis per line."""
    lines = []
    for e in entries or []:
        level, title, article, text = e.get("level"), e.get("title"), e.get("article"), e.get("text")
        head = f"【{level}】" if level else ""
        if not title:
            lines.append(head + (text or article or ""))
            continue
        head += f"《{title}》"
        article = article or None
        if not text:
            lines.append(head + (article or ""))
            continue
        candidates = [text] if not article else [text, f"{article}{text}", f"{article} {text}"]
        for cand in candidates:
            if parse_remainder(cand) == (article, text):
                lines.append(head + cand)
                break
        else:
            lines.append(head + candidates[0])
    return safe_join(lines)
