"""No secret in any output: logs in every format, the CLI, and settings errors."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import get_settings
from app.core.logging import configure_logging
from app.core.passwords import PasswordHasher
from app.core.services import services_of

SECRET_PASSWORD = "hunter2-SECRET-value"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class BrokenHasher(PasswordHasher):
    """A hasher that fails, standing in for any unexpected error during sign-in.

    A fault injected on purpose: no real part fails on demand in the middle of a login.
    """

    async def verify(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
        raise RuntimeError("the hasher broke")


@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_v16_2_5_a_failing_login_logs_no_password(
    app: FastAPI, log_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(get_settings().model_copy(update={"log_format": log_format}))
    services_of(app).password_hasher = BrokenHasher(get_settings())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": "a@example.com", "password": SECRET_PASSWORD}
        )
    assert response.status_code == 500
    output = capsys.readouterr().err
    assert "the hasher broke" in output, "the traceback is logged"
    assert SECRET_PASSWORD not in output
    # A plain traceback: no frame's local variables, no page-long rendering.
    assert "locals" not in output.lower()
    assert len(output.splitlines()) < 150


def test_v16_2_5_a_bad_setting_names_the_variable_never_its_value() -> None:
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "opsecretTAIL9876543210",
        "DATABASE_URL": "sqlite+aiosqlite:///./never-opened.db",
        "EMAIL_BACKEND": "smtp",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import app.main"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "opsecretTAIL" not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        "Invalid setting: SECRET_KEY: String should have at least 32 characters"
    ]
