"""The project command: migrations, creating an admin, serving.

Each test runs against its own SQLite file, so nothing leaks into the shared
test database.
"""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from app import cli
from app.core import project
from app.core.config import get_settings

runner = CliRunner()
PROJECT_ROOT = cli.PROJECT_ROOT
# Revision files of the template: <branch>_<NNNN>_<what>.py
TEMPLATE_REVISION = re.compile(r"[a-z]+_\d{4}_\w+\.py")


def upgrade(database: Path) -> None:
    """`db upgrade` on this SQLite file, then the settings read anew."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
        get_settings.cache_clear()
        result = runner.invoke(cli.cli, ["db", "upgrade"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file `db upgrade` migrated with the project's migrations, once a run."""
    database = tmp_path_factory.mktemp("cli") / "migrated.db"
    upgrade(database)
    return database


@pytest.fixture
def own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """Point the CLI's settings at a fresh SQLite file, migrated to every head.

    With the project's own migrations it is a copy of `migrated_file`; a test that
    changed them (`template_migrations`) gets the file migrated with its own.
    """
    database = tmp_path / "cli.db"
    if cli.PROJECT_ROOT == PROJECT_ROOT:
        shutil.copyfile(request.getfixturevalue("migrated_file"), database)
    else:
        upgrade(database)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_create_admin_then_refuse_a_duplicate(
    own_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "admin-pass-1")
    created = runner.invoke(cli.cli, ["create-admin", "--email", "Root@Example.com"])
    assert created.exit_code == 0, created.output
    assert "root@example.com" in created.output
    again = runner.invoke(cli.cli, ["create-admin", "--email", "root@example.com"])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_create_admin_reads_the_password_from_stdin(own_database: Path) -> None:
    result = runner.invoke(
        cli.cli, ["create-admin", "--email", "ops@example.com", "--password-stdin"], input="pw\n"
    )
    assert result.exit_code == 2
    assert "Cannot create the admin" in result.output
    result = runner.invoke(
        cli.cli,
        ["create-admin", "--email", "ops@example.com", "--password-stdin"],
        input="strong-pass-1\n",
    )
    assert result.exit_code == 0, result.output


def test_v16_2_5_create_admin_never_echoes_the_password(
    own_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "Password123")
    result = runner.invoke(cli.cli, ["create-admin", "--email", "ops@example.com"])
    assert result.exit_code == 2
    assert "too common" in result.output
    assert "Password123" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_v16_2_5_create_admin_asks_again_for_a_refused_password(
    own_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    # Each prompt asks twice (confirmation): a common password, then a passphrase.
    typed = "password1\npassword1\nfine passphrase here\nfine passphrase here\n"
    result = runner.invoke(cli.cli, ["create-admin", "--email", "ops@example.com"], input=typed)
    assert result.exit_code == 0, result.output
    assert result.output.count("too common") == 1
    assert "password1" not in result.output


def test_db_check_finds_no_drift(own_database: Path) -> None:
    result = runner.invoke(cli.cli, ["db", "check"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def template_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI on a copy of the project holding only the template's revisions.

    The project's own `app` branch may exist already; the test below starts it
    afresh. Listed before `own_database`, which then migrates with the copy.
    """
    project = tmp_path / "project"
    shutil.copytree(
        cli.PROJECT_ROOT / "migrations",
        project / "migrations",
        ignore=lambda folder, names: [
            name
            for name in names
            if Path(folder).name == "versions" and not TEMPLATE_REVISION.fullmatch(name)
        ],
    )
    shutil.copy(cli.PROJECT_ROOT / "alembic.ini", project / "alembic.ini")
    monkeypatch.setattr(cli, "PROJECT_ROOT", project)
    return project


def test_db_revision_starts_and_extends_the_app_branch(
    template_migrations: Path, own_database: Path
) -> None:
    project = template_migrations

    for message in ("first change", "second change"):
        result = runner.invoke(cli.cli, ["db", "revision", "-m", message])
        assert result.exit_code == 0, result.output
        # Autogenerate compares with an up-to-date database, as in real use.
        assert runner.invoke(cli.cli, ["db", "upgrade"]).exit_code == 0
    versions = project / "migrations" / "versions"
    first = next(versions.glob("*first_change.py")).read_text()
    second = next(versions.glob("*second_change.py")).read_text()
    assert 'branch_labels: str | Sequence[str] | None = ("app",)' in first
    core_head = ScriptDirectory.from_config(cli.alembic_config()).get_revision("core@head")
    assert core_head is not None
    assert f'depends_on: str | Sequence[str] | None = "{core_head.revision}"' in first
    assert "down_revision: str | Sequence[str] | None = None" not in second


@pytest.mark.parametrize("reload", [False, True])
def test_serve_says_where_it_listens_and_which_database(
    monkeypatch: pytest.MonkeyPatch, reload: bool
) -> None:
    # With --reload, uvicorn's own "running on" line comes from a process that
    # never imports the app; the command says it itself, either way.
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: None)
    monkeypatch.delenv("DATABASE_URL")
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli.cli, ["serve", "--port", "8001", *["--reload"] * reload])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8001" in result.output
    assert "a local SQLite file, ./local.db (DATABASE_URL is unset)" in result.output
    if project.DATABASE == "postgresql":
        assert "production runs on PostgreSQL: set DATABASE_URL" in result.output


def test_serve_shows_the_database_url_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: None)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://svc:s3cret-pw@db.internal:5432/svc")
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli.cli, ["serve", "--host", "::1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "http://[::1]:8000" in result.output
    assert "postgresql+asyncpg://svc:***@db.internal:5432/svc" in result.output
    assert "s3cret-pw" not in result.output


def test_serve_runs_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn.run blocks until the server stops, so this test records the call
    # instead of serving; the app itself is exercised by every other test.
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append(kwargs))
    result = runner.invoke(cli.cli, ["serve", "--port", "9000", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert calls == [
        {
            "host": "127.0.0.1",
            "port": 9000,
            "reload": False,
            "workers": 2,
            "log_config": None,
            "access_log": False,
            "proxy_headers": False,
            "forwarded_allow_ips": None,
            "timeout_graceful_shutdown": 25,
        }
    ]
