"""Changes that touch how an account is reached or signed in to.

A user's own new email needs the current password and takes effect only when a
link mailed to the new address is opened; the old address is told. An admin's
change of someone else's email, role or activation applies at once and ends
every session of that account (ASVS 7.4.2). Never commits.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends

from app.auth import account, service
from app.auth.exceptions import AccountTokenInvalidError, CurrentPasswordRequiredError
from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import EmailSenderDep, PasswordHasherDep, SettingsDep
from app.users import service as users_service
from app.users.dependencies import Authenticated
from app.users.models import User


@dataclass
class AccountChanges:
    """The request's parts that account changes need (a FastAPI dependency)."""

    session: SessionDep
    settings: SettingsDep
    hasher: PasswordHasherDep
    sender: EmailSenderDep
    context: RequestContextDep
    background: BackgroundTasks

    async def request_email_change(
        self, auth: Authenticated, new_email: str, password: str | None
    ) -> None:
        """Keep `new_email` pending and mail it a link; the old address is told.

        Every other session of the user ends: whoever asked proved the password.
        A taken address gets the "already has an account" notice instead of a
        link, so the answer says nothing about which addresses have accounts.
        """
        user = auth.user
        if password is None:
            raise CurrentPasswordRequiredError
        await service.confirm_password(
            self.session, self.hasher, self.settings, self.context, user, password
        )
        user.pending_email = new_email
        self.session.add(user)
        if await users_service.get_user_by_email(self.session, new_email) is None:
            await account.email_link(
                self.session,
                self.settings,
                self.sender,
                self.background,
                user,
                account.TokenPurpose.CHANGE_EMAIL,
                api_url=self.context.base_url,
            )
        else:
            # The same work, but the token is never sent: it only cancels an earlier link.
            await account.issue_token(
                self.session,
                user,
                account.TokenPurpose.CHANGE_EMAIL,
                self.settings.email_verification_lifetime,
            )
            self._notice(new_email, "account_exists", "Your email address")
        self._notice(user.email, "email_change_notice", "Email change", new_email=new_email)
        await service.revoke_all_sessions(self.session, user.id, keep=auth.session_id)
        audit.record(
            self.session, AuditAction.EMAIL_CHANGE_REQUESTED, self.context, actor_id=user.id
        )

    async def confirm_email_change(self, user: User) -> None:
        """Make the pending address the account's, now that its link was opened."""
        if user.pending_email is None:
            raise AccountTokenInvalidError
        await users_service.update_user(
            self.session, user, {"email": user.pending_email, "pending_email": None}
        )
        await users_service.mark_verified(self.session, user)
        await account.cancel_tokens(self.session, user)
        audit.record(self.session, AuditAction.EMAIL_CHANGED, self.context, target_id=user.id)

    async def after_admin_change(self, user: User, *, old_email: str, fields: list[str]) -> None:
        """An admin changed `fields` of someone else: end what they invalidate."""
        if "email" in fields:
            await account.cancel_tokens(self.session, user)
            self._notice(old_email, "email_change_notice", "Email change", new_email=user.email)
        if {"email", "role", "is_active"} & set(fields):
            await service.revoke_all_sessions(self.session, user.id)

    def _notice(self, to: str, template: str, subject: str, **values: str) -> None:
        account.email_notice(
            self.settings, self.sender, self.background, to, template, subject, **values
        )


AccountChangesDep = Annotated[AccountChanges, Depends()]
