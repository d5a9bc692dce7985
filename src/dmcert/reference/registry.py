"""A registry of named reference-target behaviours, validated when it is built.

The reference target can be started broken in one rule (faults.py, `dmcert serve --fault`) or
conformant in another legitimate way (variants.py, `dmcert serve --variant`); each is one
small frozen record with a `name` and a one-line `description`, and tests, settings and the
command line address it by name. A typo in a name is a programming error, so the registry
refuses duplicates and malformed entries at import, and unknown names when asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, TypeVar

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...


E = TypeVar("E", bound=Named)


class Registry(Mapping[str, E]):
    """Entries by name, in declaration order; `kind` names them in error messages."""

    def __init__(self, kind: str, entries: Iterable[E]) -> None:
        self.kind = kind
        self._entries: dict[str, E] = {}
        for entry in entries:
            if not _NAME.match(entry.name):
                raise ValueError(f"{kind} {entry.name!r}: names are snake_case")
            if entry.name in self._entries:
                raise ValueError(f"duplicate {kind}: {entry.name}")
            if not entry.description.strip() or "\n" in entry.description:
                raise ValueError(f"{kind} {entry.name}: the description is one non-empty line")
            self._entries[entry.name] = entry

    def __getitem__(self, name: str) -> E:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def check(self, names: Iterable[str]) -> frozenset[str]:
        """`names` as a set; ValueError `unknown <kind>: <name>` for the first unknown one."""
        chosen = frozenset(names)
        if unknown := sorted(chosen - self._entries.keys()):
            raise ValueError(f"unknown {self.kind}: {unknown[0]}")
        return chosen
