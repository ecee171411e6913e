"""The `authorization_code` grant of `/auth/token`: a one-time sign-in code, spent once.

A module that signs people in elsewhere (a social login) mints the code; here it is
minted directly, as that module does.
"""

import httpx
from fastapi import FastAPI

from app.auth.sign_in_codes import mint_sign_in_code, redeem_sign_in_code
from app.core.services import services_of
from tests.helpers import UserFactory, assert_error


async def token(client: httpx.AsyncClient, code: str) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code}
    return await client.post("/api/v1/auth/token", data=data)


async def test_v10_4_2_a_code_gives_a_token_pair_once(
    app: FastAPI, client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users.create("coded@example.com")
    store = services_of(app).ephemeral_store
    code = await mint_sign_in_code(store, user.id, ttl_seconds=60)
    response = await token(client, code)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == str(user.id)
    assert_error(await token(client, code), 400, "INVALID_GRANT")


async def test_v10_4_3_an_expired_or_unknown_code_gives_nothing(
    app: FastAPI, client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users.create("coded@example.com")
    store = services_of(app).ephemeral_store
    expired = await mint_sign_in_code(store, user.id, ttl_seconds=0)
    assert_error(await token(client, expired), 400, "INVALID_GRANT")
    assert_error(await token(client, "unknown"), 400, "INVALID_GRANT")
    assert_error(await token(client, ""), 400, "INVALID_REQUEST")


async def test_the_store_keeps_only_the_codes_hash(app: FastAPI, users: UserFactory) -> None:
    user = await users.create("coded@example.com")
    store = services_of(app).ephemeral_store
    code = await mint_sign_in_code(store, user.id, ttl_seconds=60)
    assert await store.pop(f"sign-in-code:{code}") is None
    assert await redeem_sign_in_code(store, code) == user.id
