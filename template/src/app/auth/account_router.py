"""`/api/v1/auth`: confirm an email address, and reset a forgotten password.

The endpoints that take an email answer 202 whatever it is, and send nothing
to unknown addresses: their answers reveal no accounts. They look the address
up only after answering, so the answer's timing reveals nothing either.
"""

from fastapi import APIRouter, BackgroundTasks, status

from app.auth import account, lockout, service
from app.auth.account_changes import AccountChangesDep
from app.auth.schemas import EmailRequest, PasswordReset, TokenRequest
from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep, SessionFactoryDep
from app.core.dependencies import EmailSenderDep, PasswordHasherDep, SettingsDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.password_policy import check_password
from app.core.ratelimit import RateLimiterDep
from app.core.schemas import Detail
from app.users import service as users_service

# The same answer whether or not the address has an account.
VERIFICATION_SENT = Detail(
    detail="If the address has an unconfirmed account, a confirmation link is on its way."
)
RESET_SENT = Detail(detail="If the address has an active account, a reset link is on its way.")

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/verify-email", status_code=status.HTTP_204_NO_CONTENT)
async def verify_email(body: TokenRequest, changes: AccountChangesDep) -> None:
    """Confirm an email address with the token from the emailed link.

    A link mailed to a new address the user asked for makes it the account's email.
    """
    session, context = changes.session, changes.context
    user, purpose = await account.consume_token(
        session, body.token, account.TokenPurpose.VERIFY_EMAIL, account.TokenPurpose.CHANGE_EMAIL
    )
    if purpose is account.TokenPurpose.CHANGE_EMAIL:
        await changes.confirm_email_change(user)
        return
    await users_service.mark_verified(session, user)
    audit.record(session, AuditAction.EMAIL_VERIFIED, context, target_id=user.id)


@router.post("/resend-verification", status_code=status.HTTP_202_ACCEPTED)
async def resend_verification(
    body: EmailRequest,
    sessions: SessionFactoryDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    sender: EmailSenderDep,
    background: BackgroundTasks,
) -> Detail:
    """Send a new confirmation link, if the address has an unconfirmed account."""
    await _limit(limiter, settings.rate_limit_email, "verify", context.ip_address, body.email)
    background.add_task(
        account.send_link_later,
        sessions,
        settings,
        sender,
        body.email,
        account.TokenPurpose.VERIFY_EMAIL,
        context.base_url,
    )
    return VERIFICATION_SENT


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(
    body: EmailRequest,
    sessions: SessionFactoryDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    sender: EmailSenderDep,
    background: BackgroundTasks,
) -> Detail:
    """Email a password reset link, if the address has an active account."""
    await _limit(limiter, settings.rate_limit_email, "reset", context.ip_address, body.email)
    background.add_task(
        account.send_link_later,
        sessions,
        settings,
        sender,
        body.email,
        account.TokenPurpose.RESET_PASSWORD,
        context.base_url,
    )
    return RESET_SENT


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(
    body: PasswordReset,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
) -> None:
    """Set a new password with the emailed token; every session of the account ends."""
    await limiter.hit(settings.rate_limit_email, f"reset-password:ip:{context.ip_address}")
    user, _ = await account.consume_token(session, body.token, account.TokenPurpose.RESET_PASSWORD)
    check_password(body.new_password, email=user.email, username=user.username)
    await users_service.set_password(session, user, await hasher.hash(body.new_password))
    await service.revoke_all_sessions(session, user.id)
    await account.cancel_tokens(session, user)
    await lockout.clear(session, user.email)
    # The emailed link proves the address too.
    await users_service.mark_verified(session, user)
    audit.record(session, AuditAction.PASSWORD_RESET, context, target_id=user.id)


async def _limit(
    limiter: RateLimiterDep, limit: str, flow: str, ip: str | None, email: str
) -> None:
    await limiter.hit(limit, f"{flow}:ip:{ip}", f"{flow}:account:{email.lower()}")
