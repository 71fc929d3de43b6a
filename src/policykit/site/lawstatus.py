"""Whether each legal basis of the lists is in force on the site's legal date.

The status is read from the checker's own ``law_basis`` facts (``policykit.checking.facts``), which resolve
every citation through the law registry (``policykit.lists.laws``): the site says exactly what
``policykit check --legal-date`` says, and nothing here resolves a title a second way.

Statuses, in the order the site lists them: 现行有效, 条款超出 (the cited article is beyond the
number of articles in force), 尚未施行, 已废止, 未能对应登记的法规 (the title is not in the registry).
Warnings that do not change the status: a normative document alone cannot set a licence, penalty or
compulsory measure; the level written in the list differs from the registry's; the law was renumbered
after the version the citation names.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter
from dataclasses import dataclass

IN_FORCE, BEYOND, NOT_YET, REPEALED, UNRESOLVED = "in_force", "beyond", "not_yet", "repealed", "unresolved"
STATUS_LABEL = {IN_FORCE: "现行有效", BEYOND: "条款超出", NOT_YET: "尚未施行", REPEALED: "已废止",
                UNRESOLVED: "未能对应登记的法规"}
STATUS_ORDER = (IN_FORCE, BEYOND, NOT_YET, REPEALED, UNRESOLVED)
WARNING_LABEL = {"weak": "规范性文件不得设定许可、处罚、强制", "level": "标注层级与法律法规库不一致",
                 "renumbered": "条文已重新编号、需核对条款"}


@dataclass(frozen=True)
class BasisStatus:
    status: str                  # one of STATUS_ORDER
    text: str                    # 已废止（2022-03-01）, 条款超出（第90条 > 共86条）…
    law_id: str | None
    law_title: str | None
    suggestion: str | None       # for an unresolved title: 最相近的是《…》
    warnings: tuple              # ((kind, text)): see WARNING_LABEL

    @property
    def label(self) -> str:
        return STATUS_LABEL[self.status]

    @property
    def ok(self) -> bool:
        return self.status == IN_FORCE


def status_of(fact: dict) -> BasisStatus:
    """The status of one ``law_basis`` fact."""
    warnings = []
    if fact.get("weak_sets_strong"):
        warnings.append(("weak", f"仅以{fact.get('registry_level') or '规范性文件'}为依据：规范性文件不得设定行政许可、行政处罚、行政强制"))
    if fact.get("level_mismatch"):
        warnings.append(("level", f"标注层级「{fact.get('cited_level')}」与法律法规库登记的「{fact.get('registry_level')}」不一致"))
    if fact.get("renumbered_after_cited"):
        warnings.append(("renumbered", f"{fact.get('cited_version_year')} 年版本之后条文已重新编号，引用的条款需要核对"))
    if not fact.get("resolved"):
        suggestion = fact.get("suggestion")
        return BasisStatus(UNRESOLVED, STATUS_LABEL[UNRESOLVED] + (f"（{suggestion}）" if suggestion else ""),
                           None, None, suggestion, tuple(warnings))
    law_id, title = fact.get("law_id"), fact.get("law_title")
    if fact.get("repealed"):
        status, text = REPEALED, f"已废止（{fact.get('repealed_on')}）"
    elif fact.get("not_yet_in_force"):
        status, text = NOT_YET, f"尚未施行（{fact.get('effective')} 施行）"
    elif not fact.get("in_force"):   # neither repealed nor before entry into force: not in force all the same
        status, text = REPEALED, "已失效"
    elif fact.get("article_beyond"):
        status, text = BEYOND, f"条款超出（第{fact.get('article_max')}条 > 共{fact.get('article_count')}条）"
    else:
        status, text = IN_FORCE, STATUS_LABEL[IN_FORCE]
    return BasisStatus(status, text, law_id, title, None, tuple(warnings))


class LawStatus:
    """The status of every basis of the power items and boundary matters, keyed by where it is written."""

    def __init__(self, repo, when: _dt.date):
        from ..checking.facts import law_facts   # the checker's own law_basis facts
        self.when = when
        self._by_source: dict = {}
        self.counts: dict = {"power": Counter(), "boundary": Counter()}

        def add(kind, key, source, **fields):
            if kind != "law_basis":
                return
            st = status_of(fields)
            self._by_source[(source.file, tuple(source.path))] = st
            self.counts.setdefault(fields.get("list"), Counter())[st.status] += 1

        if repo.laws:
            law_facts(repo, when, add)
        self.warnings = Counter(kind for st in self._by_source.values() for kind, _ in st.warnings)

    def __bool__(self) -> bool:
        return bool(self._by_source)

    def of(self, source, field: str, index: int) -> BasisStatus | None:
        """The status of basis ``index`` of the record written at ``source`` (its ``field`` list)."""
        if source is None:
            return None
        return self._by_source.get((source.file, tuple(source.path) + (field, index)))

    def item(self, it) -> list:
        return [self.of(it.source, "legal_basis", i) for i in range(len(it.legal_basis))]

    def matter(self, m) -> list:
        return [self.of(m.source, "basis", i) for i in range(len(m.basis))]

    def total(self) -> Counter:
        out = Counter()
        for c in self.counts.values():
            out.update(c)
        return out
