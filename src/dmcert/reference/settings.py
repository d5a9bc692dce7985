"""How one reference target instance is configured."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from dmcert.contract.partners import Partner
from dmcert.reference.faults import FAULTS
from dmcert.reference.variants import VARIANTS


@dataclass(frozen=True)
class Settings:
    """Database, order identifier, injected faults, conformant variants chosen, partners and
    the instance's secrets."""

    db_url: str
    order_identifier: str = "external_order_id"
    faults: frozenset[str] = frozenset()
    partners: dict[str, Partner] = field(default_factory=dict, compare=False)
    """The partners keys can be linked to, by name (`dmcert serve --partners`)."""
    variants: frozenset[str] = frozenset()
    cursor_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)

    def __post_init__(self) -> None:
        FAULTS.check(self.faults)
        VARIANTS.check(self.variants)
        if self.order_identifier not in ("external_order_id", "order_number"):
            raise ValueError(f"unknown order identifier: {self.order_identifier}")

    def has(self, fault: str) -> bool:
        """Whether the fault `fault` is injected (a typo in a name is a programming error)."""
        if fault not in FAULTS:
            raise KeyError(fault)
        return fault in self.faults

    def chose(self, variant: str) -> bool:
        """Whether this instance makes the conformant choice `variant` (a typo is a bug)."""
        if variant not in VARIANTS:
            raise KeyError(variant)
        return variant in self.variants
