"""jieba for the lookup: a private tokenizer with the lists' words, and jieba's model kept in memory.

jieba's global tokenizer is shared with mkdocs-material's search (``site/searchdict.py`` adds its
dictionary there); the lookup adds its own words (aliases, thesaurus, fillers) to a tokenizer of
its own so neither changes the other's cuts.

jieba keeps its model (the prefix dictionary built from ``dict.txt``) in a cache file, by default
``jieba.cache`` in the shared temporary directory: a file anyone can plant beforehand, which it would
load as its model. policykit never lets it read or write that file: the model is built here, in
memory, once per process, and each tokenizer gets its own copy (jieba adds words to it). A cache file
would not save time anyway: loading it (``marshal``, 9 MB) takes as long as building the model from
``dict.txt`` (about 0.65 s each here), and a per-process cache directory is left behind by a process
that is killed or leaves with ``os._exit``.
"""
from __future__ import annotations

import threading

from ..errors import UsageError

_MODELS: dict = {}            # jieba dictionary path (None: its own) -> (FREQ, total), built once per process
_LOCK = threading.Lock()


def _model(tk) -> tuple:
    """jieba's prefix dictionary for ``tk``'s dictionary, built in memory (once per process)."""
    with _LOCK:
        found = _MODELS.get(tk.dictionary)
        if found is None:
            found = _MODELS[tk.dictionary] = tk.gen_pfdict(tk.get_dict_file())
        return found


def private_jieba_cache(tk=None) -> None:
    """Load jieba's model into ``tk`` (jieba's global tokenizer by default) from memory, so that jieba
    neither reads nor writes a cache file (``jieba.cache`` in the shared temporary directory).

    Call it before the tokenizer is first used. Nothing is changed when jieba is missing, when the
    tokenizer is initialised already, or when a caller has chosen a cache file or directory for it."""
    try:
        import jieba
    except ImportError:
        return
    tk = tk if tk is not None else jieba.dt
    with tk.lock:
        if tk.initialized or tk.tmp_dir is not None or tk.cache_file is not None:
            return
        freq, total = _model(tk)
        tk.FREQ, tk.total = dict(freq), total
        tk.initialized = True


def tokenizer(words):
    """A new jieba tokenizer with ``words`` added to its dictionary (in memory: no file is written
    or read, jieba's model included)."""
    try:
        import jieba
    except ImportError as exc:
        raise UsageError("派单查询需要 jieba 分词：pip install jieba (the lookup needs jieba)") from exc
    tk = jieba.Tokenizer()
    private_jieba_cache(tk)
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
