"""Plain words → ranked answers: the matter or item, its lead and cooperating departments, and why."""
from __future__ import annotations

from dataclasses import dataclass

from . import spec
from .index import Index, index_of

KIND_NAMES = {"matter": "职责边界事项", "pair": "审管协同", "item": "权力事项", "catalog": "监管事项"}
VIA_NAMES = {"alias": "俗称", "name": "名称", "domain": "领域", "body": "职责", "code": "编码"}


@dataclass(frozen=True)
class Answer:
    """One entry that answers the query.

    ``kind``: ``matter`` (职责边界事项), ``pair`` (审管协同: a licence of the approval body and the
    department supervising it), ``item`` (权力事项) or ``catalog`` (监管事项); ``key``: its id, code or
    catalog/code; ``lead``: the department that leads it (for an item, the department that holds it;
    for a pair, the supervising department); ``cooperating``: the others (for a pair, the approving
    body); ``score``: coverage of the query's words plus the spec's bonuses; ``coverage``: the weighted
    share of the query's words found; ``matched``: which words were found, in what form and where
    (``via``: alias, name, domain, body, or ``code`` when the query named the entry's code);
    ``confident``: the score reaches the spec's threshold (``spec.CONFIDENT``) and no other
    department's answer ties with it; ``reason``: for a pair, who approves, who supervises with
    which 行政检查 and what is pushed within what time (empty for the other kinds)."""
    kind: str
    key: str
    name: str
    lead: str | None
    cooperating: tuple[str, ...]
    score: float
    coverage: float
    matched: tuple[spec.Hit, ...]
    confident: bool
    reason: str = ""

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
    """The answers to one query: its content words (``words``, after the codes it named were taken
    out), the ranked ``answers``, the departments whose lists hold the words when no answer is
    confident, and the stretches of the query that answered as codes (``codes``)."""
    query: str
    words: tuple[spec.Word, ...]
    answers: tuple[Answer, ...]
    departments: tuple[DepartmentHint, ...]     # filled when no answer is confident
    codes: tuple[spec.Code, ...] = ()           # the stretches of the query that answered as codes

    @property
    def confident(self) -> bool:
        return bool(self.answers) and self.answers[0].confident

    @property
    def top(self) -> Answer | None:
        return self.answers[0] if self.confident else None


def code_answers(index: Index, codes) -> tuple[dict, set]:
    """Entry number -> (score, coverage, hits) for the entries the query's codes name (``spec.code_match``),
    and the compared forms of the codes that named something."""
    out: dict = {}
    used: set = set()
    if not codes:
        return out, used
    for key, written, i in index.code_keys():
        for c in codes:
            s = spec.code_match(c.key, key)
            if s is None:
                continue
            used.add(c.key)
            if i not in out or s > out[i][0]:
                out[i] = (s, 1.0, [spec.Hit(written if s > 1.0 else spec.code_head(written, len(c.key)), written, "code")])
    return out, used


def search(index: Index, query: str, limit: int = 20) -> LookupResult:
    """Run the spec over ``index`` (see ``lookup.spec``)."""
    codes = spec.code_tokens(query)
    by_code, used = code_answers(index, codes)
    words = spec.content_words(spec.without_codes(query, used) if used else query,
                               index.vocab, index.synonyms, index.common)
    supervision = spec.asks_supervision(query)
    scored = []
    for i, e in enumerate(index.entries):
        s = spec.score(words, e.fields, e.kind) if e.kind != "pair" or supervision else None
        c = by_code.get(i)
        if c is not None and (s is None or c[0] >= s[0]):
            s = c
        if s is not None:
            scored.append((s, e))
    scored.sort(key=lambda x: (-x[0][0], spec.KIND_ORDER[x[1].kind], x[1].key))
    sure = spec.is_confident([(s[0], e.lead) for s, e in scored])
    answers = tuple(Answer(e.kind, e.key, e.name, e.lead, e.cooperating, s[0], s[1], tuple(s[2]),
                           sure and s[0] >= spec.CONFIDENT and e.lead == scored[0][1].lead,
                           pair_reason(index, e.key) if e.kind == "pair" else "")
                    for s, e in scored[:limit])
    hints: tuple[DepartmentHint, ...] = ()
    if not (answers and answers[0].confident):
        hints = departments_for(index, words)
    return LookupResult(query, tuple(words), answers, hints, tuple(c for c in codes if c.key in used))


def pair_reason(index: Index, pair_id: str) -> str:
    """Why an 审管 pair's lead is the supervising department, in Chinese (from ``Index.pairs``)."""
    p = index.pairs.get(pair_id)
    if not p:
        return ""
    name = index.department_names.get
    out = f"{name(p['approving'], p['approving'])}审批“{p['name']}”（{p['item']}），" \
          f"{name(p['supervising'], p['supervising'])}负责许可后监管"
    if p.get("inspection"):
        out += f"（行政检查：{p['inspection_name'] + ' ' if p.get('inspection_name') else ''}{p['inspection']}）"
    if p.get("push_days") is not None:
        out += f"；许可信息在 {p['push_days']} 个{p.get('push_day_type') or '工作日'}内推送"
        out += f"（{p['channel']}）" if p.get("channel") else ""
    return out + "。"


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
