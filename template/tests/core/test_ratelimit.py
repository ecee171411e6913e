"""Rate limits answer 429 with Retry-After; the client IP honours trusted proxies only."""

import socket

import httpx
import pytest
from fastapi import FastAPI
from limits.aio.storage import RedisStorage
from prometheus_client import REGISTRY
from starlette.requests import Request

from app.core.config import Settings, get_settings
from app.core.context import client_ip
from app.core.ratelimit import RateLimitedError, RateLimiter
from app.core.services import services_of
from tests.helpers import PASSWORD, assert_error


async def test_v2_4_1_the_eleventh_login_in_a_minute_is_refused(client: httpx.AsyncClient) -> None:
    statuses = []
    for n in range(11):
        # Different emails: only the per-IP limit is in play (and no lockout).
        body = {"email": f"guess{n}@example.com", "password": "wrong-pass-1"}
        statuses.append((await client.post("/api/v1/auth/login", json=body)).status_code)
    assert statuses == [401] * 10 + [429]
    response = await client.post(
        "/api/v1/auth/login", json={"email": "x@example.com", "password": "wrong-pass-1"}
    )
    body = assert_error(response, 429, "RATE_LIMITED")
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert body["detail"]


async def test_v2_4_1_the_sixth_registration_in_a_minute_is_refused(
    client: httpx.AsyncClient,
) -> None:
    statuses = [
        (
            await client.post(
                "/api/v1/auth/register", json={"email": f"n{n}@example.com", "password": PASSWORD}
            )
        ).status_code
        for n in range(6)
    ]
    assert statuses == [201] * 5 + [429]


async def test_a_disabled_limiter_lets_everything_through() -> None:
    limiter = RateLimiter(enabled=False)
    for _ in range(5):
        await limiter.hit("1/minute", "key")


async def test_v2_4_1_every_key_counts() -> None:
    limiter = RateLimiter()
    await limiter.hit("1/minute", "ip", "account-a")
    with pytest.raises(RateLimitedError):
        await limiter.hit("1/minute", "ip", "account-b")
    with pytest.raises(RateLimitedError):
        await limiter.hit("1/minute", "other-ip", "account-b")


def request_from(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "headers": headers, "client": (peer, 1234)})


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", "1.2.3.4", [], "203.0.113.9"),  # no trusted proxy: the socket
        ("10.0.0.2", "1.2.3.4", ["198.51.100.0/24"], "10.0.0.2"),  # peer not trusted
        ("10.0.0.2", "1.2.3.4", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.7", ["10.0.0.0/8"], "1.2.3.4"),  # spoof ignored
        ("10.0.0.2", None, ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "not-an-ip", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3", ["10.0.0.0/8"], "10.0.0.2"),  # only proxies
    ],
)
def test_v4_1_3_client_ip(
    peer: str, forwarded: str | None, trusted: list[str], expected: str
) -> None:
    assert client_ip(request_from(peer, forwarded), trusted) == expected


def test_limits_from_settings_are_the_documented_defaults() -> None:
    settings: Settings = get_settings()
    assert (settings.rate_limit_register, settings.rate_limit_login) == ("5/minute", "10/minute")


def dead_redis_storage() -> RedisStorage:
    """A real Redis storage pointed at a closed loopback port: every call fails."""
    with socket.socket() as probe:  # bind, learn the port, close: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"async+redis://:secret-redis-password@127.0.0.1:{port}/0"
    return RedisStorage(url, implementation="redispy", wrap_exceptions=True)


async def test_v16_5_2_a_failing_storage_falls_back_to_counting_in_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RateLimiter(dead_redis_storage())
    before = REGISTRY.get_sample_value("rate_limit_storage_errors_total") or 0.0
    await limiter.hit("2/minute", "ip")
    await limiter.hit("2/minute", "ip")
    with pytest.raises(RateLimitedError):  # still limited, by the in-process count
        await limiter.hit("2/minute", "ip")
    assert REGISTRY.get_sample_value("rate_limit_storage_errors_total") == before + 3
    warnings = [r for r in caplog.records if r.name == "app.core.ratelimit"]
    assert [r.levelname for r in warnings] == ["WARNING"] * 3
    assert "rate-limit storage failed" in caplog.text
    assert "secret-redis-password" not in caplog.text


async def test_v16_5_2_sign_in_survives_a_failing_storage(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    services_of(app).rate_limiter = RateLimiter(dead_redis_storage())
    body = {"email": "nobody@example.com", "password": "wrong-pass-1"}
    response = await client.post("/api/v1/auth/login", json=body)
    assert_error(response, 401, "INVALID_CREDENTIALS")
