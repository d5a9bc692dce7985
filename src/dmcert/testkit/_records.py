"""The records a conformance run creates: unique names under the run prefix, creation with
the documented payloads, and cleanup (deactivate / cancel) with residue reported."""

from __future__ import annotations

import itertools
from typing import Any

from dmcert.testkit._client import ApiClient, Reply, path_of
from dmcert.testkit._expect import PreconditionFailed


class Records:
    def __init__(self, api: ApiClient, prefix: str, order_identifier: str) -> None:
        self.api = api
        self.prefix = prefix
        self.order_identifier = order_identifier
        self._serial = itertools.count(1)
        self._made: list[tuple[str, str]] = []  # (collection, identifier), creation order

    def name(self, label: str) -> str:
        """A fresh identifier under the run prefix, e.g. `DMC2611231015A3F2-sku-17`."""
        return f"{self.prefix}{label}-{next(self._serial)}"

    def track(self, collection: str, identifier: str) -> None:
        self._made.append((collection, identifier))

    def _create(self, collection: str, identifier_field: str, body: dict[str, Any]) -> dict:
        reply = self.api.post(path_of(collection), json=body)
        if reply.status != 201 or not isinstance(reply.data, dict):
            raise PreconditionFailed(
                f"creating a {collection[:-1]} failed: {reply.exchange.summary()}"
            )
        self.track(collection, str(body.get(identifier_field) or reply.data[identifier_field]))
        return reply.data

    def product(self, **fields: Any) -> dict:
        return self._create("products", "sku", {"sku": self.name("sku"), **fields})

    def location(self, **fields: Any) -> dict:
        return self._create("locations", "code", {"code": self.name("loc"), **fields})

    def order_body(self, sku: str, **fields: Any) -> dict:
        return {
            "order_number": self.name("ord"),
            "external_order_id": self.name("ext"),
            "items": [{"sku_code": sku, "quantity": 1}],
            **fields,
        }

    def order(self, sku: str, **fields: Any) -> dict:
        return self._create("orders", self.order_identifier, self.order_body(sku, **fields))

    def order_id(self, order: dict) -> str:
        """The identifier that addresses `order` on this target."""
        return str(order[self.order_identifier])

    def cleanup(self) -> list[str]:
        """Deactivate products and locations, cancel orders; return what is left behind.
        A read-only run sends no DELETE: whatever it saw created is reported as residue."""
        if self.api.read_only:
            return [f"{c}/{i} (not cleaned up: --read-only sends no DELETE)" for c, i in self._made]
        residue = []
        for done, (collection, identifier) in enumerate(reversed(self._made)):
            if self.api.watch is not None and self.api.watch.down is not None:
                residue.append(
                    f"{len(self._made) - done} records of this run (the target stopped "
                    "answering, so they could not be cleaned up)"
                )
                break
            reply = self._safe_delete(collection, identifier)
            if reply is None or reply.status not in (200, 204):
                status = "no answer" if reply is None else reply.status
                residue.append(f"{collection}/{identifier} (cleanup answered {status})")
        if any(collection == "locations" for collection, _ in self._made):
            residue.append(
                "inventory rows of this run's locations (the API has no inventory DELETE)"
            )
        return residue

    def _safe_delete(self, collection: str, identifier: str) -> Reply | None:
        try:
            return self.api.delete(path_of(collection, identifier))
        except Exception:  # cleanup must report, never abort the report
            return None
