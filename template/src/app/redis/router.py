"""`/api/v1/cache`: admins read the cache's state, clear it, or delete one entry."""

from typing import Annotated

from fastapi import APIRouter, Path, status
from starlette.convertors import StringConvertor, register_url_convertor

from app.core import audit
from app.core.authentication import require_permission
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.errors import ERROR_RESPONSES, NotFoundError
from app.core.module import API_PREFIX
from app.core.permissions import Principal
from app.redis import service
from app.redis.dependencies import KeysDep, RedisDep
from app.redis.schemas import CacheCleared, CacheStatus

router = APIRouter(prefix=f"{API_PREFIX}/cache", tags=["cache"], responses=ERROR_RESPONSES)

Reader = Annotated[Principal, require_permission("cache", "read")]
Manager = Annotated[Principal, require_permission("cache", "manage")]
# A cache key: the part after `<REDIS_KEY_PREFIX>cache:`.
CacheKey = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^\s*?\[\]]+$")]


@router.get("/status")
async def cache_status(_: Reader, client: RedisDep, keys: KeysDep) -> CacheStatus:
    """Redis version, memory, latency and the service's keys of each kind.

    `status: unavailable` (still 200) when Redis does not answer.
    """
    return await service.status(client, keys)


@router.post("/clear")
async def clear_cache(
    admin: Manager,
    client: RedisDep,
    keys: KeysDep,
    session: SessionDep,
    context: RequestContextDep,
) -> CacheCleared:
    """Delete every cache and session-cache entry under the service's key prefix.

    Keys outside the prefix are never touched; rate-limit counts and one-time
    values stay. 503 when Redis does not answer.
    """
    deleted = await service.clear(client, keys)
    audit.record(session, "cache.cleared", context, actor_id=admin.id, deleted=deleted)
    return CacheCleared(deleted=deleted)


class _EntryKeyConvertor(StringConvertor):
    """A path segment other than `status` and `clear`.

    Those two are paths of their own, which OpenAPI matches before `/{key}`: so
    `DELETE /cache/status` must be a method `/status` lacks (405, `Allow: GET`),
    not the deletion of an entry named "status".
    """

    regex = r"(?!(?:status|clear)/?$)[^/]+"


register_url_convertor("cache_entry_key", _EntryKeyConvertor())


@router.delete("/{key:cache_entry_key}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_cache_entry(
    key: CacheKey,
    admin: Manager,
    client: RedisDep,
    keys: KeysDep,
    session: SessionDep,
    context: RequestContextDep,
) -> None:
    """Delete one cache entry (`<REDIS_KEY_PREFIX>cache:<key>`); 404 when there is none."""
    if not await service.delete(client, keys, key):
        raise NotFoundError("No cache entry has this key.")
    audit.record(session, "cache.entry_deleted", context, actor_id=admin.id, key=key)
