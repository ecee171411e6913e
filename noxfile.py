"""Sessions that test the fastapi-baseline template.

`uv run nox -j 2` runs them all, two at a time: the template's own tests, a lint of
this repo's Python, the docs build, and one `combo` session per answer combination
(every database x every subset of the optional modules), and the `copier update`
scenarios (tag `update`, noxupdate.py). The matrix is read from copier.yml, so it
follows the questions.

    uv run nox -l                          # list the sessions
    uv run nox -s "combo(sqlite-none)"     # one combination
    uv run nox -t quick                    # the fastest combinations
    uv run nox -s template_tests -- -x     # arguments after -- go to pytest
    uv run nox -t update                   # the copier update scenarios

Environment: NOX_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
and NOX_REDIS_URL (default redis://127.0.0.1:6379); NOX_DB_PREFIX (default nox) names
the databases the sessions create; NOX_RELEASES_FILE (default
tests/releases.txt) for the update sessions. When a server a combination
needs is not reachable, nox starts a throwaway one from local binaries, or fails
the session saying how to start one.
"""

from __future__ import annotations

import contextlib
import fnmatch
import itertools
import logging
import re
import shutil
import sys
from pathlib import Path

import nox
import yaml

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # nox does not put the noxfile's folder on sys.path
import noxbrowser  # noqa: E402 - /docs in headless Chromium
import noxservices as services  # noqa: E402 - PostgreSQL and Redis for the sessions
import noxupdate as update  # noqa: E402 - the copier update scenarios
import noxuserproject  # noqa: E402 - update_from: a user's project, a release to HEAD

RENDER_ROOT = ROOT / ".nox" / "render"

nox.needs_version = ">=2026.10.20"
logging.getLogger("plumbum").setLevel(logging.WARNING)  # copier's git calls: quiet
nox.options.default_venv_backend = "none"  # every session uses the repo's own `uv sync` env


# --- the matrix, from copier.yml ------------------------------------------------------


def choice_values(question: dict) -> list[str]:
    """Values of a copier question's choices: a list, or a mapping of label -> value."""
    choices = question.get("choices") or []
    if isinstance(choices, dict):
        choices = list(choices.values())
    values = []
    for choice in choices:
        if isinstance(choice, dict):  # {value: ..., validator: ...}
            choice = choice["value"]
        elif isinstance(choice, list):  # [label, value]
            choice = choice[1]
        values.append(str(choice))
    return values


def combo_id(database: str, modules: tuple[str, ...]) -> str:
    return f"{database}-{'+'.join(sorted(modules)) or 'none'}"


QUESTIONS = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
DATABASES = choice_values(QUESTIONS["database"])
MODULES = sorted(choice_values(QUESTIONS["modules"]))
# Every database x every subset of the modules: 2 x 2**len(MODULES) combinations.
COMBOS = [
    (database, subset)
    for database in DATABASES
    for size in range(len(MODULES) + 1)
    for subset in itertools.combinations(MODULES, size)
]
# Combinations that get a Redis database index of their own (16 by default in Redis).
REDIS_COMBOS = [combo_id(db, mods) for db, mods in COMBOS if "redis" in mods]


def combo_param(database: str, modules: tuple[str, ...]) -> nox.param:
    quick = database == "sqlite" and len(modules) in (0, len(MODULES))
    tags = [database, "quick"] if quick else [database]
    return nox.param(database, modules, id=combo_id(database, modules), tags=tags)


# --- checks on a fresh render ---------------------------------------------------------

# Leftover jinja: a file copied verbatim that meant to be rendered (a forgotten `.jinja`
# suffix) keeps its tags, comments and its expressions on the answers. Python's own `{{x}}`
# (an escaped brace in an f-string) and `%}` (`f"{ratio:.0%}"`) are not jinja, nor are
# GitHub Actions expressions `${{ ... }}`.
JINJA_NAMES = [n for n in QUESTIONS if not n.startswith("_")] + ["_copier_conf", "_copier_answers"]
JINJA_LEFTOVER = re.compile(r"\{%|\{#|(?<!\$)\{\{-?\s*(" + "|".join(JINJA_NAMES) + r")\b")
# Files allowed to contain jinja-like text (glob on the path in the render -> why).
JINJA_ALLOWED: dict[str, str] = {}


def find_problems(dst: Path, absent: list[str]) -> list[str]:
    """Leftover jinja, traces of the absent modules, and empty directories in a render."""
    problems = []
    # `app.tasks` (imports) or `app/tasks/` (paths in prose), and revision ids.
    traces = [(re.compile(rf"\bapp[./]{m}\b|\b{m}_0001"), m) for m in absent]
    for path in sorted(dst.rglob("*")):
        rel = path.relative_to(dst).as_posix()
        for m in absent:
            owned = (f"src/app/{m}", f"tests/{m}", f"docs/modules/{m}.md")
            if rel in owned or rel.startswith(tuple(f"{p}/" for p in owned)):
                problems.append(f"{rel}: belongs to the absent module {m}")
            elif fnmatch.fnmatch(rel, f"migrations/versions/{m}_*"):
                problems.append(f"{rel}: migration of the absent module {m}")
        if path.is_dir():
            if not any(path.iterdir()):
                problems.append(f"{rel}/: empty directory")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        allowed = any(fnmatch.fnmatch(rel, glob) for glob in JINJA_ALLOWED)
        for number, line in enumerate(text.splitlines(), start=1):
            if not allowed and JINJA_LEFTOVER.search(line):
                problems.append(f"{rel}:{number}: leftover jinja: {line.strip()}")
            for pattern, m in traces:
                if pattern.search(line):
                    problems.append(
                        f"{rel}:{number}: trace of the absent module {m}: {line.strip()}"
                    )
    return problems


def render(session: nox.Session, dst: Path, database: str, modules: tuple[str, ...]) -> dict:
    """Render the template from this work tree (dirty changes included) into dst."""
    shutil.rmtree(dst, ignore_errors=True)
    session.log(f"render {database=} modules={list(modules)} into {dst}")
    return update.copy(ROOT, dst, "HEAD", database=database, modules=list(modules))


# --- sessions -------------------------------------------------------------------------


@nox.session(allow_parallel=True)
def template_tests(session: nox.Session) -> None:
    """pytest tests/: answers, validators, determinism, allow-lists of the template."""
    session.run(sys.executable, "-m", "pytest", "tests", *session.posargs)


@nox.session(allow_parallel=True)
def lint(session: nox.Session) -> None:
    """ruff on this repository's own Python (noxfile, tests); the template has its own."""
    session.run(sys.executable, "-m", "ruff", "format", "--check", ".")
    session.run(sys.executable, "-m", "ruff", "check", ".")


@nox.session(allow_parallel=True)
def docs(session: nox.Session) -> None:
    """Build the documentation site; warnings are errors."""
    site = ROOT / ".nox" / "site"
    env = {"NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's banner about its successor
    session.run(
        sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site), env=env
    )


@nox.session(allow_parallel=True)
def docs_browser(session: nox.Session) -> None:
    """Serve a rendered service and load /docs in headless Chromium with no network.

    Keeps the screenshot in .nox/artifacts/docs.png.
    """
    dst = RENDER_ROOT / "docs-browser"
    answers = render(session, dst, "sqlite", ())
    artifacts = ROOT / ".nox" / "artifacts"
    noxbrowser.check_docs(session, dst, str(answers["project_slug"]), artifacts)


@nox.session(allow_parallel=True)
@nox.parametrize(["database", "modules"], [combo_param(*c) for c in COMBOS])
def combo(session: nox.Session, database: str, modules: tuple[str, ...]) -> None:
    """Render one combination and run its checks: ruff, mypy, pytest, migrations."""
    name = combo_id(database, modules)
    dst = RENDER_ROOT / name
    answers = render(session, dst, database, modules)
    absent = [m for m in MODULES if m not in modules]
    if problems := find_problems(dst, absent):
        session.error("the render is not clean:\n  " + "\n  ".join(problems))

    # The rendered project runs in its own uv environment, never in ours.
    env: dict[str, str | None] = {
        "UV_PYTHON_DOWNLOADS": "never",
        "VIRTUAL_ENV": None,
        "UV_PROJECT_ENVIRONMENT": None,
        "DATABASE_URL": None,
        "TEST_DATABASE_URL": None,
        "REDIS_URL": None,
        "ENVIRONMENT": None,
    }
    slug = str(answers["project_slug"])
    with contextlib.ExitStack() as stack, session.chdir(dst):
        # Servers first, so a missing one fails the session before the long steps.
        postgres = redis = None
        if database == "postgresql":
            postgres = stack.enter_context(services.postgres(session))
        if "redis" in modules:
            redis = stack.enter_context(services.redis(session))

        session.run("uv", "sync", env=env, external=True)
        if postgres:  # each combination owns its databases, so `nox -j 2` is safe
            db_name = re.sub(r"[^a-z0-9]+", "_", f"{services.DB_PREFIX}_{name}")
            test_db, migrate_db = f"{db_name}_test", f"{db_name}_migrate"
            services.recreate_databases(session, postgres, [test_db, migrate_db], env)
            env["TEST_DATABASE_URL"] = services.asyncpg_url(postgres, test_db)
            migrate_url = services.asyncpg_url(postgres, migrate_db)
        else:
            migrate_url = f"sqlite+aiosqlite:///{dst / 'migrate.db'}"
        if redis:  # one Redis database index per combination
            redis_url = f"{redis}/{REDIS_COMBOS.index(name) % 16}"
            services.flush_redis(session, redis_url)
            env["REDIS_URL"] = redis_url

        session.run("uv", "run", "ruff", "format", "--check", ".", env=env, external=True)
        session.run("uv", "run", "ruff", "check", ".", env=env, external=True)
        session.run("uv", "run", "mypy", env=env, external=True)
        session.run("uv", "run", "pytest", *session.posargs, env=env, external=True)

        # Migrations against an empty database: up, no drift, down to nothing, up again.
        migrate_env = {**env, "DATABASE_URL": migrate_url}
        for step in (
            ["alembic", "upgrade", "heads"],
            [slug, "db", "check"],
            ["alembic", "downgrade", "base"],
            ["alembic", "upgrade", "heads"],
        ):
            session.run("uv", "run", *step, env=migrate_env, external=True)


# --- copier update: never lose a user's work (noxupdate.py) ----------------------------


@nox.session(allow_parallel=True, tags=["update"])
@nox.parametrize(["database", "modules"], [nox.param(*c, id=combo_id(*c)) for c in COMBOS])
def update_same(session: nox.Session, database: str, modules: tuple[str, ...]) -> None:
    """copier update to the same version leaves `git status` empty."""
    update.same_version(session, combo_id(database, modules), database, modules)


@nox.session(allow_parallel=True, tags=["update"])
def update_modules(session: nox.Session) -> None:
    """Each module switched on, then off, by copier update equals a fresh render."""
    update.modules_round_trip(session, DATABASES, MODULES)


@nox.session(allow_parallel=True, tags=["update", "postgresql"])
@nox.parametrize("release", [nox.param(r, id=r) for r in update.release_ids()])
def update_from(session: nox.Session, release: str) -> None:
    """A user's project at a past release, updated to HEAD with tasks on, loses nothing."""
    noxuserproject.from_release(session, release)


@nox.session(allow_parallel=True, tags=["update"])
def update_conflict(session: nox.Session) -> None:
    """A line both the user and the template changed: the conflict is left and found."""
    update.conflict_demo(session)
