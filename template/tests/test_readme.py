"""The README lists every setting and every error code the service has."""

from pathlib import Path

from app.auth import exceptions as auth_errors
from app.core import errors, security
from app.core.config import Settings
from app.users import exceptions as user_errors

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in README, name


def test_every_error_code_is_documented() -> None:
    codes = {"VALIDATION_ERROR", "INTERNAL_ERROR", "HTTP_ERROR", *errors.HTTP_ERROR_CODES.values()}
    for module in (errors, security, auth_errors, user_errors):
        codes |= {
            value.error_code
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, errors.AppError)
        }
    for code in codes:
        assert f"`{code}`" in README, code
