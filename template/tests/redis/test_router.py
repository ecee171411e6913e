"""`/api/v1/cache`: admins only, and never a key outside the prefix."""

import httpx
from redis.asyncio import Redis

from app.redis.keys import Keys
from tests.helpers import assert_error

CACHE = "/api/v1/cache"


async def test_v8_2_1_only_admins_reach_the_cache_endpoints(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    assert_error(await client.get(f"{CACHE}/status"), 401, "NOT_AUTHENTICATED")
    assert_error(await client.get(f"{CACHE}/status", headers=user_headers), 403, "FORBIDDEN")
    assert_error(await client.post(f"{CACHE}/clear", headers=user_headers), 403, "FORBIDDEN")
    assert_error(await client.delete(f"{CACHE}/k", headers=user_headers), 403, "FORBIDDEN")


async def test_status_counts_the_keys_of_each_kind(
    client: httpx.AsyncClient, admin_headers: dict[str, str], redis_client: Redis, keys: Keys
) -> None:
    await redis_client.set(keys.cache("a"), "1")
    await redis_client.set(keys.cache("b"), "2")
    body = (await client.get(f"{CACHE}/status", headers=admin_headers)).json()
    assert body["status"] == "ok"
    assert body["key_prefix"] == keys.prefix
    assert body["keys"]["cache"] == 2
    assert body["keys"]["session_cache"] == 1  # the admin's own GET
    assert body["redis_version"]
    assert body["latency_ms"] >= 0


async def test_clear_deletes_the_cache_and_nothing_else(
    client: httpx.AsyncClient, admin_headers: dict[str, str], redis_client: Redis, keys: Keys
) -> None:
    outside = f"other-service:{keys.cache('a')}"
    kept = [outside, keys.once("state"), f"{keys.limits()}:counter", "cache:a"]
    for key in [*kept, keys.cache("a"), keys.cache("b")]:
        await redis_client.set(key, "1", ex=60)
    try:
        response = await client.post(f"{CACHE}/clear", headers=admin_headers)
        assert response.status_code == 200, response.text
        assert response.json()["deleted"] >= 2
        assert await redis_client.exists(keys.cache("a"), keys.cache("b")) == 0
        assert await redis_client.exists(*kept) == len(kept)
    finally:
        await redis_client.delete(outside, "cache:a")


async def test_delete_removes_one_entry_under_the_prefix(
    client: httpx.AsyncClient, admin_headers: dict[str, str], redis_client: Redis, keys: Keys
) -> None:
    await redis_client.set(keys.cache("user:1"), "x")
    await redis_client.set("user:1", "not ours")
    try:
        assert (await client.delete(f"{CACHE}/user:1", headers=admin_headers)).status_code == 204
        assert await redis_client.exists(keys.cache("user:1")) == 0
        assert await redis_client.get("user:1") == b"not ours"
        again = await client.delete(f"{CACHE}/user:1", headers=admin_headers)
        assert_error(again, 404, "NOT_FOUND")
        wildcard = await client.delete(f"{CACHE}/user:*", headers=admin_headers)
        assert_error(wildcard, 422, "VALIDATION_ERROR")
    finally:
        await redis_client.delete("user:1")


async def test_the_cache_paths_allow_only_their_own_methods(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """`/status` and `/clear` are no entry key: `Allow` names what the schema lists."""
    for path, allowed in (("status", "GET"), ("clear", "POST")):
        for method in ("OPTIONS", "DELETE"):  # DELETE: no entry is named `status`
            response = await client.request(method, f"{CACHE}/{path}", headers=admin_headers)
            assert response.status_code == 405
            assert response.headers["allow"] == allowed
