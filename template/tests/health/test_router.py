"""Probes and the API status."""

import httpx


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.json() == {"status": "ok"}


async def test_ready_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_api_status_has_the_version(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/health")).json()
    assert body["status"] == "ok"
    assert body["environment"] == "test"
    assert body["version"]
