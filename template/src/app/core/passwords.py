"""Password hashing: argon2id for new hashes, legacy bcrypt hashes still verify.

Hashing is slow on purpose, so it runs in a worker thread; a capacity limiter
keeps a login storm from taking every thread the rest of the API needs.
"""

import secrets

from anyio import CapacityLimiter, to_thread
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from app.core.config import Settings


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
        self._concurrency = settings.password_hash_concurrency
        self._limiter: CapacityLimiter | None = None
        self._dummy_hash: str | None = None

    @property
    def limiter(self) -> CapacityLimiter:
        # Created on first use: it must be made inside the running event loop.
        if self._limiter is None:
            self._limiter = CapacityLimiter(self._concurrency)
        return self._limiter

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._context.hash, password, limiter=self.limiter)

    async def verify(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
        """Check `password`; also return a new hash when the stored one is outdated.

        With no stored hash (unknown email, account without a password) a dummy
        hash is checked instead, so the answer takes the same time either way.
        """
        if hashed is None:
            await self._verify_dummy(password)
            return False, None
        return await to_thread.run_sync(self._verify, password, hashed, limiter=self.limiter)

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
        await to_thread.run_sync(self._verify, password, self._dummy_hash, limiter=self.limiter)
