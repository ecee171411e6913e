"""The Casbin `Authorizer`: policies from the database, reloaded when their version moves."""

import asyncio
import math
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

import casbin
from app.casbin.config import CasbinSettings
from app.casbin.storage import policy_storage
from app.core.db import Database
from app.core.permissions import Permission, Principal, UnknownPermissionError
from app.core.services import Services

MODEL_PATH = Path(__file__).with_name("model.conf")

# (user id, account role, object, action, owner id or "")
Request = tuple[str, str, str, str, str]


class CasbinAuthorizer:
    """Decides with a Casbin enforcer; keeps it as fresh as the policy version in the database.

    Each process checks the version at most every `CASBIN_POLICY_CHECK_INTERVAL_MS`
    and reloads every rule when it moved, so another process's change applies within
    that interval. A change made here marks the enforcer stale when its transaction
    commits, so this process's next decision already sees it.
    """

    def __init__(
        self, database: Database, permissions: Iterable[Permission], settings: CasbinSettings
    ) -> None:
        self._database = database
        self._declared = {(p.obj, p.action) for p in permissions}
        self._interval = settings.policy_check_interval_ms / 1000
        self._cache_size = settings.decision_cache_size
        self._decisions: dict[Request, bool] = {}
        self._enforcer = casbin.AsyncEnforcer(str(MODEL_PATH))
        self._loaded_version: int | None = None
        self._checked_at = -math.inf
        self._stale = True
        self._lock = asyncio.Lock()

    async def is_allowed(
        self, principal: Principal, obj: str, action: str, *, owner_id: uuid.UUID | None = None
    ) -> bool:
        if (obj, action) not in self._declared:
            raise UnknownPermissionError(f"no module declares the permission {obj}:{action}")
        await self.refresh()
        request = (str(principal.id), str(principal.role), obj, action, str(owner_id or ""))
        decision = self._decisions.get(request)
        if decision is None:
            decision = bool(self._enforcer.enforce(*request))
            self._remember(request, decision)
        return decision

    def reload_after_commit(self, session: AsyncSession) -> None:
        """Reload before the next decision once `session` (which changed policies) commits."""

        def mark_stale(_session: Session) -> None:
            self._stale = True

        # A new function each time: SQLAlchemy registers one function once per session.
        event.listen(session.sync_session, "after_commit", mark_stale, once=True)

    async def refresh(self) -> None:
        """Reload the rules if the version moved; asks the database only when a check is due."""
        if not self._check_due():
            return
        if self._lock.locked() and not self._stale and self._loaded_version is not None:
            # Another request is already checking the version: decide with the rules
            # loaded now. Waiting here, holding this request's database connection,
            # could leave the check without a connection when the pool is busy.
            # Before the first load there are no rules to decide with (every answer
            # would be a denial), so then everyone waits; the module's lifespan loads
            # them before the first request when the database is up.
            return
        async with self._lock:
            if not self._check_due():  # another request checked while this one waited
                return
            # Cleared before reading, so a commit landing during the read marks it again.
            self._stale = False
            try:
                await self._reload_if_changed()
            except BaseException:
                self._stale = True
                raise
            self._checked_at = time.monotonic()

    def _check_due(self) -> bool:
        return self._stale or time.monotonic() - self._checked_at >= self._interval

    async def _reload_if_changed(self) -> None:
        async with self._database.session_factory() as session, policy_storage(session) as storage:
            version = await storage.version()
            if version == self._loaded_version:
                return
            self._enforcer.set_adapter(storage.adapter)
            await self._enforcer.load_policy()
            self._loaded_version = version
            self._decisions.clear()

    def _remember(self, request: Request, decision: bool) -> None:
        if len(self._decisions) >= self._cache_size:
            self._decisions.clear()  # simple bound; refilled at one enforcement per request
        if self._cache_size:
            self._decisions[request] = decision


def installed_authorizer(services: Services) -> CasbinAuthorizer:
    """The app's authorizer, which this module provides."""
    authorizer = services.authorizer
    if not isinstance(authorizer, CasbinAuthorizer):  # pragma: no cover - wiring error
        raise TypeError("the casbin module needs its authorizer installed")
    return authorizer
