"""The jieba words for Chinese search, generated from the lists at build time and added to jieba in memory.

Material segments page text with jieba when it builds the index; in the browser it cuts a query
greedily into terms that exist in the index (never the whole query as one term) and matches each
as a prefix. What follows from that, measured on the bundled city with 21 typical queries:

- names that people type as a whole and that jieba cuts badly become single words: department
  names without the city prefix (应急管理局 — without it 应急管理局 ranked 5th, with it 1st) and short
  names (市场监管局), matter and catalogue domains, category names, law short titles;
- long names are *not* added: a power item or boundary matter name as one token hides its parts
  (单用途预付卡消费监管 as one word made 预付卡 miss it; 市场监督管理局 with the city prefix as one word
  made the department page miss 市场监督管理局). Their parts are found through jieba's own words.

With this dictionary 19 of those 21 queries put the expected page first (see docs/site.md).
"""
from __future__ import annotations

import re

# one private jieba model cache for the site and the lookup (the lookup's words module holds it)
from ..lookup.words import private_jieba_cache  # noqa: F401 - also the site plugin's name for it

MAX_WORD = 10
_CLEAN = re.compile(r"[\s\u3000（）()《》〈〉“”\"'、，,。；;：:／/]+")


def dictionary_words(repo) -> list[str]:
    """Sorted unique words for ``jieba.load_userdict`` from a :class:`Repository`."""
    words: set[str] = set()
    city = getattr(repo.config, "city", "") or ""

    def add(text):
        for part in _CLEAN.split(str(text or "")):
            if 2 <= len(part) <= MAX_WORD and not part.isascii():
                words.add(part)

    for d in repo.departments.values():
        add(d.short_name)
        add(d.name[len(city):] if city and d.name.startswith(city) else d.name)
    for category in repo.config.categories:
        add(category)
    for b in repo.boundaries:
        add(b.domain)
    for c in repo.catalog_items:
        add(c.domain)
    for _rel, data in repo.laws:
        if isinstance(data, dict):
            add(data.get("short_title"))
    return sorted(words)


def load_dictionary(words) -> bool:
    """Add the words to jieba's dictionary in memory (what ``jieba.load_userdict`` does with a file,
    without a file: nothing is written, no path is followed). False when jieba is not installed."""
    try:
        import jieba
    except ImportError:
        return False
    private_jieba_cache()
    for word in words:
        jieba.add_word(word)
    return True
