"""Two processes of the service on one database: a policy change made through one reaches
the other within `CASBIN_POLICY_CHECK_INTERVAL_MS`, and this one at once.

Real uvicorn processes, real database; the users they share are committed for the
test and deleted after it.
"""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.audit import AuditEvent
from app.core.config import get_settings
from app.core.passwords import PasswordHasher
from app.core.permissions import Role
from app.users import service as users_service
from app.users.models import User
from app.users.schemas import UserRegister
from tests.casbin.conftest import POLICIES, ROLES
from tests.helpers import PASSWORD, bearer

INTERVAL_MS = 300
# What the machine's load may add to the interval before the other process answers anew.
SLACK_SECONDS = 10
AUDIT = "/api/v1/audit-events"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_live(url: str, process: subprocess.Popen[bytes], log: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log) as output:
                raise AssertionError(f"the service exited at start:\n{output.read()}")
        try:
            if httpx.get(f"{url}/health/live").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"the service at {url} did not start within 60 s")


@pytest.fixture
def two_processes(migrated_database: None) -> Iterator[tuple[str, str]]:
    """Two uvicorn processes of the app on the tests' database."""
    env = {
        **os.environ,
        "CASBIN_POLICY_CHECK_INTERVAL_MS": str(INTERVAL_MS),
        "EMAIL_BACKEND": "console",
    }
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    urls: list[str] = []
    try:
        for _ in range(2):
            port = free_port()
            urls.append(f"http://127.0.0.1:{port}")
            descriptor, log = tempfile.mkstemp(suffix=".log")
            command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
            with os.fdopen(descriptor, "wb") as output:  # the process keeps its own copy
                process = subprocess.Popen(command, env=env, stdout=output, stderr=output)  # noqa: S603
            started.append((process, log))
            wait_until_live(urls[-1], process, log)
        yield urls[0], urls[1]
    finally:
        for process, log in started:
            process.terminate()
            process.wait(timeout=20)
            os.unlink(log)


@pytest.fixture
async def shared_users(engine: AsyncEngine) -> AsyncIterator[tuple[User, User]]:
    """An admin and a user, committed so that both processes see them."""
    suffix = uuid.uuid4().hex[:8]
    hasher = PasswordHasher(get_settings())
    async with AsyncSession(engine, expire_on_commit=False) as session:
        made = [
            await users_service.create_user(
                session,
                hasher,
                UserRegister(email=f"{name}-{suffix}@example.com", password=PASSWORD),
                role=role,
            )
            for name, role in (("admin", Role.ADMIN), ("user", Role.USER))
        ]
        await session.commit()
        yield made[0], made[1]
        ids = [user.id for user in made]
        await session.exec(
            delete(AuditEvent).where(
                or_(col(AuditEvent.actor_id).in_(ids), col(AuditEvent.target_id).in_(ids))
            )
        )
        for user in made:
            await session.delete(user)
        await session.commit()


async def status_within(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], expected: int
) -> float:
    """Ask until `url` answers `expected`; the seconds that took."""
    started = time.monotonic()
    while (await http.get(url, headers=headers)).status_code != expected:
        assert time.monotonic() - started < INTERVAL_MS / 1000 + SLACK_SECONDS, url
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_a_change_reaches_the_other_process_within_the_interval(
    two_processes: tuple[str, str], shared_users: tuple[User, User]
) -> None:
    first, second = two_processes
    admin, user = shared_users
    async with httpx.AsyncClient() as http:

        async def sign_in(account: User) -> dict[str, str]:
            body = {"email": account.email, "password": PASSWORD}
            response = await http.post(f"{first}/api/v1/auth/login", json=body)
            assert response.status_code == 200, response.text
            return bearer(response.json()["access_token"])

        admin_headers, user_headers = await sign_in(admin), await sign_in(user)
        assert (await http.get(f"{second}{AUDIT}", headers=user_headers)).status_code == 403

        role = f"replica-{uuid.uuid4().hex[:8]}"
        grant = {"subject": role, "object": "audit_events", "action": "read"}
        assignment = {"user_id": str(user.id), "role": role}
        for path, body in ((POLICIES, grant), (ROLES, assignment)):
            added = await http.post(f"{first}{path}", json=body, headers=admin_headers)
            assert added.status_code == 201, added.text
        # This process: the very next request. The other: within the interval.
        assert (await http.get(f"{first}{AUDIT}", headers=user_headers)).status_code == 200
        await status_within(http, f"{second}{AUDIT}", user_headers, 200)

        removed = await http.request(
            "DELETE", f"{first}{ROLES}", json=assignment, headers=admin_headers
        )
        assert removed.status_code == 204, removed.text
        assert (await http.get(f"{first}{AUDIT}", headers=user_headers)).status_code == 403
        await status_within(http, f"{second}{AUDIT}", user_headers, 403)
        revoked = await http.request(
            "DELETE", f"{first}{POLICIES}", json=grant, headers=admin_headers
        )
        assert revoked.status_code == 204, revoked.text
