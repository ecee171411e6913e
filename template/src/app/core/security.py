"""JWT access tokens and opaque (refresh, one-time) tokens.

Access tokens are short-lived JWTs (PyJWT, HS256 pinned) that name their session
(`sid`), so revoking the session kills them at once. Opaque tokens are random
strings that the database stores only as SHA-256 hashes.
"""

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from app.core.config import Settings
from app.core.errors import INVALID_TOKEN_CHALLENGE, AppError

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"
REQUIRED_CLAIMS = ["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "sid", "type"]


class TokenExpiredError(AppError):
    status_code = 401
    error_code = "TOKEN_EXPIRED"
    detail = "The token has expired."
    headers = INVALID_TOKEN_CHALLENGE


class TokenInvalidError(AppError):
    status_code = 401
    error_code = "TOKEN_INVALID"
    detail = "The token is not valid."
    headers = INVALID_TOKEN_CHALLENGE


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A signed access token and how long it lives, in seconds."""

    token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: float  # the `exp` claim, seconds since the epoch


def create_access_token(
    settings: Settings, *, user_id: uuid.UUID, session_id: uuid.UUID
) -> AccessToken:
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=settings.access_token_expire_minutes)
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": uuid.uuid4().hex,
        "type": ACCESS_TOKEN_TYPE,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    token = jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)
    return AccessToken(token=token, expires_in=int(lifetime.total_seconds()))


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Verify signature, algorithm, every required claim, issuer and audience."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError from exc
    except jwt.PyJWTError as exc:
        raise TokenInvalidError from exc
    if claims["type"] != ACCESS_TOKEN_TYPE:
        raise TokenInvalidError
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=float(claims["exp"]),
        )
    except (TypeError, ValueError) as exc:
        raise TokenInvalidError from exc


class AccessTokenVerifier:
    """`decode_access_token` that remembers the tokens it has accepted, until they expire.

    A token's signature and claims cannot change, so checking one again gives the same
    answer until its `exp`: a client's later requests skip the HMAC and claim checks.
    Only accepted tokens are kept (at most `size`); whether their session is still
    alive is not decided here and is asked on every request.
    """

    def __init__(self, settings: Settings, size: int = 10_000) -> None:
        self._settings = settings
        self._size = size
        self._accepted: dict[str, AccessClaims] = {}

    def verify(self, token: str) -> AccessClaims:
        claims = self._accepted.get(token)
        if claims is None:
            claims = decode_access_token(self._settings, token)
            if len(self._accepted) >= self._size:
                self._accepted.clear()  # a simple bound; refilled one request at a time
            self._accepted[token] = claims
        elif time.time() >= claims.expires_at:
            del self._accepted[token]
            raise TokenExpiredError
        return claims


def new_opaque_token() -> str:
    """A random URL-safe token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    """SHA-256 is enough for random 256-bit tokens: there is nothing to guess."""
    return hashlib.sha256(token.encode()).hexdigest()
