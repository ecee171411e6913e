"""Every statement is counted and timed; slow ones are logged with SQL, never parameters."""

import json

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import get_settings
from app.core.db import create_engine, monitor_engine
from app.core.logging import configure_logging
from app.users.models import User


async def test_slow_queries_are_logged_without_parameters(
    migrated_database: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(get_settings().model_copy(update={"log_format": "json"}))
    engine = create_engine(get_settings())
    stats = monitor_engine(engine, slow_query_ms=0)  # every statement counts as slow
    try:
        async with AsyncSession(engine) as session:
            await session.exec(select(User).where(User.email == "slow@example.com"))
    finally:
        await engine.dispose()
    assert stats.count >= 1
    assert stats.slow == stats.count
    assert stats.total_seconds > 0
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    slow = [line for line in lines if line["event"] == "slow query"]
    assert any("FROM users" in str(line["statement"]) for line in slow)
    assert all("slow@example.com" not in json.dumps(line) for line in slow)
