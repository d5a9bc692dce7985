"""Fixtures of the conformance suite: the run, its keys, an HTTP client, expectations, and
the records a run creates (under its unique prefix, cleaned up at the end)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dmcert.suite.plugin import RUN, expect_for
from dmcert.suite.run import Run
from dmcert.testkit import (
    NO_ADMIN,
    ApiClient,
    ApiKey,
    Expect,
    Records,
    ReferenceAdmin,
    Subjects,
    TargetProfile,
    create_subjects,
)


@pytest.fixture(scope="session")
def run(pytestconfig: pytest.Config) -> Run:
    return pytestconfig.stash[RUN]


@pytest.fixture(scope="session")
def profile(run: Run) -> TargetProfile:
    return run.profile


@pytest.fixture(scope="session")
def full_key(profile: TargetProfile) -> ApiKey:
    key = profile.full_key()
    if key is None:
        pytest.skip("the target profile declares no usable key with integrations.* scope")
    return key


@pytest.fixture(scope="session")
def api(run: Run, full_key: ApiKey) -> Iterator[ApiClient]:
    """Client whose default key is the full-access key."""
    client = ApiClient(
        root=run.target,
        redactor=run.redactor,
        default_key=full_key,
        read_only=run.read_only,
        on_reply=run.observe,
        ca_file=run.profile.ca_file,
        watch=run.watch,
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def records(run: Run, api: ApiClient) -> Iterator[Records]:
    """Factory for the run's own records; deactivates / cancels them all at the end."""
    made = Records(api, run.prefix, run.profile.order_identifier)
    yield made
    run.residue.extend(made.cleanup())


@pytest.fixture
def expect(request: pytest.FixtureRequest) -> Expect:
    return expect_for(request.node)


@pytest.fixture(scope="session")
def admin(run: Run) -> ReferenceAdmin:
    """The reference target's admin routes; rules that need them are not exercised elsewhere."""
    found = ReferenceAdmin.of(run.target, run.profile, run.redactor)
    if found is None:
        pytest.skip(NO_ADMIN)
    return found


@pytest.fixture(scope="module")
def subjects(run: Run, api: ApiClient, records: Records) -> Subjects | None:
    """One record of each resource for a module's per-operation checks (none in a
    read-only run, which creates nothing)."""
    return None if run.read_only else create_subjects(api, records)
