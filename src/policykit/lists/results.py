"""Typed answers of the repository's queries (``Repository.what_unit_does``, ``Repository.powers``).

They used to be bare dicts; each is now a small read-only type with named fields, and each still
answers the old way (``work["duties"]``, ``repo.powers.get(code)``), so callers written against the
dicts keep working.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .model import PowerItem, UnitDuty


@dataclass(frozen=True)
class UnitWork:
    """What one internal unit (内设机构) does: its duties in the 职责任务清单 and the power items of
    the 权责清单 it undertakes (承办机构), both in file order.

    ``work["duties"]`` and ``work["powers"]`` give the same lists, as the dict this replaced did."""
    department: str
    unit: str
    duties: tuple[UnitDuty, ...]
    powers: tuple[PowerItem, ...]

    _KEYS = ("duties", "powers")

    def __getitem__(self, key: str) -> list:
        """The old dict's ``["duties"]`` or ``["powers"]``, as a list."""
        if key not in self._KEYS:
            raise KeyError(key)
        return list(getattr(self, key))

    def keys(self) -> tuple[str, ...]:
        """The old dict's keys: ``("duties", "powers")``."""
        return self._KEYS

    @property
    def empty(self) -> bool:
        """No duty and no power item: the unit has nothing written against it."""
        return not self.duties and not self.powers


class PowerIndex(Mapping):
    """Power items by code, read-only: ``index[code]``, ``index.get(code)``, ``code in index``,
    iteration in file order. A code written twice maps to its first item (``policykit check`` reports
    the repetition); ``duplicates`` names such codes."""

    __slots__ = ("_items", "duplicates")

    def __init__(self, items) -> None:
        by_code: dict[str, PowerItem] = {}
        twice: list[str] = []
        for item in items:
            if item.code in by_code:
                twice.append(item.code)
            else:
                by_code[item.code] = item
        self._items = by_code
        self.duplicates: tuple[str, ...] = tuple(dict.fromkeys(twice))

    def __getitem__(self, code: str) -> PowerItem:
        return self._items[code]

    def get(self, code: str, default=None) -> PowerItem | None:
        """The item with ``code``, or ``default``."""
        return self._items.get(code, default)

    def __contains__(self, code) -> bool:
        return code in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self):
        """The codes, in file order."""
        return self._items.keys()

    def values(self):
        """The items, in file order (the first of a repeated code)."""
        return self._items.values()

    def items(self):
        """``(code, item)`` pairs, in file order."""
        return self._items.items()

    def __repr__(self) -> str:
        return f"PowerIndex({len(self._items)} items)"
