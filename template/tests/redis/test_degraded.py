"""Degraded mode: a Redis of the test's own is killed mid-test, then started again.

The service keeps serving from the database, never accepts a revoked session,
counts rate limits in-process, says `degraded` on /health/ready (200), and uses
Redis again once it is back, without a restart.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import REGISTRY

from app.core.config import Settings, get_settings
from tests.helpers import UserFactory, assert_error, bearer

ME = "/api/v1/auth/me"
READY = "/health/ready"


class RedisServer:
    """A throwaway `redis-server` on a free loopback port, without persistence."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
        self.binary = binary
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 (fixed)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def signal(self, number: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, number)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)
        self.process = None


@pytest.fixture(autouse=True)
def own_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """Set before the app is built, so its Redis is this one (autouse fixtures come first)."""
    server = RedisServer()
    server.start()
    monkeypatch.setenv("REDIS_URL", server.url)
    monkeypatch.setenv("REDIS_TIMEOUT_SECONDS", "0.2")
    yield server
    if server.process is not None:
        server.signal(signal.SIGCONT)
        server.kill()


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"rate_limit_login": "3/minute"})


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def sign_in(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "not-the-password-1"}
    )


async def test_v16_5_2_redis_killed_mid_test(
    client: httpx.AsyncClient,
    users: UserFactory,
    admin_headers: dict[str, str],
    own_redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await users.create("kay@example.com")
    token = (await users.login("kay@example.com"))["access_token"]
    assert (await client.get(ME, headers=bearer(token))).status_code == 200
    assert (await client.get(READY)).json() == {"status": "ok"}

    own_redis.kill()
    storage_errors = metric("rate_limit_storage_errors_total")
    assert (await client.get(ME, headers=bearer(token))).status_code == 200  # the database
    ready = await client.get(READY)
    assert ready.status_code == 200
    assert ready.json() == {"status": "degraded", "degraded": ["redis"]}
    detailed = (await client.get("/api/v1/health/detailed", headers=admin_headers)).json()
    assert detailed["checks"]["redis"]["status"] == "degraded"
    assert detailed["checks"]["database"]["status"] == "ok"

    # Revocation never fails open: the logout is in the database, and so is the check.
    assert (await client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 204
    assert_error(await client.get(ME, headers=bearer(token)), 401, "TOKEN_REVOKED")

    # Rate limits count in this process: the fourth failed sign-in is refused.
    statuses = [(await sign_in(client, "kay@example.com")).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert metric("rate_limit_storage_errors_total") >= storage_errors + 4
    assert "rate-limit storage failed; counting in-process" in caplog.text
    assert metric("redis_errors_total", operation="session_cache_read") > 0

    status = await client.get("/api/v1/cache/status", headers=admin_headers)
    assert status.status_code == 200
    assert status.json()["status"] == "unavailable"
    assert_error(
        await client.post("/api/v1/cache/clear", headers=admin_headers), 503, "SERVICE_UNAVAILABLE"
    )

    own_redis.start()  # back, empty, on the same port: used again without a restart
    assert (await client.get(READY)).json() == {"status": "ok"}
    fresh = (await users.login("kay@example.com"))["access_token"]
    assert (await client.get(ME, headers=bearer(fresh))).status_code == 200
    status = (await client.get("/api/v1/cache/status", headers=admin_headers)).json()
    assert status["status"] == "ok"
    assert status["keys"]["session_cache"] >= 1


async def test_v7_4_1_an_invalidation_missed_while_redis_hung_is_sent_before_the_next_read(
    client: httpx.AsyncClient, users: UserFactory, own_redis: RedisServer
) -> None:
    """A Redis that hangs (SIGSTOP) and comes back with its data: the entry of a
    session ended meanwhile must not be served."""
    await users.create("lee@example.com")
    token = (await users.login("lee@example.com"))["access_token"]
    assert (await client.get(ME, headers=bearer(token))).status_code == 200  # cached

    own_redis.signal(signal.SIGSTOP)
    assert (await client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 204
    own_redis.signal(signal.SIGCONT)

    assert_error(await client.get(ME, headers=bearer(token)), 401, "TOKEN_REVOKED")


@pytest.fixture
def url_with_password(own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch) -> str:
    password = "secret-redis-pw-4711"
    monkeypatch.setenv("REDIS_URL", f"redis://:{password}@127.0.0.1:{own_redis.port}/0")
    own_redis.kill()
    return password


async def test_v16_2_5_no_redis_password_in_logs_or_answers(
    url_with_password: str,
    client: httpx.AsyncClient,
    users: UserFactory,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await users.create("max@example.com")
    token = (await users.login("max@example.com"))["access_token"]
    answers = [
        await client.get(ME, headers=bearer(token)),
        await client.get(READY),
        await client.get("/api/v1/health/detailed", headers=admin_headers),
        await client.get("/api/v1/cache/status", headers=admin_headers),
        await client.post("/api/v1/cache/clear", headers=admin_headers),
        await sign_in(client, "max@example.com"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 503, 401]
    assert "redis unavailable" in caplog.text
    output = capsys.readouterr()
    for text in [caplog.text, output.out, output.err, *(a.text for a in answers)]:
        assert url_with_password not in text
