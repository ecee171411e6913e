"""A provider that is down, slow or inconsistent: a clear error, never a 500, no secret.

Against the fake provider on loopback (fake_provider.py).
"""

import socket

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings, get_settings
from app.core.logging import configure_logging
from app.core.services import services_of
from app.oauth.config import OAuthSettings
from tests.helpers import assert_error
from tests.oauth.conftest import finish, provider_settings, start
from tests.oauth.fake_provider import CLIENT_SECRET, FakeProvider

pytestmark = pytest.mark.usefixtures("oauth")


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"frontend_url": ""})


async def test_discovery_is_fetched_once_and_cached(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    await start(client)
    await start(client)
    assert fake.requests.count("GET /.well-known/openid-configuration") == 1


async def test_a_provider_down_at_authorize_is_a_502(
    app: FastAPI, client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/.well-known/openid-configuration"
    settings = provider_settings(fake, oidc_discovery_url=closed)
    services_of(app).module_settings[OAuthSettings] = settings
    response = await client.get("/api/v1/auth/oidc/authorize")
    assert_error(response, 502, "OAUTH_PROVIDER_UNAVAILABLE")


async def test_v10_5_3_a_discovery_document_of_another_issuer_is_refused(
    client: httpx.AsyncClient, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery §4.3: a document naming another issuer could route tokens elsewhere."""
    original = fake.metadata
    monkeypatch.setattr(fake, "metadata", lambda: {**original(), "issuer": "https://evil.test"})
    assert_error(await client.get("/api/v1/auth/oidc/authorize"), 502, "OAUTH_PROVIDER_UNAVAILABLE")


@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_v16_2_5_no_code_state_token_or_secret_in_the_logs(
    client: httpx.AsyncClient,
    fake: FakeProvider,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    log_format: str,
) -> None:
    configure_logging(settings.model_copy(update={"log_format": log_format}))
    url = await start(client)
    claims = {"sub": "a", "email": "a@example.com", "email_verified": True}
    query = fake.approve(url, "the-provider-code-SECRET", **claims)
    ok = await finish(client, query)
    tokens = ok.json()
    url = await start(client)
    failed = fake.approve(url, "another-code-SECRET", **claims)
    fake.fail_with = 500
    assert (await finish(client, failed)).status_code == 502
    # The test client logs the URLs it requests, as a browser's history keeps them; that
    # is the browser's side, which is why the code is spent once and expires in seconds.
    lines = capsys.readouterr().err.splitlines()
    output = "\n".join(line for line in lines if "http://testserver/" not in line)
    assert "oauth provider failed" in output
    secrets = [
        "the-provider-code-SECRET",
        "another-code-SECRET",
        query["state"],
        failed["state"],
        tokens["access_token"],
        tokens["refresh_token"],
        CLIENT_SECRET,
    ]
    for secret in secrets:
        assert secret not in output
