"""Two replicas of a rendered service on one database and one Redis (the `replicas` sessions).

Two uvicorn processes of the `<database>-redis` render share the database and a
Redis key prefix of their own. Over real HTTP the checks are:

- a logout on replica A is a 401 on replica B on the very next request, although
  B had the session in its cache;
- an admin demoted on A (through the API, or with the CLI) is refused on B at once;
- the sign-in rate limit counts the attempts of both replicas together.

Every status seen is printed, so the session log is the record of the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nox

from nox_support import services, update

PASSWORD = "Replica-pass-9051!"
LOGIN_LIMIT = 3


class Replica:
    """One `<slug> serve` process, and its answers over HTTP."""

    def __init__(self, name: str, port: int) -> None:
        self.name, self.base = name, f"http://127.0.0.1:{port}"

    def call(
        self, method: str, path: str, body: Any = None, *, token: str = "", ip: str = "10.0.0.1"
    ) -> tuple[int, Any]:
        """Status and JSON body; `ip` arrives as X-Forwarded-For from a trusted proxy,
        so each step of the scenario counts against its own client address."""
        headers = {"Content-Type": "application/json", "X-Forwarded-For": ip}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        return status, json.loads(raw) if raw else None


def check(session: nox.Session, label: str, seen: list[int], expected: list[int]) -> None:
    session.log(f"{label}: {seen}")
    if seen != expected:
        session.error(f"{label}: expected {expected}, saw {seen}")


def run(session: nox.Session, dst: Path, slug: str, env: dict[str, str | None]) -> None:
    """Start two replicas of the render in `dst` (migrated, with `env`) and check them."""
    cli = ["uv", "run", slug]
    session.run(*cli, "db", "upgrade", env=env, external=True)
    admin_env = {**env, "ADMIN_PASSWORD": PASSWORD}
    session.run(*cli, "create-admin", "--email", "root@example.com", env=admin_env, external=True)
    with running(session, dst, slug, env, "A") as a, running(session, dst, slug, env, "B") as b:
        logout_reaches_the_other_replica(session, a, b)
        demotion_reaches_the_other_replica(session, a, b)
        cli_demotion_reaches_the_replicas(
            session, a, b, lambda *args: session.run(*cli, "users", *args, env=env, external=True)
        )
        login_limit_counts_across_replicas(session, a, b)


def sign_up(replica: Replica, email: str, ip: str) -> str:
    """Register `email` and return its user id."""
    status, body = replica.call(
        "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD}, ip=ip
    )
    assert status == 201, (status, body)
    return str(body["user"]["id"])


def sign_in(replica: Replica, email: str, ip: str) -> str:
    status, body = replica.call(
        "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}, ip=ip
    )
    assert status == 200, (status, body)
    return str(body["access_token"])


def logout_reaches_the_other_replica(session: nox.Session, a: Replica, b: Replica) -> None:
    sign_up(a, "alice@example.com", "10.0.1.1")
    token = sign_in(a, "alice@example.com", "10.0.1.1")
    seen = [b.call("GET", "/api/v1/auth/me", token=token)[0] for _ in range(2)]  # B caches it
    seen.append(a.call("POST", "/api/v1/auth/logout", token=token)[0])
    status, body = b.call("GET", "/api/v1/auth/me", token=token)
    seen.append(status)
    check(session, "GET /me on B x2, logout on A, GET /me on B", seen, [200, 200, 204, 401])
    session.log(f"  B's answer after the logout: {body['error_code']}")


def demotion_reaches_the_other_replica(session: nox.Session, a: Replica, b: Replica) -> None:
    bob = sign_up(a, "bob@example.com", "10.0.2.1")
    root = sign_in(a, "root@example.com", "10.0.2.2")
    promoted = a.call("PATCH", f"/api/v1/users/{bob}", {"role": "admin"}, token=root)[0]
    token = sign_in(b, "bob@example.com", "10.0.2.1")
    seen = [promoted, b.call("GET", "/api/v1/users/", token=token)[0]]  # B caches an admin
    seen.append(a.call("PATCH", f"/api/v1/users/{bob}", {"role": "user"}, token=root)[0])
    seen.append(b.call("GET", "/api/v1/users/", token=token)[0])
    again = sign_in(b, "bob@example.com", "10.0.2.1")
    seen.append(b.call("GET", "/api/v1/users/", token=again)[0])
    check(
        session,
        "promote on A, GET /users on B, demote on A, GET /users on B, new sign-in: GET on B",
        seen,
        [200, 200, 200, 401, 403],
    )


def cli_demotion_reaches_the_replicas(
    session: nox.Session, a: Replica, b: Replica, users_cli: Any
) -> None:
    sign_up(a, "carol@example.com", "10.0.3.1")
    users_cli("promote", "carol@example.com")
    token = sign_in(a, "carol@example.com", "10.0.3.1")
    seen = [b.call("GET", "/api/v1/users/", token=token)[0]]
    users_cli("demote", "carol@example.com")
    seen += [b.call("GET", "/api/v1/users/", token=token)[0]]
    check(session, "GET /users on B, `users demote` (CLI), GET /users on B", seen, [200, 401])


def login_limit_counts_across_replicas(session: nox.Session, a: Replica, b: Replica) -> None:
    body = {"email": "nobody@example.com", "password": "Wrong-pass-1234"}
    seen = [
        replica.call("POST", "/api/v1/auth/login", body, ip="10.0.9.9")[0]
        for replica in (a, b, a, b)
    ]
    check(
        session,
        f"failed sign-ins alternating A, B, A, B (limit {LOGIN_LIMIT}/minute)",
        seen,
        [401] * LOGIN_LIMIT + [429],
    )


@contextlib.contextmanager
def running(
    session: nox.Session, dst: Path, slug: str, env: dict[str, str | None], name: str
) -> Iterator[Replica]:
    """One replica, serving until the block ends; its log is kept in dst/replica-<name>.log."""
    port = services.free_port()
    log = (dst / f"replica-{name}.log").open("w")
    environ = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    process = subprocess.Popen(
        ["uv", "run", slug, "serve", "--port", str(port)],
        cwd=dst,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: `uv run` and the server stop together
    )
    try:
        if not services.wait_for(f"http://127.0.0.1:{port}", port, seconds=60):
            session.error(f"replica {name} did not start; see {log.name}")
        replica = Replica(name, port)
        wait_until_ready(session, replica)
        session.log(f"replica {name} on {replica.base} (pid {process.pid})")
        yield replica
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()


def wait_until_ready(session: nox.Session, replica: Replica) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            status, body = replica.call("GET", "/health/ready")
            if status == 200 and body == {"status": "ok"}:
                return
        time.sleep(0.2)
    session.error(f"replica {replica.name} never became ready (with Redis)")


def replica_env(database_url: str, redis_url: str, prefix: str) -> dict[str, str | None]:
    """What both replicas share: the database, Redis and its key prefix, the signing key."""
    return {
        **update.PROJECT_ENV,
        "ENVIRONMENT": "development",
        "SECRET_KEY": "replicas-share-this-signing-key-" + "x" * 16,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "RATE_LIMIT_LOGIN": f"{LOGIN_LIMIT}/minute",
        "EMAIL_BACKEND": "console",
        "EMAIL_VERIFICATION_REQUIRED": "false",
    }
