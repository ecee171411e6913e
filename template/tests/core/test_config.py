"""Production refuses unsafe settings; development needs none."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import LOCAL_DATABASE_URL, TEST_PASSWORD_HASH, Settings, get_settings

PRODUCTION_DB = "postgresql+asyncpg://app@db/app"


def test_development_runs_on_a_local_sqlite_file() -> None:
    settings = Settings(environment="development", database_url=None)
    assert settings.sqlalchemy_database_url == LOCAL_DATABASE_URL


def hash_cost(settings: Settings) -> dict[str, int]:
    return {name: getattr(settings, name) for name in TEST_PASSWORD_HASH}


def test_passwords_hash_at_full_cost_outside_the_tests() -> None:
    """argon2id's RFC 9106 low-memory profile in production and development; its lowest
    cost under ENVIRONMENT=test (the suite's), unless a value is set."""
    full_cost = {
        "password_hash_time_cost": 3,
        "password_hash_memory_kib": 65_536,
        "password_hash_parallelism": 4,
    }
    production = Settings(environment="production", secret_key="k" * 40, database_url=PRODUCTION_DB)
    assert hash_cost(production) == full_cost
    assert hash_cost(Settings(environment="development")) == full_cost
    assert hash_cost(get_settings()) == TEST_PASSWORD_HASH
    assert Settings(environment="test", password_hash_time_cost=2).password_hash_time_cost == 2


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", database_url=PRODUCTION_DB)


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(secret_key="short")


def test_production_needs_a_database_url() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(environment="production", secret_key="k" * 40, database_url=None)


def test_production_with_safe_settings() -> None:
    settings = Settings(environment="production", secret_key="k" * 40, database_url=PRODUCTION_DB)
    assert settings.sqlalchemy_database_url == PRODUCTION_DB


@pytest.mark.parametrize(("environment", "expected"), [("development", 5), ("test", 15)])
def test_dotenv_is_read_except_by_tests(
    environment: str, expected: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("ACCESS_TOKEN_EXPIRE_MINUTES=5\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", environment)
    get_settings.cache_clear()
    try:
        assert get_settings().access_token_expire_minutes == expected
    finally:
        monkeypatch.setenv("ENVIRONMENT", "test")
        get_settings.cache_clear()


@pytest.mark.parametrize(
    "raw",
    [
        "https://a.example,https://b.example",
        " https://a.example , https://b.example, ",
        '["https://a.example", "https://b.example"]',
    ],
)
def test_list_settings_read_commas_or_a_json_list(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", raw)
    monkeypatch.setenv("ALLOWED_HOSTS", raw.replace("https://", ""))
    monkeypatch.setenv("TRUSTED_PROXIES", '["10.0.0.0/8", "192.168.1.1"]')
    settings = Settings()
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.allowed_hosts == ["a.example", "b.example"]
    assert settings.trusted_proxies == ["10.0.0.0/8", "192.168.1.1"]


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("CORS_ORIGINS", '["https://a.example"'),
        ("CORS_ORIGINS", '"https://a.example"'),
        ("CORS_ORIGINS", "https://a.example/"),
        ("ALLOWED_HOSTS", '["a.example", 3]'),
        ("ALLOWED_HOSTS", '{"host": "a.example"}'),
        ("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"),
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.300"),
    ],
)
def test_an_unreadable_list_setting_is_refused_at_start(
    name: str, raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(ValidationError, match=name):
        Settings()
