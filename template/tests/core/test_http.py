"""Security headers, CORS, body size limit, trusted hosts and gzip."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Environment, Settings, get_settings
from tests.helpers import PASSWORD, assert_error, build_app


async def test_v3_4_4_security_headers_on_api_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "strict-transport-security" not in response.headers


async def test_the_docs_get_a_csp_that_lets_them_load(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_large_bodies_are_refused(client: httpx.AsyncClient) -> None:
    big = b'{"email": "' + b"x" * 2_000_000 + b'"}'
    declared = await client.post(
        "/api/v1/auth/login", content=big, headers={"content-type": "application/json"}
    )
    assert_error(declared, 413, "PAYLOAD_TOO_LARGE")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 600_000

    streamed = await client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(streamed, 413, "PAYLOAD_TOO_LARGE")


async def test_gzip_for_large_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


HARDENED = get_settings().model_copy(
    update={"cors_origins": ["https://app.example.com"], "allowed_hosts": ["*.example.com"]}
)


async def test_cors_allows_the_configured_origin() -> None:
    async with hosted_client(HARDENED, "api.example.com") as client:
        preflight = await client.options(
            "/api/v1/auth/login",
            headers={
                "origin": "https://app.example.com",
                "access-control-request-method": "POST",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
        other = await client.get("/health/live", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_list_settings_in_json_form_work_end_to_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The JSON list form pydantic-settings users write is read as a list, not one item."""
    monkeypatch.setenv("CORS_ORIGINS", '["https://app.example.com"]')
    monkeypatch.setenv("ALLOWED_HOSTS", '["api.example.com", "localhost"]')
    async with hosted_client(Settings(), "api.example.com") as client:
        response = await client.get("/health/live", headers={"origin": "https://app.example.com"})
        assert response.status_code == 200, response.text
        assert response.headers["access-control-allow-origin"] == "https://app.example.com"


async def test_unknown_hosts_are_refused() -> None:
    async with hosted_client(HARDENED, "evil.test") as client:
        assert_error(await client.get("/health/live"), 400, "INVALID_HOST")
    async with hosted_client(HARDENED, "api.example.com:8443") as client:
        assert (await client.get("/health/live")).status_code == 200


async def test_v3_4_1_hsts_in_production() -> None:
    production = get_settings().model_copy(update={"environment": Environment.PRODUCTION})
    async with hosted_client(production, "api.example.com") as client:
        response = await client.get("/health/live")
        hsts = response.headers["strict-transport-security"]
        # ASVS 3.4.1: a policy of a year at least, over every subdomain too.
        max_age = hsts.split(";")[0].removeprefix("max-age=")
        assert int(max_age) >= 365 * 24 * 3600
        assert "includeSubDomains" in hsts


@asynccontextmanager
async def hosted_client(settings: Settings, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with `settings`, calling it as `host`."""
    app: FastAPI = build_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
        yield client


async def test_login_still_works_through_all_middleware(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": "mw@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
