"""The benchmark (`nox -s bench`) and its smoke run (`bench_smoke`).

The fullest PostgreSQL render (every module in copier.yml) is migrated and seeded
(nox_support/bench_files/seed.py), then served as production serves it (`<slug> serve`,
ENVIRONMENT=production, rate limits off) and driven by wrk with one Lua script
(bench_files/request.lua). Every case runs on a fresh server after a short warm-up; the
server's CPU time is read from /proc for its whole process group before and after.
A raw asyncpg app (bench_files/raw_app.py) doing the same session ⨝ user lookup runs in
the same round, and every case is reported as a ratio to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nox

from nox_support import services, update

FILES = Path(__file__).resolve().parent / "bench_files"
PASSWORD = "Bench-pass-4711!"
ME = "/api/v1/users/me"
TASKS = "/api/v1/users/me/tasks"
LOGIN_BODY = json.dumps({"email": "bench-login@example.com", "password": PASSWORD})


@dataclass(frozen=True)
class Case:
    """One wrk run: what to send, as whom, how hard, against which server."""

    name: str
    path: str
    user: str = ""  # whose token (a seeded user, see seed.py); none for ""
    method: str = "GET"
    body: str | None = None
    ids: bool = False  # "{id}" in the path takes the next seeded task id
    connections: int = 64
    workers: int = 1
    raw: bool = False  # the raw asyncpg app instead of the service
    timeout: int = 2  # seconds; a slower answer counts as a timeout
    server_env: tuple[tuple[str, str], ...] = ()  # settings of this case's server
    beside: Case | None = None  # a second wrk run at the same time (the login storm)


# The redis module's session cache off: the current user costs one query again.
NO_CACHE = (("REDIS_SESSION_CACHE_SECONDS", "0"),)
RAW = Case("raw asyncpg: GET /me", "/me", "me", raw=True)
ME_CASE = Case("GET /users/me", ME, "me")
LOGIN = Case(
    "POST /auth/login",
    "/api/v1/auth/login",
    method="POST",
    body=LOGIN_BODY,
    connections=16,
    timeout=10,  # sign-ins queue for the hasher by design; their latency is the figure
)
CASES = [
    RAW,
    Case("GET /health/live", "/health/live"),
    ME_CASE,
    Case("GET /users/me, session cache off", ME, "me", server_env=NO_CACHE),
    Case("list 20 of 100 tasks", f"{TASKS}?size=20", "100"),
    Case("list 20 of 100k tasks", f"{TASKS}?size=20", "100k"),
    Case("create a task", TASKS, "create", "POST", json.dumps({"title": "bench task"})),
    Case("update a task", TASKS + "/{id}", "100", "PATCH", '{"completed": true}', ids=True),
    LOGIN,
    Case("GET /users/me during the login storm", ME, "me", beside=LOGIN),
    Case(
        "GET /users/me during the login storm, session cache off",
        ME,
        "me",
        beside=LOGIN,
        server_env=NO_CACHE,
    ),
    Case("GET /users/me, 2 workers", ME, "me", workers=2),
    Case("GET /users/me, 2 workers, 512 conns", ME, "me", connections=512, workers=2),
]


@dataclass
class Result:
    case: str
    connections: int
    workers: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # connect/read/write errors, timeouts and 4xx/5xx answers
    timeouts: int
    cpu_us: float  # server CPU per request
    load: float  # 1-minute load average when the case started
    beside: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


@dataclass
class Bench:
    """A migrated, seeded render and what every server of it is started with."""

    session: nox.Session
    dst: Path
    slug: str
    env: dict[str, str]
    task_ids: list[str]
    postgresql: str
    tokens: dict[str, str] = field(default_factory=dict)

    def run(self, case: Case, seconds: int, warmup: int = 2) -> Result:
        with self.serving(case) as (port, pgid):
            if warmup:
                self.wrk(case, port, warmup)
            load, cpu = os.getloadavg()[0], group_cpu_seconds(pgid)
            beside = None
            if case.beside:
                beside = subprocess.Popen(
                    self.wrk_command(case.beside, port, seconds),
                    env=self.wrk_env(case.beside),
                    stdout=subprocess.PIPE,
                    text=True,
                )
            summary = self.wrk(case, port, seconds)
            other = parse_wrk(beside.communicate()[0]) if beside else {}
            cpu = group_cpu_seconds(pgid) - cpu
        requests = summary["requests"] + other.get("requests", 0)
        result = Result(
            case.name,
            case.connections,
            case.workers,
            summary["requests"],
            summary["duration_us"] / 1e6,
            summary["p50_us"] / 1e3,
            summary["p99_us"] / 1e3,
            sum(summary[k] for k in ("connect", "read", "write", "status", "timeout")),
            summary["timeout"],
            cpu * 1e6 / max(requests, 1),
            load,
        )
        if other:
            result.beside = {
                "rps": other["requests"] / (other["duration_us"] / 1e6),
                "p99_ms": other["p99_us"] / 1e3,
            }
        self.session.log(describe(result))
        return result

    @contextlib.contextmanager
    def serving(self, case: Case) -> Iterator[tuple[int, int]]:
        """A fresh server for `case`: its port and process group."""
        port = services.free_port()
        if case.raw:
            command = [
                str(self.dst / ".venv/bin/uvicorn"),
                "--app-dir",
                str(FILES),
                "raw_app:app",
                "--no-access-log",
                "--log-level",
                "warning",
            ]
        else:
            command = [str(self.dst / ".venv/bin" / self.slug), "serve"]
            command += ["--workers", str(case.workers)]
        log = (self.dst / "bench-server.log").open("a")
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=self.dst,
            env={**os.environ, **self.env, **dict(case.server_env)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_serving(
                self.session,
                port,
                "/me" if case.raw else "/health/ready",
                self.tokens.get("me", ""),
            )
            yield port, process.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
            log.close()

    def wrk_env(self, case: Case) -> dict[str, str]:
        env = {**os.environ, "BENCH_METHOD": case.method, "BENCH_PATH": case.path}
        if case.user:
            env["BENCH_TOKEN"] = self.tokens[case.user]
        if case.body:
            env["BENCH_BODY"] = case.body
        if case.ids:
            env["BENCH_IDS"] = ",".join(self.task_ids)
        return env

    @staticmethod
    def wrk_command(case: Case, port: int, seconds: int) -> list[str]:
        threads = str(min(2, case.connections))
        return [
            "wrk",
            "-t",
            threads,
            "-c",
            str(case.connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            f"{case.timeout}s",
            "-s",
            str(FILES / "request.lua"),
            f"http://127.0.0.1:{port}",
        ]

    def wrk(self, case: Case, port: int, seconds: int) -> dict[str, int]:
        out = subprocess.run(
            self.wrk_command(case, port, seconds),
            env=self.wrk_env(case),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return parse_wrk(out)

    def sign_in(self, users: list[str]) -> None:
        """Access tokens of the seeded users (one server, started for this)."""
        with self.serving(Case("sign-in", "/")) as (port, _):
            for user in users:
                body = json.dumps({"email": f"bench-{user}@example.com", "password": PASSWORD})
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/auth/login",
                    body.encode(),
                    {"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    self.tokens[user] = json.load(response)["access_token"]


def parse_wrk(out: str) -> dict[str, int]:
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    return dict(json.loads(line.removeprefix("BENCH ")))


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every live process in process group `pgid`."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pgid:  # after "pid (comm)": state ppid pgrp ... utime stime
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_until_serving(
    session: nox.Session, port: int, path: str, token: str, log: str = "bench-server.log"
) -> None:
    """Wait (a minute at most) until the server on `port` answers `path` with a 2xx."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=5):
                return
        time.sleep(0.2)
    session.error(f"the server on port {port} did not answer {path}; see {log}")


def describe(r: Result) -> str:
    text = (
        f"{r.case}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, "
        f"{r.errors} errors ({r.timeouts} timeouts), {r.cpu_us:,.0f} µs CPU/request, "
        f"load {r.load:.2f}"
    )
    if not r.requests:
        text += " (stalled: no answer during the run)"
    if r.beside:
        text += f"; beside it: {r.beside['rps']:,.1f} logins/s, p99 {r.beside['p99_ms']:.0f} ms"
    return text


@contextlib.contextmanager
def prepared(
    session: nox.Session, dst: Path, slug: str, modules: tuple[str, ...], big: int
) -> Iterator[Bench]:
    """The render in `dst` synced, migrated and seeded (`big` tasks for bench-100k)."""
    if shutil.which("wrk") is None:
        session.error("wrk is missing: install it (Debian: `apt-get install wrk`)")
    env = {k: v for k, v in update.PROJECT_ENV.items() if v is not None}
    with contextlib.ExitStack() as stack, session.chdir(dst):
        postgres = stack.enter_context(services.postgres(session))
        session.run("uv", "sync", "--no-dev", env={**update.PROJECT_ENV}, external=True)
        database = f"{services.DB_PREFIX}_bench"
        services.recreate_databases(session, postgres, [database], {**update.PROJECT_ENV})
        env |= {
            "ENVIRONMENT": "production",
            "SECRET_KEY": "bench-signing-key-" + "x" * 32,
            "DATABASE_URL": services.asyncpg_url(postgres, database),
            "EMAIL_BACKEND": "smtp",
            "RATE_LIMIT_ENABLED": "false",
            "ACCESS_TOKEN_EXPIRE_MINUTES": "240",
            "TASKS_MAX_PER_USER": "1000000",  # the create case adds tens of thousands
            "JWT_ISSUER": slug,
            "JWT_AUDIENCE": slug,
            "BENCH_PASSWORD": PASSWORD,
        }
        if "redis" in modules:
            prefix = services.redis_key_prefix("bench")
            redis = f"{stack.enter_context(services.redis(session))}/0"
            env |= {"REDIS_URL": redis, "REDIS_KEY_PREFIX": prefix}
            services.delete_redis_keys(session, redis, prefix, {**update.PROJECT_ENV})
        run = {**update.PROJECT_ENV, **env}
        session.run(str(dst / ".venv/bin" / slug), "db", "upgrade", env=run, external=True)
        seeded = session.run(
            str(dst / ".venv/bin/python"),
            str(FILES / "seed.py"),
            str(big),
            env=run,
            external=True,
            silent=True,
        )
        facts = json.loads(str(seeded).strip().splitlines()[-1])
        bench = Bench(session, dst, slug, env, facts["task_ids"], facts["postgresql"])
        bench.sign_in(["me", "100", "100k", "create"])
        yield bench
