"""Structured logs with the request's context, metrics by route template, DB monitoring."""

import json
import logging

import httpx
import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.config import get_settings
from app.core.db import create_engine
from app.core.logging import configure_logging
from tests.helpers import PASSWORD, Mailbox, UserFactory

SECRET_PARAMETER = "one-time-value-7f3a"


async def test_access_lines_have_request_route_status_latency_user(
    client: httpx.AsyncClient, users: UserFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(get_settings().model_copy(update={"log_format": "json"}))
    user = await users.create("logme@example.com")
    headers = await users.headers("logme@example.com")
    capsys.readouterr()
    await client.get(f"/api/v1/users/{user.id}", headers={**headers, "X-Request-ID": "req-42"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    access = next(line for line in lines if line["event"] == "request")
    assert access["request_id"] == "req-42"
    assert access["method"] == "GET"
    assert access["route"] == "/api/v1/users/{user_id}"
    assert access["status"] == 200
    assert access["user_id"] == str(user.id)
    assert isinstance(access["latency_ms"], float)
    assert access["level"] == "info"
    assert "timestamp" in access


async def test_no_secret_is_ever_logged(
    client: httpx.AsyncClient,
    users: UserFactory,
    mailbox: Mailbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(
        get_settings().model_copy(update={"log_format": "json", "log_level": "DEBUG"})
    )
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # even with SQL echo
    try:
        await users.create("quiet@example.com")
        tokens = await users.login("quiet@example.com")
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        await client.post("/api/v1/auth/forgot-password", json={"email": "quiet@example.com"})
        reset_token = mailbox.token_from("quiet@example.com", "reset-password")
        await client.post(
            "/api/v1/auth/reset-password",
            json={"token": reset_token, "new_password": "n3w-secret-pass"},
        )
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    output = capsys.readouterr().err
    assert '"event": "request"' in output
    secrets = [
        PASSWORD,
        "n3w-secret-pass",
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed.json()["refresh_token"],
        reset_token,
    ]
    for secret in secrets:
        assert secret not in output


async def test_sql_echo_and_database_errors_never_show_parameters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Parameters hold password hashes and one-time values (OAuth state, PKCE
    verifiers): with DATABASE_ECHO on, statements are logged without them, at any
    log level, and a failed statement's message leaves them out too."""
    settings = get_settings().model_copy(
        update={"database_echo": True, "log_format": "json", "log_level": "DEBUG"}
    )
    configure_logging(settings)
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT :value"), {"value": SECRET_PARAMETER})
            with pytest.raises(DBAPIError) as failure:
                await connection.execute(
                    text("SELECT * FROM no_such_table WHERE id = :value"),
                    {"value": SECRET_PARAMETER},
                )
    finally:
        await engine.dispose()
    output = capsys.readouterr().err
    assert "no_such_table" in output  # the statements are there
    assert SECRET_PARAMETER not in output
    assert SECRET_PARAMETER not in str(failure.value)


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await client.get("/health/live")
    await client.get("/api/v1/users/00000000-0000-0000-0000-000000000000")
    await client.get("/openapi.json")
    await client.get("/docs-assets/swagger-ui.css")
    await client.get("/no/such/route")
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'http_requests_total{method="GET",route="/health/live",status="200"}' in text
    assert 'route="/api/v1/users/{user_id}",status="401"' in text
    assert 'route="/openapi.json",status="200"' in text
    assert 'route="/docs-assets",status="200"' in text
    assert 'route="unmatched",status="404"' in text
    assert 'method="GET",route="unmatched",status="200"' not in text
    assert "http_request_duration_seconds_bucket" in text
    assert "http_requests_in_progress" in text
    assert "db_queries_total" in text
    assert 'db_pool_connections{state="size"}' in text


async def test_security_events_are_counted(client: httpx.AsyncClient) -> None:
    await client.post(
        "/api/v1/auth/login", json={"email": "who@example.com", "password": "wrong-pass-1"}
    )
    text = (await client.get("/metrics")).text
    assert 'security_events_total{event="login_failed"}' in text


async def test_app_log_lines_carry_the_request_context(
    app: FastAPI, client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    @app.get("/test-log/{item}")
    async def log_something(item: str) -> dict[str, str]:
        structlog.get_logger("app.test").warning("working on it", item=item)
        return {"item": item}

    configure_logging(get_settings().model_copy(update={"log_format": "json"}))
    capsys.readouterr()
    await client.get("/test-log/42", headers={"X-Request-ID": "ctx-1"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    line = next(line for line in lines if line["event"] == "working on it")
    assert (line["request_id"], line["route"], line["method"]) == (
        "ctx-1",
        "/test-log/{item}",
        "GET",
    )
    assert line["path"] == "/test-log/42"
