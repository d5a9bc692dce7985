"""What a conformance test imports: one public surface over the testkit's private modules.

A test talks to the target through `ApiClient` (each answer a `Reply` with its redacted
`Exchange` as evidence), checks each written rule with `expect` (an `Expect`), makes its
records with `Records` under the run's prefix, walks lists with `walk`/`search`, and builds
the one sample request each documented operation gets with `valid_call`/`rejected_call`.
The contract names a test needs (operations, scopes, keys) are re-exported here too, so a
test module has one import line for dmcert.
"""

from dmcert.contract.redaction import REDACTED
from dmcert.contract.scopes import action_for
from dmcert.contract.spec import BASE_PATH, Operation, load_spec, operations
from dmcert.contract.target_profile import ApiKey, TargetProfile
from dmcert.testkit._client import ApiClient, ReadOnlyViolation, Reply, path_of
from dmcert.testkit._exchange import Exchange
from dmcert.testkit._expect import SUCCESS, Expect, Observation, PreconditionFailed, must
from dmcert.testkit._listing import NaturalKey, Page, Walk, natural_key, pages, search, walk
from dmcert.testkit._records import Records
from dmcert.testkit._samples import (
    INVALID_UPDATE,
    NO_BODY,
    Call,
    Subjects,
    create_subjects,
    is_single,
    listed_identifier,
    read_call,
    rejected_call,
    track_created,
    unknown_identifier,
    valid_call,
)

__all__ = [
    "BASE_PATH",
    "INVALID_UPDATE",
    "NO_BODY",
    "REDACTED",
    "SUCCESS",
    "ApiClient",
    "ApiKey",
    "Call",
    "Exchange",
    "Expect",
    "NaturalKey",
    "Observation",
    "Operation",
    "Page",
    "PreconditionFailed",
    "ReadOnlyViolation",
    "Records",
    "Reply",
    "Subjects",
    "TargetProfile",
    "Walk",
    "action_for",
    "create_subjects",
    "is_single",
    "listed_identifier",
    "load_spec",
    "must",
    "natural_key",
    "operations",
    "pages",
    "path_of",
    "read_call",
    "rejected_call",
    "search",
    "track_created",
    "unknown_identifier",
    "valid_call",
    "walk",
]
