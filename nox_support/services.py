"""PostgreSQL and Redis for the nox sessions (see noxfile.py), and free ports.

A session asks for a server with `with postgres(session) as url:`. The server at
NOX_POSTGRES_URL / NOX_REDIS_URL is used when it answers; otherwise a throwaway one
is started from local binaries on a free loopback port and stopped when the session
ends; when that is impossible the session fails and says how to start one.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import nox

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


def reachable(url: str, default_port: int) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, default_port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if reachable(url, default_port):
            return True
        time.sleep(0.2)
    return False


# --- PostgreSQL -----------------------------------------------------------------------


def _postgres_bindir() -> Path | None:
    """A directory with initdb and pg_ctl: from PATH, else the newest Debian install."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


@contextlib.contextmanager
def postgres(session: nox.Session) -> Iterator[str]:
    """Yield a PostgreSQL server URL (libpq form) where databases may be created."""
    if reachable(POSTGRES_URL, 5432):
        yield POSTGRES_URL
        return
    session.log(f"PostgreSQL is not reachable at {POSTGRES_URL}; starting a throwaway one")
    bindir = _postgres_bindir()
    if bindir is None:
        session.error(
            f"PostgreSQL is not reachable at {POSTGRES_URL} and no initdb/pg_ctl "
            f"was found to start one. {START_POSTGRES}"
        )
    # initdb refuses to run as root: run the server as the `postgres` user then.
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            session.error(
                f"PostgreSQL is not reachable at {POSTGRES_URL}; as root a throwaway "
                f"server needs a `postgres` user. {START_POSTGRES}"
            )
        as_user = ["runuser", "-u", "postgres", "--"]
    tmp = Path(tempfile.mkdtemp(prefix="nox-pg-"))
    if as_user:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", free_port()
    initdb = [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres"]
    initdb += ["--auth=trust", "-E", "UTF8", "--no-sync"]
    pg_ctl = [*as_user, str(bindir / "pg_ctl"), "-D", str(data)]
    options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [*pg_ctl, "-l", str(tmp / "server.log"), "-o", options, "-w", "start"]
    try:
        try:
            for command in (initdb, start):
                subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            output = getattr(exc, "stderr", "") or str(exc)
            session.error(
                f"PostgreSQL is not reachable at {POSTGRES_URL} and a throwaway "
                f"server did not start: {output.strip()}\n{START_POSTGRES}"
            )
        session.log(f"throwaway PostgreSQL on 127.0.0.1:{port} (data in {tmp})")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


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
    server = shutil.which("redis-server")
    if server is None:
        session.error(
            f"Redis is not reachable at {REDIS_URL} and no redis-server was found "
            f"to start one. {START_REDIS}"
        )
    port = free_port()
    url = f"redis://127.0.0.1:{port}"
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not wait_for(url, 6379):
            session.error(
                f"Redis is not reachable at {REDIS_URL} and a throwaway "
                f"redis-server did not start. {START_REDIS}"
            )
        session.log(f"throwaway Redis on 127.0.0.1:{port}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


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
