"""Plain words → ranked answers: the matter or item, its lead and cooperating departments, and why."""
from __future__ import annotations

from dataclasses import dataclass

from . import spec
from .index import Index, index_of

KIND_NAMES = {"matter": "职责边界事项", "item": "权力事项", "catalog": "监管事项"}
VIA_NAMES = {"alias": "俗称", "name": "名称", "domain": "领域", "body": "职责"}


@dataclass(frozen=True)
class Answer:
    """One entry that answers the query.

    ``kind``: ``matter`` (职责边界事项), ``item`` (权力事项) or ``catalog`` (监管事项); ``key``: its id,
    code or catalog/code; ``lead``: the department that leads it (for an item, the department that
    holds it); ``cooperating``: the others; ``score``: coverage of the query's words plus the spec's
    bonuses; ``coverage``: the weighted share of the query's words found; ``matched``: which words were
    found, in what form and where (``via``: alias, name, domain or body); ``confident``: the score
    reaches the spec's threshold (``spec.CONFIDENT``)."""
    kind: str
    key: str
    name: str
    lead: str | None
    cooperating: tuple[str, ...]
    score: float
    coverage: float
    matched: tuple[spec.Hit, ...]
    confident: bool

    def why(self) -> str:
        """The matched words in Chinese, e.g. ``占道经营（名称）、摆摊→设摊（职责）``."""
        return "、".join((h.word if h.word == h.found else f"{h.word}→{h.found}") + f"（{VIA_NAMES.get(h.via, h.via)}）"
                        for h in self.matched)


@dataclass(frozen=True)
class DepartmentHint:
    """A department whose own lists (三定 duties, unit duties, power item names) hold the words."""
    department: str
    name: str
    coverage: float
    words: tuple[str, ...]


@dataclass(frozen=True)
class LookupResult:
    query: str
    words: tuple[spec.Word, ...]
    answers: tuple[Answer, ...]
    departments: tuple[DepartmentHint, ...]     # filled when no answer is confident

    @property
    def confident(self) -> bool:
        return bool(self.answers) and self.answers[0].confident

    @property
    def top(self) -> Answer | None:
        return self.answers[0] if self.confident else None


def search(index: Index, query: str, limit: int = 20) -> LookupResult:
    """Run the spec over ``index`` (see ``lookup.spec``)."""
    words = spec.content_words(query, index.vocab, index.synonyms, index.common)
    scored = []
    for e in index.entries:
        s = spec.score(words, e.fields, e.kind)
        if s is not None:
            scored.append((s, e))
    scored.sort(key=lambda x: (-x[0][0], spec.KIND_ORDER[x[1].kind], x[1].key))
    sure = spec.is_confident([(s[0], e.lead) for s, e in scored])
    answers = tuple(Answer(e.kind, e.key, e.name, e.lead, e.cooperating, s[0], s[1], tuple(s[2]),
                           sure and s[0] >= spec.CONFIDENT and e.lead == scored[0][1].lead)
                    for s, e in scored[:limit])
    hints: tuple[DepartmentHint, ...] = ()
    if not (answers and answers[0].confident):
        hints = departments_for(index, words)
    return LookupResult(query, tuple(words), answers, hints)


def departments_for(index: Index, words) -> tuple[DepartmentHint, ...]:
    """Departments whose own lists hold the query's words (coverage ≥ the spec's minimum)."""
    out = []
    for dept in sorted(index.department_words):
        s = spec.score(words, {"name": (index.department_words[dept],)}, "")
        if s is not None:
            out.append((s[1], dept, tuple(h.word for h in s[2])))
    out.sort(key=lambda x: (-x[0], x[1]))
    return tuple(DepartmentHint(d, index.department_names.get(d, d), c, w)
                 for c, d, w in out[:spec.MAX_DEPARTMENTS])


def lookup(repo, text: str, limit: int = 20) -> LookupResult:
    """The lookup over ``repo`` (its index is built on first use and kept)."""
    return search(index_of(repo), text, limit)


def answers_of(repo, text: str) -> list[Answer]:
    """The ranked answers alone (``Repository.lookup``)."""
    return list(lookup(repo, text).answers)
