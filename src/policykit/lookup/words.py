"""jieba for the lookup: a private tokenizer with the lists' words, and jieba's model cache kept private.

jieba's global tokenizer is shared with mkdocs-material's search (``site/searchdict.py`` adds its
dictionary there); the lookup adds its own words (aliases, thesaurus, fillers) to a tokenizer of
its own so neither changes the other's cuts.
"""
from __future__ import annotations

import logging

from ..errors import UsageError

_JIEBA_DIR: str | None = None


def private_jieba_cache(tk=None) -> None:
    """Point jieba's model cache at a directory of this process (``tempfile.mkdtemp``, removed at exit).

    jieba otherwise writes and reads ``jieba.cache`` in the shared temporary directory (``/tmp``): a
    file anyone can plant beforehand, which it would load as its model. Nothing is changed when jieba
    is missing or a caller has chosen a directory already."""
    global _JIEBA_DIR
    try:
        import jieba
    except ImportError:
        return
    tk = tk if tk is not None else jieba.dt
    if tk.tmp_dir is not None:
        return
    if _JIEBA_DIR is None:
        import atexit
        import shutil
        import tempfile
        _JIEBA_DIR = tempfile.mkdtemp(prefix="policykit-jieba-")
        atexit.register(shutil.rmtree, _JIEBA_DIR, True)
    tk.tmp_dir = _JIEBA_DIR


def tokenizer(words):
    """A new jieba tokenizer with ``words`` added to its dictionary (in memory: no file is written
    or read apart from jieba's own model cache in the private directory)."""
    try:
        import jieba
    except ImportError as exc:
        raise UsageError("派单查询需要 jieba 分词：pip install jieba (the lookup needs jieba)") from exc
    tk = jieba.Tokenizer()
    private_jieba_cache(tk)
    log = logging.getLogger("jieba")
    level = log.level
    log.setLevel(logging.WARNING)         # its "Building prefix dict" lines, for this call only
    try:
        tk.initialize()
    finally:
        log.setLevel(level)
    for w in words:
        tk.add_word(w)
    return tk


COMMON_MIN_FREQ = 100       # jieba's dictionary words this frequent (about 31,000 of 2–4 characters)


def common_words() -> frozenset:
    """Everyday words from jieba's own dictionary, used only to cut queries where the lists have no
    word (地铁口 as 地铁 + 口, not 地 + 铁口). Person names (tagged ``nr…``) are left out: a caller's
    name is never a word to route by, and the published lookup data must not carry names. Empty when
    jieba is not installed."""
    try:
        import jieba
    except ImportError:
        return frozenset()
    from pathlib import Path
    path = Path(jieba.__file__).with_name("dict.txt")
    out = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and parts[2].startswith("nr"):
                continue
            if len(parts) >= 2 and 2 <= len(parts[0]) <= 4 and parts[1].isdigit() and int(parts[1]) >= COMMON_MIN_FREQ:
                out.add(parts[0])
    return frozenset(out)
