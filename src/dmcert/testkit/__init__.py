"""What a conformance test imports: one public surface over the testkit's private modules.

A test talks to the target through `ApiClient` (each answer a `Reply` with its redacted
`Exchange` as evidence), checks each written rule with `expect` (an `Expect`), makes its
records with `Records` under the run's prefix, walks lists with `walk`/`search`, makes
clients race with `fire` (a `Burst` of `Send`s), builds the sample requests each
documented operation gets with `valid_call`/`served_call`/`rejected_call`, and parametrizes
over operations with `operation_params` (cases that write are marked `writes`).
The contract names a test needs (operations, scopes, keys) are re-exported here too, so a
test module has one import line for dmcert.
"""

from dmcert.contract.partner_shape import ABSENT, get_path, set_path
from dmcert.contract.partners import REQUIRED, ResourceMapping, resolve_identifier
from dmcert.contract.probe import answers_as_the_api
from dmcert.contract.redaction import REDACTED
from dmcert.contract.scopes import action_for
from dmcert.contract.spec import BASE_PATH, Operation, load_spec, operations
from dmcert.contract.target_profile import ApiKey, TargetProfile
from dmcert.contract.tls import client_context
from dmcert.testkit._burst import MAX_BURST, Burst, Send, Shot, fire
from dmcert.testkit._client import (
    READ_ONLY_METHODS,
    RESERVED_IN_PATHS,
    ApiClient,
    ReadOnlyViolation,
    Reply,
    documented_identifier,
    path_of,
)
from dmcert.testkit._exchange import Exchange
from dmcert.testkit._expect import SUCCESS, Expect, Observation, PreconditionFailed, must
from dmcert.testkit._listing import (
    LIST_FIELDS,
    NaturalKey,
    Page,
    Walk,
    natural_key,
    pages,
    search,
    walk,
)
from dmcert.testkit._params import method_marks, operation_params
from dmcert.testkit._partner import (
    RESPONSE_ITEM_FIELDS,
    UNCHECKED,
    PartnerPayload,
    build_payload,
    kind_of,
    matches,
    remove_path,
)
from dmcert.testkit._records import Records
from dmcert.testkit._reference import NO_ADMIN, AdminRefused, ReferenceAdmin
from dmcert.testkit._samples import (
    INVALID_UPDATE,
    NO_BODY,
    Call,
    Subjects,
    create_subjects,
    is_single,
    listed_identifier,
    missing_record_call,
    read_call,
    rejected_call,
    served_call,
    track_created,
    unknown_identifier,
    valid_call,
)
from dmcert.testkit._stable import documented, lines_of, stable, unlike
from dmcert.testkit._timestamps import aware_instant
from dmcert.testkit._tls import (
    TLS_1_2_OR_NEWER,
    Handshake,
    handshake,
    negotiated_version,
    plain_http_get,
    plain_http_roots,
    tls_1_1_only_context,
)
from dmcert.testkit._transport import ClosedWhileSending, TargetNotAnswering

__all__ = [
    "ABSENT",
    "BASE_PATH",
    "INVALID_UPDATE",
    "LIST_FIELDS",
    "MAX_BURST",
    "NO_ADMIN",
    "NO_BODY",
    "READ_ONLY_METHODS",
    "REDACTED",
    "REQUIRED",
    "RESERVED_IN_PATHS",
    "RESPONSE_ITEM_FIELDS",
    "SUCCESS",
    "TLS_1_2_OR_NEWER",
    "UNCHECKED",
    "AdminRefused",
    "ApiClient",
    "ApiKey",
    "Burst",
    "Call",
    "ClosedWhileSending",
    "Exchange",
    "Expect",
    "Handshake",
    "NaturalKey",
    "Observation",
    "Operation",
    "Page",
    "PartnerPayload",
    "PreconditionFailed",
    "ReadOnlyViolation",
    "Records",
    "ReferenceAdmin",
    "Reply",
    "ResourceMapping",
    "Send",
    "Shot",
    "Subjects",
    "TargetNotAnswering",
    "TargetProfile",
    "Walk",
    "action_for",
    "answers_as_the_api",
    "aware_instant",
    "build_payload",
    "client_context",
    "create_subjects",
    "documented",
    "documented_identifier",
    "fire",
    "get_path",
    "handshake",
    "is_single",
    "kind_of",
    "lines_of",
    "listed_identifier",
    "load_spec",
    "matches",
    "method_marks",
    "missing_record_call",
    "must",
    "natural_key",
    "negotiated_version",
    "operation_params",
    "operations",
    "pages",
    "path_of",
    "plain_http_get",
    "plain_http_roots",
    "read_call",
    "rejected_call",
    "remove_path",
    "resolve_identifier",
    "search",
    "served_call",
    "set_path",
    "stable",
    "tls_1_1_only_context",
    "track_created",
    "unknown_identifier",
    "unlike",
    "valid_call",
    "walk",
]
