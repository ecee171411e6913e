"""Register, log in (JSON and OAuth2 form) and the current user."""

import bcrypt
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import service
from app.auth.exceptions import InvalidCredentialsError
from app.core.config import Settings
from app.core.context import RequestContext
from app.core.passwords import PasswordHasher
from tests.helpers import PASSWORD, UserFactory, assert_error, bearer

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
TOKEN = "/api/v1/auth/token"


async def test_register_creates_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER,
        json={"email": "New@Example.com", "password": PASSWORD, "full_name": " New User "},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["full_name"] == "New User"
    assert body["user"]["role"] == "user"
    me = await client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.json()["id"] == body["user"]["id"]


async def test_register_refuses_a_taken_email_in_any_case(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("taken@example.com")
    response = await client.post(
        REGISTER, json={"email": "TAKEN@example.com", "password": PASSWORD}
    )
    assert_error(response, 409, "EMAIL_TAKEN")


async def test_register_refuses_a_taken_username(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("first@example.com", username="sam")
    response = await client.post(
        REGISTER, json={"email": "second@example.com", "password": PASSWORD, "username": "Sam"}
    )
    assert_error(response, 409, "USERNAME_TAKEN")


async def test_register_refuses_unknown_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER, json={"email": "x@example.com", "password": PASSWORD, "role": "admin"}
    )
    assert_error(response, 422, "VALIDATION_ERROR")


async def test_login_returns_a_token_pair_and_the_user(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("amy@example.com")
    body = await users.login("AMY@example.com")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["refresh_token"]
    assert body["user"]["email"] == "amy@example.com"
    assert body["user"]["last_login_at"] is not None


SIGNED_IN = {"access_token", "refresh_token", "token_type", "expires_in", "user"}


async def test_every_endpoint_that_issues_tokens_answers_one_shape(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    registered = await client.post(
        REGISTER, json={"email": "shape@example.com", "password": PASSWORD}
    )
    logged_in = await client.post(LOGIN, json={"email": "shape@example.com", "password": PASSWORD})
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": logged_in.json()["refresh_token"]}
    )
    password_grant = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": "shape@example.com", "password": PASSWORD},
    )
    refresh_grant = await client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]},
    )
    for response in (registered, logged_in, refreshed, password_grant, refresh_grant):
        assert response.status_code in (200, 201), response.text
        body = response.json()
        assert set(body) == SIGNED_IN, response.request.url
        assert body["token_type"] == "bearer"
        assert body["user"]["email"] == "shape@example.com"


async def test_v6_3_8_login_failures_do_not_reveal_whether_the_account_exists(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("known@example.com")
    wrong_password = await client.post(
        LOGIN, json={"email": "known@example.com", "password": "wrong-pass-1"}
    )
    unknown_email = await client.post(
        LOGIN, json={"email": "nobody@example.com", "password": "wrong-pass-1"}
    )
    first = assert_error(wrong_password, 401, "INVALID_CREDENTIALS")
    second = assert_error(unknown_email, 401, "INVALID_CREDENTIALS")
    assert first["detail"] == second["detail"]


async def test_disabled_accounts_cannot_log_in(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users.create("off@example.com")
    user.is_active = False
    users.session.add(user)
    await users.session.commit()
    response = await client.post(LOGIN, json={"email": "off@example.com", "password": PASSWORD})
    assert_error(response, 403, "ACCOUNT_DISABLED")


async def test_token_endpoint_password_grant_for_swagger(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("swagger@example.com")
    response = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": "swagger@example.com", "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    me = await client.get("/api/v1/users/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["email"] == "swagger@example.com"


async def test_token_endpoint_refresh_grant(client: httpx.AsyncClient, users: UserFactory) -> None:
    await users.create("grant@example.com")
    tokens = await users.login("grant@example.com")
    response = await client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] != tokens["refresh_token"]


async def test_token_endpoint_bad_requests(client: httpx.AsyncClient) -> None:
    assert_error(
        await client.post(TOKEN, data={"grant_type": "client_credentials"}),
        400,
        "UNSUPPORTED_GRANT_TYPE",
    )
    assert_error(
        await client.post(TOKEN, data={"grant_type": "password", "username": "a@example.com"}),
        400,
        "INVALID_REQUEST",
    )
    assert_error(
        await client.post(TOKEN, data={"grant_type": "refresh_token"}), 400, "INVALID_REQUEST"
    )
    assert_error(await client.post(TOKEN, data={}), 422, "VALIDATION_ERROR")


async def test_v11_4_2_login_upgrades_a_legacy_bcrypt_hash(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users.create("legacy@example.com")
    user.hashed_password = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    users.session.add(user)
    await users.session.commit()
    await users.login("legacy@example.com")
    await users.session.refresh(user)
    assert user.hashed_password is not None
    assert user.hashed_password.startswith("$argon2id$")
    await users.login("legacy@example.com")  # and the new hash verifies


async def test_a_sign_in_holds_no_connection_while_it_waits_for_the_hasher(
    engine: AsyncEngine, settings: Settings
) -> None:
    """Sign-ins queue for the hasher; a queued one holding a pooled connection would
    leave the rest of the API without connections during a sign-in storm."""
    in_transaction_while_hashing = []

    class WatchingHasher(PasswordHasher):
        async def verify(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
            in_transaction_while_hashing.append(session.in_transaction())
            return await super().verify(password, hashed)

    context = RequestContext("127.0.0.1", None, "test", "http://testserver")
    async with AsyncSession(engine, expire_on_commit=False) as session:
        with pytest.raises(InvalidCredentialsError):
            await service.authenticate(
                session,
                WatchingHasher(settings),
                settings,
                context,
                email="nobody@example.com",
                password="not-the-password",
            )
        await session.rollback()  # the failure's audit row and counter: not this test's
    assert in_transaction_while_hashing == [False]
