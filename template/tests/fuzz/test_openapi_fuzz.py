"""Schemathesis fuzzes every operation of the service's own OpenAPI document.

Every check (server errors, schema and status conformance, valid data rejected,
invalid data accepted, unsupported methods, `Allow` headers, auth ignored, ...), strings
with NUL bytes, seeded and deterministic with a fixed example budget, and the links
Schemathesis infers between operations. It runs as a user, then as an admin, then the
operations that end the caller's session or account, each case signed in anew.

It commits what it creates, so the default run leaves it out; run it alone:
`uv run pytest -m fuzz --no-cov` (`FUZZ_MAX_EXAMPLES=50` for a deeper run).
"""

import os
from collections import Counter
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis import BaseSchema

from app.core.config import get_settings
from app.main import create_app
from app.modules import MODULES
from tests.fuzz.accounts import create_admin
from tests.fuzz.expectations import ENDS_ADMIN, ENDS_SESSION, EXPECTED_REJECTIONS
from tests.helpers import PASSWORD, Mailbox

pytestmark = pytest.mark.fuzz

SEED = 17
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
USER, ADMIN = "fuzz-user@example.com", "fuzz-admin@example.com"


class Fuzzer:
    """The app under test, its accounts, and a Schemathesis run over its schema."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.emails = (f"fuzz-{n}@example.com" for n in count())
        self.admin_token = ""

    def schema(self, excluded: frozenset[str] | set[str] = frozenset(), only: set[str] | None = None) -> BaseSchema:
        options: list[dict[str, Any]] = [
            {"include-operation-id": op_id, "checks": {"positive_data_acceptance": {
                "expected-statuses": ["2XX", "3XX", 401, 403, 404, 409, 429, *statuses]}}}
            for op_id, statuses in EXPECTED_REJECTIONS.items()
        ]
        options += [{"include-operation-id": op_id, "enabled": False} for op_id in excluded]
        config = SchemathesisConfig.from_dict(
            {
                "seed": SEED,
                "generation": {
                    "max-examples": MAX_EXAMPLES,
                    "deterministic": True,
                    "allow-x00": True,
                    "database": "none",
                },
                "checks": {"enabled": True},
                "operations": options,
            }
        )
        schema = schemathesis.openapi.from_asgi("/openapi.json", self.app, config=config)
        if only is not None:
            schema = schema.include(operation_id=sorted(only))
        return schema

    def sign_in(self, email: str) -> str:
        login = self.schema()["/api/v1/auth/login"]["POST"]
        response = login.Case(body={"email": email, "password": PASSWORD}).call()
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def create_user(self, email: str, role: str = "user") -> None:
        """An account made by the admin through the API (the first admin comes from the CLI)."""
        create = self.schema()["/api/v1/users/"]["POST"]
        body = {"email": email, "password": PASSWORD, "role": role}
        case = create.Case(body=body, headers={"Authorization": f"Bearer {self.admin_token}"})
        response = case.call()
        assert response.status_code == 201, response.text

    def fresh_user_token(self) -> str:
        """A newly created user, signed in: a case that ends its session ends no other."""
        email = next(self.emails)
        self.create_user(email)
        return self.sign_in(email)


def run(schema: BaseSchema, token_for_case: Any) -> tuple[Counter[int], list[str]]:
    """Run every phase of Schemathesis; the statuses it got and each distinct failure."""

    class Bearer:
        def get(self, case: Any, context: Any) -> str:
            return str(token_for_case())

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=None)(Bearer)
    statuses: Counter[int] = Counter()
    failures: dict[str, None] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    statuses[interaction.response.status_code] += 1
            failures |= dict.fromkeys(_failures(event.recorder))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures[f"error: {event!r}"] = None
    return statuses, list(failures)


def _failures(recorder: Any) -> Iterator[str]:
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction else None
            request = interaction.request if interaction else None
            answer = f"{response.status_code} {response.content[:300]!r}" if response else "-"
            sent = f"{request.method} {request.uri} {(request.body or b'')[:200]!r}" if request else "-"
            yield f"{recorder.label}: {check.name}: {check.failure_info.failure.title}\n  {sent}\n  -> {answer}"


@pytest.fixture(scope="module")
def fuzzer(migrated_database: None, smtp_server: Mailbox) -> Fuzzer:
    create_admin(ADMIN, PASSWORD)
    # Without rate limits: the run would spend most cases on 429s (their own tests cover them).
    app = create_app(get_settings().model_copy(update={"rate_limit_enabled": False}))
    fuzzer = Fuzzer(app)
    fuzzer.admin_token = fuzzer.sign_in(ADMIN)
    fuzzer.create_user(USER)
    return fuzzer


def _named(ids: dict[str, str], schema_ids: set[str]) -> set[str]:
    """The operations of `ids` whose module is on; each must be in the schema, so that a
    renamed operation fails here instead of being fuzzed as the wrong user."""
    modules = {module.name for module in MODULES}
    wanted = {op_id for op_id, module in ids.items() if module in modules}
    assert wanted <= schema_ids, f"not in the schema: {sorted(wanted - schema_ids)}"
    return wanted


def operation_ids(fuzzer: Fuzzer) -> set[str]:
    document = fuzzer.app.openapi()
    return {op["operationId"] for path in document["paths"].values() for op in path.values()}


def test_fuzz_as_user_and_admin_then_the_session_enders(fuzzer: Fuzzer) -> None:
    all_ids = operation_ids(fuzzer)
    ends_session = _named(ENDS_SESSION, all_ids)
    ends_admin = ends_session | _named(ENDS_ADMIN, all_ids)
    user_token, admin_token = fuzzer.sign_in(USER), fuzzer.admin_token
    report = []
    for who, token, excluded in (("user", user_token, ends_session), ("admin", admin_token, ends_admin)):
        statuses, failures = run(fuzzer.schema(excluded), lambda token=token: token)
        answered = sum(statuses.values())
        report.append(f"{who}: {answered} cases, {len(all_ids - excluded)} operations, {dict(statuses)}")
        assert answered > 100, report
        # Most answers 401 means the fuzzer lost its own session and tested nothing.
        assert statuses[401] < answered / 2, report
        assert not failures, "\n".join([*report, *failures])
    statuses, failures = run(fuzzer.schema(only=ends_admin), fuzzer.fresh_user_token)
    report.append(f"session enders: {sum(statuses.values())} cases, {len(ends_admin)} operations")
    print("\n".join(report))
    assert not failures, "\n".join([*report, *failures])
