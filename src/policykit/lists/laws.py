"""The registry of legal bases (``lists/laws/``): resolve citations, tell what was in force when.

A citation in a list (``{level, title, article}``) resolves to a registry entry tolerating the
customary variants: 《》, the 中华人民共和国 prefix, a trailing "(2021年修订)", full-width
brackets and spaces. A law's versions give, for any legal date, whether it is in force, how many
articles it has, and whether the articles were renumbered since a date.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_ARTICLE = re.compile(r"第([零〇一二两三四五六七八九十百千\d]+)条")
_VERSION_NOTE = re.compile(r"[（(][^（）()]*?(修订|修正|年|版|试行)[^（）()]*?[)）]\s*$")
_PUNCT = re.compile(r"[\s\u3000《》〈〉<>“”\"'‘’·]+")


def chinese_number(text: str) -> int | None:
    """'三十五' → 35, '一百零三' → 103, '35' → 35."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def article_numbers(article: str) -> list[int]:
    """All article numbers cited in a string such as '第三十五条第一款、第三十六条'."""
    out = []
    for m in _ARTICLE.finditer(article or ""):
        n = chinese_number(m.group(1))
        if n is not None:
            out.append(n)
    return out


def normalise_title(title: str) -> str:
    t = unicodedata.normalize("NFKC", title or "")
    t = _PUNCT.sub("", t)
    while True:
        stripped = _VERSION_NOTE.sub("", t)
        if stripped == t:
            break
        t = stripped
    t = t.replace("(", "（").replace(")", "）")
    if t.startswith("中华人民共和国"):
        t = t[len("中华人民共和国"):]
    return t


def _date(value) -> _dt.date | None:
    if value is None:
        return None
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Version:
    event: str
    promulgated: _dt.date
    effective: _dt.date | None
    articles: int | None
    renumbered: bool | None
    document: str | None


@dataclass
class Law:
    id: str
    title: str
    level: str
    versions: list[Version]
    aliases: tuple = ()
    short_title: str | None = None
    issuer: str | None = None
    source: str | None = None
    file: str = ""

    def _effective(self, v: Version) -> _dt.date:
        return v.effective or v.promulgated

    @property
    def enacted(self) -> Version:
        return self.versions[0]

    @property
    def repeal(self) -> Version | None:
        return next((v for v in self.versions if v.event == "废止"), None)

    def version_at(self, when: _dt.date) -> Version | None:
        """The text in force on ``when`` (None before entry into force or after repeal)."""
        current = None
        for v in self.versions:
            if self._effective(v) <= when:
                current = v
        if current is None or current.event == "废止":
            return None
        return current

    def in_force(self, when: _dt.date) -> bool:
        return self.version_at(when) is not None

    def not_yet_in_force(self, when: _dt.date) -> bool:
        return when < self._effective(self.enacted)

    def repealed_by(self, when: _dt.date) -> bool:
        r = self.repeal
        return r is not None and self._effective(r) <= when

    def article_count(self, when: _dt.date) -> int | None:
        v = self.version_at(when)
        if v is None:
            return None
        if v.articles is not None:
            return v.articles
        return None  # unknown for that version: never guess

    def changes_since(self, since: _dt.date) -> list[Version]:
        return [v for v in self.versions if v.promulgated >= since or self._effective(v) >= since]

    def renumbered_since(self, since: _dt.date, until: _dt.date) -> bool:
        return any(v.renumbered for v in self.versions if since < self._effective(v) <= until)


@dataclass
class Resolution:
    law: Law | None
    suggestion: Law | None = None
    exact: bool = False


@dataclass
class Registry:
    laws: list[Law] = field(default_factory=list)
    _index: dict = field(default_factory=dict)

    @classmethod
    def from_records(cls, records) -> "Registry":
        reg = cls()
        for file, data in records:
            versions = [Version(v["event"], _date(v["promulgated"]), _date(v.get("effective")), v.get("articles"),
                                v.get("renumbered"), v.get("document")) for v in data.get("versions") or ()]
            versions.sort(key=lambda v: (v.effective or v.promulgated, v.promulgated))
            law = Law(data["id"], data["title"], data["level"], versions, tuple(data.get("aliases") or ()),
                      data.get("short_title"), data.get("issuer"), data.get("source"), file)
            reg.laws.append(law)
            for name in (law.title, law.short_title, *law.aliases):
                if name:
                    reg._index.setdefault(normalise_title(name), law)
        return reg

    def by_id(self, law_id: str) -> Law | None:
        return next((law for law in self.laws if law.id == law_id), None)

    def resolve(self, title: str) -> Resolution:
        key = normalise_title(title)
        law = self._index.get(key)
        if law is not None:
            return Resolution(law, exact=(title == law.title))
        close = difflib.get_close_matches(key, list(self._index), n=1, cutoff=0.6)
        return Resolution(None, self._index[close[0]] if close else None)

    def find(self, query: str) -> Law | None:
        """A law by id, title or any variant of it."""
        return self.by_id(query) or self.resolve(query).law


def registry_of(repo) -> Registry:
    return Registry.from_records(repo.laws)


def parse_ranges(text: str) -> set[int]:
    """'12,15-18' → {12, 15, 16, 17, 18}."""
    out: set[int] = set()
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return out
