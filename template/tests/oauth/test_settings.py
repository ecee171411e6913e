"""Settings: which providers are listed, and what production refuses."""

import httpx
import pytest
from fastapi import FastAPI

from app.core.services import services_of
from app.oauth.config import OAuthSettings
from tests.oauth.conftest import provider_settings
from tests.oauth.fake_provider import FakeProvider


async def test_without_credentials_no_provider_is_listed_or_startable(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/api/v1/auth/providers")).json() == {"providers": []}
    assert (await client.get("/api/v1/auth/google/authorize")).status_code == 404


async def test_only_providers_with_credentials_are_listed(
    app: FastAPI, client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    settings = provider_settings(fake, github_client_secret=None)
    services_of(app).module_settings[OAuthSettings] = settings
    response = await client.get("/api/v1/auth/providers")
    assert response.json() == {"providers": [{"name": "oidc", "display_name": "Example ID"}]}
    assert (await client.get("/api/v1/auth/github/authorize")).status_code == 404


def test_provider_variables_have_no_module_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLIENT_ID", "id")
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", "secret")
    monkeypatch.setenv("OIDC_DISCOVERY_URL", "")  # empty, as in a copied .env.example
    monkeypatch.setenv("OAUTH_STATE_TTL_SECONDS", "120")
    settings = OAuthSettings()
    assert settings.google_client_id == "id"
    assert settings.oidc_discovery_url is None
    assert settings.state_ttl_seconds == 120


def test_production_refuses_plain_http_and_short_secrets() -> None:
    settings = OAuthSettings(
        redirect_base_url="http://api.example.com",
        github_client_id="id",
        github_client_secret="short",
        oidc_discovery_url="http://id.example.com/.well-known/openid-configuration",
    )
    problems = " ".join(settings.production_problems())
    assert "OAUTH_REDIRECT_BASE_URL" in problems
    assert "GITHUB_CLIENT_SECRET" in problems
    assert "OIDC_DISCOVERY_URL" in problems
    assert "short" not in problems
    assert OAuthSettings(redirect_base_url="http://unused.example.com").production_problems() == []
    good = OAuthSettings(
        redirect_base_url="https://api.example.com",
        github_client_id="id",
        github_client_secret="a-real-provider-secret",
    )
    assert good.production_problems() == []
