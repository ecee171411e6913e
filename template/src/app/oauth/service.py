"""Who a provider's identity signs in: the linking rules. Never commits.

An identity is (provider, subject). A known one signs its user in. A new one
needs an address the provider has verified: it creates a user with that address
(verified, no password), or links to the local account with that address only
when that account's address is verified too. Linking to an unverified local
account would hand it to whoever registered the address first.
"""

import uuid

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.exceptions import AccountDisabledError
from app.core import audit
from app.core.context import RequestContext
from app.core.models import utcnow
from app.oauth.exceptions import (
    EmailNotVerifiedError,
    LastSignInMethodError,
    LinkRefusedError,
    OAuthAccountNotFoundError,
)
from app.oauth.models import OAuthAccount
from app.oauth.providers import Identity
from app.users.models import User
from app.users.service import get_user_by_email

SIGNED_IN = "oauth.signed_in"
LINKED = "oauth.linked"
UNLINKED = "oauth.unlinked"
USER_CREATED = "oauth.user_created"


async def sign_in_with(session: AsyncSession, identity: Identity, context: RequestContext) -> User:
    """The user `identity` signs in, created or linked by the rules above.

    Every refusal comes before the first write, so a refused sign-in changes nothing.
    """
    row = (
        await session.exec(
            select(OAuthAccount, User)
            .join(User, col(User.id) == OAuthAccount.user_id)
            .where(
                OAuthAccount.provider == identity.provider,
                OAuthAccount.subject == identity.subject,
            )
        )
    ).first()
    if row is not None:
        account, user = row
        _ensure_active(user)
    else:
        user = await _user_for_new_identity(session, identity, context)
        account = OAuthAccount(
            user_id=user.id, provider=identity.provider, subject=identity.subject
        )
    account.email = identity.email
    account.last_used_at = user.last_login_at = utcnow()
    session.add_all([account, user])
    audit.record(session, SIGNED_IN, context, actor_id=user.id, provider=identity.provider)
    return user


async def _user_for_new_identity(
    session: AsyncSession, identity: Identity, context: RequestContext
) -> User:
    if identity.email is None or not identity.email_verified:
        raise EmailNotVerifiedError
    user = await get_user_by_email(session, identity.email)
    if user is None:
        user = User(email=identity.email, full_name=identity.name, is_verified=True)
        session.add(user)
        # Written before the account that refers to it.
        await session.flush()
        audit.record(
            session,
            USER_CREATED,
            context,
            actor_id=user.id,
            target_id=user.id,
            provider=identity.provider,
        )
        return user
    if not user.is_verified:
        raise LinkRefusedError
    _ensure_active(user)
    audit.record(
        session, LINKED, context, actor_id=user.id, target_id=user.id, provider=identity.provider
    )
    return user


def _ensure_active(user: User) -> None:
    if not user.is_active:
        raise AccountDisabledError


async def list_accounts(session: AsyncSession, user_id: uuid.UUID) -> list[OAuthAccount]:
    result = await session.exec(
        select(OAuthAccount)
        .where(OAuthAccount.user_id == user_id)
        .order_by(col(OAuthAccount.created_at))
    )
    return list(result.all())


async def unlink(
    session: AsyncSession, user: User, account_id: uuid.UUID, context: RequestContext
) -> None:
    """Remove one of the user's linked accounts, unless it is their last way to sign in."""
    # Lock the user's row (PostgreSQL), so two unlinks cannot each leave the other last.
    await session.exec(select(User.id).where(User.id == user.id).with_for_update())
    account = await session.get(OAuthAccount, account_id)
    if account is None or account.user_id != user.id:
        raise OAuthAccountNotFoundError
    linked = (
        await session.exec(
            select(func.count()).select_from(OAuthAccount).where(OAuthAccount.user_id == user.id)
        )
    ).one()
    if user.hashed_password is None and linked <= 1:
        raise LastSignInMethodError
    await session.delete(account)
    audit.record(
        session, UNLINKED, context, actor_id=user.id, target_id=user.id, provider=account.provider
    )
