"""Shared fixtures: a migrated database, a rolled-back transaction per test, a client.

Tests run on SQLite by default and on PostgreSQL when `TEST_DATABASE_URL` says so,
e.g. `TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test uv run pytest`.
"""

import os
import socket
import tempfile
from pathlib import Path

# Settings are read once, so the test environment is set before the app is imported.
_SQLITE_FILE = Path(tempfile.gettempdir()) / f"app-tests-{os.getpid()}.db"
os.environ["ENVIRONMENT"] = "test"
os.environ["DATABASE_URL"] = os.environ.get(
    "TEST_DATABASE_URL", f"sqlite+aiosqlite:///{_SQLITE_FILE}"
)
# Emails go to a real SMTP server on loopback (started below), on a port picked now.
with socket.socket() as _probe:
    _probe.bind(("127.0.0.1", 0))
    SMTP_PORT = _probe.getsockname()[1]
os.environ.update(
    EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=str(SMTP_PORT), SMTP_STARTTLS="false"
)

from collections.abc import AsyncIterator, Iterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from alembic import command  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402
from sqlmodel.ext.asyncio.session import AsyncSession  # noqa: E402

from app.cli import alembic_config  # noqa: E402
from app.core.config import Settings, get_settings  # noqa: E402
from app.core.db import create_engine  # noqa: E402
from app.core.permissions import Role  # noqa: E402
from app.core.services import services_of  # noqa: E402
from tests.helpers import Mailbox, UserFactory, build_app  # noqa: E402


@pytest.fixture(scope="session")
def migrated_database() -> Iterator[None]:
    """Upgrade an empty database to every head; downgrade again at the end."""
    _SQLITE_FILE.unlink(missing_ok=True)
    config = alembic_config()
    config.attributes["configure_logger"] = False
    command.upgrade(config, "heads")
    yield
    command.downgrade(config, "base")
    _SQLITE_FILE.unlink(missing_ok=True)


@pytest.fixture(scope="session")
async def engine(migrated_database: None) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(get_settings())
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test.

    The app's commits become SAVEPOINT releases, so each test sees its own
    writes and leaves nothing behind.
    """
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        yield session
        await session.close()
        await transaction.rollback()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    """The SMTP server's messages, emptied for each test."""
    smtp_server.messages.clear()
    return smtp_server


@pytest.fixture
def settings() -> Settings:
    """The app's settings; override this fixture in a test module to change them."""
    return get_settings()


# Tests with equal settings share one app (its middleware, its cached OpenAPI document),
# each test with the state of a new one: its own services, rate-limit counts, lifespan.
_APPS: dict[str, FastAPI] = {}


@pytest.fixture
async def app(
    db_session: AsyncSession, settings: Settings, mailbox: Mailbox
) -> AsyncIterator[FastAPI]:
    """The app for `settings`, its lifespan run, every request on the test's session.

    A test may add routes or `dependency_overrides` to it: an app whose routes a test
    changed is not handed to another test, and the overrides are emptied after each test.
    """
    key = settings.model_dump_json()
    new = build_app(settings)
    app = _APPS.setdefault(key, new)
    app.state = new.state
    routes = list(app.router.routes)

    @asynccontextmanager
    async def test_session() -> AsyncIterator[AsyncSession]:
        yield db_session

    try:
        async with app.router.lifespan_context(app):
            services = services_of(app)
            services.database.session_factory = test_session
            services.database.read_only_session_factory = None  # reads too see the test's rows
            # A shared rate-limit storage outlives the app: each test starts with no counts.
            await services.rate_limiter.reset()
            yield app
    finally:
        app.dependency_overrides.clear()
        if app.router.routes != routes:
            _APPS.pop(key, None)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def users(app: FastAPI, db_session: AsyncSession, client: httpx.AsyncClient) -> UserFactory:
    return UserFactory(db_session, services_of(app).password_hasher, client)


@pytest.fixture
async def user_headers(users: UserFactory) -> dict[str, str]:
    """Bearer headers of a signed-in regular user (`user@example.com`)."""
    await users.create("user@example.com")
    return await users.headers("user@example.com")


@pytest.fixture
async def admin_headers(users: UserFactory) -> dict[str, str]:
    """Bearer headers of a signed-in admin (`admin@example.com`)."""
    await users.create("admin@example.com", role=Role.ADMIN)
    return await users.headers("admin@example.com")
