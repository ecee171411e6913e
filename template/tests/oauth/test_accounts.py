"""Linked accounts: listed, unlinked, never the last way to sign in."""

import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.audit import AuditEvent
from app.core.config import Settings, get_settings
from app.users.models import User
from tests.helpers import assert_error, bearer
from tests.oauth.conftest import finish, sign_in, start
from tests.oauth.fake_provider import FakeProvider

pytestmark = pytest.mark.usefixtures("oauth")

ALICE: dict[str, Any] = {"sub": "alice-1", "email": "alice@example.com", "email_verified": True}
ACCOUNTS = "/api/v1/users/me/oauth-accounts"


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"frontend_url": ""})


async def alice(client: httpx.AsyncClient, fake: FakeProvider) -> dict[str, str]:
    response = await sign_in(client, fake, **ALICE)
    return bearer(response.json()["access_token"])


async def test_the_only_way_to_sign_in_cannot_be_unlinked(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    headers = await alice(client, fake)
    listed = (await client.get(ACCOUNTS, headers=headers)).json()
    assert [(a["provider"], a["email"]) for a in listed] == [("oidc", "alice@example.com")]
    response = await client.delete(f"{ACCOUNTS}/{listed[0]['id']}", headers=headers)
    assert_error(response, 409, "OAUTH_LAST_SIGN_IN_METHOD")


async def test_a_second_account_or_a_password_allows_unlinking(
    client: httpx.AsyncClient, fake: FakeProvider, db_session: AsyncSession
) -> None:
    headers = await alice(client, fake)
    fake.github_user = {"id": 7, "login": "alice"}
    fake.github_emails = [{"email": "alice@example.com", "verified": True, "primary": True}]
    url = await start(client, "github")
    assert (await finish(client, fake.approve(url, "gh"), "github")).status_code == 200
    first, second = (await client.get(ACCOUNTS, headers=headers)).json()
    assert (await client.delete(f"{ACCOUNTS}/{first['id']}", headers=headers)).status_code == 204
    response = await client.delete(f"{ACCOUNTS}/{second['id']}", headers=headers)
    assert_error(response, 409, "OAUTH_LAST_SIGN_IN_METHOD")
    user = (await db_session.exec(select(User))).one()
    user.hashed_password = "set-by-reset-password"
    await db_session.commit()
    assert (await client.delete(f"{ACCOUNTS}/{second['id']}", headers=headers)).status_code == 204
    assert (await client.get(ACCOUNTS, headers=headers)).json() == []
    events = (await db_session.exec(select(AuditEvent.event))).all()
    assert events.count("oauth.unlinked") == 2
    assert events.count("oauth.linked") == 1


async def test_v8_2_2_another_users_account_is_not_found(
    client: httpx.AsyncClient, fake: FakeProvider, user_headers: dict[str, str]
) -> None:
    headers = await alice(client, fake)
    account = (await client.get(ACCOUNTS, headers=headers)).json()[0]
    assert (await client.get(ACCOUNTS, headers=user_headers)).json() == []
    response = await client.delete(f"{ACCOUNTS}/{account['id']}", headers=user_headers)
    assert_error(response, 404, "OAUTH_ACCOUNT_NOT_FOUND")
    response = await client.delete(f"{ACCOUNTS}/{uuid.uuid4()}", headers=headers)
    assert_error(response, 404, "OAUTH_ACCOUNT_NOT_FOUND")


async def test_accounts_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(ACCOUNTS), 401, "NOT_AUTHENTICATED")
