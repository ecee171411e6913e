"""Settings of the core service, read from the environment and `.env`.

Every module that needs settings owns its own class with its own env prefix; this
one holds only what the core needs. The README lists every variable.
"""

import ipaddress
import json
import os
import re
import sys
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal, NoReturn, Self

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core import project

# Known to everyone, so production refuses it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me-in-production"
MIN_SECRET_KEY_LENGTH = 32
LOCAL_DATABASE_URL = "sqlite+aiosqlite:///./local.db"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


# Loopback and private address ranges (RFC 1918, RFC 4193).
PRIVATE_NETWORKS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)

# argon2id at its lowest cost under ENVIRONMENT=test, unless set: a test suite hashes
# hundreds of passwords and tests what hashing does, not how long it takes.
TEST_PASSWORD_HASH = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 8,
    "password_hash_parallelism": 1,
}

# A list setting: `a,b,c` or a JSON list `["a", "b"]` in the environment.
CommaList = Annotated[list[str], NoDecode]
# What a browser sends in `Origin`: scheme://host[:port], nothing after.
ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s]+")
# Characters no item of a list setting has: they come from half-written JSON or quoting.
STRAY = re.compile(r"[\s\"'\[\]]")


def parse_list_setting(name: str, raw: str) -> list[str]:
    """`a,b` or `["a", "b"]` as a list; anything else is refused with a clear message."""
    text = raw.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            items = None
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ValueError(f'{name}: not a JSON list of strings; write a,b or ["a", "b"].')
    else:
        items = text.split(",")
    items = [item.strip() for item in items if item.strip()]
    for item in items:
        if STRAY.search(item):
            raise ValueError(f'{name}: cannot read {item!r}; write a,b or ["a", "b"].')
    return items


class Settings(BaseSettings):
    """Core settings. Field `secret_key` is read from `SECRET_KEY`, and so on."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    secret_key: Annotated[str, Field(min_length=MIN_SECRET_KEY_LENGTH)] = DEVELOPMENT_SECRET_KEY
    # Unset in development and test: a local SQLite file, so a fresh render runs
    # with no server at all. Required in production.
    database_url: str | None = None
    database_pool_size: Annotated[int, Field(ge=1)] = 10
    database_max_overflow: Annotated[int, Field(ge=0)] = 10
    database_pool_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    # Give up on opening a connection after this long (PostgreSQL): a 503, not a hang.
    database_connect_timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    database_pool_recycle_seconds: Annotated[int, Field(ge=-1)] = 1800
    database_statement_timeout_ms: Annotated[int, Field(ge=0)] = 15_000
    database_echo: bool = False
    # Test each connection with a round trip before lending it (survives a database
    # restart without a failed request, at the price of that round trip every time).
    database_pool_pre_ping: bool = False

    jwt_issuer: str = project.SLUG
    jwt_audience: str = project.SLUG
    access_token_expire_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    refresh_token_expire_days: Annotated[int, Field(ge=1, le=365)] = 7

    # A session ends when unused for `refresh_token_expire_days` (each refresh
    # restarts that), and this long after sign-in whatever happens.
    session_max_lifetime_days: Annotated[int, Field(ge=1, le=365)] = 30

    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    password_hash_time_cost: Annotated[int, Field(ge=1)] = 3
    password_hash_memory_kib: Annotated[int, Field(ge=8)] = 65_536
    password_hash_parallelism: Annotated[int, Field(ge=1)] = 4
    # How many hashes may run at once; the rest wait, so a login storm cannot
    # take every worker thread from the rest of the API.
    password_hash_concurrency: Annotated[int, Field(ge=1)] = 2
    # How much lower the hashing threads' CPU priority is than the event loop's
    # (Linux niceness, 0 to 19; 0 keeps them equal): other requests run first.
    password_hash_niceness: Annotated[int, Field(ge=0, le=19)] = 19

    # Default: on, except in production (see `_production_defaults`).
    docs_enabled: bool = True

    # Observability.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # auto: JSON in production, readable lines elsewhere.
    log_format: Literal["auto", "json", "console"] = "auto"
    database_slow_query_ms: Annotated[int, Field(ge=1)] = 500
    metrics_enabled: bool = True
    # Who may read /metrics (IPs or CIDRs): loopback and private ranges, so a
    # scraper in the cluster reads it and the internet does not. Empty: nobody.
    metrics_allowed_networks: CommaList = list(PRIVATE_NETWORKS)

    # HTTP hygiene.
    cors_origins: CommaList = []
    allowed_hosts: CommaList = ["*"]
    # Proxies (IPs or CIDRs) whose X-Forwarded-For is believed; empty: use the socket.
    trusted_proxies: CommaList = []
    max_request_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576

    # Email. Links in messages point at the frontend, which calls the API.
    frontend_url: str = "http://localhost:3000"
    email_backend: Literal["console", "smtp"] = "console"
    email_from: str = "no-reply@example.com"
    smtp_host: str = "localhost"
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    # Refuse sign-in until the email is verified. Default: off, except in production.
    email_verification_required: bool = False
    email_verification_expire_hours: Annotated[int, Field(ge=1)] = 48
    password_reset_expire_minutes: Annotated[int, Field(ge=5)] = 30

    # Rate limits ("N/second|minute|hour|day"), per client IP and per account.
    rate_limit_enabled: bool = True
    rate_limit_register: str = "5/minute"
    rate_limit_login: str = "10/minute"
    rate_limit_refresh: str = "30/minute"
    rate_limit_email: str = "5/minute"
    # Lockout: this many failed sign-ins within the window from one client lock the
    # email for that client; the account threshold counts every client together.
    lockout_threshold: Annotated[int, Field(ge=1)] = 5
    lockout_account_threshold: Annotated[int, Field(ge=1)] = 50
    lockout_window_minutes: Annotated[int, Field(ge=1)] = 15
    lockout_minutes: Annotated[int, Field(ge=1)] = 15

    # Browser sessions: the refresh token in an HttpOnly cookie (app/auth/browser.py).
    # The name gets the `__Secure-` prefix when the cookie is Secure.
    session_cookie_name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")] = (
        "refresh_token"
    )
    # Unset: the API's own host only (safest). Set to share it with subdomains.
    session_cookie_domain: Annotated[str | None, Field(pattern=r"^[a-z0-9.-]+$")] = None
    session_cookie_samesite: Literal["lax", "strict"] = "strict"
    # Default: on in production only, where off is refused.
    session_cookie_secure: bool = False

    @model_validator(mode="before")
    @classmethod
    def _production_defaults(cls, data: Any) -> Any:
        """In production, what is handy on a laptop is off unless a setting says otherwise.

        The API docs are off, sign-in waits for a verified email (ASVS 13.4.5), and
        the session cookie is Secure.
        """
        if isinstance(data, dict):
            production = str(data.get("environment", "")).lower() == Environment.PRODUCTION
            data.setdefault("docs_enabled", not production)
            data.setdefault("email_verification_required", production)
            data.setdefault("session_cookie_secure", production)
        return data

    @field_validator(
        "cors_origins",
        "allowed_hosts",
        "trusted_proxies",
        "metrics_allowed_networks",
        mode="before",
    )
    @classmethod
    def _parse_list(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            return parse_list_setting(str(info.field_name).upper(), value)
        return value

    @field_validator("trusted_proxies", "metrics_allowed_networks")
    @classmethod
    def _check_networks(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"{str(info.field_name).upper()}: {network!r} is not an IP address or CIDR."
                ) from None
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"CORS_ORIGINS: {origin!r} is not an origin: scheme://host[:port], "
                    "with no path or trailing slash."
                )
        return value

    @property
    def email_verification_lifetime(self) -> timedelta:
        return timedelta(hours=self.email_verification_expire_hours)

    @property
    def password_reset_lifetime(self) -> timedelta:
        return timedelta(minutes=self.password_reset_expire_minutes)

    @property
    def sqlalchemy_database_url(self) -> str:
        return self.database_url or LOCAL_DATABASE_URL

    @model_validator(mode="before")
    @classmethod
    def _cheap_hashing_under_test(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("environment") == Environment.TEST:
            return {**TEST_PASSWORD_HASH, **data}
        return data

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        if self.secret_key == DEVELOPMENT_SECRET_KEY:
            raise ValueError("SECRET_KEY must be set to your own random value in production.")
        if self.database_url is None:
            raise ValueError("DATABASE_URL must be set in production.")
        if self.email_backend == "console":
            # The console backend prints sign-in links: fine on a laptop, a leak in production.
            raise ValueError("EMAIL_BACKEND must be smtp in production.")
        if not self.session_cookie_secure:
            raise ValueError("SESSION_COOKIE_SECURE must be true in production.")
        if plain := [o for o in self.cors_origins if o.startswith("http://")]:
            # Such a page can be rewritten in transit, and would ride the session cookie.
            raise ValueError(f"CORS_ORIGINS must be https:// in production, not {plain[0]}.")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment and `.env`.

    The test environment ignores `.env`: a developer's own settings must not
    change what the tests see.

    An invalid setting stops the process with one line per problem on stderr,
    naming the variable and the rule but never its value (it may be a key).
    """
    env_file = None if os.environ.get("ENVIRONMENT") == Environment.TEST else ".env"
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        refuse_to_start(describe_validation_error(exc, upper=True))


def refuse_to_start(problems: list[str]) -> NoReturn:
    """Print one line per invalid setting on stderr and exit 1, without a traceback."""
    for problem in problems:
        print(f"Invalid setting: {problem}", file=sys.stderr)
    raise SystemExit(1)


def describe_validation_error(
    exc: ValidationError, *, upper: bool = False, prefix: str = ""
) -> list[str]:
    """`field: rule` for each error of `exc`, without the input (it may be a secret)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        where = prefix + ".".join(str(part) for part in error["loc"])
        where = where.upper() if upper else where
        problems.append(f"{where}: {message}" if where else message)
    return problems


class ModuleSettings(BaseSettings):
    """Base of a module's own settings class: give it an `env_prefix` in `model_config`."""

    model_config = SettingsConfigDict(extra="ignore")

    def production_problems(self) -> list[str]:
        """Values unsafe in production, one sentence each; checked with core's at start."""
        return []


def load_module_settings(
    settings: Settings, classes: list[type[ModuleSettings]]
) -> dict[type[ModuleSettings], ModuleSettings]:
    """Read every module's settings the way core's are read; refuse unsafe production values.

    Like core's, an invalid or unsafe value stops the process with one line per
    problem naming the variable, never its value.
    """
    env_file = None if settings.environment is Environment.TEST else ".env"
    loaded: dict[type[ModuleSettings], ModuleSettings] = {}
    problems: list[str] = []
    for cls in classes:
        try:
            loaded[cls] = cls(_env_file=env_file)
        except ValidationError as exc:
            prefix = cls.model_config.get("env_prefix") or ""
            problems += describe_validation_error(exc, upper=True, prefix=prefix)
    if settings.environment is Environment.PRODUCTION:
        problems += [problem for s in loaded.values() for problem in s.production_problems()]
    if problems:
        refuse_to_start(problems)
    return loaded
