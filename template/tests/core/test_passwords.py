"""argon2id hashes; legacy bcrypt hashes verify and are upgraded; never a crash; hashing
yields the CPU to the rest of the service."""

import os
import sys
import threading

import bcrypt

from app.core.config import get_settings
from app.core.passwords import PasswordHasher, hashing_pool

HASHER = PasswordHasher(get_settings())


async def test_new_hashes_are_argon2id() -> None:
    hashed = await HASHER.hash("s3cret-pass")
    assert hashed.startswith("$argon2id$")
    assert await HASHER.verify("s3cret-pass", hashed) == (True, None)
    assert (await HASHER.verify("wrong-pass1", hashed))[0] is False


async def test_legacy_bcrypt_hashes_verify_and_are_upgraded() -> None:
    legacy = bcrypt.hashpw(b"old-pass-1", bcrypt.gensalt(rounds=4)).decode()
    valid, new_hash = await HASHER.verify("old-pass-1", legacy)
    assert valid
    assert new_hash is not None
    assert new_hash.startswith("$argon2id$")


async def test_long_passwords_against_bcrypt_fail_cleanly() -> None:
    legacy = bcrypt.hashpw(b"old-pass-1", bcrypt.gensalt(rounds=4)).decode()
    assert await HASHER.verify("x" * 100, legacy) == (False, None)


async def test_accounts_without_a_hash_never_verify() -> None:
    assert await HASHER.verify("anything-1", None) == (False, None)
    assert await HASHER.verify("anything-1", "not-a-known-hash") == (False, None)


def test_hashing_threads_run_at_a_lower_cpu_priority() -> None:
    """On Linux (where the service runs in production) the hashing threads are niced, so
    during a sign-in storm the event loop's thread runs first and other requests stay fast
    (`nox -s bench`, the login storm cases). Elsewhere nothing is changed."""

    def own_niceness() -> int | None:
        if sys.platform != "linux":  # only Linux keeps a niceness per thread
            return None
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    here = own_niceness()
    lowered = None if here is None else min(19, here + 7)
    assert hashing_pool(1, 7).submit(own_niceness).result() == lowered
    assert hashing_pool(1, 0).submit(own_niceness).result() == here
