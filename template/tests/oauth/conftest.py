"""Fixtures of the oauth tests: the fake provider on loopback, configured as `oidc` and `github`."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.services import services_of
from app.oauth.client import discovery_cache_key
from app.oauth.config import OAuthSettings
from tests.oauth.fake_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider, serve_fake_provider

REDIRECT_BASE = "https://api.example.com"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeProvider]:
    with serve_fake_provider() as provider:
        yield provider


@pytest.fixture
def fake(fake_server: FakeProvider) -> FakeProvider:
    fake_server.reset()
    return fake_server


def provider_settings(fake: FakeProvider, **changes: Any) -> OAuthSettings:
    """`oidc` and `github` pointed at the fake; Google off (no credentials)."""
    values: dict[str, Any] = {
        "redirect_base_url": REDIRECT_BASE,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_discovery_url": fake.discovery_url,
        "oidc_display_name": "Example ID",
        "github_client_id": CLIENT_ID,
        "github_client_secret": CLIENT_SECRET,
        "github_url": fake.base_url,
        "github_api_url": fake.base_url,
        "http_timeout_seconds": 2,
        **changes,
    }
    return OAuthSettings(**values)


@pytest.fixture
async def oauth(app: FastAPI, fake: FakeProvider) -> OAuthSettings:
    """The app's oauth settings, with the fake as its providers.

    The fake's discovery document is dropped from the cache, which a shared cache
    (Redis) keeps from one test to the next.
    """
    settings = provider_settings(fake)
    services = services_of(app)
    services.module_settings[OAuthSettings] = settings
    await services.cache.delete(discovery_cache_key(fake.discovery_url))
    return settings


async def start(client: httpx.AsyncClient, provider: str = "oidc", **headers: str) -> str:
    """Start a sign-in as a browser: the authorization URL; the client keeps the cookie."""
    response = await client.get(
        f"/api/v1/auth/{provider}/authorize", headers={"accept": "application/json", **headers}
    )
    assert response.status_code == 200, response.text
    url: str = response.json()["authorization_url"]
    return url


async def finish(
    client: httpx.AsyncClient, query: dict[str, str], provider: str = "oidc"
) -> httpx.Response:
    """The provider sends the browser back with `query`."""
    return await client.get(f"/api/v1/auth/callback/{provider}", params=query)


async def sign_in(
    client: httpx.AsyncClient, fake: FakeProvider, code: str = "code-1", **claims: Any
) -> httpx.Response:
    """A whole OIDC sign-in whose user has `claims`."""
    url = await start(client)
    return await finish(client, fake.approve(url, code, **claims))
