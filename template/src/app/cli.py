"""The project's command line: `<project> serve | create-admin | db ...`."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.auth.cli import users_cli
from app.core import project
from app.core.config import LOCAL_DATABASE_URL, Settings, describe_validation_error, get_settings
from app.core.db import create_engine, create_session_factory
from app.core.errors import WEAK_PASSWORD_ERROR_TYPE
from app.core.logging import configure_logging
from app.core.passwords import PasswordHasher
from app.core.permissions import Role
from app.core.services import Services, install_services
from app.core.wiring import build_services, run_modules
from app.users import service as users_service
from app.users.schemas import UserRegister

# src/app/cli.py -> the project root, where alembic.ini lives.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
USER_BRANCH = "app"
PRODUCTION_DATABASES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}

# No local variables in tracebacks: they would print passwords and keys.
cli = typer.Typer(
    name=project.SLUG,
    help=f"{project.NAME}: {project.DESCRIPTION}",
    pretty_exceptions_show_locals=False,
)
db_cli = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@asynccontextmanager
async def running_services() -> AsyncIterator[Services]:
    """The service's container with every module started, as `serve` has it, for a command."""
    from app.modules import MODULES  # not at import: `db upgrade` needs no module

    app = FastAPI()
    install_services(app, build_services(get_settings(), MODULES))
    async with run_modules(app, MODULES) as services:
        yield services


cli.add_typer(users_cli, name="users", context_settings={"obj": running_services})


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    shutdown_timeout: Annotated[
        int, typer.Option(help="Seconds in-flight requests get to finish on SIGTERM")
    ] = 25,
) -> None:
    """Run the API with uvicorn.

    Logging is the app's own (structured); the client address comes from
    `X-Forwarded-For` only when the peer is one of `TRUSTED_PROXIES`.
    """
    settings = get_settings()
    # Configured here too, so uvicorn's own lines show from the reloader's process.
    configure_logging(settings)
    shown_host = f"[{host}]" if ":" in host else host
    docs = " (API docs: /docs)" if settings.docs_enabled else ""
    typer.echo(f"{project.NAME} on http://{shown_host}:{port}{docs}")
    typer.echo(f"Database: {describe_database(settings)}")
    trusted = settings.trusted_proxies
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=",".join(trusted) or None,
        timeout_graceful_shutdown=shutdown_timeout,
    )


def describe_database(settings: Settings) -> str:
    """Which database the service uses, with any password hidden."""
    if settings.database_url is None:
        local_file = make_url(LOCAL_DATABASE_URL).database
        described = f"a local SQLite file, {local_file} (DATABASE_URL is unset)"
        if project.DATABASE != "sqlite":
            production = PRODUCTION_DATABASES[project.DATABASE]
            described += f"; production runs on {production}: set DATABASE_URL to use it here"
        return described
    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "DATABASE_URL is set but is not a database URL"


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="Email of the new admin")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Create an admin user. The password comes from `ADMIN_PASSWORD`, stdin, or a prompt."""
    password = os.environ.get("ADMIN_PASSWORD")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    data = _admin_data(email, password)
    if not asyncio.run(_create_admin(data)):
        typer.echo(f"A user with the email {data.email} already exists.", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"Admin {data.email} created.")


def _admin_data(email: str, password: str | None) -> UserRegister:
    """The new admin, validated; a refused password typed at the prompt is asked again."""
    interactive = not password
    while True:
        try:
            return UserRegister(
                email=email,
                password=password
                or typer.prompt("Password", hide_input=True, confirmation_prompt=True),
            )
        except ValidationError as exc:
            # The reasons only: pydantic's own text would echo the password.
            reasons = "; ".join(describe_validation_error(exc))
            typer.echo(f"Cannot create the admin: {reasons}", err=True)
            password_only = all(e["type"] == WEAK_PASSWORD_ERROR_TYPE for e in exc.errors())
            if not (interactive and password_only):
                raise typer.Exit(code=2) from None
            password = None


async def _create_admin(data: UserRegister) -> bool:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            if await users_service.get_user_by_email(session, data.email) is not None:
                return False
            await users_service.create_user(
                session, PasswordHasher(settings), data, role=Role.ADMIN, is_verified=True
            )
            await session.commit()
            return True
    finally:
        await engine.dispose()


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


@db_cli.command()
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "heads") -> None:
    """Apply every pending migration of every branch (`alembic upgrade heads`)."""
    command.upgrade(alembic_config(), revision)


@db_cli.command()
def revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does")],
    autogenerate: Annotated[bool, typer.Option(help="Compare models with the database")] = True,
) -> None:
    """Create a migration on the project's own `app` branch (made on first use)."""
    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    if USER_BRANCH in _branch_labels(scripts):
        command.revision(config, message, autogenerate=autogenerate, head=f"{USER_BRANCH}@head")
        return
    # First migration of the project: a new branch from base that depends on
    # the template's core tables, so template releases never collide with it.
    command.revision(
        config,
        message,
        autogenerate=autogenerate,
        head="base",
        branch_label=USER_BRANCH,
        depends_on=scripts.get_revision("core@head").revision,
    )


def _branch_labels(scripts: ScriptDirectory) -> set[str]:
    return {label for rev in scripts.walk_revisions() for label in rev.branch_labels}


@db_cli.command()
def check() -> None:
    """Fail when the models and the migrations differ (`alembic check`)."""
    command.check(alembic_config())


def main() -> None:
    cli()
