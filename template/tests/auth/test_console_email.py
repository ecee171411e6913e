"""In development the console sender logs each email with the `curl` that spends its token.

The links point at a frontend (`FRONTEND_URL`) that a fresh service does not have.
"""

import json
import shlex

import httpx
import pytest

from app.core.config import Settings, get_settings
from app.core.logging import configure_logging
from tests.helpers import PASSWORD, UserFactory


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"email_backend": "console"})


def logged_curl(output: str) -> tuple[str, dict[str, str]]:
    """URL and JSON body of the last `curl` line in the log output."""
    line = [line for line in output.splitlines() if line.strip().startswith("curl ")][-1]
    args = shlex.split(line)
    # Exactly the command, with nothing after it, so it can be copied as it is.
    assert args[1:3] == ["-X", "POST"], line
    assert args[-2] == "-d", line
    return args[3], json.loads(args[-1])


async def test_the_verification_email_shows_the_curl_that_confirms(
    client: httpx.AsyncClient, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(settings)
    response = await client.post(
        "/api/v1/auth/register", json={"email": "dev@example.com", "password": PASSWORD}
    )
    assert response.status_code in (201, 202), response.text
    url, body = logged_curl(capsys.readouterr().err)
    assert url == "http://testserver/api/v1/auth/verify-email"
    assert set(body) == {"token"}
    assert (await client.post(url, json=body)).status_code == 204


async def test_the_reset_email_shows_the_curl_that_sets_a_password(
    client: httpx.AsyncClient,
    users: UserFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await users.create("forgot@example.com")
    configure_logging(settings)
    await client.post("/api/v1/auth/forgot-password", json={"email": "forgot@example.com"})
    url, body = logged_curl(capsys.readouterr().err)
    assert url == "http://testserver/api/v1/auth/reset-password"
    assert set(body) == {"token", "new_password"}
    reset = await client.post(url, json={**body, "new_password": "chosen-pass-42"})
    assert reset.status_code == 204, reset.text
    await users.login("forgot@example.com", "chosen-pass-42")
