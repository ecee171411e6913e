"""Settings of the core service, read from the environment and `.env`.

Every module that needs settings owns its own class with its own env prefix; this
one holds only what the core needs. The README lists every variable.
"""

from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core import project

# Known to everyone, so production refuses it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32
LOCAL_DATABASE_URL = "sqlite+aiosqlite:///./local.db"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Core settings. Field `secret_key` is read from `SECRET_KEY`, and so on."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    secret_key: Annotated[str, Field(min_length=MIN_SECRET_KEY_LENGTH)] = DEVELOPMENT_SECRET_KEY
    # Unset in development and test: a local SQLite file, so a fresh render runs
    # with no server at all. Required in production.
    database_url: str | None = None
    database_pool_size: Annotated[int, Field(ge=1)] = 10
    database_max_overflow: Annotated[int, Field(ge=0)] = 10
    database_pool_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    database_pool_recycle_seconds: Annotated[int, Field(ge=-1)] = 1800
    database_statement_timeout_ms: Annotated[int, Field(ge=0)] = 15_000
    database_echo: bool = False

    jwt_issuer: str = project.SLUG
    jwt_audience: str = project.SLUG
    access_token_expire_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    refresh_token_expire_days: Annotated[int, Field(ge=1, le=365)] = 7

    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    password_hash_time_cost: Annotated[int, Field(ge=1)] = 3
    password_hash_memory_kib: Annotated[int, Field(ge=8)] = 65_536
    password_hash_parallelism: Annotated[int, Field(ge=1)] = 4
    # How many hashes may run at once; the rest wait, so a login storm cannot
    # take every worker thread from the rest of the API.
    password_hash_concurrency: Annotated[int, Field(ge=1)] = 2

    docs_enabled: bool = True

    @property
    def sqlalchemy_database_url(self) -> str:
        return self.database_url or LOCAL_DATABASE_URL

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        if self.secret_key == DEVELOPMENT_SECRET_KEY:
            raise ValueError("SECRET_KEY must be set to your own random value in production.")
        if self.database_url is None:
            raise ValueError("DATABASE_URL must be set in production.")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
