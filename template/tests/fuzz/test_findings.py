"""What the fuzz run found, fixed: each answer now matches the OpenAPI document.

These run in the default suite; the fuzz run itself is `pytest -m fuzz`.
"""

import re
from typing import Any

import httpx
import pytest

from app.core.schemas import NO_NUL_PATTERN
from app.users.schemas import EMAIL_PATTERN
from tests.helpers import PASSWORD, UserFactory, assert_error

PASSWORD_CHECKING = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/users/me/password"),
    ("put", "/api/v1/users/{user_id}"),
    ("patch", "/api/v1/users/{user_id}"),
}


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return document


async def test_refresh_without_a_token_is_401_not_422(client: httpx.AsyncClient) -> None:
    """The schema makes the body optional (the cookie transport sends none)."""
    assert_error(await client.post("/api/v1/auth/refresh"), 401, "TOKEN_INVALID")
    json_null = {"Content-Type": "application/json"}
    response = await client.post("/api/v1/auth/refresh", content=b"null", headers=json_null)
    assert_error(response, 401, "TOKEN_INVALID")


async def test_routes_that_check_a_password_document_the_lockout(
    openapi: dict[str, Any],
) -> None:
    for method, path in PASSWORD_CHECKING:
        assert "423" in openapi["paths"][path][method]["responses"], (method, path)


async def test_users_me_is_the_user_id_path_with_me(
    client: httpx.AsyncClient, openapi: dict[str, Any], user_headers: dict[str, str]
) -> None:
    """One documented path, so `Allow` of `/users/me` is that of `/users/{user_id}`."""
    assert "/api/v1/users/me" not in openapi["paths"]
    documented = {m.upper() for m in openapi["paths"]["/api/v1/users/{user_id}"]}
    response = await client.options("/api/v1/users/me", headers=user_headers)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].split(", ")) - {"HEAD"} == documented
    renamed = await client.patch(
        "/api/v1/users/me", json={"full_name": "Me", "role": "user"}, headers=user_headers
    )
    assert renamed.status_code == 200, renamed.text
    assert (await client.get("/api/v1/users/me", headers=user_headers)).json()["full_name"] == "Me"


async def test_the_schema_says_text_refuses_nul(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert schemas["UserUpdate"]["properties"]["full_name"]["anyOf"][0]["pattern"] == (
        NO_NUL_PATTERN
    )
    assert schemas["LoginRequest"]["properties"]["password"]["pattern"] == NO_NUL_PATTERN
    assert re.fullmatch(NO_NUL_PATTERN, "a\x00b") is None


async def test_the_schema_says_email_refuses_special_use_names(
    client: httpx.AsyncClient, openapi: dict[str, Any]
) -> None:
    email = openapi["components"]["schemas"]["UserRegister"]["properties"]["email"]
    assert email["pattern"] == EMAIL_PATTERN
    for address in ("a@b.test", "a@host.LOCAL", "a@localhost"):
        assert re.fullmatch(EMAIL_PATTERN, address) is None, address
        body = {"email": address, "password": "a-long-passphrase-9"}
        response = await client.post("/api/v1/auth/register", json=body)
        assert_error(response, 422, "VALIDATION_ERROR")
    assert re.fullmatch(EMAIL_PATTERN, "a@example.com")


async def test_login_with_a_malformed_email_is_an_unknown_account(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("known@example.com")
    for email in ("not-an-email", "a@b.test"):
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert_error(response, 401, "INVALID_CREDENTIALS")
