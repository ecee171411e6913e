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
from schemathesis import BaseSchema
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from app.core.config import get_settings
from app.main import create_app
from app.modules import MODULES
from tests.fuzz.accounts import create_admin
from tests.fuzz.expectations import ENDS_ADMIN, ENDS_SESSION, EXPECTED_REJECTIONS
from tests.helpers import PASSWORD, Mailbox

pytestmark = pytest.mark.fuzz

SEED = 17
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
# The coverage phase (boundary values, every invalid type, unexpected methods) sends about
# 40 requests per operation whatever the budget: FUZZ_COVERAGE=0 leaves it out.
COVERAGE = os.environ.get("FUZZ_COVERAGE", "1") == "1"
USER, ADMIN = "fuzz-user@example.com", "fuzz-admin@example.com"


class Fuzzer:
    """The app under test, its accounts, and a Schemathesis run over its schema."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.emails = (f"fuzz-{n}@example.com" for n in count())
        self.admin_token = self.user_token = ""
        self.ender = ""

    def schema(self, excluded: frozenset[str] | set[str] = frozenset()) -> BaseSchema:
        options: list[dict[str, Any]] = [
            {
                "include-operation-id": op_id,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2XX", "3XX", 401, 403, 404, 409, 429, *statuses]
                    }
                },
            }
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
                "phases": {"coverage": {"enabled": COVERAGE}},
                "operations": options,
            }
        )
        return schemathesis.openapi.from_asgi("/openapi.json", self.app, config=config)

    def sign_in(self, email: str) -> str:
        login = self.schema()["/api/v1/auth/login"]["POST"]
        body: dict[str, Any] = {"email": email, "password": PASSWORD}
        response = login.Case(body=body).call()
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def create_user(self, email: str, role: str = "user") -> None:
        """An account made by the admin through the API (the first admin comes from the CLI)."""
        create = self.schema()["/api/v1/users/"]["POST"]
        body: dict[str, Any] = {"email": email, "password": PASSWORD, "role": role}
        case = create.Case(body=body, headers={"Authorization": f"Bearer {self.admin_token}"})
        response = case.call()
        assert response.status_code == 201, response.text

    def fresh_session_token(self) -> str:
        """A new session of the current ender user; a new user once a case deleted it or
        changed its password. A case that ends its session ends no other."""
        login = self.schema()["/api/v1/auth/login"]["POST"]
        body: dict[str, Any] = {"email": self.ender, "password": PASSWORD}
        response = login.Case(body=body).call()
        if response.status_code == 200:
            return str(response.json()["access_token"])
        self.ender = next(self.emails)
        self.create_user(self.ender)
        return self.sign_in(self.ender)


def run(schema: BaseSchema, token_for_case: Any) -> tuple[Counter[int], set[str], list[str]]:
    """Run every phase of Schemathesis: the statuses it got, the operations that answered,
    and each distinct failure."""

    class Bearer:
        def get(self, case: Any, context: Any) -> str:
            return str(token_for_case())

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=None)(Bearer)
    statuses: Counter[int] = Counter()
    failures: dict[str, None] = {}
    answered: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, interaction in event.recorder.interactions.items():
                if interaction.response is not None:
                    statuses[interaction.response.status_code] += 1
                    answered.add(event.recorder.cases[case_id].value.operation.label)
            failures |= dict.fromkeys(_failures(event.recorder))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures[f"error: {event!r}"] = None
    return statuses, answered, list(failures)


def _failures(recorder: Any) -> Iterator[str]:
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction else None
            request = interaction.request if interaction else None
            answer = f"{response.status_code} {response.content[:300]!r}" if response else "-"
            sent = f"{request.method} {request.uri} {request.body!r:.200}" if request else "-"
            title = check.failure_info.failure.title
            yield f"{recorder.label}: {check.name}: {title}\n  {sent}\n  -> {answer}"


@pytest.fixture(scope="module")
def fuzzer(migrated_database: None, smtp_server: Mailbox) -> Fuzzer:
    create_admin(ADMIN, PASSWORD)
    # Without rate limits: the run would spend most cases on 429s (their own tests cover them).
    app = create_app(get_settings().model_copy(update={"rate_limit_enabled": False}))
    fuzzer = Fuzzer(app)
    fuzzer.admin_token = fuzzer.sign_in(ADMIN)
    fuzzer.create_user(USER)
    fuzzer.user_token = fuzzer.sign_in(USER)
    return fuzzer


def _named(ids: dict[str, str], schema_ids: set[str]) -> set[str]:
    """The operations of `ids` whose module is on; each must be in the schema, so that a
    renamed operation fails here instead of being fuzzed as the wrong user."""
    modules = {module.name for module in MODULES}
    wanted = {op_id for op_id, module in ids.items() if module in modules}
    assert wanted <= schema_ids, f"not in the schema: {sorted(wanted - schema_ids)}"
    return wanted


def operations(fuzzer: Fuzzer) -> dict[str, str]:
    """Each operation's id and label (`GET /api/v1/users/me`)."""
    paths = fuzzer.app.openapi()["paths"]
    return {
        op["operationId"]: f"{method.upper()} {path}"
        for path, ops in paths.items()
        for method, op in ops.items()
    }


def test_fuzz_as_user_and_admin_then_the_session_enders(
    fuzzer: Fuzzer, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = operations(fuzzer)
    ends_session = _named(ENDS_SESSION, set(labels))
    ends_admin = ends_session | _named(ENDS_ADMIN, set(labels))
    runs = [
        ("user", fuzzer.schema(ends_session), lambda: fuzzer.user_token, ends_session),
        ("admin", fuzzer.schema(ends_admin), lambda: fuzzer.admin_token, ends_admin),
        ("enders", fuzzer.schema(set(labels) - ends_admin), fuzzer.fresh_session_token, None),
    ]
    report = []
    for who, schema, token, excluded in runs:
        statuses, answered, failures = run(schema, token)
        cases = sum(statuses.values())
        report.append(f"{who}: {len(answered)} operations, {cases} cases, {dict(statuses)}")
        expected = ends_admin if excluded is None else set(labels) - excluded
        assert answered == {labels[op_id] for op_id in expected}, report
        if excluded is not None:
            # Most answers 401 would mean the fuzzer lost its own session and tested nothing.
            assert statuses[401] < cases / 2, report
        assert not failures, "\n".join([*report, *failures])
    with capsys.disabled():  # the figures, in the output of a passing run too
        print("\n" + "\n".join(report))
