"""A workload's data set: prepared through the API before the run, and everything under the
run prefix deactivated afterwards.

Runs in the parent `dmcert` process (plain threads, no gevent). A 5xx or a dropped
connection is retried with the identical body, as the docs' retry guidance says; a retried
create that finds its record already there counts as created.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from dmcert.contract.spec import BASE_PATH
from dmcert.errors import DmcertError, UnreachableError, UsageError
from dmcert.load.errors import LoadRunError
from dmcert.load.plan import DataPlan

ATTEMPTS = 5
THREADS = 4
INVENTORY_CHUNK = 1000
LIST_LIMIT = 200
TEARDOWN_BUDGET_S = 120.0


@dataclass
class DataSet:
    """What preparing the data set created, and the target's own time of its first record."""

    counts: dict[str, int] = field(default_factory=dict)
    earliest: datetime | None = None
    seconds: float = 0.0


class ApiSession:
    """Calls under the base path with one key, retrying what the docs say may be retried."""

    def __init__(self, root: str, key: str, timeout: float = 30.0) -> None:
        self._http = httpx.Client(
            base_url=root + BASE_PATH,
            headers={"X-API-Key": key},
            timeout=timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=THREADS * 2),
        )
        self.root = root

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        expect: int,
        already_done: Callable[[httpx.Response], bool] = lambda response: False,
    ) -> Any:
        """The decoded body of the expected answer; `already_done` accepts the answer a
        retried create gets when its first attempt landed."""
        response = None
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(0.1 * 2**attempt)
            try:
                response = self._http.request(method, path, json=json)
            except httpx.HTTPError as exc:
                if attempt == ATTEMPTS - 1:
                    reason = exc.__class__.__name__
                    raise UnreachableError(
                        f"target unreachable at {self.root} during setup: {reason}"
                    ) from None
                continue
            if response.status_code == expect or (attempt and already_done(response)):
                return response.json()
            if response.status_code < 500:
                break
        status = response.status_code
        where = f"{method} {BASE_PATH}{path.split('?')[0]}"
        if status in (401, 403):
            raise UsageError(f"the target refused the load key: {where} answered {status}")
        raise LoadRunError(f"data set request {where} answered {status}{_code(response)}")

    def walk(self, collection: str, deadline: float) -> Iterator[dict[str, Any]]:
        """Every entry of a list, newest first, until its end or `deadline`."""
        cursor = None
        while time.monotonic() < deadline:
            path = f"/{collection}/?limit={LIST_LIMIT}"
            if cursor:
                path += f"&cursor={quote(cursor, safe='')}"
            body = self.send("GET", path, expect=200)
            yield from body.get("data") or []
            cursor = (body.get("pagination") or {}).get("next_cursor")
            if not cursor:
                return


def _code(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return f" {error.get('code')}" if isinstance(error, dict) and error.get("code") else ""


def _duplicate(response: httpx.Response) -> bool:
    return response.status_code == 409


def _order_exists(response: httpx.Response) -> bool:
    return response.status_code == 400 and "already exists" in response.text


def prepare(session: ApiSession, plan: DataPlan) -> DataSet:
    """Create the plan's products and locations, then its orders and inventory rows."""
    started = time.monotonic()
    created: list[str] = []

    def product(index: int) -> None:
        body = session.send(
            "POST",
            "/products/",
            json={"sku": plan.sku(index), "quantity": 0},
            expect=201,
            already_done=_duplicate,
        )
        created.append(_created_at(body))

    def location(index: int) -> None:
        body = session.send(
            "POST",
            "/locations/",
            json={"code": plan.location(index), "name": "dmcert load"},
            expect=201,
            already_done=_duplicate,
        )
        created.append(_created_at(body))

    def order(index: int) -> None:
        session.send(
            "POST",
            "/orders/",
            json={
                "order_number": plan.order_number(index),
                "external_order_id": plan.external_order_id(index),
                "customer_name": "dmcert load",
                "items": [{"sku_code": plan.sku(0), "quantity": 1}],
            },
            expect=201,
            already_done=_order_exists,
        )

    def inventory(start: int) -> None:
        rows = [
            {"location_code": loc, "sku_code": sku, "quantity": index}
            for index in range(start, min(start + INVENTORY_CHUNK, plan.inventory))
            for loc, sku in [plan.inventory_pair(index)]
        ]
        body = session.send(
            "POST", "/inventory/", json={"inventory": rows, "source": "initial_load"}, expect=200
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("failed") != 0:
            raise LoadRunError("preparing the data set failed: its inventory rows were rejected")

    with ThreadPoolExecutor(THREADS) as pool:
        _all(pool, product, range(plan.products))
        _all(pool, location, range(plan.locations))
        _all(pool, order, range(plan.orders))
        _all(pool, inventory, range(0, plan.inventory, INVENTORY_CHUNK))
    times = [_parse_time(value) for value in created]
    return DataSet(
        counts={
            "products": plan.products,
            "locations": plan.locations,
            "orders": plan.orders,
            "inventory_rows": plan.inventory,
        },
        earliest=min((t for t in times if t is not None), default=None),
        seconds=time.monotonic() - started,
    )


def _all(pool: ThreadPoolExecutor, work: Callable[[int], None], items: range) -> None:
    for future in [pool.submit(work, item) for item in items]:
        future.result()  # re-raises the first failure


def _created_at(body: Any) -> str:
    data = body.get("data") if isinstance(body, dict) else None
    return data.get("created_at", "") if isinstance(data, dict) else ""


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


# collection -> (field carrying the run prefix, whether an entry still needs its DELETE)
_TEARDOWN = {
    "products": ("sku", lambda record: record.get("is_active", True)),
    "locations": ("code", lambda record: record.get("is_active", True)),
    "orders": ("order_number", lambda record: record.get("status") != "cancelled"),
}


def teardown(
    session: ApiSession, prefix: str, since: datetime | None, order_identifier: str
) -> list[str]:
    """Deactivate every product and location and cancel every order under `prefix`.

    Orders are recognised by their order_number but addressed by the target profile's
    `order_identifier`, the field `/orders/{identifier}/` resolves on this target.
    The lists are walked newest first and left once past `since` (the target's time of the
    data set's first record), so a large shared target is not walked to its end. Returns the
    residue: what is left behind, one line each.
    """
    deadline = time.monotonic() + TEARDOWN_BUDGET_S
    residue: list[str] = []
    for collection, (field_name, pending) in _TEARDOWN.items():
        address = order_identifier if collection == "orders" else field_name
        doomed: list[str] = []
        complete = True
        try:
            for record in session.walk(collection, deadline):
                name = record.get(field_name)
                if isinstance(name, str) and name.startswith(prefix):
                    if pending(record):
                        doomed.append(str(record.get(address)))
                elif _before(record, since):
                    break
            else:
                complete = time.monotonic() < deadline
        except DmcertError as exc:
            residue.append(f"{collection}: could not list them ({exc})")
            continue
        if not complete:
            residue.append(f"{collection}: teardown time budget spent before the list end")
        with ThreadPoolExecutor(THREADS) as pool:
            failures = [
                f"{collection}: {identifier} ({exc})"
                for identifier, exc in zip(
                    doomed,
                    pool.map(lambda i, c=collection: _delete(session, c, i), doomed),
                    strict=True,
                )
                if exc
            ]
        residue.extend(failures)
    return residue


def _before(record: dict[str, Any], since: datetime | None) -> bool:
    created = _parse_time(record.get("created_at"))
    return since is not None and created is not None and created < since


def _delete(session: ApiSession, collection: str, identifier: str) -> str | None:
    try:
        session.send("DELETE", f"/{collection}/{quote(identifier, safe='')}/", expect=200)
    except DmcertError as exc:
        return str(exc)
    return None


COUNTED_LISTS = ("locations", "products", "orders", "inventory")
COUNT_BUDGET_S = 30.0


def count_lists(session: ApiSession) -> dict[str, int | None]:
    """How many records each list holds as a run starts (None: not counted to its end within
    the time budget). The lists a walk pages through, so two runs are compared like with like:
    another run's leftovers make every walk longer."""
    deadline = time.monotonic() + COUNT_BUDGET_S
    counts: dict[str, int | None] = {}
    for collection in COUNTED_LISTS:
        seen = sum(1 for _ in session.walk(collection, deadline))
        counts[collection] = seen if time.monotonic() < deadline else None
    return counts
