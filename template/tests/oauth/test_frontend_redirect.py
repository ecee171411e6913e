"""With `FRONTEND_URL` set, the callback hands the browser back with a one-time code,
which `POST /auth/token` (`grant_type=authorization_code`) turns into the token pair."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings, get_settings
from app.users.models import User
from tests.helpers import assert_error, bearer
from tests.oauth.conftest import sign_in
from tests.oauth.fake_provider import FakeProvider

pytestmark = pytest.mark.usefixtures("oauth")

FRONTEND = "https://app.example.com"
ALICE: dict[str, Any] = {"sub": "alice-1", "email": "alice@example.com", "email_verified": True}


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"frontend_url": FRONTEND, "cors_origins": [FRONTEND]})


def redirected(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{FRONTEND}/oauth/callback"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


async def exchange(client: httpx.AsyncClient, code: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "authorization_code", "code": code},
        headers=headers,
    )


async def test_v14_2_1_the_redirect_carries_a_one_time_code_and_no_token(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    query = redirected(await sign_in(client, fake, **ALICE))
    assert set(query) == {"code"}
    response = await exchange(client, query["code"])
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["user"]["email"] == "alice@example.com"
    me = await client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    # Spent: a second exchange (a replayed redirect URL) gets nothing.
    assert_error(await exchange(client, query["code"]), 400, "INVALID_GRANT")


async def test_the_code_can_set_the_refresh_cookie(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    query = redirected(await sign_in(client, fake, **ALICE))
    response = await exchange(
        client, query["code"], **{"X-Auth-Transport": "cookie", "Origin": FRONTEND}
    )
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
    assert "refresh_token=" in response.headers["set-cookie"]


@pytest.mark.parametrize("code", ["", "made-up"])
async def test_an_unknown_code_is_refused(client: httpx.AsyncClient, code: str) -> None:
    expected = ("INVALID_REQUEST", "INVALID_GRANT")[bool(code)]
    assert_error(await exchange(client, code), 400, expected)


async def test_errors_go_back_to_the_frontend_as_a_code(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    query = redirected(await sign_in(client, fake, **{**ALICE, "email_verified": False}))
    assert query == {"error": "OAUTH_EMAIL_NOT_VERIFIED"}
    response = await client.get("/api/v1/auth/callback/oidc", params={"state": "forged"})
    assert redirected(response) == {"error": "OAUTH_STATE_INVALID"}


async def test_a_disabled_user_cannot_spend_a_code(
    client: httpx.AsyncClient, fake: FakeProvider, db_session: AsyncSession
) -> None:
    query = redirected(await sign_in(client, fake, **ALICE))
    user = (await db_session.exec(select(User))).one()
    user.is_active = False
    await db_session.commit()
    assert_error(await exchange(client, query["code"]), 403, "ACCOUNT_DISABLED")
    assert redirected(await sign_in(client, fake, "code-2", **ALICE)) == {
        "error": "ACCOUNT_DISABLED"
    }
