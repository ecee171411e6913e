"""`users promote | demote | set-password | unlock`: operators' account commands.

Each test runs the CLI against its own migrated SQLite file (`own_database`).
"""

import asyncio
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from app import cli
from app.auth import account, lockout
from app.auth import service as auth_service
from app.auth.cli import CLI_CONTEXT
from app.auth.models import AccountToken
from app.core.config import get_settings
from app.core.db import create_engine, create_session_factory
from app.core.passwords import PasswordHasher
from app.users import service as users_service
from app.users.models import User
from tests.test_cli import migrated_file, own_database  # noqa: F401 (fixtures)

runner = CliRunner()
ADMIN_PASSWORD = "admin-pass-1"


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(cli.cli, list(args), input=stdin)
    return result.exit_code, result.output


async def _stored(email: str) -> User:
    engine = create_engine(get_settings())
    try:
        async with create_session_factory(engine)() as session:
            user = await users_service.get_user_by_email(session, email)
            assert user is not None
            return user
    finally:
        await engine.dispose()


def stored(email: str) -> User:
    """The account as the database holds it after the commands ran."""
    return asyncio.run(_stored(email))


@pytest.fixture
def admin(own_database: Path, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    code, output = run("create-admin", "--email", "ops1@example.com")
    assert code == 0, output
    return "ops1@example.com"


def test_demote_and_promote(admin: str) -> None:
    assert run("users", "demote", "OPS1@example.com") == (0, "ops1@example.com is now user.\n")
    assert stored(admin).role == "user"
    code, output = run("users", "demote", admin)
    assert (code, output) == (0, "ops1@example.com is already user: nothing changed.\n")
    assert run("users", "promote", admin) == (0, "ops1@example.com is now admin.\n")
    assert stored(admin).role == "admin"


def test_an_unknown_email_is_an_error(own_database: Path) -> None:  # noqa: F811
    for command in ("promote", "demote"):
        code, output = run("users", command, "nobody@example.com")
        assert (code, output) == (1, "No account has the email nobody@example.com.\n")


def test_v16_2_5_set_password_from_stdin_never_echoes_it(admin: str) -> None:
    code, output = run("users", "set-password", admin, "--password-stdin", stdin="tiny1\n")
    assert code == 2
    assert "Cannot set the password" in output
    assert "tiny1" not in output
    # The email as the password: refused, and the message does not repeat it.
    code, output = run("users", "set-password", admin, "--password-stdin", stdin=f"{admin}\n")
    assert code == 1
    assert output == "Cannot set the password: The password must not be your email address.\n"

    new_password = "chosen-by-ops-42"
    code, output = run("users", "set-password", admin, "--password-stdin", stdin=new_password)
    assert code == 0, output
    assert new_password not in output
    hasher = PasswordHasher(get_settings())
    hashed = stored(admin).hashed_password
    assert asyncio.run(hasher.verify(new_password, hashed))[0] is True
    assert asyncio.run(hasher.verify(ADMIN_PASSWORD, hashed))[0] is False


def test_v16_2_5_set_password_at_the_prompt_hides_what_is_typed(admin: str) -> None:
    typed = "prompted-pass-7"
    code, output = run("users", "set-password", admin, stdin=f"{typed}\n{typed}\n")
    assert code == 0, output
    assert typed not in output
    assert "New password" in output


async def _lock(email: str) -> None:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            while True:
                rows = await lockout.ensure_not_locked(session, email, None)
                if await lockout.record_failure(session, settings, email, None, rows):
                    break
            await session.commit()
    finally:
        await engine.dispose()


def test_unlock_lifts_a_lockout(admin: str) -> None:
    asyncio.run(_lock(admin))
    assert run("users", "unlock", "Ops1@Example.com") == (0, "ops1@example.com is unlocked.\n")
    code, output = run("users", "unlock", admin)
    assert (code, output) == (0, "ops1@example.com was not locked: nothing changed.\n")


async def _sign_in_and_mail_a_link(email: str) -> None:
    """What a sign-in and a forgot-password leave: a session and an unused reset token."""
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            user = await users_service.get_user_by_email(session, email)
            assert user is not None
            await auth_service.start_session(session, settings, user, CLI_CONTEXT)
            await account.issue_token(
                session, user, account.TokenPurpose.RESET_PASSWORD, settings.password_reset_lifetime
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _live(email: str) -> tuple[int, int]:
    """(active sessions, unused emailed tokens) of the account."""
    engine = create_engine(get_settings())
    try:
        async with create_session_factory(engine)() as session:
            user = await users_service.get_user_by_email(session, email)
            assert user is not None
            sessions = await auth_service.list_active_sessions(session, user.id)
            tokens = await session.exec(
                select(AccountToken).where(
                    AccountToken.user_id == user.id, col(AccountToken.used_at).is_(None)
                )
            )
            return len(sessions), len(tokens.all())
    finally:
        await engine.dispose()


def test_v7_4_2_a_role_change_ends_every_session(admin: str) -> None:
    asyncio.run(_sign_in_and_mail_a_link(admin))
    assert asyncio.run(_live(admin))[0] == 1
    assert run("users", "demote", admin)[0] == 0
    assert asyncio.run(_live(admin))[0] == 0


def test_v6_4_3_set_password_cancels_emailed_links_and_keeps_the_rule(admin: str) -> None:
    asyncio.run(_sign_in_and_mail_a_link(admin))
    assert asyncio.run(_live(admin)) == (1, 1)
    code, output = run("users", "set-password", admin, "--password-stdin", stdin="qwerty123\n")
    assert code == 2
    assert "too common" in output
    assert "qwerty123" not in output
    code, output = run(
        "users", "set-password", admin, "--password-stdin", stdin="fresh passphrase 9\n"
    )
    assert code == 0, output
    assert asyncio.run(_live(admin)) == (0, 0)
