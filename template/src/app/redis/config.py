"""The redis module's settings, read from `REDIS_*` variables."""

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from app.core import project
from app.core.config import ModuleSettings

URL_SCHEMES = ("redis://", "rediss://", "unix://")


class RedisSettings(ModuleSettings):
    model_config = SettingsConfigDict(env_prefix="REDIS_", extra="ignore")

    # redis://[:password@]host:port/db (rediss:// for TLS); it may hold a password.
    url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    # Every key the service writes starts with it, so several services (or test
    # runs) can share one Redis and the cache endpoints never touch another's keys.
    key_prefix: Annotated[
        str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")
    ] = f"{project.SLUG}:"
    # Connections per process; a request waits up to REDIS_TIMEOUT_SECONDS for one.
    max_connections: Annotated[int, Field(ge=1, le=10_000)] = 50
    # Connect, command and pool wait timeout: a Redis that hangs costs a request this much.
    timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 0.5
    # How long a session may be served from Redis without asking the database; 0 turns
    # the session cache off. Changes drop entries at once; this bounds the rest.
    session_cache_seconds: Annotated[int, Field(ge=0, le=3600)] = 60

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: SecretStr) -> SecretStr:
        # The message never repeats the value: it may hold a password.
        if not value.get_secret_value().startswith(URL_SCHEMES):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value
