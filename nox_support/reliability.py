"""A rendered service run as production runs it, driven by a recorded load.

The machinery of the `faults` and `soak` sessions (nox_support/faults.py): the render
is synced and migrated, an admin is created with the CLI, and `<slug> serve` runs with
production settings. The load (reliability_files/load.py) runs in the render's own
environment and records every request, so a session's verdict is read from what
clients actually saw.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nox

from nox_support import bench, services, update
from nox_support.throwaway import ThrowawayPostgres, ThrowawayRedis

FILES = Path(__file__).resolve().parent / "reliability_files"
EMAIL, PASSWORD = "reliability@example.com", "Reliable-pass-7316!"
Record = dict[str, Any]


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        """Resident memory of the server process, MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")


@dataclass
class Service:
    """A migrated render with an admin, and what every server of it starts with."""

    session: nox.Session
    dst: Path
    slug: str
    env: dict[str, str]

    @contextlib.contextmanager
    def serving(self, name: str) -> Iterator[Server]:
        """A fresh `<slug> serve`; its log is kept in dst/<name>.log."""
        port = services.free_port()
        log = (self.dst / f"{name}.log").open("w")
        process = subprocess.Popen(
            [str(self.dst / ".venv/bin" / self.slug), "serve", "--port", str(port)],
            cwd=self.dst,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Server(port, process)
        try:
            bench.wait_until_serving(self.session, port, "/health/ready", "", log.name)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
            log.close()

    def sign_in(self, server: Server) -> str:
        body = json.dumps({"email": EMAIL, "password": PASSWORD}).encode()
        request = urllib.request.Request(
            f"{server.base}/api/v1/auth/login", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.load(response)["access_token"])

    def drive(self, server: Server, seconds: float, workers: list[str], **plan: Any) -> Load:
        """Start the load against `server`; `Load.records()` waits for it and reads them."""
        out = Path(tempfile.mkstemp(prefix="load-", suffix=".jsonl", dir=self.dst)[1])
        plan = {
            "base": server.base,
            "token": self.sign_in(server),
            "email": EMAIL,
            "password": PASSWORD,
            "seconds": seconds,
            "workers": workers,
            "timeout": 30,
            "pause": 0.0,
            "out": str(out),
            **plan,
        }
        # The plan holds a token and a password: in the environment, not on a command line.
        process = subprocess.Popen(
            [str(self.dst / ".venv/bin/python"), str(FILES / "load.py")],
            cwd=self.dst,
            env={**os.environ, "LOAD_PLAN": json.dumps(plan)},
        )
        return Load(process, out, time.time())

    def titles_in_database(self, titles: list[str]) -> set[str]:
        """Which of these task titles the database holds."""
        # In a file: thousands of titles are too long for a command line or a variable.
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=self.dst) as listed:
            json.dump(titles, listed)
            listed.flush()
            found = self.session.run(
                str(self.dst / ".venv/bin/python"),
                str(FILES / "titles.py"),
                listed.name,
                env=self.env,
                external=True,
                silent=True,
            )
        return set(json.loads(str(found).strip().splitlines()[-1]))


@dataclass
class Load:
    process: subprocess.Popen[bytes]
    out: Path
    started: float

    def records(self) -> list[Record]:
        if self.process.wait(120) != 0:
            raise RuntimeError(f"the load driver failed (exit {self.process.returncode})")
        return [json.loads(line) for line in self.out.read_text().splitlines()]


@dataclass
class Prepared:
    """A service on servers of its own, which the fault runs stop and start."""

    service: Service
    postgres: ThrowawayPostgres
    redis: ThrowawayRedis


@contextlib.contextmanager
def prepared(
    session: nox.Session, dst: Path, slug: str, database_url: str, redis_url: str
) -> Iterator[Service]:
    """The render in `dst` synced, migrated, with the admin the load signs in as."""
    env = {k: v for k, v in update.PROJECT_ENV.items() if v is not None}
    env |= {
        "ENVIRONMENT": "production",
        "SECRET_KEY": "reliability-signing-key-" + "x" * 32,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "smtp",
        "RATE_LIMIT_LOGIN": "100000/minute",
        "RATE_LIMIT_REFRESH": "100000/minute",
        "TASKS_MAX_PER_USER": "1000000",
        "JWT_ISSUER": slug,
        "JWT_AUDIENCE": slug,
    }
    with session.chdir(dst):
        session.run("uv", "sync", env={**update.PROJECT_ENV}, external=True)
        run = {**update.PROJECT_ENV, **env}
        session.run(str(dst / ".venv/bin" / slug), "db", "upgrade", env=run, external=True)
        cli = [str(dst / ".venv/bin" / slug), "create-admin", "--email", EMAIL]
        session.run(*cli, env={**run, "ADMIN_PASSWORD": PASSWORD}, external=True)
        yield Service(session, dst, slug, env)
