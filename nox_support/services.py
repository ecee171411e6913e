"""PostgreSQL and Redis for the nox sessions (see noxfile.py).

A session asks for a server with `with postgres(session) as url:`. The server at
NOX_POSTGRES_URL / NOX_REDIS_URL is used when it answers; otherwise a throwaway one
is started from local binaries on a free loopback port and stopped when the session
ends; when that is impossible the session fails and says how to start one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import nox

from nox_support.ports import free_port, reachable, wait_for
from nox_support.throwaway import ServerError, ThrowawayPostgres, ThrowawayRedis

__all__ = ["free_port", "reachable", "wait_for"]  # re-exported: sessions import them here

POSTGRES_URL = os.environ.get("NOX_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("NOX_REDIS_URL", "redis://127.0.0.1:6379")
# Prefix of the databases the sessions create; two checkouts testing at once need two.
DB_PREFIX = os.environ.get("NOX_DB_PREFIX", "nox")

START_POSTGRES = (
    "Start PostgreSQL (Debian: `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) "
    "main start`; Docker: `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust "
    "postgres:16`) or set NOX_POSTGRES_URL to a server where this user may create databases."
)
START_REDIS = (
    "Start Redis (`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' "
    "--appendonly no`; Docker: `docker run -d -p 6379:6379 redis:7`) or set NOX_REDIS_URL."
)


@contextlib.contextmanager
def postgres(session: nox.Session) -> Iterator[str]:
    """Yield a PostgreSQL server URL (libpq form) where databases may be created."""
    if reachable(POSTGRES_URL, 5432):
        yield POSTGRES_URL
        return
    session.log(f"PostgreSQL is not reachable at {POSTGRES_URL}; starting a throwaway one")
    with throwaway_postgres(session) as server:
        yield server.url


@contextlib.contextmanager
def throwaway_postgres(session: nox.Session) -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster of this session's own, removed when the session ends."""
    server = None
    try:
        server = ThrowawayPostgres()
        server.create()
    except ServerError as exc:
        if server is not None:
            server.remove()
        session.error(f"PostgreSQL: {exc}. {START_POSTGRES}")
    try:
        session.log(f"throwaway PostgreSQL on 127.0.0.1:{server.port} (data in {server.folder})")
        yield server
    finally:
        server.remove()


def asyncpg_url(server_url: str, database: str) -> str:
    """The SQLAlchemy URL of `database` on the server of `server_url`."""
    parts = urlsplit(server_url)
    return urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{database}", parts.query, ""))


# Runs inside the rendered project, whose PostgreSQL flavour always has asyncpg,
# so the repo's own environment needs no database driver.
_RECREATE = """
import asyncio, sys
import asyncpg

async def main(url, *names):
    conn = await asyncpg.connect(url)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()

asyncio.run(main(*sys.argv[1:]))
"""


def recreate_databases(
    session: nox.Session, server_url: str, names: list[str], env: dict[str, str | None]
) -> None:
    """Drop and create `names` with the current directory's (a rendered project's) asyncpg."""
    with tempfile.TemporaryDirectory(prefix="nox-") as tmp:
        script = Path(tmp) / "recreate_databases.py"
        script.write_text(_RECREATE, encoding="utf-8")
        session.run("uv", "run", "python", str(script), server_url, *names, env=env, external=True)


# --- Redis ----------------------------------------------------------------------------


@contextlib.contextmanager
def redis(session: nox.Session) -> Iterator[str]:
    """Yield a Redis server URL without a database index."""
    if reachable(REDIS_URL, 6379):
        yield REDIS_URL.rstrip("/")
        return
    session.log(f"Redis is not reachable at {REDIS_URL}; starting a throwaway one")
    with throwaway_redis(session) as server:
        yield server.url


@contextlib.contextmanager
def throwaway_redis(session: nox.Session) -> Iterator[ThrowawayRedis]:
    """A redis-server of this session's own, stopped when the session ends."""
    try:
        server = ThrowawayRedis()
        server.start()
    except ServerError as exc:
        session.error(f"Redis: {exc}. {START_REDIS}")
    try:
        session.log(f"throwaway Redis on 127.0.0.1:{server.port}")
        yield server
    finally:
        server.stop()


def redis_key_prefix(name: str) -> str:
    """The prefix of every Redis key a session's rendered service writes: NOX_DB_PREFIX
    and the session's name, so two checkouts (or combinations) sharing one Redis never
    touch each other's keys, and nothing needs a FLUSHDB of a shared database."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{DB_PREFIX}.{name}") + ":"


# Runs inside a rendered project with the redis module, which has redis-py.
_DELETE_KEYS = """
import asyncio, sys
from redis.asyncio import Redis

async def main(url, prefix):
    client = Redis.from_url(url)
    try:
        async for key in client.scan_iter(match=prefix + "*", count=500):
            await client.unlink(key)
    finally:
        await client.aclose()

asyncio.run(main(*sys.argv[1:]))
"""


def delete_redis_keys(
    session: nox.Session, url: str, prefix: str, env: dict[str, str | None]
) -> None:
    """Delete the keys under `prefix` (ours alone: never a FLUSHDB of a shared database)."""
    with tempfile.TemporaryDirectory(prefix="nox-") as tmp:
        script = Path(tmp) / "delete_redis_keys.py"
        script.write_text(_DELETE_KEYS, encoding="utf-8")
        session.run("uv", "run", "python", str(script), url, prefix, env=env, external=True)
