"""JWTs: every claim required, algorithm pinned, issuer and audience checked."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from app.core.config import get_settings
from app.core.security import (
    ALGORITHM,
    REQUIRED_CLAIMS,
    AccessTokenVerifier,
    TokenExpiredError,
    TokenInvalidError,
    create_access_token,
    decode_access_token,
)

SETTINGS = get_settings()


def claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "jti": "j",
        "type": "access",
        "iss": SETTINGS.jwt_issuer,
        "aud": SETTINGS.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    return {key: value for key, value in {**base, **overrides}.items() if value is not None}


def sign(payload: dict[str, Any], key: str = SETTINGS.secret_key, alg: str = ALGORITHM) -> str:
    return jwt.encode(payload, key, algorithm=alg)


def test_round_trip() -> None:
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    token = create_access_token(SETTINGS, user_id=user_id, session_id=session_id)
    decoded = decode_access_token(SETTINGS, token.token)
    assert (decoded.user_id, decoded.session_id) == (user_id, session_id)


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_v9_2_1_every_claim_is_required(claim: str) -> None:
    with pytest.raises(TokenInvalidError):
        decode_access_token(SETTINGS, sign(claims(**{claim: None})))


@pytest.mark.parametrize(
    "token",
    [
        sign(claims(aud="someone-else")),
        sign(claims(iss="someone-else")),
        sign(claims(type="refresh")),
        sign(claims(sub="not-a-uuid")),
        sign(claims(), key="another-key-that-is-long-enough-000"),
        sign(claims(), key="k" * 64, alg="HS512"),
        jwt.encode(claims(), "", algorithm="none"),
    ],
)
def test_v9_1_1_forged_or_foreign_tokens_are_invalid(token: str) -> None:
    with pytest.raises(TokenInvalidError):
        decode_access_token(SETTINGS, token)


def test_v9_2_1_expired_tokens_say_so() -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = sign(claims(iat=past, nbf=past, exp=past + timedelta(minutes=1)))
    with pytest.raises(TokenExpiredError):
        decode_access_token(SETTINGS, token)


def test_v9_2_1_the_verifier_remembers_accepted_tokens_until_they_expire(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = AccessTokenVerifier(SETTINGS, size=2)
    token = create_access_token(SETTINGS, user_id=uuid.uuid4(), session_id=uuid.uuid4()).token
    first = verifier.verify(token)
    assert verifier.verify(token) is first  # remembered, not decoded again
    for forged in (
        sign(claims(), key="another-key-that-is-long-enough-000"),
        sign(claims(aud="x")),
    ):
        with pytest.raises(TokenInvalidError):  # refusals are never remembered
            verifier.verify(forged)
    later = first.expires_at + 1
    monkeypatch.setattr("app.core.security.time.time", lambda: later)
    with pytest.raises(TokenExpiredError):
        verifier.verify(token)


def test_the_verifier_keeps_a_bounded_number_of_tokens() -> None:
    verifier = AccessTokenVerifier(SETTINGS, size=2)
    tokens = [
        create_access_token(SETTINGS, user_id=uuid.uuid4(), session_id=uuid.uuid4()).token
        for _ in range(3)
    ]
    decoded = [verifier.verify(token) for token in tokens]
    assert verifier.verify(tokens[2]) is decoded[2]
    assert verifier.verify(tokens[0]) is not decoded[0]  # forgotten when the third came
