"""GitHub: the user from `/user`, the address from `/user/emails`, only if verified.

GitHub's API is a fake on loopback here (fake_provider.py): no real GitHub runs offline.
"""

import httpx
import pytest

from app.core.config import Settings, get_settings
from tests.helpers import assert_error
from tests.oauth.conftest import finish, start
from tests.oauth.fake_provider import FakeProvider

pytestmark = pytest.mark.usefixtures("oauth")


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"frontend_url": ""})


async def github_sign_in(client: httpx.AsyncClient, fake: FakeProvider) -> httpx.Response:
    url = await start(client, "github")
    assert "nonce=" not in url  # plain OAuth 2: no ID token, no nonce
    return await finish(client, fake.approve(url, "gh-code"), "github")


async def test_the_primary_verified_email_signs_in(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    fake.github_user = {"id": 42, "login": "octo", "name": None}
    fake.github_emails = [
        {"email": "unverified@example.com", "verified": False, "primary": True},
        {"email": "other@example.com", "verified": True, "primary": False},
    ]
    response = await github_sign_in(client, fake)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == "other@example.com"
    assert response.json()["user"]["full_name"] == "octo"
    assert "GET /user/emails" in fake.requests


async def test_no_verified_email_is_refused(client: httpx.AsyncClient, fake: FakeProvider) -> None:
    fake.github_user = {"id": 42, "login": "octo"}
    fake.github_emails = [{"email": "a@example.com", "verified": False, "primary": True}]
    assert_error(await github_sign_in(client, fake), 403, "OAUTH_EMAIL_NOT_VERIFIED")


@pytest.mark.parametrize(
    ("user", "emails"),
    [
        ({"login": "no-id"}, []),
        ({"id": 42}, {"email": "an-object@example.com", "verified": True}),
        ({"id": 42}, ["a-string@example.com"]),
    ],
    ids=["user without id", "emails an object", "emails of strings"],
)
async def test_an_unreadable_answer_is_a_502(
    client: httpx.AsyncClient, fake: FakeProvider, user: dict[str, object], emails: object
) -> None:
    fake.github_user, fake.github_emails = user, emails
    assert_error(await github_sign_in(client, fake), 502, "OAUTH_PROVIDER_UNAVAILABLE")
