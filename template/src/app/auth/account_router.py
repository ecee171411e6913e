"""`/api/v1/auth`: confirm an email address, and reset a forgotten password.

The endpoints that take an email answer 202 whatever it is, and send nothing
to unknown addresses: their answers reveal no accounts.
"""

from fastapi import APIRouter, BackgroundTasks, status

from app.auth import account, lockout, service
from app.auth.schemas import EmailRequest, PasswordReset, TokenRequest
from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import EmailSenderDep, PasswordHasherDep, SettingsDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.ratelimit import RateLimiterDep
from app.core.schemas import Detail
from app.users import service as users_service
from app.users.exceptions import PasswordIsEmailError

# The same answer whether or not the address has an account.
VERIFICATION_SENT = Detail(
    detail="If the address has an unconfirmed account, a confirmation link is on its way."
)
RESET_SENT = Detail(detail="If the address has an active account, a reset link is on its way.")

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/verify-email", status_code=status.HTTP_204_NO_CONTENT)
async def verify_email(body: TokenRequest, session: SessionDep, context: RequestContextDep) -> None:
    """Confirm an email address with the token from the emailed link."""
    user = await account.consume_token(session, body.token, account.TokenPurpose.VERIFY_EMAIL)
    await users_service.mark_verified(session, user)
    audit.record(session, AuditAction.EMAIL_VERIFIED, context, target_id=user.id)


@router.post("/resend-verification", status_code=status.HTTP_202_ACCEPTED)
async def resend_verification(
    body: EmailRequest,
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    sender: EmailSenderDep,
    background: BackgroundTasks,
) -> Detail:
    """Send a new confirmation link, if the address has an unconfirmed account."""
    await _limit(limiter, settings.rate_limit_email, "verify", context.ip_address, body.email)
    user = await users_service.get_user_by_email(session, body.email)
    if user is None or user.is_verified:
        return VERIFICATION_SENT
    await account.email_link(
        session,
        settings,
        sender,
        background,
        user,
        account.TokenPurpose.VERIFY_EMAIL,
        api_url=context.base_url,
    )
    return VERIFICATION_SENT


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(
    body: EmailRequest,
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    sender: EmailSenderDep,
    background: BackgroundTasks,
) -> Detail:
    """Email a password reset link, if the address has an active account."""
    await _limit(limiter, settings.rate_limit_email, "reset", context.ip_address, body.email)
    user = await users_service.get_user_by_email(session, body.email)
    if user is None or not user.is_active:
        return RESET_SENT
    await account.email_link(
        session,
        settings,
        sender,
        background,
        user,
        account.TokenPurpose.RESET_PASSWORD,
        api_url=context.base_url,
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
    user = await account.consume_token(session, body.token, account.TokenPurpose.RESET_PASSWORD)
    if body.new_password.lower() == user.email:
        raise PasswordIsEmailError
    await users_service.set_password(session, user, await hasher.hash(body.new_password))
    await service.revoke_all_sessions(session, user.id)
    await lockout.clear(session, user.email)
    # The emailed link proves the address too.
    await users_service.mark_verified(session, user)
    audit.record(session, AuditAction.PASSWORD_RESET, context, target_id=user.id)


async def _limit(
    limiter: RateLimiterDep, limit: str, flow: str, ip: str | None, email: str
) -> None:
    await limiter.hit(limit, f"{flow}:ip:{ip}", f"{flow}:account:{email.lower()}")
