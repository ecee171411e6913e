"""A started sign-in, kept server-side: spent once, short-lived, bound to its browser.

`state` (the CSRF token of OAuth 2) keys the flow in the ephemeral store, with the
PKCE verifier, the OpenID Connect nonce, the provider and the hash of a random
value the starting browser holds in an HttpOnly cookie sent only to the callback.
A `state` used on another provider's callback, by another browser (a victim lured
to an attacker's callback link), after its time or a second time is refused.
"""

import hmac
import json
import secrets
from dataclasses import asdict, dataclass

from fastapi import Response

from app.core.config import Settings
from app.core.module import API_PREFIX
from app.core.security import hash_opaque_token
from app.core.stores import EphemeralStore
from app.oauth.exceptions import StateInvalidError

FLOW_COOKIE = "oauth_flow"
COOKIE_PATH = f"{API_PREFIX}/auth/callback"
_KEY_PREFIX = "oauth-state:"


@dataclass(frozen=True, slots=True)
class PendingFlow:
    provider: str
    code_verifier: str
    nonce: str
    browser_hash: str


@dataclass(frozen=True, slots=True)
class StartedFlow:
    """A new flow: its `state` for the URL, its secret for the browser's cookie."""

    state: str
    browser_secret: str
    pending: PendingFlow


def start_flow(provider: str) -> StartedFlow:
    browser_secret = secrets.token_urlsafe(32)
    pending = PendingFlow(
        provider=provider,
        # 64 characters of the URL-safe alphabet: within RFC 7636's 43 to 128.
        code_verifier=secrets.token_urlsafe(48),
        nonce=secrets.token_urlsafe(32),
        browser_hash=hash_opaque_token(browser_secret),
    )
    return StartedFlow(secrets.token_urlsafe(32), browser_secret, pending)


async def save_flow(store: EphemeralStore, flow: StartedFlow, *, ttl_seconds: int) -> None:
    await store.put(_key(flow.state), json.dumps(asdict(flow.pending)), ttl_seconds=ttl_seconds)


async def take_flow(
    store: EphemeralStore, state: str | None, *, provider: str, browser_secret: str | None
) -> PendingFlow:
    """The flow `state` started, removed from the store whatever the outcome."""
    stored = await store.pop(_key(state)) if state else None
    if stored is None:
        raise StateInvalidError
    pending = PendingFlow(**json.loads(stored))
    same_browser = browser_secret is not None and hmac.compare_digest(
        pending.browser_hash, hash_opaque_token(browser_secret)
    )
    if pending.provider != provider or not same_browser:
        raise StateInvalidError
    return pending


def _key(state: str) -> str:
    return _KEY_PREFIX + hash_opaque_token(state)


def flow_cookie_name(settings: Settings) -> str:
    return f"__Secure-{FLOW_COOKIE}" if settings.session_cookie_secure else FLOW_COOKIE


def set_flow_cookie(response: Response, settings: Settings, secret: str, ttl_seconds: int) -> None:
    # Lax: the provider's redirect back is a top-level GET navigation, which Lax allows.
    response.set_cookie(
        flow_cookie_name(settings),
        secret,
        max_age=ttl_seconds,
        path=COOKIE_PATH,
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_flow_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        flow_cookie_name(settings),
        path=COOKIE_PATH,
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )
