"""`<project> users ...`: account administration for operators, from the command line.

Passwords come from standard input or a prompt, never from the command line (where
`ps` and the shell history would see them), and are never echoed. Every change is
recorded in the audit log, with `cli` as its client.
"""

import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import account, lockout
from app.auth import service as auth_service
from app.core import audit
from app.core.audit import AuditAction
from app.core.config import Settings
from app.core.context import RequestContext
from app.core.password_policy import password_problem
from app.core.passwords import PasswordHasher
from app.core.permissions import Role
from app.core.services import Services
from app.core.session_cache import commit_and_forget
from app.users import service as users_service
from app.users.models import User
from app.users.schemas import Password

users_cli = typer.Typer(help="Manage accounts: roles, passwords, lockouts.", no_args_is_help=True)

# The audit log's "client" of a change made here.
CLI_CONTEXT = RequestContext(ip_address=None, user_agent="cli", request_id="cli", base_url="")
EmailArgument = Annotated[str, typer.Argument(help="Email of the account")]
Change = Callable[[AsyncSession, Settings], Awaitable[str]]
OpenServices = Callable[[], AbstractAsyncContextManager[Services]]


class CommandError(Exception):
    """A refusal to print (without a traceback) and exit with status 1."""


@users_cli.command()
def promote(ctx: typer.Context, email: EmailArgument) -> None:
    """Make the account an admin."""
    _run(ctx, lambda session, settings: _set_role(session, email, Role.ADMIN))


@users_cli.command()
def demote(ctx: typer.Context, email: EmailArgument) -> None:
    """Make the account a regular user."""
    _run(ctx, lambda session, settings: _set_role(session, email, Role.USER))


@users_cli.command("set-password")
def set_password(
    ctx: typer.Context,
    email: EmailArgument,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Set a new password (from a prompt or stdin); every session of the account ends."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        TypeAdapter(Password).validate_python(password)
    except ValidationError as exc:
        # The reasons only: pydantic's own text would show the password.
        reasons = "; ".join(error["msg"] for error in exc.errors())
        typer.echo(f"Cannot set the password: {reasons}", err=True)
        raise typer.Exit(code=2) from None
    _run(ctx, lambda session, settings: _set_password(session, settings, email, password))


@users_cli.command()
def unlock(ctx: typer.Context, email: EmailArgument) -> None:
    """Lift a sign-in lockout of this email at once."""
    _run(ctx, lambda session, settings: _unlock(session, email))


def _run(ctx: typer.Context, change: Change) -> None:
    # The running service's container (ctx.obj, from app.cli): the same database,
    # and the same session cache, which forgets the changed account after the commit.
    open_services: OpenServices = ctx.obj
    try:
        message = asyncio.run(_in_one_transaction(open_services, change))
    except CommandError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    typer.echo(message)


async def _in_one_transaction(open_services: OpenServices, change: Change) -> str:
    async with open_services() as services, services.database.session_factory() as session:
        message = await change(session, services.settings)
        await commit_and_forget(session, services.session_cache)
        return message


async def _user(session: AsyncSession, email: str) -> User:
    user = await users_service.get_user_by_email(session, email)
    if user is None:
        raise CommandError(f"No account has the email {email}.")
    return user


async def _set_role(session: AsyncSession, email: str, role: Role) -> str:
    user = await _user(session, email)
    if user.role == role:
        return f"{user.email} is already {role}: nothing changed."
    old_role = user.role
    await users_service.update_user(session, user, {"role": role})
    # Tokens issued under the old role must not outlive it (ASVS 7.4.2).
    await auth_service.revoke_all_sessions(session, user.id)
    audit.record(
        session, AuditAction.ROLE_CHANGED, CLI_CONTEXT, target_id=user.id, old=old_role, new=role
    )
    return f"{user.email} is now {role}."


async def _set_password(
    session: AsyncSession, settings: Settings, email: str, password: str
) -> str:
    user = await _user(session, email)
    problem = password_problem(password, email=user.email, username=user.username)
    if problem is not None:
        raise CommandError(f"Cannot set the password: {problem}")
    await users_service.set_password(session, user, await PasswordHasher(settings).hash(password))
    await auth_service.revoke_all_sessions(session, user.id)
    await account.cancel_tokens(session, user)
    await lockout.clear(session, user.email)
    audit.record(session, AuditAction.PASSWORD_RESET, CLI_CONTEXT, target_id=user.id)
    return f"Password of {user.email} set; every session of the account has ended."


async def _unlock(session: AsyncSession, email: str) -> str:
    # Lockouts count per email whether or not an account has it.
    email = email.strip().lower()
    if not await lockout.clear(session, email):
        return f"{email} was not locked: nothing changed."
    user = await users_service.get_user_by_email(session, email)
    audit.record(
        session, AuditAction.ACCOUNT_UNLOCKED, CLI_CONTEXT, target_id=user.id if user else None
    )
    return f"{email} is unlocked."
