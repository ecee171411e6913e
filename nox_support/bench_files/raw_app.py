"""The floor: a raw ASGI app answering `GET /me` with asyncpg and nothing else.

It verifies the access token as the service does (PyJWT, HS256, audience, issuer) and
runs the service's session ⨝ user lookup in one `fetchrow`. Run with uvicorn from the
rendered project's environment: `uvicorn raw_app:app` with DATABASE_URL, SECRET_KEY,
JWT_ISSUER and JWT_AUDIENCE set.
"""

import json
import os
from datetime import UTC, datetime

import asyncpg
import jwt

QUERY = """
SELECT u.id, u.email, u.full_name, u.role, u.is_active, u.is_verified, u.created_at
FROM auth_sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3
"""
DSN = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
KEY, ISSUER, AUDIENCE = (os.environ[n] for n in ("SECRET_KEY", "JWT_ISSUER", "JWT_AUDIENCE"))
pool: asyncpg.Pool | None = None


async def answer(send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send) -> None:
    global pool
    if scope["type"] == "lifespan":
        await receive()
        pool = await asyncpg.create_pool(DSN, min_size=10, max_size=10)
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await pool.close()
        await send({"type": "lifespan.shutdown.complete"})
        return
    auth = dict(scope["headers"]).get(b"authorization", b"").removeprefix(b"Bearer ")
    try:
        claims = jwt.decode(auth, KEY, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.PyJWTError:
        await answer(send, 401, b'{"error_code": "TOKEN_INVALID"}')
        return
    assert pool is not None
    row = await pool.fetchrow(QUERY, claims["sid"], claims["sub"], datetime.now(UTC))
    if row is None:
        await answer(send, 401, b'{"error_code": "TOKEN_REVOKED"}')
        return
    await answer(send, 200, json.dumps(dict(row), default=str).encode())
