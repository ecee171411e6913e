"""The notes endpoints: each user sees their own notes."""

import httpx


async def test_create_and_list_own_notes(
    client: httpx.AsyncClient, user_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/notes", json={"title": " Groceries ", "body": "milk"}, headers=user_headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "Groceries"

    mine = await client.get("/api/v1/notes", headers=user_headers)
    assert [note["title"] for note in mine.json()] == ["Groceries"]
    theirs = await client.get("/api/v1/notes", headers=admin_headers)
    assert theirs.json() == []


async def test_notes_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/notes")
    assert response.status_code == 401
