"""The lookup's index of one repository: its entries, vocabulary, thesaurus and each department's words.

Built once per repository (``index_of``) from the lists: boundary matters (name, 俗称 aliases, domain,
duties and trigger), 审管协同 pairs (the licence's name and aliases, the approving body's names, what is
pushed and how it is watched), power items in use (full name, aliases, category), catalogue items
(name, domain); each with its codes (id, item code, catalogue code), which only code queries read. The vocabulary that queries are cut with comes from jieba, run here only: the lists' own
text cut by jieba with the lists' names, aliases and the thesaurus added to its dictionary, in a
private jieba instance (the global one that the site's search uses is left alone). ``to_data``
writes the index as the plain data the site's script reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import spec

THESAURUS = Path(__file__).with_name("thesaurus.yaml")
_SPLIT = re.compile(r"[^\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]+")
MAX_ALIASES = 40          # aliases read per entry
MAX_ALIAS_CHARS = 40
# the 领域 of every 审管 pair: what a caller asking about supervision after approval says
PAIR_DOMAIN = ("审管协同", "审批后监管", "批后监管", "许可后监管")


@dataclass(frozen=True)
class Entry:
    kind: str                      # "matter" | "item" | "catalog"
    key: str                       # BJ-…, an item code, catalog/code
    name: str
    lead: str | None
    cooperating: tuple[str, ...]
    fields: dict                   # alias / name / domain / body -> tuple of normalised texts
    codes: tuple[str, ...] = ()    # codes besides the key (a catalogue item's bare code, an item's catalog_code)

    @property
    def all_codes(self) -> tuple[str, ...]:
        return (self.key,) + self.codes


@dataclass
class Index:
    entries: list[Entry]
    vocab: frozenset
    synonyms: dict                 # word -> tuple of words taken as the same
    department_words: dict         # department id -> its lists' words joined by spaces
    department_names: dict = field(default_factory=dict)
    common: frozenset = frozenset()  # everyday words (jieba's dictionary) for cutting queries only
    pairs: dict = field(default_factory=dict)   # 审管 pair id -> what the answer says about it (``pair_info``)

    def code_keys(self) -> list:
        """``[(compared code, code as written, entry number)]`` of every entry (built on first use)."""
        found = self.__dict__.get("_code_keys")
        if found is None:
            found = [(k, c, i) for i, e in enumerate(self.entries) for c in e.all_codes
                     if (k := spec.canonical_code(c))]
            self.__dict__["_code_keys"] = found
        return found

    def to_data(self) -> dict:
        """The index as plain data for the site's script (the same spec in JavaScript)."""
        return {
            "spec": {"max_query": spec.MAX_QUERY, "max_word": spec.MAX_WORD, "light": spec.LIGHT, "noise": spec.NOISE,
                     "min_coverage": spec.MIN_COVERAGE, "confident": spec.CONFIDENT, "margin": spec.MARGIN,
                     "exact_bonus": spec.EXACT_BONUS, "phrase_bonus": spec.PHRASE_BONUS,
                     "kind_bonus": dict(spec.KIND_BONUS), "kind_order": dict(spec.KIND_ORDER),
                     "fields": [list(f) for f in spec.FIELDS], "max_departments": spec.MAX_DEPARTMENTS,
                     "filler_tie": spec.FILLER_TIE, "fillers": list(spec.FILLERS), "stopwords": list(spec.STOPWORDS),
                     "stop_chars": spec.STOP_CHARS, "weak": list(spec.WEAK),
                     "code_min": spec.CODE_MIN, "code_prefix_min": spec.CODE_PREFIX_MIN,
                     "code_pattern": spec.CODE_PATTERN, "code_separators": spec.CODE_SEPARATORS,
                     "supervision_cues": list(spec.SUPERVISION_CUES)},
            "vocab": sorted(self.vocab),
            "common": sorted(self.common - self.vocab),
            "synonyms": {k: list(v) for k, v in sorted(self.synonyms.items())},
            "entries": [[e.kind, e.key, {k: list(v) for k, v in e.fields.items() if v}] + ([list(e.codes)] if e.codes else [])
                        for e in self.entries],
            "department_words": dict(sorted(self.department_words.items())),
            "pairs": self.pairs,
        }


def norm(text) -> str:
    """A field's text as queries are read: NFKC, lower case (the spec's normalisation, kept whole)."""
    import unicodedata
    return unicodedata.normalize("NFKC", str(text or "")).lower()


def aliases_of(raw) -> tuple[str, ...]:
    """The 俗称 of a matter or item as written (strings only, within budget)."""
    values = raw.get("aliases") if isinstance(raw, dict) else None
    if not isinstance(values, list):
        return ()
    return tuple(str(a)[:MAX_ALIAS_CHARS] for a in values[:MAX_ALIASES] if isinstance(a, str) and a.strip())


def matter_aliases(repo, matter) -> tuple[str, ...]:
    doc = repo.documents.get(matter.source.file) if matter.source else None
    return aliases_of(getattr(doc, "data", None))


def load_thesaurus(path: Path = THESAURUS) -> list[list[str]]:
    """The thesaurus's groups; each term of ``terms`` comes as a group of one."""
    import yaml
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = [[norm(w) for w in group if isinstance(w, str)] for group in data.get("groups") or ()]
    return groups + [[norm(t)] for t in data.get("terms") or () if isinstance(t, str)]


def synonym_map(groups) -> dict:
    out: dict = {}
    for group in groups:
        for w in group:
            bucket = out.setdefault(w, [])
            for other in group:
                if other != w and other not in bucket:
                    bucket.append(other)
    return {k: tuple(v) for k, v in out.items()}


def _department_names(repo, dept_id: str) -> tuple[str, ...]:
    """A department's names as callers say them: its short name and its name without the city."""
    d = repo.departments.get(dept_id)
    if d is None:
        return ()
    city = getattr(repo.config, "city", "") or ""
    names = (d.short_name, d.name[len(city):] if city and d.name.startswith(city) else d.name)
    return tuple(dict.fromkeys(norm(n) for n in names if n))


def pair_info(repo, sg) -> dict:
    """What an answer says about one 审管 pair: the licence, who approves, who supervises and with which
    行政检查, what is pushed within what time (plain text and codes; the site writes it as text)."""
    item = repo.powers.get(sg.item)
    inspection = repo.powers.get(sg.inspection)
    return {"name": sg.name or (item.full_name if item else sg.item), "item": sg.item,
            "item_name": item.full_name if item else "", "approving": sg.approving, "supervising": sg.supervising,
            "inspection": sg.inspection, "inspection_name": inspection.full_name if inspection else "",
            "push_days": sg.push_days if isinstance(sg.push_days, int) else None,
            "push_day_type": sg.push_day_type or "", "channel": sg.push_channel or ""}


def _pair_entries(repo) -> list[Entry]:
    """One entry per 审管协同 record: led by the supervising department, the approving body cooperating."""
    entries = []
    for sg in getattr(repo, "approval_pairs", None) or ():
        item = repo.powers.get(sg.item)
        names = dict.fromkeys(norm(n) for n in (sg.name, item.full_name if item else None) if n)
        body = list(sg.push_content) + [sg.monitoring or "", sg.feedback or ""]
        entries.append(Entry("pair", sg.id, sg.name or (item.full_name if item else sg.item), sg.supervising,
                             (sg.approving,), {
            "alias": tuple(norm(a) for a in aliases_of(item.raw)) if item else (), "name": tuple(names),
            "domain": PAIR_DOMAIN + _department_names(repo, sg.approving),
            "body": tuple(norm(t) for t in body if t)}))
    return entries


def _entries(repo) -> list[Entry]:
    entries: list[Entry] = []
    for b in repo.boundaries:
        body = [d for r in b.roles for d in r.duties] + [(b.mechanism or {}).get("trigger") or ""]
        entries.append(Entry("matter", b.id, b.name, b.lead, tuple(b.cooperating), {
            "alias": tuple(norm(a) for a in matter_aliases(repo, b)), "name": (norm(b.name),),
            "domain": (norm(b.domain),) if b.domain else (), "body": tuple(norm(t) for t in body if t)}))
    entries += _pair_entries(repo)
    seen = set()
    for it in repo.power_items:
        if it.status == "取消" or it.code in seen:
            continue
        seen.add(it.code)
        entries.append(Entry("item", it.code, it.full_name, it.department, tuple(it.co_departments), {
            "alias": tuple(norm(a) for a in aliases_of(it.raw)), "name": (norm(it.full_name),),
            "domain": (norm(it.category),), "body": ()},
            (str(it.catalog_code),) if it.catalog_code and str(it.catalog_code) != it.code else ()))
    for c in repo.catalog_items:
        leads = c.leads
        entries.append(Entry("catalog", f"{c.catalog}/{c.code}", c.name, leads[0] if len(leads) == 1 else None,
                             tuple(cl.department for cl in c.claims if cl.role != "牵头"), {
            "alias": (), "name": (norm(c.name),), "domain": (norm(c.domain),) if c.domain else (), "body": ()},
            (str(c.code),)))
    return entries


def _department_texts(repo) -> dict:
    texts: dict = {}
    for d in repo.departments.values():
        texts.setdefault(d.id, []).extend(md.text for md in d.main_duties)
    for u in repo.unit_duties:      # the unit duties, not their tasks (3.5 of 4.3 million characters at Jinan scale)
        texts.setdefault(u.department, []).append(u.content)
    for it in repo.power_items:
        texts.setdefault(it.department, []).append(it.full_name)
    return texts


def build_index(repo) -> Index:
    """The lookup's index of ``repo`` (jieba is needed here; ``pip install jieba``)."""
    from .words import common_words, tokenizer
    groups = load_thesaurus()
    synonyms = synonym_map(groups)
    entries = _entries(repo)
    city = getattr(repo.config, "city", "") or ""
    # whole names and aliases are words of the vocabulary; jieba gets the names but not the aliases,
    # so that an alias is also cut into its parts (楼顶加盖 → 楼顶, 加盖) and the parts are words too
    names: set = set()
    aliases = {t for e in entries for t in e.fields.get("alias", ()) if 2 <= len(t) <= spec.MAX_WORD}
    for e in entries:
        if e.kind != "item":
            names.update(t for t in e.fields["name"] if 2 <= len(t) <= 10)
        names.update(t for t in e.fields.get("domain", ()) if 2 <= len(t) <= 10)
    for d in repo.departments.values():
        for n in (d.short_name, d.name[len(city):] if city and d.name.startswith(city) else d.name):
            if n and 2 <= len(n) <= 10:
                names.add(norm(n))
    extra = {w for g in groups for w in g} | set(spec.FILLERS) | set(spec.STOPWORDS) | set(spec.WEAK)
    tk = tokenizer(sorted(names | extra))
    vocab: set = set(names) | aliases | {w for w in extra if len(w) > 1}

    memo: dict = {}

    def cut(text: str) -> set:
        """The words of one text; each distinct text and part is cut once (lists repeat themselves)."""
        out = set()
        for part in _SPLIT.split(text):
            if not part:
                continue
            words = memo.get(part)
            if words is None:
                words = memo[part] = {w for w in tk.lcut(part, HMM=False) if 2 <= len(w) <= spec.MAX_WORD}
            out |= words
        return out

    for e in entries:
        for texts in e.fields.values():
            for t in texts:
                vocab |= cut(t)
    # the departments' own lists (三定 duties, unit duties) cut queries too, but their words
    # weigh lightly: only words of the entries, their aliases and the thesaurus can name a department
    department_words, other = {}, set()
    for dept, texts in _department_texts(repo).items():
        words: set = set()
        for t in set(texts):
            words |= cut(norm(t))
        other |= words
        department_words[dept] = " ".join(sorted(words))
    return Index(entries, frozenset(vocab), synonyms, department_words,
                 {d.id: d.name for d in repo.departments.values()}, frozenset(common_words() | other),
                 {sg.id: pair_info(repo, sg) for sg in getattr(repo, "approval_pairs", None) or ()})


def index_of(repo) -> Index:
    """The index of ``repo``, built on first use and kept on the repository object."""
    found = repo.__dict__.get("_lookup_index")
    if found is None:
        found = build_index(repo)
        repo.__dict__["_lookup_index"] = found
    return found
