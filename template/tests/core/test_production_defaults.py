"""Production defaults (ASVS 13.4.5): what helps on a laptop is off unless written down."""

from typing import Any

import httpx

from app.core.config import Environment, Settings, get_settings
from tests.helpers import assert_error, build_app

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "secret_key": "a-production-secret-key-of-enough-length-0123456789",
    "database_url": "sqlite+aiosqlite:///./never-opened.db",
    "email_backend": "smtp",
}


def test_v13_4_5_production_turns_docs_off_and_verification_on() -> None:
    production = Settings(**PRODUCTION)
    assert (production.docs_enabled, production.email_verification_required) == (False, True)
    chosen = Settings(**PRODUCTION, docs_enabled=True, email_verification_required=False)
    assert (chosen.docs_enabled, chosen.email_verification_required) == (True, False)
    development = Settings(environment=Environment.DEVELOPMENT)
    assert (development.docs_enabled, development.email_verification_required) == (True, False)


async def test_v13_4_5_production_serves_no_docs() -> None:
    app = build_app(Settings(**PRODUCTION))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for page in ("/docs", "/redoc", "/openapi.json"):
            assert_error(await client.get(page), 404, "NOT_FOUND")


async def test_v13_4_5_metrics_answer_private_networks_only() -> None:
    app = build_app(get_settings())
    for ip, status in (
        ("127.0.0.1", 200),
        ("10.1.2.3", 200),
        ("fd00::5", 200),
        ("203.0.113.5", 403),
    ):
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/metrics")
        assert response.status_code == status, ip
