"""Errors of sign-in and tokens."""

from app.core.errors import (
    INVALID_TOKEN_CHALLENGE,
    AppError,
    ForbiddenError,
    NotFoundError,
    RetryLaterError,
)


class InvalidCredentialsError(AppError):
    status_code = 401
    error_code = "INVALID_CREDENTIALS"
    detail = "Incorrect email or password."
    # The failure counter and the audit event must be saved with the refusal.
    commit_changes = True


class AccountDisabledError(AppError):
    status_code = 403
    error_code = "ACCOUNT_DISABLED"
    detail = "This account is disabled."


class TokenRevokedError(AppError):
    status_code = 401
    error_code = "TOKEN_REVOKED"
    detail = "The session of this token has ended; sign in again."
    headers = INVALID_TOKEN_CHALLENGE


class OriginNotAllowedError(ForbiddenError):
    error_code = "ORIGIN_NOT_ALLOWED"
    detail = "The session cookie is only for pages of the allowed origins (CORS_ORIGINS)."


class RefreshTokenInvalidError(AppError):
    status_code = 401
    error_code = "TOKEN_INVALID"
    detail = "The refresh token is not valid."


class SessionNotFoundError(NotFoundError):
    detail = "Session not found."


class UnsupportedGrantTypeError(AppError):
    error_code = "UNSUPPORTED_GRANT_TYPE"
    detail = "grant_type must be `password`, `refresh_token` or `authorization_code`."


class InvalidTokenRequestError(AppError):
    error_code = "INVALID_REQUEST"
    detail = "The token request is missing a field its grant type needs."


class InvalidGrantError(AppError):
    error_code = "INVALID_GRANT"
    detail = "The code is invalid, expired or already used."


class EmailNotVerifiedError(AppError):
    status_code = 403
    error_code = "EMAIL_NOT_VERIFIED"
    detail = "Verify your email address before signing in."


class AccountLockedError(RetryLaterError):
    status_code = 423
    error_code = "ACCOUNT_LOCKED"
    detail = "Too many failed sign-ins; try again later."


class AccountTokenInvalidError(AppError):
    error_code = "TOKEN_INVALID"
    detail = "This link is invalid, expired or already used; ask for a new one."


class CurrentPasswordRequiredError(ForbiddenError):
    error_code = "CURRENT_PASSWORD_REQUIRED"
    detail = "Send `current_password` to change your email address."
