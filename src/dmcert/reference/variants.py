"""Conformant variants of the reference target: the mirror of faults.py.

Each variant makes the *other* reasonable choice at one point where the docs are silent, the
way a Django REST Framework, Express or Spring implementation would by default. A conformant
implementation may choose either way, so `dmcert check` must pass every variant (SHOULD
warnings allowed): a MUST failure against one means the suite asserts something the docs do
not say. Each variant is consulted at the one place its rule lives, via `Settings.chose(name)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dmcert.reference.registry import Registry

_DECISION = re.compile(r"^(gap \d+(, \d+)*|decisions: [A-Z][a-z ]+)$")


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    decision: str
    """Where the docs are silent: the api-facts.md §24 gap (`gap 5`), or the docs/decisions.md
    section that records dmcert's own reading (`decisions: General`)."""

    def __post_init__(self) -> None:
        if not _DECISION.match(self.decision):
            raise ValueError(f"variant {self.name}: decision is 'gap N' or 'decisions: Section'")


VARIANTS: Registry[Variant] = Registry(
    "variant",
    [
        # routing and HTTP
        Variant(
            "trailing_slash_redirect",
            "a path without its trailing slash is 301 redirected to the slashed path (Django)",
            "gap 35",
        ),
        Variant(
            "not_found_before_auth",
            "an unknown route is 404 before authentication (Express, Spring: routing first)",
            "gap 27",
        ),
        Variant(
            "json_content_type_required",
            "a body sent with a Content-Type other than application/json is 415 (DRF, Spring)",
            "gap 35",
        ),
        Variant(
            "options_allowed",
            "OPTIONS is 200 with an Allow header and an empty body (Django, Spring)",
            "gap 26",
        ),
        Variant(
            "patch_partial_update",
            "PATCH on a record path is a partial update, answered like PUT (DRF viewsets)",
            "gap 26",
        ),
        Variant(
            "server_request_limits",
            "a request line over 4 KB is 414 and headers over 8 KB are 431 (gunicorn, nginx)",
            "decisions: General",
        ),
        Variant(
            "delete_answers_204",
            "DELETE of an order or a location answers 204 without a body (DRF's destroy); the "
            "products page shows DELETE's body, so products keep it",
            "gap 5",
        ),
        # validation
        Variant(
            "scalar_coercion",
            "scalars are coerced: a number for a string, '1' for an integer, 'true' for a boolean",
            "decisions: General",
        ),
        Variant(
            "unknown_fields_rejected",
            "a request body field the operation does not read is 400 (Jackson's default)",
            "decisions: General",
        ),
        Variant(
            "validation_error_details",
            "validation errors carry an extra details object naming the field (DRF style)",
            "gap 4",
        ),
        Variant(
            "non_integer_limit_rejected",
            "a limit that is no integer (abc, 1.5) is 400 VALIDATION_ERROR instead of ignored",
            "gap 15",
        ),
        # responses
        Variant(
            "extra_response_fields",
            "records carry extra fields (updated_at, and the rest of the stored row)",
            "decisions: General",
        ),
        Variant(
            "zulu_timestamps",
            "timestamps are written with a Z suffix and microseconds (DRF's default format)",
            "decisions: General",
        ),
        # auth
        Variant(
            "revoked_key_other_detail",
            "a revoked key is 401 with the detail 'API key is inactive'",
            "gap 3",
        ),
        # orders
        Variant(
            "documented_statuses_only",
            "an order PUT accepts only the documented status values (draft ... cancelled)",
            "gap 23",
        ),
        Variant(
            "put_replaces_order_header",
            "an order PUT replaces the whole header: fields it omits are cleared",
            "gap 21",
        ),
        Variant(
            "cancelled_orders_unlisted",
            "the order list leaves cancelled orders out",
            "gap 18",
        ),
        # inventory and inactive records
        Variant(
            "inactive_targets_rejected",
            "an inactive product cannot be ordered, nor an inactive location or product upserted",
            "gap 20",
        ),
        Variant(
            "create_reactivates_inactive",
            "a create naming an inactive product or location recreates and reactivates it (201)",
            "gap 9",
        ),
        Variant(
            "all_rows_failed_is_400",
            "a bulk upsert in which every row fails is 400 VALIDATION_ERROR as a whole",
            "gap 24",
        ),
        Variant(
            "unknown_inventory_identifier_empty",
            "an unknown location or SKU under /inventory/{identifier}/ is 200 with an empty list",
            "gap 12",
        ),
    ],
)
