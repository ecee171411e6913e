"""Errors of a social sign-in. None of them repeats a code, a token or a state."""

from app.core.errors import AppError, ConflictError, NotFoundError


class ProviderNotFoundError(NotFoundError):
    error_code = "OAUTH_PROVIDER_NOT_FOUND"
    detail = "No such sign-in provider is configured."


class StateInvalidError(AppError):
    """Unknown, expired, already used, another provider's or another browser's `state`."""

    error_code = "OAUTH_STATE_INVALID"
    detail = "This sign-in was not started here, has expired or was already used; start again."


class AccessDeniedError(AppError):
    error_code = "OAUTH_ACCESS_DENIED"
    detail = "The sign-in was cancelled at the provider."


class AuthorizationFailedError(AppError):
    error_code = "OAUTH_AUTHORIZATION_FAILED"
    detail = "The provider did not complete the sign-in; start again."


class CodeRejectedError(AppError):
    """The provider's token endpoint refused the code (wrong verifier, spent code)."""

    error_code = "OAUTH_CODE_REJECTED"
    detail = "The provider refused the sign-in code; start again."


class IdTokenInvalidError(AppError):
    """Bad signature, issuer, audience, nonce or expiry, or userinfo of another user."""

    error_code = "OAUTH_ID_TOKEN_INVALID"
    detail = "The provider's identity token could not be verified."


class ProviderUnavailableError(AppError):
    status_code = 502
    error_code = "OAUTH_PROVIDER_UNAVAILABLE"
    detail = "The sign-in provider did not answer properly; try again later."


class EmailNotVerifiedError(AppError):
    status_code = 403
    error_code = "OAUTH_EMAIL_NOT_VERIFIED"
    detail = "The provider has not verified an email address for this account."


class LinkRefusedError(ConflictError):
    """Linking to a local account whose address nobody proved would hand it to whoever
    registered it first (pre-registration hijack)."""

    error_code = "OAUTH_LINK_REFUSED"
    detail = (
        "An account with this email exists but its address is not verified; "
        "verify it (or reset its password) first, then sign in with the provider again."
    )


class OAuthAccountNotFoundError(NotFoundError):
    error_code = "OAUTH_ACCOUNT_NOT_FOUND"
    detail = "Linked account not found."


class LastSignInMethodError(ConflictError):
    error_code = "OAUTH_LAST_SIGN_IN_METHOD"
    detail = "This is your only way to sign in; set a password or link another account first."
