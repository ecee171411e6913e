"""update_from: a user's project at a past release, with their work, updated to HEAD.

The user renders the release (PostgreSQL, no modules) and commits; then they write a
`.env`, add a module of their own (`src/app/notes/` from tests/update_project/, listed in
`local_modules.py`) with its migration made by `<slug> db revision`, change a default
and add lines in files the template owns, and put a user and a note in the database.
`copier update` to HEAD then turns the `tasks` module on. Afterwards: no conflict left,
the project is exactly HEAD's fresh render plus the same user work, its checks pass,
and `<slug> db upgrade` reaches every head (the `tasks` table too) with the rows kept.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import nox

from nox_support import ROOT, mypy_cache, services
from nox_support.releases import clone_template, commit_all, make_synthetic_release, read_releases
from nox_support.update import (
    PROJECT_ENV,
    SYNTHETIC,
    UPDATE_ROOT,
    copy,
    differences,
    leftovers,
    update,
)

USER_FILES = ROOT / "tests" / "update_project"  # the user's own module and its test
PROJECT_NAME = "Field Notes"
OWNER_EMAIL, OWNER_PASSWORD = "owner@example.com", "owner-passw0rd-long-enough"
NOTE_TITLE = "written before the update"
MODULE_ON = "tasks"  # turned on by the update


def replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"expected {old!r} exactly once")
    return text.replace(old, new)


def _register_notes(text: str) -> str:
    text = replace_once(
        text,
        "from app.core.module import Module\n",
        "from app.core.module import Module\nfrom app.notes.module import module as notes\n",
    )
    return replace_once(
        text,
        "LOCAL_MODULES: tuple[Module, ...] = ()",
        "LOCAL_MODULES: tuple[Module, ...] = (notes,)",
    )


def _own_default(text: str) -> str:
    pattern = re.compile(r"^(\s*refresh_token_expire_days\b.*=\s*)\d+$", re.MULTILINE)
    if len(pattern.findall(text)) != 1:
        raise ValueError("expected one `refresh_token_expire_days` setting")
    return pattern.sub(r"\g<1>30", text)


def _own_comment(text: str) -> str:
    comment = "# Our platform's chart runs `app.main:app`: keep this name.\n"
    return replace_once(text, "\napp = create_app()\n", f"\n{comment}app = create_app()\n")


def _own_readme_line(text: str) -> str:
    title, _, rest = text.partition("\n")
    return f"{title}\n\n> Owned by the notes team: ask in #notes before changing the API.\n{rest}"


# The user's edits to files the template owns: path -> change. Each change is a pure
# function, so the expected project after the update is a fresh render at HEAD with the
# same changes applied.
USER_EDITS: dict[str, Callable[[str], str]] = {
    "src/app/local_modules.py": _register_notes,  # a file the template never updates
    "src/app/core/config.py": _own_default,  # a changed default
    "src/app/main.py": _own_comment,  # an added line
    "README.md": _own_readme_line,
}


def apply_user_work(project: Path) -> None:
    """The user's module (copied in) and their edits to template files."""
    shutil.copytree(USER_FILES / "src", project / "src", dirs_exist_ok=True)
    shutil.copytree(USER_FILES / "tests", project / "tests", dirs_exist_ok=True)
    for name, change in USER_EDITS.items():
        path = project / name
        try:
            path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
        except ValueError as exc:
            raise RuntimeError(f"user edit of {name}: {exc}; update USER_EDITS") from exc


def user_env_file(project: Path, database_url: str) -> None:
    """`.env` from `.env.example`, with a shorter token lifetime and the user's database."""
    text = (project / ".env.example").read_text(encoding="utf-8")
    text = replace_once(text, "ACCESS_TOKEN_EXPIRE_MINUTES=15\n", "ACCESS_TOKEN_EXPIRE_MINUTES=5\n")
    (project / ".env").write_text(f"{text}\nDATABASE_URL={database_url}\n", encoding="utf-8")


def from_release(session: nox.Session, release: str) -> None:
    """A user's project at `release`, updated to HEAD while turning a module on."""
    work = UPDATE_ROOT / f"from-{release}"
    template, project, expected = work / "template", work / "project", work / "expected"
    shutil.rmtree(work, ignore_errors=True)
    clone_template(template, read_releases())
    old = make_synthetic_release(template) if release == SYNTHETIC else release
    answers = {"project_name": PROJECT_NAME, "database": "postgresql"}
    session.log(f"copy {old} with {answers}, no modules")
    slug = str(copy(template, project, old, **answers, modules=[])["project_slug"])
    commit_all(project, "Start from fastapi-baseline")

    env = dict(PROJECT_ENV)

    def uv_run(*args: str, **extra_env: str) -> None:
        session.run("uv", "run", *args, env={**env, **extra_env}, external=True)

    user_data = ["python", str(USER_FILES / "user_data.py")]
    databases = [
        re.sub(r"[^a-z0-9]+", "_", f"{services.DB_PREFIX}_update_from_{release}_{kind}")
        for kind in ("dev", "test")
    ]
    with services.postgres(session) as server, session.chdir(project):
        # The user's work: settings, their own module and its migration, their data.
        session.run("uv", "sync", env=env, external=True)
        services.recreate_databases(session, server, databases, env)
        dev_url, test_url = (services.asyncpg_url(server, name) for name in databases)
        libpq_dev = dev_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        user_env_file(project, dev_url)
        uv_run(slug, "db", "upgrade")
        apply_user_work(project)
        uv_run(slug, "db", "revision", "-m", "add notes")
        (migration,) = (project / "migrations" / "versions").glob("*_add_notes.py")
        uv_run(slug, "db", "upgrade")
        uv_run(slug, "create-admin", "--email", OWNER_EMAIL, ADMIN_PASSWORD=OWNER_PASSWORD)
        uv_run(*user_data, "insert", libpq_dev, OWNER_EMAIL, NOTE_TITLE)
        commit_all(project, "Our notes module, settings and data")
        # Files that are the user's: the update never touches them, even where the
        # template's own copy changed since the release (`_skip_if_exists`).
        own_files = (migration, project / "src" / "app" / "local_modules.py")
        kept = {path: path.read_bytes() for path in (*own_files, project / ".env")}

        session.log(f"copier update {old} -> HEAD with modules=[{MODULE_ON}]")
        update(project, modules=[MODULE_ON])
        # Expected: a fresh render at HEAD with the same answers, plus the same user work.
        copy(template, expected, "HEAD", **answers, modules=[MODULE_ON])
        apply_user_work(expected)
        for path in own_files:
            (expected / path.relative_to(project)).write_bytes(kept[path])
        problems = leftovers(project)
        problems += differences(project, expected, skip=frozenset({".env", "uv.lock"}))
        problems += [
            f"{p.relative_to(project)}: changed" for p, b in kept.items() if p.read_bytes() != b
        ]
        if problems:
            session.error("the update lost or mangled the user's work:\n  " + "\n  ".join(problems))
        session.log("no conflict, every edit kept: the project = HEAD's render + the user's work")

        # The updated project passes its own checks, and its database upgrades.
        session.run("uv", "sync", env=env, external=True)
        uv_run("ruff", "format", "--check", ".")
        uv_run("ruff", "check", ".")
        cache = mypy_cache.prepare(f"update_from-{release}")
        uv_run("mypy", MYPY_CACHE_DIR=str(cache))
        mypy_cache.mark_complete(cache)
        uv_run("pytest", *session.posargs, TEST_DATABASE_URL=test_url)
        uv_run(slug, "db", "upgrade")
        uv_run(slug, "db", "check")
        uv_run(*user_data, "check", libpq_dev, OWNER_EMAIL, NOTE_TITLE, "users", "notes", MODULE_ON)
