"""Production refuses unsafe settings; development needs none."""

import pytest
from pydantic import ValidationError

from app.core.config import LOCAL_DATABASE_URL, Settings

PRODUCTION_DB = "postgresql+asyncpg://app@db/app"


def test_development_runs_on_a_local_sqlite_file() -> None:
    settings = Settings(_env_file=None, environment="development", database_url=None)
    assert settings.sqlalchemy_database_url == LOCAL_DATABASE_URL


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None, environment="production", database_url=PRODUCTION_DB)


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(_env_file=None, secret_key="short")


def test_production_needs_a_database_url() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(_env_file=None, environment="production", secret_key="k" * 40, database_url=None)


def test_production_with_safe_settings() -> None:
    settings = Settings(
        _env_file=None, environment="production", secret_key="k" * 40, database_url=PRODUCTION_DB
    )
    assert settings.sqlalchemy_database_url == PRODUCTION_DB
