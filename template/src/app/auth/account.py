"""Emailed single-use tokens: confirm an email address, reset a password.

Tokens are random, stored only as hashes, expire, and work once. Issuing a new
one cancels the user's earlier unused tokens of the same purpose.
"""

import json
from dataclasses import replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from fastapi import BackgroundTasks
from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.exceptions import AccountTokenInvalidError
from app.auth.models import AccountToken
from app.core import project
from app.core.config import Settings
from app.core.email import Email, EmailSender, render_email, send_quietly
from app.core.models import utcnow
from app.core.module import API_PREFIX
from app.core.security import hash_opaque_token, new_opaque_token
from app.users.models import User

EMAILS = Path(__file__).parent / "emails"


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"


async def issue_token(
    session: AsyncSession, user: User, purpose: TokenPurpose, lifetime: timedelta
) -> str:
    await session.exec(
        delete(AccountToken).where(
            col(AccountToken.user_id) == user.id,
            col(AccountToken.purpose) == purpose,
            col(AccountToken.used_at).is_(None),
        )
    )
    token = new_opaque_token()
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_opaque_token(token),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


async def consume_token(session: AsyncSession, token: str, purpose: TokenPurpose) -> User:
    """Spend `token` and return its user; `AccountTokenInvalidError` if it cannot be spent."""
    row = (
        await session.exec(
            select(AccountToken, User)
            .join(User, col(User.id) == AccountToken.user_id)
            .where(
                AccountToken.token_hash == hash_opaque_token(token),
                AccountToken.purpose == purpose,
            )
        )
    ).first()
    now = utcnow()
    if row is None or row[0].expires_at <= now:
        raise AccountTokenInvalidError
    # Conditional update: of two concurrent uses, exactly one wins.
    spent = await session.exec(
        update(AccountToken)
        .where(col(AccountToken.id) == row[0].id, col(AccountToken.used_at).is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        raise AccountTokenInvalidError
    return row[1]


async def email_link(
    session: AsyncSession,
    settings: Settings,
    sender: EmailSender,
    background: BackgroundTasks,
    user: User,
    purpose: TokenPurpose,
    *,
    api_url: str,
) -> None:
    """Issue a token for `purpose` and email its link once the response is sent.

    `api_url` (where the client reached this service) goes into the console
    sender's note: the `curl` that spends the token without a frontend.

    Sending after the response keeps the answer's timing the same whether or
    not an email goes out; a failed send is logged, never shown to the caller.
    """
    if purpose is TokenPurpose.VERIFY_EMAIL:
        token = await issue_token(session, user, purpose, settings.email_verification_lifetime)
        email = _email(
            settings,
            user,
            "verify_email",
            f"Confirm your email for {project.NAME}",
            "verify-email",
            {"token": token},
            api_url,
            hours=str(settings.email_verification_expire_hours),
        )
    else:
        token = await issue_token(session, user, purpose, settings.password_reset_lifetime)
        email = _email(
            settings,
            user,
            "reset_password",
            f"Reset your {project.NAME} password",
            "reset-password",
            {"token": token, "new_password": "YOUR-NEW-PASSWORD"},
            api_url,
            minutes=str(settings.password_reset_expire_minutes),
        )
    background.add_task(send_quietly, sender, email)


def _email(
    settings: Settings,
    user: User,
    template: str,
    subject: str,
    page: str,
    body: dict[str, str],
    api_url: str,
    **values: str,
) -> Email:
    """The message whose link opens the frontend's `page`; the API endpoint has that name too."""
    link = f"{settings.frontend_url.rstrip('/')}/{page}?token={body['token']}"
    email = render_email(
        EMAILS, template, to=user.email, subject=subject, service=project.NAME, link=link, **values
    )
    note = (
        f"Without a frontend, call the API:\n  curl -X POST {api_url}{API_PREFIX}/auth/{page} "
        f"-H 'Content-Type: application/json' -d '{json.dumps(body)}'"
    )
    return replace(email, console_note=note)
