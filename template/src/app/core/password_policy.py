"""The password rule (OWASP ASVS 5.0 §6.2), in one place.

8 to 128 characters of any kind: no composition rules (6.2.5), passphrases
welcome. Not the account's email or username, and not a common password (6.2.4):
`common_passwords.txt` ships the 19,640 most common passwords compiled by Royce
Williams, as distributed with Django (`django/contrib/auth/common-passwords.txt.gz`,
BSD-3-Clause), lowercased. It is read once, at import, into a set: each check is
one case-insensitive O(1) lookup.
"""

from pathlib import Path

from app.core.errors import AppError

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def _load_common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


COMMON_PASSWORDS = _load_common_passwords()


class WeakPasswordError(AppError):
    status_code = 422
    error_code = "WEAK_PASSWORD"
    detail = "The password is too weak."


def password_problem(
    password: str, *, email: str | None = None, username: str | None = None
) -> str | None:
    """Why `password` is refused, as a sentence for the user; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    folded = password.lower()
    if folded in COMMON_PASSWORDS:
        return "This password is too common; choose another (a few random words work well)."
    if email is not None and folded == email.lower():
        return "The password must not be your email address."
    if username is not None and folded == username.lower():
        return "The password must not be your username."
    return None


def check_password(password: str, *, email: str, username: str | None) -> None:
    """Raise `WeakPasswordError` (422 `WEAK_PASSWORD`) unless the rule accepts `password`."""
    problem = password_problem(password, email=email, username=username)
    if problem is not None:
        raise WeakPasswordError(problem)
