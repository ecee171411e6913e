"""Errors of the users domain."""

from app.core.errors import ConflictError, ForbiddenError, NotFoundError


class UserNotFoundError(NotFoundError):
    detail = "User not found."


class HiddenUserError(UserNotFoundError):
    """A refusal answered as `User not found.` so that nothing leaks; its audit event is kept."""

    commit_changes = True


class EmailTakenError(ConflictError):
    error_code = "EMAIL_TAKEN"
    detail = "An account with this email already exists."


class UsernameTakenError(ConflictError):
    error_code = "USERNAME_TAKEN"
    detail = "This username is taken."


class WrongPasswordError(ForbiddenError):
    error_code = "INVALID_CREDENTIALS"
    detail = "The current password is wrong."
    # The failure counter and the audit event must be saved with the refusal.
    commit_changes = True


class OwnAccountChangeError(ForbiddenError):
    detail = "You cannot change your own role or deactivate your own account."
