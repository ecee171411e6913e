"""The API's shape, read from its OpenAPI document: consistent answers everywhere."""

from typing import Any

import httpx
import pytest


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    ]


async def test_every_2xx_has_an_object_body_or_is_a_204(openapi: dict[str, Any]) -> None:
    """No `null` body: an answer with nothing to say is a 204, otherwise it is JSON."""
    for method, path, operation in operations(openapi):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            where = f"{method} {path} {status}"
            if status == "204":
                assert "content" not in response, where
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            assert schema, f"{where}: no JSON body declared"


async def test_the_endpoints_that_issue_tokens_declare_one_schema(
    openapi: dict[str, Any],
) -> None:
    """One shape for every token answer; the browser one (no refresh token) beside it."""
    paths = openapi["paths"]
    declared = {
        path: paths[path]["post"]["responses"][status]["content"]["application/json"]["schema"]
        for path, status in (
            ("/api/v1/auth/register", "201"),
            ("/api/v1/auth/login", "200"),
            ("/api/v1/auth/refresh", "200"),
            # Its `authorization_code` grant may set the refresh cookie.
            ("/api/v1/auth/token", "200"),
        )
    }
    either = {
        "anyOf": [
            {"$ref": "#/components/schemas/TokenResponse"},
            {"$ref": "#/components/schemas/BrowserTokenResponse"},
        ]
    }
    assert all(schema == either | {"title": schema.get("title")} for schema in declared.values())
    schemas = openapi["components"]["schemas"]
    token = schemas["TokenResponse"]
    assert set(token["required"]) >= {"access_token", "refresh_token", "expires_in", "user"}
    assert "refresh_token" not in schemas["BrowserTokenResponse"]["properties"]
