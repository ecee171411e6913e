"""The password rule (ASVS 5.0 §6.2): one rule, one error code, wherever a password is set."""

import httpx

from app.core import password_policy
from tests.helpers import PASSWORD, Mailbox, UserFactory, assert_error

REGISTER = "/api/v1/auth/register"
COMMON = ["password123", "qwerty123", "password1", "PassWord123", "QWERTY123"]


async def _register(client: httpx.AsyncClient, password: str, **fields: str) -> httpx.Response:
    return await client.post(
        REGISTER, json={"email": "new@example.com", "password": password, **fields}
    )


async def test_v6_2_4_common_passwords_are_refused(client: httpx.AsyncClient) -> None:
    for password in COMMON:
        response = await _register(client, password)
        body = assert_error(response, 422, "WEAK_PASSWORD")
        assert body["detail"].startswith("This password is too common")
        assert "Value error" not in response.text
        assert password not in response.text, "the password must not be echoed"


async def test_v6_2_4_every_password_setter_refuses_them(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox, admin_headers: dict[str, str]
) -> None:
    await users.create("owner@example.com")
    headers = await users.headers("owner@example.com")
    change = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "qwerty123"},
        headers=headers,
    )
    assert_error(change, 422, "WEAK_PASSWORD")
    await client.post("/api/v1/auth/forgot-password", json={"email": "owner@example.com"})
    token = mailbox.token_from("owner@example.com", "reset-password")
    reset = await client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": "Password1"}
    )
    assert_error(reset, 422, "WEAK_PASSWORD")
    created = await client.post(
        "/api/v1/users/",
        json={"email": "x@example.com", "password": "password123"},
        headers=admin_headers,
    )
    assert_error(created, 422, "WEAK_PASSWORD")


async def test_v6_2_5_no_composition_rules(client: httpx.AsyncClient) -> None:
    """Passphrases welcome: no digit, no capital, spaces allowed."""
    response = await _register(client, "correct horse battery staple")
    assert response.status_code == 201, response.text


async def test_v6_2_1_length_is_8_to_128_any_characters(client: httpx.AsyncClient) -> None:
    for password in ["x7#kq9!", "ü" * 129]:
        body = assert_error(await _register(client, password), 422, "WEAK_PASSWORD")
        assert "characters long" in body["detail"]
    assert (await _register(client, "Ωmega ✓ 8")).status_code == 201
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    password = schema["UserRegister"]["properties"]["password"]
    assert (password["minLength"], password["maxLength"]) == (8, 128)


async def test_v6_2_11_not_the_email_or_the_username(client: httpx.AsyncClient) -> None:
    same_email = await _register(client, "NEW@example.com")
    assert_error(same_email, 422, "WEAK_PASSWORD")
    same_username = await _register(client, "Grace_Hopper", username="grace_hopper")
    assert_error(same_username, 422, "WEAK_PASSWORD")
    assert "username" in same_username.json()["detail"]


def test_v6_2_4_the_list_is_loaded_once_and_large() -> None:
    assert len(password_policy.COMMON_PASSWORDS) >= 10_000
    assert isinstance(password_policy.COMMON_PASSWORDS, frozenset)
    assert password_policy.password_problem("PASSWORD123") is not None
    assert password_policy.password_problem("correct horse battery staple") is None
