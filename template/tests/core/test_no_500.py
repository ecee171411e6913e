"""No 500 from any input (ASVS 2.2.1); a generic, fully dressed error if one happens (16.5.1)."""

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app.core.config import Settings, get_settings
from tests.helpers import UserFactory, assert_error, build_app

POSTGRES = make_url(os.environ["DATABASE_URL"]).get_backend_name() == "postgresql"
SECURITY_HEADERS = (
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "content-security-policy",
)


async def test_v2_2_1_dates_that_overflow_in_utc_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    cases = [
        ("/api/v1/users/", "created_after", "9999-12-31T23:59:59-05:00"),
        ("/api/v1/users/", "created_before", "0001-01-01T00:00:00+05:00"),
        ("/api/v1/audit-events", "since", "0001-01-01T00:00:00+05:00"),
        ("/api/v1/audit-events", "until", "9999-12-31T23:59:59-05:00"),
    ]
    for url, name, value in cases:
        response = await client.get(url, params={name: value}, headers=admin_headers)
        body = assert_error(response, 422, "VALIDATION_ERROR")
        assert body["errors"][0]["loc"] == ["query", name]


async def test_v2_2_1_numbers_are_not_dates_or_booleans(
    client: httpx.AsyncClient, admin_headers: dict[str, str], users: UserFactory
) -> None:
    listed = await client.get(
        "/api/v1/users/", params={"created_after": "0.5"}, headers=admin_headers
    )
    assert_error(listed, 422, "VALIDATION_ERROR")
    user = await users.create("someone@example.com")
    patched = await client.patch(
        f"/api/v1/users/{user.id}", json={"is_active": 0}, headers=admin_headers
    )
    assert_error(patched, 422, "VALIDATION_ERROR")


async def test_v2_2_1_text_with_nul_is_422(
    client: httpx.AsyncClient, user_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    me = await client.patch(
        "/api/v1/users/me", json={"full_name": "a\u0000b"}, headers=user_headers
    )
    body = assert_error(me, 422, "VALIDATION_ERROR")
    assert body["errors"][0]["loc"] == ["body", "full_name"]
    search = await client.get(
        "/api/v1/users/", params={"search": "a\u0000b"}, headers=admin_headers
    )
    assert_error(search, 422, "VALIDATION_ERROR")


async def test_v2_2_1_the_database_refusing_a_value_is_422_not_500(
    client: httpx.AsyncClient,
) -> None:
    """A form field no schema checks reaches PostgreSQL, which refuses a NUL."""
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "a\u0000b@example.com", "password": "x" * 8},
    )
    if POSTGRES:
        assert_error(response, 422, "VALIDATION_ERROR")
    else:  # SQLite stores a NUL like any other character
        assert_error(response, 401, "INVALID_CREDENTIALS")


async def test_v2_2_1_the_schema_says_email_is_never_null(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert "null" not in str(schemas["UserUpdate"]["properties"]["email"])
    assert "null" in str(schemas["UserUpdate"]["properties"]["full_name"])
    assert schemas["UserUpdate"]["properties"]["is_active"]["type"] == "boolean"


async def test_v2_2_1_options_allow_lists_every_method(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/users/")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}


async def test_v3_4_4_a_500_carries_the_security_headers(app: FastAPI) -> None:
    @app.get("/test-crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/test-crash")
    assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret" not in response.text
    for header in SECURITY_HEADERS:
        assert header in response.headers, header


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@asynccontextmanager
async def _database_at(kind: str) -> AsyncIterator[str]:
    """A database URL that cannot work, in one of the ways a real outage looks."""
    if not POSTGRES:
        yield "sqlite+aiosqlite:////nonexistent-dir/app.db"
        return
    if kind == "refused":
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/app"
    elif kind == "unknown host":
        yield "postgresql+asyncpg://postgres@no-such-host.invalid:5432/app"
    else:
        clients: list[asyncio.StreamWriter] = []

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            clients.append(writer)
            if kind == "reset":
                writer.close()  # hangs up at once; "timeout" never answers

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/app"
        finally:
            for writer in clients:
                writer.close()
            server.close()
            await server.wait_closed()


@pytest.mark.parametrize(
    "kind", ["refused", "unknown host", "timeout", "reset"] if POSTGRES else ["missing file"]
)
async def test_v16_5_1_an_unreachable_database_is_503(kind: str) -> None:
    async with _database_at(kind) as url:
        settings = Settings(
            **{
                **get_settings().model_dump(),
                "database_url": url,
                "database_connect_timeout_seconds": 0.5,
            }
        )
        app = build_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
                login = await client.post(
                    "/api/v1/auth/login", json={"email": "a@example.com", "password": "whatever-1"}
                )
    assert_error(login, 503, "SERVICE_UNAVAILABLE")
    for header in SECURITY_HEADERS:
        assert header in login.headers, header
