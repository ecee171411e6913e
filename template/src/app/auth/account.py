"""Emailed single-use tokens: confirm an email address, reset a password.

Tokens are random, stored only as hashes, expire, and work once. Issuing a new
one cancels the user's earlier unused tokens of the same purpose; changing the
password or the email cancels every unused one.
"""

import json
import logging
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
from app.core.db import SessionFactory
from app.core.email import Email, EmailSender, render_email, send_quietly
from app.core.models import utcnow
from app.core.module import API_PREFIX
from app.core.security import hash_opaque_token, new_opaque_token
from app.users.models import User
from app.users.service import get_user_by_email

EMAILS = Path(__file__).parent / "emails"

logger = logging.getLogger(__name__)


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    # Proves a new address the user asked for (`users.pending_email`).
    CHANGE_EMAIL = "change_email"


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


async def cancel_tokens(session: AsyncSession, user: User) -> None:
    """Cancel every unused emailed token of the user (ASVS 6.4.3).

    Called when the password or the email changes: a link mailed before must
    not outlive the credentials it was issued for.
    """
    await session.exec(
        delete(AccountToken).where(
            col(AccountToken.user_id) == user.id, col(AccountToken.used_at).is_(None)
        )
    )


async def consume_token(
    session: AsyncSession, token: str, *purposes: TokenPurpose
) -> tuple[User, TokenPurpose]:
    """Spend `token` if it has one of `purposes`; its user and purpose.

    `AccountTokenInvalidError` if it cannot be spent.
    """
    row = (
        await session.exec(
            select(AccountToken, User)
            .join(User, col(User.id) == AccountToken.user_id)
            .where(
                AccountToken.token_hash == hash_opaque_token(token),
                col(AccountToken.purpose).in_(purposes),
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
    return row[1], TokenPurpose(row[0].purpose)


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
    email = await link_email(session, settings, user, purpose, api_url=api_url)
    background.add_task(send_quietly, sender, email)


async def send_link_later(
    sessions: SessionFactory,
    settings: Settings,
    sender: EmailSender,
    address: str,
    purpose: TokenPurpose,
    api_url: str,
) -> None:
    """After the response: mail a `purpose` link if `address` has an account that needs one.

    Verification links go to unverified accounts, reset links to active ones.
    Runs in its own session; a failure is logged, the caller already has its 202.
    """
    try:
        async with sessions() as session:
            user = await get_user_by_email(session, address)
            if user is None or not user.is_active:
                return
            if purpose is TokenPurpose.VERIFY_EMAIL and user.is_verified:
                return
            email = await link_email(session, settings, user, purpose, api_url=api_url)
            await session.commit()
    except Exception:
        logger.exception("could not issue a %s link", purpose.value)
        return
    await send_quietly(sender, email)


async def link_email(
    session: AsyncSession, settings: Settings, user: User, purpose: TokenPurpose, *, api_url: str
) -> Email:
    """Issue a token for `purpose` and write the email that carries its link.

    A `CHANGE_EMAIL` link goes to the pending address, the others to the account's.
    """
    if purpose is TokenPurpose.RESET_PASSWORD:
        token = await issue_token(session, user, purpose, settings.password_reset_lifetime)
        return _email(
            settings,
            user.email,
            "reset_password",
            f"Reset your {project.NAME} password",
            "reset-password",
            {"token": token, "new_password": "YOUR-NEW-PASSWORD"},
            api_url,
            minutes=str(settings.password_reset_expire_minutes),
        )
    token = await issue_token(session, user, purpose, settings.email_verification_lifetime)
    hours = str(settings.email_verification_expire_hours)
    if purpose is TokenPurpose.CHANGE_EMAIL and user.pending_email is not None:
        to, template, subject = (
            user.pending_email,
            "change_email",
            f"Confirm your new email for {project.NAME}",
        )
    else:
        to, template, subject = user.email, "verify_email", f"Confirm your email for {project.NAME}"
    return _email(
        settings, to, template, subject, "verify-email", {"token": token}, api_url, hours=hours
    )


def email_notice(
    settings: Settings,
    sender: EmailSender,
    background: BackgroundTasks,
    to: str,
    template: str,
    subject: str,
    **values: str,
) -> None:
    """Email a notice that carries no token (its link points at forgot-password)."""
    email = render_email(
        EMAILS,
        template,
        to=to,
        subject=f"{subject} ({project.NAME})",
        service=project.NAME,
        link=f"{settings.frontend_url.rstrip('/')}/forgot-password",
        **values,
    )
    background.add_task(send_quietly, sender, email)


def _email(
    settings: Settings,
    to: str,
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
        EMAILS, template, to=to, subject=subject, service=project.NAME, link=link, **values
    )
    note = (
        f"Without a frontend, call the API:\n  curl -X POST {api_url}{API_PREFIX}/auth/{page} "
        f"-H 'Content-Type: application/json' -d '{json.dumps(body)}'"
    )
    return replace(email, console_note=note)
