"""Every error path answers the same envelope: 404, 405, 422, 409, 500, 503."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings, get_settings
from app.core.db import SessionDep
from app.users.models import User
from tests.helpers import assert_error, build_app


async def test_unknown_path_is_404(client: httpx.AsyncClient) -> None:
    body = assert_error(await client.get("/nowhere"), 404, "NOT_FOUND")
    assert body["path"] == "/nowhere"
    assert body["detail"] == "No route matches this path."


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/health/live")
    body = assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert body["detail"] == "This route does not answer the DELETE method."
    assert "GET" in response.headers["allow"]


async def test_malformed_json_is_422_with_locations(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["errors"][0]["loc"][0] == "body"


async def test_a_failing_commit_is_an_error_not_a_lost_write(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The session commits before the response, so a failed commit cannot hide behind a 2xx."""

    @app.post("/test-duplicate")
    async def duplicate(session: SessionDep) -> dict[str, str]:
        # Two rows with one email: only the commit at the end of the request sees it.
        session.add(User(email="twice@example.com"))
        session.add(User(email="twice@example.com"))
        return {"status": "written?"}

    assert_error(await client.post("/test-duplicate"), 409, "CONFLICT")


async def test_v16_5_1_unexpected_errors_are_500_without_details(app: FastAPI) -> None:
    @app.get("/test-crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/test-crash", headers={"X-Request-ID": "trace-me"})
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret" not in response.text
    assert body["request_id"] == "trace-me"


@pytest.fixture
async def app_without_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    missing = tmp_path_factory.mktemp("db") / "no-such-dir" / "app.db"
    settings = Settings(
        **{**get_settings().model_dump(), "database_url": f"sqlite+aiosqlite:///{missing}"}
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def test_v16_5_1_database_down_is_503(app_without_database: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app_without_database)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        login = await client.post(
            "/api/v1/auth/login", json={"email": "a@example.com", "password": "whatever-1"}
        )
        assert_error(login, 503, "SERVICE_UNAVAILABLE")
        ready = await client.get("/health/ready")
        body = assert_error(ready, 503, "SERVICE_UNAVAILABLE")
        assert body["errors"] == [{"check": "database", "status": "down"}]
        assert (await client.get("/health/live")).status_code == 200
