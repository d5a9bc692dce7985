"""Schema-driven property tests: requests generated from spec/openapi.yaml by schemathesis 4.x
and hypothesis, for every operation with positive and negative data, and stateful sequences
that follow the spec's OpenAPI links (create, then read, update, delete what was created).

Each response goes through the built-in checks of schema_checks.RULES, and each finding is
blamed on the catalogue requirement the registry names, with the request as a redacted curl
command and the exchange as evidence. Generation is seeded from the run's --seed and sized
by --max-examples (default 25 per operation and mode, 5 with --quick): the same seed sends
the same requests again, except for the run prefix that keeps runs apart. Positive data is
made to look like this run's own: created identifiers carry the run prefix, order lines and
inventory rows name the run's product and location, and half of the record paths name the
run's records instead of drawn identifiers that would only ever answer 404.
"""

from __future__ import annotations

import copy
import random
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis.errors import Flaky
from schema_checks import RULES, SERVER_LIMITS, body_of, candidates, reachable_requirements
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

from dmcert.contract.files import spec_path
from dmcert.contract.spec import BASE_PATH, documented_view
from dmcert.suite.run import Run
from dmcert.testkit import (
    READ_ONLY_METHODS,
    REDACTED,
    ApiKey,
    Exchange,
    Operation,
    PreconditionFailed,
    ReadOnlyViolation,
    Records,
    TargetNotAnswering,
    documented_identifier,
    load_spec,
    method_marks,
    operations,
)

DEFAULT_EXAMPLES = 25
QUICK_EXAMPLES = 5
STATEFUL_STEPS = 6
TIMEOUT = 30.0
MAX_FINDINGS = 3  # distinct findings kept per requirement per test
MAX_CURL = 3000
CREATED_BY = {"products": "sku", "locations": "code"}


def _config(**generation: Any) -> SchemathesisConfig:
    """An explicit schemathesis config: no schemathesis.toml of the caller's can change a run.
    Security parameters are left alone (the key is sent with every request; auth is the auth
    area's), no example database is kept (it would make runs depend on earlier ones), and
    stateful runs follow the spec's own links only, not links schemathesis infers."""
    settings = {"database": "none", "with-security-parameters": False, **generation}
    stateful = {"inference": {"algorithms": []}}
    return SchemathesisConfig.from_dict({"generation": settings, "phases": {"stateful": stateful}})


_OURS = {(op.method, op.path): op for op in operations()}


def operation_of(api_operation: Any) -> Operation:
    return _OURS[(api_operation.method.upper(), api_operation.path.removeprefix(BASE_PATH))]


def _by_key(schema: Any) -> dict[str, Any]:
    return {operation_of(result.ok()).key: result.ok() for result in schema.get_all_operations()}


OPERATIONS = _by_key(schemathesis.openapi.from_path(spec_path(), config=_config()))
DOCUMENTED = _by_key(schemathesis.openapi.from_dict(documented_view(), config=_config()))
"""Negative data is drawn from the spec without dmcert's inferences (documented_view): a
value that breaks only an inferred constraint (a NUL, a 256-character code, 2**31) is the
SHOULD checks' to judge, never a MUST finding."""


def _seed(run: Run, *parts: str) -> int:
    """A seed per test, derived from the run's --seed so each test draws its own sequence."""
    return random.Random(":".join([str(run.seed), *parts])).getrandbits(64)


def _settings(examples: int, **extra: Any) -> hypothesis.settings:
    """No shrinking (a finding is reported, not minimised), no database, no deadline."""
    return hypothesis.settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
        **extra,
    )


def _heads(drawn: str) -> bool:
    """A coin tossed by the drawn value itself, so the same seed tosses it the same way."""
    return zlib.crc32(drawn.encode("utf-8", "surrogatepass")) % 2 == 0


def _broken_fields(case: Case) -> frozenset[str] | None:
    """The fields negative data breaks on purpose (none for positive data), or None when a
    negative case does not say which, so that shaping it might repair it."""
    meta = case.meta
    if meta is None:
        return None
    if meta.generation.mode.is_positive:
        return frozenset()
    names = set()
    for mutation in meta.phase.data.mutations:
        names.update(part for part in mutation.path if isinstance(part, str))
        if mutation.parameter:
            names.add(mutation.parameter)
    return frozenset(names) or None


@dataclass(frozen=True)
class Known:
    """The run's own records that generated requests may address."""

    sku: str
    location: str
    order: str

    def identifier(self, op: Operation, case: Case) -> str:
        if op.collection == "inventory":
            return self.sku if (case.query or {}).get("by") == "sku" else self.location
        return {"products": self.sku, "locations": self.location}.get(op.collection, self.order)


@dataclass
class Target:
    """Sends generated cases to the run's target: shaped as this run's data, with the full
    key, and recorded for the coverage table and the cleanup."""

    run: Run
    key: ApiKey  # a ApiKey, whose repr leaves the value out
    records: Records
    known: Known | None
    session: requests.Session = field(default_factory=requests.Session)
    broken: str | None = None
    """Why the target stopped answering; every later send fails at once with it."""

    def prepare(self, case: Case, op: Operation, *, linked: bool) -> None:
        self._address(case, op, linked=linked)
        query = case.query or {}
        if not linked and isinstance(query.get("cursor"), str) and _heads(query["cursor"]):
            # A drawn cursor is valid per the schema but names no page: keep half of them.
            case.query = {name: value for name, value in query.items() if name != "cursor"}
        broken = _broken_fields(case)
        if isinstance(case.body, dict) and broken is not None:
            positive = case.meta is not None and case.meta.generation.mode.is_positive
            case.body = self._shape(op, dict(case.body), broken, positive=positive)

    def _address(self, case: Case, op: Operation, *, linked: bool) -> None:
        """Point half of the drawn identifiers at the run's records, never send `.` or `..`,
        which HTTP clients fold into the parent path, and keep drawn ones to the characters a
        MUST may put in a path (PATH_SAFE: non-ASCII text and reserved characters are only
        IDN-008's and IDN-011's, SHOULDs)."""
        params = dict(case.path_parameters or {})
        for name, value in params.items():
            drawn = unquote(str(value))
            kept = drawn if linked else documented_identifier(drawn)
            folded = kept.strip(".") == ""
            if folded or (_heads(drawn) and not linked and self.known is not None):
                chosen = self.known.identifier(op, case) if self.known else f"{self.run.prefix}x"
                params[name] = quote(chosen, safe="")
            elif kept != drawn:
                params[name] = quote(kept, safe="")
        if params != (case.path_parameters or {}):
            case.path_parameters = params

    def _shape(
        self, op: Operation, body: dict[str, Any], broken: frozenset[str], *, positive: bool
    ) -> dict[str, Any]:
        """Drawn data made this run's, leaving alone what negative data breaks on purpose:
        new identifiers under the run prefix, order lines and inventory rows naming the run's
        product and location (else an unknown SKU would refuse every order, valid or not),
        no PUT renaming the order it addresses, and new identifiers that links put in paths
        (where ORD-016, PRD-009, LOC-006 and the like judge the call) of PATH_SAFE characters."""

        def mine(name: str) -> None:
            if name not in broken and (name in body or positive):
                body[name] = documented_identifier(f"{self.run.prefix}{body.get(name) or ''}")[:255]

        if op.key == "POST /products/":
            mine("sku")
        elif op.key == "POST /locations/":
            mine("code")
        elif op.key == "POST /orders/":
            mine("order_number")
            mine("external_order_id")
            body["items"] = self._owned(body.get("items"), broken, sku_code="sku")
        elif op.key == "POST /inventory/":
            rows = body.get("inventory")
            body["inventory"] = self._owned(rows, broken, sku_code="sku", location_code="location")
        elif (
            op.key == "PUT /orders/{identifier}/"
            and self.run.profile.order_identifier not in broken
        ):
            body.pop(self.run.profile.order_identifier, None)
        return body

    def _owned(self, entries: Any, broken: frozenset[str], **fields: str) -> Any:
        """Lines or rows naming the run's records (`fields`: entry field to Known attribute)."""
        if not isinstance(entries, list) or self.known is None:
            return entries
        shaped = []
        for entry in entries:
            if isinstance(entry, dict):
                entry = dict(entry)
                for name, kind in fields.items():
                    if name in entry and name not in broken:
                        entry[name] = getattr(self.known, kind)
            shaped.append(entry)
        return shaped

    @property
    def verify(self) -> str | bool:
        """What requests trusts: the profile's CA file (a private CA), else its default."""
        ca_file = self.run.profile.ca_file
        return str(ca_file) if ca_file else True

    def send(self, case: Case, op: Operation) -> Response:
        if self.run.read_only and op.method not in READ_ONLY_METHODS:
            raise ReadOnlyViolation(f"{op.key} is not sent in a --read-only run")
        if self.broken is not None:
            raise PreconditionFailed(self.broken)
        self.run.watch.before_send()
        try:
            response = case.call(
                base_url=self.run.target,
                session=self.session,
                headers={"X-API-Key": self.key.value},
                timeout=TIMEOUT,
                verify=self.verify,
            )
        except requests.RequestException as exc:
            unanswered = self.unanswered(exc)
            self.broken = unanswered.summary()
            self.run.watch.unanswered(unanswered)
            raise TargetNotAnswering(unanswered) from None
        body = body_of(response)
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        path = urlsplit(response.request.url).path
        self.run.observe(
            op.method, path, response.status_code, code if isinstance(code, str) else None
        )
        self._track(op, response, body)
        return response

    def _track(self, op: Operation, response: Response, body: Any) -> None:
        """Hand every record a generated create made to the cleanup."""
        if op.method != "POST" or op.collection == "inventory" or response.status_code != 201:
            return
        data = body.get("data") if isinstance(body, dict) else None
        name = CREATED_BY.get(op.collection, self.run.profile.order_identifier)
        identifier = data.get(name) if isinstance(data, dict) else None
        if isinstance(identifier, str):
            self.records.track(op.collection, identifier)
        else:
            self.run.residue.append(f"{op.collection}: a generated create without {name}")

    def curl(self, case: Case) -> str:
        command = case.as_curl_command(headers={"X-API-Key": REDACTED}, base_url=self.run.target)
        command = self.run.redactor.text(command)
        if len(command) > MAX_CURL:
            return f"{command[:MAX_CURL]}... [{len(command) - MAX_CURL} more characters]"
        return command

    def unanswered(self, error: requests.RequestException) -> Exchange:
        """The request a transport error interrupted, as the evidence of it."""
        sent = error.request
        request = httpx.Request(
            (sent.method if sent is not None else None) or "GET",
            (sent.url if sent is not None else None) or self.run.target,
            headers=dict(sent.headers) if sent is not None else {},
            content=(sent.body if sent is not None else None) or b"",
        )
        if isinstance(error, requests.Timeout):
            why = f"did not answer within {TIMEOUT:g} s ({type(error).__name__})"
        elif isinstance(error, requests.ConnectionError):
            why = f"closed or refused the connection without answering ({type(error).__name__})"
        else:
            why = f"gave no answer ({type(error).__name__})"
        return Exchange.unanswered(request, self.run.redactor, why)

    def exchange(self, response: Response) -> Exchange:
        """The exchange as evidence, through the same redaction as the suite's own client."""
        sent = response.request
        request = httpx.Request(
            sent.method or "GET",
            sent.url or "",
            headers=dict(sent.headers),
            content=sent.body or b"",
        )
        headers = [
            (name, value)
            for name, values in response.headers.items()
            if name.lower() not in ("content-encoding", "transfer-encoding")
            for value in values
        ]
        reply = httpx.Response(
            response.status_code, headers=headers, content=response.content, request=request
        )
        return Exchange.record(reply, self.run.redactor)


@dataclass
class Finding:
    message: str
    exchange: Exchange
    count: int = 1


@dataclass
class Verdicts:
    """What one schema test saw, per requirement: checks that held and findings against it."""

    target: Target
    held: Counter[str] = field(default_factory=Counter)
    findings: dict[str, dict[tuple[Any, ...], Finding]] = field(default_factory=dict)
    responses: int = 0

    def judge(self, op: Operation, case: Case, response: Response, recorder: Any = None) -> None:
        if response.status_code in SERVER_LIMITS:
            return
        self.responses += 1
        for rule in RULES:
            try:
                case.validate_response(response, checks=[rule.check], recorder=recorder)
            except FailureGroup as group:
                for failure in group.exceptions:
                    for requirement in rule.blame(op, case, response, failure):
                        self._found(requirement, rule.name, op, case, response, failure)
            else:
                self.held.update(rule.blame(op, case, response, None))

    def reach(self, op: Operation, case: Case, response: Response, created_by: Case) -> None:
        """A call following a link from a create (201) must find the record just created."""
        ids = reachable_requirements(op)
        if response.status_code == 404:
            failure = Failure(
                operation=op.key,
                title="Created record not found",
                message=f"Its identifier came from this create: {self.target.curl(created_by)}",
            )
            for requirement in ids:
                self._found(requirement, "linked calls", op, case, response, failure)
        elif 200 <= response.status_code < 300 and op.method == "GET":
            self.held.update(ids)

    def _found(
        self,
        requirement: str,
        check: str,
        op: Operation,
        case: Case,
        response: Response,
        failure: Failure,
    ) -> None:
        bucket = self.findings.setdefault(requirement, {})
        key = (check, failure.title, op.key, response.status_code)
        if key in bucket:
            bucket[key].count += 1
            return
        if len(bucket) >= MAX_FINDINGS:
            return
        detail = " ".join(str(failure.message).split())[:300]
        message = (
            f"{failure.title} ({check}): {op.key} answered {response.status_code}. {detail} "
            f"Reproduce: {self.target.curl(case)}"
        )
        bucket[key] = Finding(
            self.target.run.redactor.text(message), self.target.exchange(response)
        )

    def report(self, expect, what: str) -> None:
        for requirement, bucket in self.findings.items():
            for finding in bucket.values():
                more = f" ({finding.count - 1} more like it)" if finding.count > 1 else ""
                expect(requirement, False, finding.message + more, finding.exchange)
        for requirement, count in self.held.items():
            if requirement not in self.findings:
                expect(
                    requirement,
                    True,
                    f"{what}: {count} checks held over {self.responses} responses",
                )


@pytest.fixture(scope="module")
def budget(run: Run) -> int:
    return run.max_examples or (QUICK_EXAMPLES if run.quick else DEFAULT_EXAMPLES)


@pytest.fixture(scope="module")
def known(run: Run, records: Records) -> Known | None:
    """The run's own product, location and order for generated requests to address. None in
    a read-only run, or when the target cannot create them as documented: they only make the
    data realistic, and the generated creates then show what is wrong."""
    if run.read_only:
        return None
    try:
        product, location = records.product(), records.location()
        order = records.order(product["sku"])
    except PreconditionFailed:
        return None
    return Known(product["sku"], location["code"], records.order_id(order))


@pytest.fixture(scope="module")
def target(run: Run, full_key: ApiKey, records: Records, known: Known | None):
    sender = Target(run, full_key, records, known)
    yield sender
    sender.session.close()


def _modes(api_operation: Any) -> tuple[GenerationMode, ...]:
    """Negative data only where it can break a written rule: in a query or a body. A path
    identifier that breaks the schema just names no record (and hypothesis rarely manages
    to draw the 256-character ones)."""
    locations = {parameter.location.value for parameter in api_operation.iter_parameters()}
    if "query" in locations or len(api_operation.body):
        return (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    return (GenerationMode.POSITIVE,)


def _generated_cases():
    for key, api_operation in OPERATIONS.items():
        op = operation_of(api_operation)
        for mode in _modes(api_operation):
            ids = candidates(op, negative=mode.is_negative, linked=False)
            marks = [pytest.mark.requirement(*sorted(ids)), *method_marks(op.method)]
            yield pytest.param(key, mode, id=f"{key} {mode.value}", marks=marks)


@pytest.mark.parametrize(("key", "mode"), list(_generated_cases()))
def test_generated_requests_get_documented_answers(key, mode, run, target, budget, expect):
    """ERR-004, ENV-006, VER-002, VER-007 (+ the status, envelope and rejection rules the
    registry names): requests drawn from an operation's schema, valid ones (positive) and ones
    breaking a constraint (negative), never get a 5xx, and get a documented status and content
    type with a body of the documented shape (VER-007 where only the spec's inferences reject
    it); negative ones breaking a written rule are refused."""
    api_operation = (DOCUMENTED if mode.is_negative else OPERATIONS)[key]
    op = operation_of(api_operation)
    verdicts = Verdicts(target)

    @_settings(budget)
    @hypothesis.seed(_seed(run, key, mode.value))
    @hypothesis.given(case=api_operation.as_strategy(generation_mode=mode))
    def examples(case: Case) -> None:
        target.prepare(case, op, linked=False)
        response = target.send(case, op)
        verdicts.judge(op, case, response)

    examples()
    verdicts.report(expect, f"{budget} {mode.value} examples of {key}")


def _linked_spec(order_identifier: str) -> dict[str, Any]:
    """The spec with its order links following the profile's order identifier."""
    spec = copy.deepcopy(load_spec())
    for link in spec["components"]["links"].values():
        parameters = link.get("parameters", {})
        for name, expression in parameters.items():
            parameters[name] = expression.replace(
                "/data/external_order_id", f"/data/{order_identifier}"
            )
    return spec


def _state_machine(run: Run, target: Target, verdicts: Verdicts) -> type:
    schema = schemathesis.openapi.from_dict(
        _linked_spec(run.profile.order_identifier), config=_config(mode="positive")
    )

    class LinkedCalls(schema.as_state_machine()):
        def setup(self) -> None:
            self.step_input: StepInput | None = None
            self.deleted: set[str] = set()

        def step(self, input: StepInput) -> StepOutput:
            self.step_input = input
            return super().step(input)

        def before_call(self, case: Case) -> None:
            target.prepare(case, operation_of(case.operation), linked=True)

        def call(self, case: Case, **kwargs: Any) -> Response:
            return target.send(case, operation_of(case.operation))

        def validate_response(
            self, response: Response, case: Case, additional_checks=None, **kwargs: Any
        ) -> None:
            op = operation_of(case.operation)
            verdicts.judge(op, case, response, recorder=self.recorder)
            path = urlsplit(response.request.url).path
            creator = self._creator(case)
            if creator is not None and path not in self.deleted:
                verdicts.reach(op, case, response, creator)
            if op.method == "DELETE" and 200 <= response.status_code < 300:
                self.deleted.add(path)

        def _creator(self, case: Case) -> Case | None:
            """The create (POST answered 201) this step took its path identifier from."""
            step = self.step_input
            if step is None or step.transition is None:
                return None
            if not any(where is ParameterLocation.PATH for where, _ in step.applied_parameters):
                return None
            parent = self.recorder.find_parent(case_id=case.id)
            answer = None if parent is None else self.recorder.find_response(case_id=parent.id)
            if answer is None or answer.status_code != 201 or parent.method.upper() != "POST":
                return None
            return parent

    return hypothesis.seed(_seed(run, "linked"))(LinkedCalls)


def _linked_ids() -> list[str]:
    ids = set()
    for api_operation in OPERATIONS.values():
        ids |= candidates(operation_of(api_operation), negative=False, linked=True)
    return sorted(ids)


@pytest.mark.requirement(*_linked_ids())
@pytest.mark.writes
def test_linked_calls_find_what_was_created(run, target, budget, expect):
    """ORD-016, PRD-009, LOC-006 (+ the PUT and DELETE rules of each resource, and the response
    rules above): sequences that follow the spec's links (create, then GET, PUT or DELETE by
    the identifier the create answered) find the record just created, and every answer on
    the way passes the same checks."""
    verdicts = Verdicts(target)
    machine = _state_machine(run, target, verdicts)
    scenarios = budget
    steps = STATEFUL_STEPS if not run.quick else STATEFUL_STEPS - 2
    try:
        machine.run(settings=_settings(scenarios, stateful_step_count=steps))
    except Flaky:
        # Which rules can run depends on what the target answered, so hypothesis may find a
        # sequence it draws again going another way. The calls made so far still count (as
        # in schemathesis's own runner); a target that stopped answering does not.
        if target.broken is not None:
            raise PreconditionFailed(target.broken) from None
    verdicts.report(expect, f"{scenarios} linked sequences of up to {steps} calls")
