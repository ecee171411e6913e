"""Probes, the API status, the detailed status, metrics access and the offline docs."""

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import get_settings
from app.core.health import HealthCheck
from app.core.services import Services, services_of
from tests.helpers import assert_error, build_app


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.json() == {"status": "ok"}


async def test_probes_answer_head_for_load_balancers(client: httpx.AsyncClient) -> None:
    for probe in ("/health/live", "/health/ready"):
        response = await client.head(probe)
        assert response.status_code == 200, probe
        assert response.content == b""


async def test_ready_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_api_status_has_the_version(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/health")).json()
    assert body["status"] == "ok"
    assert body["environment"] == "test"
    assert body["version"]


async def test_detailed_status_is_for_admins(
    client: httpx.AsyncClient, admin_headers: dict[str, str], user_headers: dict[str, str]
) -> None:
    assert_error(
        await client.get("/api/v1/health/detailed", headers=user_headers), 403, "FORBIDDEN"
    )
    body = (await client.get("/api/v1/health/detailed", headers=admin_headers)).json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["latency_ms"] >= 0
    assert {"python", "fastapi", "sqlalchemy"} <= set(body["versions"])
    assert body["uptime_seconds"] >= 0
    assert body["queries"]["count"] >= 0
    assert "class" in body["pool"]


async def test_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "cdn" not in html.lower()
        assert "/docs-assets/" in html
    script = await client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200


async def test_docs_can_be_turned_off() -> None:
    app = build_app(get_settings().model_copy(update={"docs_enabled": False}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        for page in ("/docs", "/redoc", "/openapi.json"):
            assert_error(await client.get(page), 404, "NOT_FOUND")


async def test_metrics_can_be_restricted_or_turned_off() -> None:
    restricted = get_settings().model_copy(update={"metrics_allowed_networks": ["10.0.0.0/8"]})
    disabled = get_settings().model_copy(update={"metrics_enabled": False})
    for settings, status, code in ((restricted, 403, "FORBIDDEN"), (disabled, 404, "NOT_FOUND")):
        app = build_app(settings)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            assert_error(await client.get("/metrics"), status, code)
    allowed = get_settings().model_copy(update={"metrics_allowed_networks": ["127.0.0.0/8"]})
    app = build_app(allowed)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        assert (await client.get("/metrics")).status_code == 200


async def test_a_modules_failing_check_makes_the_service_unready(
    monkeypatch: pytest.MonkeyPatch, admin_headers: dict[str, str], app: FastAPI
) -> None:
    async def broken(_: Services) -> None:
        raise ConnectionError("the probe's server is down")

    async def fine(_: Services) -> None:
        return None

    services = services_of(app)
    monkeypatch.setattr(
        services,
        "health_checks",
        (*services.health_checks, HealthCheck("probe", broken), HealthCheck("other", fine)),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        body = assert_error(await client.get("/health/ready"), 503, "SERVICE_UNAVAILABLE")
        assert body["errors"] == [{"check": "probe", "status": "down"}]
        detailed = (await client.get("/api/v1/health/detailed", headers=admin_headers)).json()
    assert detailed["status"] == "down"
    assert detailed["checks"]["probe"] == {"status": "down", "latency_ms": None}
    assert detailed["checks"]["other"]["status"] == "ok"
    assert detailed["checks"]["database"]["status"] == "ok"
