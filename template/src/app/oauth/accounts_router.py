"""`/api/v1/users/me/oauth-accounts`: the provider identities that sign the caller in."""

import uuid

from fastapi import APIRouter, status

from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.oauth import service
from app.oauth.schemas import OAuthAccountRead
from app.users.dependencies import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/users/me/oauth-accounts", tags=["oauth"], responses=ERROR_RESPONSES
)


@router.get("")
async def list_oauth_accounts(user: CurrentUser, session: SessionDep) -> list[OAuthAccountRead]:
    """Your linked accounts, oldest first."""
    accounts = await service.list_accounts(session, user.id)
    return [OAuthAccountRead.model_validate(account) for account in accounts]


@router.delete("/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unlink_oauth_account(
    account_id: uuid.UUID, user: CurrentUser, session: SessionDep, context: RequestContextDep
) -> None:
    """Unlink one; 409 `OAUTH_LAST_SIGN_IN_METHOD` if you could no longer sign in.

    An account without a password gets one through forgot-password / reset-password.
    """
    await service.unlink(session, user, account_id, context)
