"""Alembic environment: async engine, every enabled module's tables."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import make_url
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.modules  # noqa: F401  (imports every module, so their tables are registered)
from app.core.config import get_settings
from app.core.db import create_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata
settings = get_settings()
url = make_url(settings.sqlalchemy_database_url)


def configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=url.get_backend_name() == "sqlite",
        **kwargs,
    )


def run_migrations_offline() -> None:
    configure(url=url.render_as_string(hide_password=False), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
