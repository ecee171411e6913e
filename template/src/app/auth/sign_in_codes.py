"""One-time sign-in codes: how a sign-in that ends in a redirect hands over a session.

A flow that proves who the user is elsewhere (a social login's callback) must not
put a token in a URL, where browser history, logs and `Referer` headers keep it.
It mints a code instead: random, short-lived, spendable once, kept in the
ephemeral store only as its hash. The page spends it at `POST /api/v1/auth/token`
(`grant_type=authorization_code`) for the same token pair as a password sign-in.
"""

import uuid

from app.core.security import hash_opaque_token, new_opaque_token
from app.core.stores import EphemeralStore

_KEY_PREFIX = "sign-in-code:"


async def mint_sign_in_code(store: EphemeralStore, user_id: uuid.UUID, *, ttl_seconds: int) -> str:
    """A new code that signs `user_id` in once within `ttl_seconds`."""
    code = new_opaque_token()
    await store.put(_key(code), str(user_id), ttl_seconds=ttl_seconds)
    return code


async def redeem_sign_in_code(store: EphemeralStore, code: str) -> uuid.UUID | None:
    """The user a live code was minted for; None if unknown, expired or already spent."""
    user_id = await store.pop(_key(code))
    return uuid.UUID(user_id) if user_id is not None else None


def _key(code: str) -> str:
    return _KEY_PREFIX + hash_opaque_token(code)
