"""Request ids are accepted when sane, made up otherwise, and always echoed."""

import httpx


async def test_a_request_id_is_made_when_missing(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert len(response.headers["x-request-id"]) == 32


async def test_a_sane_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert response.json()["request_id"] == response.headers["x-request-id"]
