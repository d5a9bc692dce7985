"""How one reference target instance is configured."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from dmcert.contract.partners import Partner
from dmcert.reference.faults import FAULTS


@dataclass(frozen=True)
class Settings:
    """Database, order identifier, injected faults, partners and the instance's secrets."""

    db_url: str
    order_identifier: str = "external_order_id"
    faults: frozenset[str] = frozenset()
    partners: dict[str, Partner] = field(default_factory=dict, compare=False)
    """The partners keys can be linked to, by name (`dmcert serve --partners`)."""
    cursor_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)

    def __post_init__(self) -> None:
        FAULTS.check(self.faults)
        if self.order_identifier not in ("external_order_id", "order_number"):
            raise ValueError(f"unknown order identifier: {self.order_identifier}")

    def has(self, fault: str) -> bool:
        """Whether the fault `fault` is injected (a typo in a name is a programming error)."""
        if fault not in FAULTS:
            raise KeyError(fault)
        return fault in self.faults
