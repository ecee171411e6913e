"""Password hashing: argon2id for new hashes, legacy bcrypt hashes still verify.

Hashing is slow on purpose, so it runs on a small pool of threads of its own: at most
`PASSWORD_HASH_CONCURRENCY` hashes at once (the rest queue), and on Linux at a lower
CPU priority than the event loop (`PASSWORD_HASH_NICENESS`), so a sign-in storm queues
sign-ins instead of slowing every other request.
"""

import asyncio
import contextlib
import os
import secrets
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from app.core.config import Settings

T = TypeVar("T")


@lru_cache
def hashing_pool(workers: int, niceness: int) -> ThreadPoolExecutor:
    """The process's hashing threads (one pool per setting, shared by every app)."""
    return ThreadPoolExecutor(
        max_workers=workers,
        thread_name_prefix="password-hasher",
        initializer=_lower_priority,
        initargs=(niceness,),
    )


def _lower_priority(niceness: int) -> None:
    # Linux keeps a niceness per thread (the id below names this thread alone), and
    # argon2's own lane threads inherit it. Raising one's niceness needs no privilege.
    # Elsewhere the id would name a process, so nothing is done.
    if niceness and sys.platform == "linux":
        with contextlib.suppress(OSError):
            thread = threading.get_native_id()
            os.setpriority(
                os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + niceness
            )


class PasswordHasher:
    """Hash and verify passwords off the event loop."""

    def __init__(self, settings: Settings) -> None:
        argon2 = Argon2Hasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
        # The first hasher makes new hashes; the others only verify old ones.
        self._context = PasswordHash((argon2, BcryptHasher()))
        self._pool = hashing_pool(
            settings.password_hash_concurrency, settings.password_hash_niceness
        )
        self._dummy_hash: str | None = None

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    async def hash(self, password: str) -> str:
        return await self._run(self._context.hash, password)

    async def verify(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
        """Check `password`; also return a new hash when the stored one is outdated.

        With no stored hash (unknown email, account without a password) a dummy
        hash is checked instead, so the answer takes the same time either way.
        """
        if hashed is None:
            await self._verify_dummy(password)
            return False, None
        return await self._run(self._verify, password, hashed)

    def _verify(self, password: str, hashed: str) -> tuple[bool, str | None]:
        try:
            return self._context.verify_and_update(password, hashed)
        except (ValueError, UnknownHashError):
            # bcrypt refuses passwords over 72 bytes, and a hash may be of no
            # scheme we know: a failed sign-in either way, never a 500.
            return False, None

    async def _verify_dummy(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self._run(self._verify, password, self._dummy_hash)
