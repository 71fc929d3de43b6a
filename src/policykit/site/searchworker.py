"""The site's search: Material's worker wrapped so that results rank as a reader expects, at once.

The wrapper (``searchworker.js`` beside this file, written over Material's worker after the build;
the original is kept beside it and loaded by the wrapper) ranks in tiers before anything Material's
lunr index adds: a title that is the query, a title holding it as a phrase (an item's name, a
boundary matter, a law), a code starting with it, a page's text holding it, a page holding every
word of it. Within a tier the kinds of page come in the order of :data:`SEARCH_KINDS`. A hit marks
missing (缺少) only a word it really lacks. Chinese queries handed to lunr are cut on whole index
terms (Material never takes a run's last character into a longer term: 行政处罚 became 行政* 处*).

A large index is split (:func:`split`): the page loads the quick index (the pages, their titles and
the start of their text), which the wrapper ranks without building a lunr index, so the first results
come at once; a second worker fetches the whole index, builds lunr beside the same ranking and answers
from then on. The wrapper holds no data of the lists; the kinds' order and the city's name (for
名称 without the city prefix) come in the index's config.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

from . import urls as U
from .processes import INDEX as PROCESSES

WORKERS = Path("assets") / "javascripts" / "workers"
ORIGINAL = "search.material.js"
MARKER = "/* policykit: search worker wrapper */"
WRAPPER_FILE = Path(__file__).with_name("searchworker.js")

# the kinds of page in the order a tier lists them: who leads a matter, the items by name, the
# catalogue, departments, laws, work processes, supervision records, rules, changes
SEARCH_KINDS = tuple(posixpath.dirname(uri) + "/" for uri in (
    U.BOUNDARIES, U.item("x"), U.CATALOGS, U.DEPARTMENTS, U.LAWS, PROCESSES, U.SUPERVISION, U.RULES, U.CHANGES))


def wrapper() -> str:
    """The wrapper's text, loading Material's worker from :data:`ORIGINAL`."""
    text = WRAPPER_FILE.read_text(encoding="utf-8")
    assert text.startswith(MARKER)
    return text.replace("ORIGINAL_NAME", ORIGINAL)


def install(site_dir) -> bool:
    """Put the wrapper in place of Material's search worker in a built site; False when the site
    has no such worker (another theme) or it is wrapped already."""
    workers = Path(site_dir) / WORKERS
    if not workers.is_dir():
        return False
    found = [p for p in workers.glob("search.*.min.js") if p.is_file() and not p.is_symlink()]
    if len(found) != 1:
        return False
    worker = found[0]
    text = worker.read_text(encoding="utf-8")
    if text.startswith(MARKER):
        return False
    (workers / ORIGINAL).write_text(text, encoding="utf-8")
    worker.write_text(wrapper(), encoding="utf-8")
    return True


QUICK_ABOVE = 3000      # documents: a smaller index is not split
QUICK_TEXT = 48         # characters of a page's text kept in the quick index (an item's code, department, category)
FULL_NAME = "search_index.full.json"


def split(index_text: str, site_dir, above: int = QUICK_ABOVE, city: str = "") -> str:
    """The search index the page loads, with the ranking's settings in its config (the kinds' order,
    the city's name). For a large index, the quick one (pages only, their titles and the start of their
    text), with the whole index written beside it as ``search/search_index.full.json`` for the wrapped
    worker to fetch and build in the background. A small index keeps its documents."""
    import json
    data = json.loads(index_text)
    docs = data.get("docs") or []
    ranking = {"policykit_kinds": list(SEARCH_KINDS), "policykit_city": str(city or "")}
    data["config"] = {**data.get("config", {}), **ranking}
    if len(docs) <= above:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    out = Path(site_dir) / "search"
    out.mkdir(parents=True, exist_ok=True)
    (out / FULL_NAME).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    quick = []
    for doc in docs:
        if "#" in str(doc.get("location", "")):
            continue
        doc = dict(doc)
        text = doc.get("text")
        if isinstance(text, str) and len(text) > QUICK_TEXT:
            cut = text.rfind("\u200b", 0, QUICK_TEXT)
            doc["text"] = text[:cut if cut > 0 else QUICK_TEXT]
        quick.append(doc)
    data["docs"] = quick
    data["config"] = {**data["config"], "policykit_full": FULL_NAME}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
