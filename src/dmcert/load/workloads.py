"""The workloads `dmcert load WORKLOAD` runs: which locustfile each one is and which data set
it needs prepared before the run. (The *target profile* is the --keys file, not this.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dmcert.contract.files import data_dir
from dmcert.load.plan import DataPlan

LIST_PAGE_LIMIT = 200
# More than one page of each list, so every walk follows at least one cursor.
_WALK_RECORDS = LIST_PAGE_LIMIT + 10


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    plan: Callable[[str, int], DataPlan]  # (run prefix, batch size) -> the data set to prepare
    sends: tuple[tuple[str, str], ...]
    """(method, resource) of every request its users send: what a --key must be allowed."""
    partner_shaped: bool = False
    """Whether its users can send a partner key's payloads in the partner's shape (their
    checks read no field a mapping renames); other workloads refuse a mapped --key."""

    @property
    def locustfile(self) -> Path:
        return data_dir("load") / f"{self.name}.py"


def _bulk_plan(prefix: str, batch_size: int) -> DataPlan:
    # Products only: each bulk user creates its own locations as it needs new pairs.
    return DataPlan(prefix, products=min(1000, max(50, batch_size)))


def _walk_plan(prefix: str, _batch_size: int) -> DataPlan:
    return DataPlan(
        prefix,
        locations=_WALK_RECORDS,
        products=_WALK_RECORDS,
        orders=_WALK_RECORDS,
        inventory=2 * _WALK_RECORDS,
    )


def _lookup_plan(prefix: str, _batch_size: int) -> DataPlan:
    return DataPlan(prefix, locations=20, products=20, inventory=400)


_BULK = (("POST", "inventory"), ("POST", "locations"))
_WALKS = tuple(("GET", resource) for resource in ("locations", "products", "orders", "inventory"))
_LOOKUPS = (("GET", "inventory"),)

WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in (
        Workload(
            "bulk_inventory",
            "POST /inventory/ batches mixing creates and updates; every summary validated",
            _bulk_plan,
            _BULK,
            partner_shaped=True,
        ),
        Workload(
            "list_walk",
            f"full cursor walks of each list at limit {LIST_PAGE_LIMIT}; no duplicate in a walk",
            _walk_plan,
            _WALKS,
        ),
        Workload(
            "lookup", "GET /inventory/{code}/ by location and ?by=sku", _lookup_plan, _LOOKUPS
        ),
        Workload(
            "mixed",
            "an ERP-sync mix: bulk upserts, lookups and list walks",
            _walk_plan,
            (*_BULK, *_WALKS),
        ),
    )
}
