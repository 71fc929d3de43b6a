"""Finding the right department for plain words: one index and one scoring for the library, the CLI and the site.

``lookup(repo, text)`` reads a caller's words (question words and filler dropped, colloquial words
through the 俗称 aliases the 编办 keeps on matters and items and through a small thesaurus), ranks
boundary matters, 审管协同 pairs (asked about supervision after approval), power items and catalogue
items by how much of the query they cover, answers a pasted code (item code, BJ-/SG- id, catalogue
code) with its entry, and says plainly when nothing fits, naming the departments whose own lists
mention the words instead. The scoring is defined once (``spec``); the site's 派单查询 runs the same
steps over ``Index.to_data()``.
"""
from __future__ import annotations

from .answers import Answer, DepartmentHint, LookupResult, answers_of, lookup, search
from .index import Index, build_index, index_of

__all__ = ["answers_of", "Answer", "DepartmentHint", "LookupResult", "Index", "lookup", "search", "build_index", "index_of"]
