"""Sessions that test the fastapi-baseline template.

`uv run nox -j 2` runs them all, two at a time: the template's own tests, a lint of
this repo's Python, the docs build, and one `combo` session per answer combination
(every database x every subset of the optional modules), and the `copier update`
scenarios (tag `update`, nox_support/update.py). The matrix is read from copier.yml, so it
follows the questions.

    uv run nox -l                          # list the sessions
    uv run nox -s "combo(sqlite-none)"     # one combination
    uv run nox -t quick                    # the fastest combinations
    uv run nox -s template_tests -- -x     # arguments after -- go to pytest
    uv run nox -t update                   # the copier update scenarios

Environment: NOX_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
and NOX_REDIS_URL (default redis://127.0.0.1:6379); NOX_DB_PREFIX (default nox) names
the databases the sessions create and prefixes the Redis keys their tests write;
NOX_RELEASES_FILE (default tests/releases.txt) for the update sessions. When a server
a combination needs is not reachable, nox starts a throwaway one from local binaries,
or fails the session saying how to start one.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).resolve().parent))  # nox leaves the noxfile's folder out
from nox_support import (
    ROOT,
    bench,
    bench_report,
    browser,
    faults,
    line_coverage,
    mypy_cache,
    oidc_provider,
    reliability,
    replicas,
    services,
    update,
    userproject,
)
from nox_support.beside import Beside, Command
from nox_support.browser_sessions import check_sessions
from nox_support.matrix import COMBOS, DATABASES, MODULES, combo_id, slowest_first
from nox_support.render_checks import find_problems
from nox_support.timing import records_dir, step, timed

RENDER_ROOT = ROOT / ".nox" / "render"
# The rendered tests/fuzz run's budget (seeded and deterministic either way).
FUZZ_QUICK = {"FUZZ_MAX_EXAMPLES": "5", "FUZZ_COVERAGE": "0"}
FUZZ_DEEP = {"FUZZ_MAX_EXAMPLES": "10", "FUZZ_COVERAGE": "1"}

nox.needs_version = ">=2026.10.20"
logging.getLogger("plumbum").setLevel(logging.WARNING)  # copier's git calls: quiet
nox.options.default_venv_backend = "none"  # every session uses the repo's own `uv sync` env
records_dir()  # the table of session times, printed when nox ends (nox_support/timing.py)


def combo_param(database: str, modules: tuple[str, ...]) -> nox.param:
    quick = database == "sqlite" and len(modules) in (0, len(MODULES))
    tags = [database, "quick"] if quick else [database]
    return nox.param(database, modules, id=combo_id(database, modules), tags=tags)


def render(session: nox.Session, dst: Path, database: str, modules: tuple[str, ...]) -> dict:
    """Render the template from this work tree (dirty changes included) into dst."""
    shutil.rmtree(dst, ignore_errors=True)
    session.log(f"render {database=} modules={list(modules)} into {dst}")
    return update.copy(ROOT, dst, "HEAD", database=database, modules=list(modules))


def pytest_temp_root(name: str) -> Path:
    """A session's own root for pytest's temporary folders. pytest deletes the oldest
    of the folders it finds there: in a shared /tmp one suite would pay for deleting
    another's (the template tests leave thousands of rendered files)."""
    root = ROOT / ".nox" / "tmp" / name
    root.mkdir(parents=True, exist_ok=True)
    return root


# --- sessions, slowest first: `nox -j 2` starts them in this order ----------------------


@contextlib.contextmanager
def reliability_service(session: nox.Session, name: str) -> Iterator[reliability.Prepared]:
    """The fullest PostgreSQL render on a PostgreSQL cluster and a Redis of its own."""
    dst = RENDER_ROOT / name
    slug = str(render(session, dst, "postgresql", tuple(MODULES))["project_slug"])
    with (
        services.throwaway_postgres(session) as postgres,
        services.throwaway_redis(session) as redis,
    ):
        database_url = services.asyncpg_url(postgres.url, "postgres")
        with reliability.prepared(session, dst, slug, database_url, f"{redis.url}/0") as service:
            yield reliability.Prepared(service, postgres, redis)


@nox.session(allow_parallel=True, tags=["reliability"])
@timed
def soak(session: nox.Session) -> None:
    """Every kind of endpoint at a moderate rate for `-- SECONDS` (default 300): no error,
    and the server's RSS levels off (nox_support/faults.py)."""
    seconds = int(session.posargs[0]) if session.posargs else 300
    with reliability_service(session, "soak") as prepared:
        failures = faults.soak(prepared.service, seconds)
    if failures:
        session.error("\n  ".join(["soak:", *failures]))


@nox.session(allow_parallel=True, tags=["reliability"])
@timed
def faults_under_load(session: nox.Session) -> None:
    """Stop PostgreSQL, then Redis, then the server itself (SIGTERM) while a load runs:
    answers stay 2xx or 503 and fast, the service recovers, no 201 is lost
    (nox_support/faults.py)."""
    with reliability_service(session, "faults") as prepared:
        failures = faults.database_outage(prepared.service, prepared.postgres)
        failures += faults.redis_outage(prepared.service, prepared.redis)
        failures += faults.sigterm(prepared.service)
    if failures:
        session.error("\n  ".join(["faults under load:", *failures]))


@nox.session(allow_parallel=True, tags=["update", "postgresql"])
@nox.parametrize("release", [nox.param(r, id=r) for r in update.release_ids()])
@timed
def update_from(session: nox.Session, release: str) -> None:
    """A user's project at a past release, updated to HEAD with tasks on, loses nothing."""
    userproject.from_release(session, release)


@nox.session(allow_parallel=True)
@timed
def template_tests(session: nox.Session) -> None:
    """pytest tests/: answers, validators, determinism, allow-lists of the template."""
    env = {"PYTEST_DEBUG_TEMPROOT": str(pytest_temp_root("template_tests"))}
    session.run(sys.executable, "-m", "pytest", "tests", *session.posargs, env=env)


@nox.session(allow_parallel=True, tags=["update"])
@nox.parametrize("database", [nox.param(db, id=db) for db in DATABASES])
@timed
def update_modules(session: nox.Session, database: str) -> None:
    """Each module switched on, then off, by copier update equals a fresh render.

    One session per database: two updates and two renders per module, so with four
    modules one session for both would be among the longest of the run.
    """
    update.modules_round_trip(session, database, MODULES)


@nox.session(allow_parallel=True)
@nox.parametrize(["database", "modules"], [combo_param(*c) for c in slowest_first(COMBOS)])
@timed
def combo(session: nox.Session, database: str, modules: tuple[str, ...]) -> None:
    """Render one combination and run its checks: ruff, mypy, pytest, migrations."""
    name = combo_id(database, modules)
    dst = RENDER_ROOT / name
    with step(session, "render"):
        answers = render(session, dst, database, modules)
        absent = [m for m in MODULES if m not in modules]
        if problems := find_problems(dst, absent):
            session.error("the render is not clean:\n  " + "\n  ".join(problems))

    # The rendered project runs in its own uv environment, never in ours.
    env = {**update.PROJECT_ENV, "PYTEST_DEBUG_TEMPROOT": str(pytest_temp_root(name))}
    slug = str(answers["project_slug"])
    with contextlib.ExitStack() as stack, session.chdir(dst):
        # Servers first, so a missing one fails the session before the long steps.
        postgres = redis = None
        if database == "postgresql":
            postgres = stack.enter_context(services.postgres(session))
        if "redis" in modules:
            redis = stack.enter_context(services.redis(session))
        if "oauth" in modules:  # the end-to-end tests' OpenID Connect provider, once a run
            env[oidc_provider.ENV_VAR] = str(oidc_provider.node_modules(session))

        with step(session, "uv sync"):
            session.run("uv", "sync", env=env, external=True)
        if postgres:  # each combination owns its databases, so `nox -j 2` is safe
            db_name = re.sub(r"[^a-z0-9]+", "_", f"{services.DB_PREFIX}_{name}")
            test_db, migrate_db = f"{db_name}_test", f"{db_name}_migrate"
            with step(session, "databases"):
                services.recreate_databases(session, postgres, [test_db, migrate_db], env)
            env["TEST_DATABASE_URL"] = services.asyncpg_url(postgres, test_db)
            migrate_url = services.asyncpg_url(postgres, migrate_db)
        else:
            migrate_url = f"sqlite+aiosqlite:///{dst / 'migrate.db'}"
        if redis:  # keys under a prefix of this checkout and combination, so sharing is safe
            env["REDIS_URL"] = f"{redis}/0"
            env["REDIS_KEY_PREFIX"] = services.redis_key_prefix(name)

        # Migrations against an empty database: up, no drift, down to nothing, up again.
        # First, on their own: the first import of the app's libraries in a new
        # environment writes their bytecode (about 2.5 CPU s), which pytest then reads;
        # run beside pytest, both would compile the same files.
        round_trip = str(ROOT / "nox_support" / "migration_round_trip.py")
        migrate_env = {**env, "DATABASE_URL": migrate_url}
        with step(session, "migrations"):
            session.run(
                "uv", "run", "python", "-P", round_trip, slug, env=migrate_env, external=True
            )

        # ruff and mypy only read the sources: they run beside pytest, on the other core
        # when the combination runs alone.
        cache = mypy_cache.prepare(name)
        checks = [
            Command("ruff format", ["uv", "run", "ruff", "format", "--check", "."], env),
            Command("ruff check", ["uv", "run", "ruff", "check", "."], env),
            Command(
                "mypy",
                ["uv", "run", "mypy"],
                {**env, "MYPY_CACHE_DIR": str(cache)},
                after=lambda: mypy_cache.mark_complete(cache),
            ),
        ]

        # Where each module is alone (core's combination has none), the suite runs as a
        # user runs it. With two or more modules, what cannot change from one combination
        # to another is left to those: the tests marked slow (a 100k-row query plan), and
        # branch coverage, whose tracer makes the suite 2.5 times as slow on Python 3.12
        # and 3.13; the same 90 % gate holds on lines, measured through sys.monitoring.
        pytest_args, pytest_env = [*session.posargs], env
        if len(modules) > 1:
            rc = line_coverage.config(dst, ROOT / ".nox" / "coverage" / f"{name}.coveragerc")
            pytest_args += ["-m", "not slow and not fuzz", f"--cov-config={rc}"]
            pytest_env = {**env, **line_coverage.ENV}
        beside = Beside(checks, dst)
        try:
            with step(session, "pytest", leave_out=beside.cpu_seconds), beside:
                session.run("uv", "run", "pytest", *pytest_args, env=pytest_env, external=True)
        finally:
            beside.report(session)

        # Schemathesis over the OpenAPI document, on the database pytest left empty: its
        # fuzzing phase everywhere; on the fullest PostgreSQL combination, also the coverage
        # phase (boundaries, wrong types, unexpected methods) with a larger budget.
        deep = database == "postgresql" and len(modules) == len(MODULES)
        fuzz_env = {**env, **(FUZZ_DEEP if deep else FUZZ_QUICK)}
        with step(session, "fuzz"):
            session.run(
                "uv", "run", "pytest", "-m", "fuzz", "--no-cov", env=fuzz_env, external=True
            )


@nox.session(allow_parallel=True, tags=["redis"])
@nox.parametrize("database", [nox.param(d, id=d) for d in DATABASES])
@timed
def replicas_share_redis(session: nox.Session, database: str) -> None:
    """Two uvicorn replicas on one database and one Redis see each other's changes at once.

    A logout or a demotion on one is refused on the other on the next request, and the
    sign-in limit counts both (nox_support/replicas.py)."""
    name = f"replicas-{database}"
    dst = RENDER_ROOT / name
    slug = str(render(session, dst, database, ("redis",))["project_slug"])
    env = dict(update.PROJECT_ENV)
    with contextlib.ExitStack() as stack, session.chdir(dst):
        redis_url = f"{stack.enter_context(services.redis(session))}/0"
        session.run("uv", "sync", env=env, external=True)
        if database == "postgresql":
            postgres = stack.enter_context(services.postgres(session))
            db_name = re.sub(r"[^a-z0-9]+", "_", f"{services.DB_PREFIX}_{name}")
            services.recreate_databases(session, postgres, [db_name], env)
            database_url = services.asyncpg_url(postgres, db_name)
        else:
            database_url = f"sqlite+aiosqlite:///{dst / 'replicas.db'}"
        prefix = services.redis_key_prefix(name)
        services.delete_redis_keys(session, redis_url, prefix, env)
        try:
            replicas.run(session, dst, slug, replicas.replica_env(database_url, redis_url, prefix))
        finally:
            services.delete_redis_keys(session, redis_url, prefix, env)


@nox.session(name="bench", tags=["bench"], default=False)
@timed
def bench_session(session: nox.Session) -> None:
    """wrk against the fullest PostgreSQL render, as production serves it; writes
    docs/performance.md. `-- SECONDS [WORD...]`: each case's length (default 10), and
    only the cases whose names hold a WORD (then the docs are left alone)."""
    seconds = int(session.posargs[0]) if session.posargs else 10
    words = session.posargs[1:]
    cases = [c for c in bench.CASES if c.raw or not words or any(w in c.name for w in words)]
    modules = tuple(MODULES)
    dst = RENDER_ROOT / "bench"
    slug = str(render(session, dst, "postgresql", modules)["project_slug"])
    with bench.prepared(session, dst, slug, modules, big=100_000) as run:
        results = [run.run(case, seconds) for case in cases]
        machine = bench_report.machine(dst / ".venv/bin/python", run.postgresql)
    if not words:
        path = ROOT / "docs" / "performance.md"
        bench_report.write(path, results, modules=modules, seconds=seconds, machine_text=machine)
        session.log(f"wrote {path}")


@nox.session(allow_parallel=True, tags=["bench"])
@timed
def bench_smoke(session: nox.Session) -> None:
    """The benchmark's machinery in brief: render, migrate, seed, serve, one 3 s wrk
    case of GET /users/me that must answer every request."""
    modules = tuple(MODULES)
    dst = RENDER_ROOT / "bench-smoke"
    slug = str(render(session, dst, "postgresql", modules)["project_slug"])
    with bench.prepared(session, dst, slug, modules, big=1_000) as run:
        result = run.run(bench.ME_CASE, seconds=3, warmup=0)
    if result.errors or not result.requests:
        session.error(f"the smoke run saw {result.errors} errors in {result.requests} requests")


@nox.session(allow_parallel=True)
@timed
def docs_browser(session: nox.Session) -> None:
    """Serve a rendered service and load /docs in headless Chromium with no network.

    Keeps the screenshot in .nox/artifacts/docs.png.
    """
    dst = RENDER_ROOT / "docs-browser"
    answers = render(session, dst, "sqlite", ())
    artifacts = ROOT / ".nox" / "artifacts"
    browser.check_docs(session, dst, str(answers["project_slug"]), artifacts)


@nox.session(allow_parallel=True)
@timed
def browser_sessions(session: nox.Session) -> None:
    """Sign in, reload, refresh by cookie and log out in headless Chromium; hostile pages fail.

    The refresh token lives in an HttpOnly cookie (X-Auth-Transport: cookie); pages of
    another origin and of another site try to spend or end the session and must not.
    """
    dst = RENDER_ROOT / "browser-sessions"
    answers = render(session, dst, "sqlite", ())
    check_sessions(session, dst, str(answers["project_slug"]))


@nox.session(allow_parallel=True, tags=["update"])
@nox.parametrize(["database", "modules"], [nox.param(*c, id=combo_id(*c)) for c in COMBOS])
@timed
def update_same(session: nox.Session, database: str, modules: tuple[str, ...]) -> None:
    """copier update to the same version leaves `git status` empty."""
    update.same_version(session, combo_id(database, modules), database, modules)


@nox.session(allow_parallel=True, tags=["update"])
@timed
def update_conflict(session: nox.Session) -> None:
    """A line both the user and the template changed: the conflict is left and found."""
    update.conflict_demo(session)


@nox.session(allow_parallel=True)
@timed
def docs(session: nox.Session) -> None:
    """Build the documentation site; warnings are errors."""
    site = ROOT / ".nox" / "site"
    env = {"NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's banner about its successor
    session.run(
        sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site), env=env
    )


@nox.session(allow_parallel=True)
@timed
def lint(session: nox.Session) -> None:
    """ruff on this repository's own Python (noxfile, tests); the template has its own."""
    session.run(sys.executable, "-m", "ruff", "format", "--check", ".")
    session.run(sys.executable, "-m", "ruff", "check", ".")
