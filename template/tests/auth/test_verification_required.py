"""With EMAIL_VERIFICATION_REQUIRED, sign-in waits for the emailed link."""

import httpx
import pytest

from app.core.config import Settings, get_settings
from tests.helpers import PASSWORD, Mailbox, assert_error


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"email_verification_required": True})


async def test_sign_in_waits_for_verification(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    registered = await client.post(
        "/api/v1/auth/register", json={"email": "careful@example.com", "password": PASSWORD}
    )
    assert registered.status_code == 202, registered.text
    assert set(registered.json()) == {"detail"}  # no tokens before the email is confirmed
    credentials = {"email": "careful@example.com", "password": PASSWORD}
    refused = await client.post("/api/v1/auth/login", json=credentials)
    assert_error(refused, 403, "EMAIL_NOT_VERIFIED")

    token = mailbox.token_from("careful@example.com", "verify-email")
    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": token})
    ).status_code == 204
    assert (await client.post("/api/v1/auth/login", json=credentials)).status_code == 200
