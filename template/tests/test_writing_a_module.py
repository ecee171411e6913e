"""The worked example of `docs/modules/writing-a-module.md`, done for real.

A copy of this project gets the `bulletins` module exactly as the page writes it,
its migration on the `app` branch, and its own tests; then those tests, the
architecture test and the README test must pass there. The module's files below
are the page's code blocks, character for character (the template's own tests
check that).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[1]

BULLETINS_INIT = '''"""Bulletins: everyone signed in reads them, admins write them.

Endpoints under `/api/v1/bulletins`. Settings: `BULLETINS_MAX_LENGTH`.
"""
'''

BULLETINS_CONFIG = '''"""The bulletins module's settings, read from `BULLETINS_*` variables."""

from pydantic_settings import SettingsConfigDict

from app.core.config import ModuleSettings


class BulletinsSettings(ModuleSettings):
    model_config = SettingsConfigDict(env_prefix="BULLETINS_", extra="ignore")

    # The longest bulletin accepted, in characters.
    max_length: int = 280

    def production_problems(self) -> list[str]:
        if self.max_length > 10_000:
            return ["BULLETINS_MAX_LENGTH must be at most 10000 in production."]
        return []
'''

BULLETINS_EXCEPTIONS = '''"""Errors of the bulletins module."""

from app.core.errors import AppError


class BulletinTooLongError(AppError):
    status_code = 422
    error_code = "BULLETIN_TOO_LONG"
    detail = "The bulletin is longer than BULLETINS_MAX_LENGTH."
'''

BULLETINS_MODELS = '''"""The `bulletins` table."""

from sqlmodel import Field

from app.core.models import TableBase


class Bulletin(TableBase, table=True):
    __tablename__ = "bulletins"

    text: str = Field(max_length=10_000)
'''

BULLETINS_ROUTER = '''"""`/api/v1/bulletins`: `bulletins:read` reads, `bulletins:write` posts."""

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel
from sqlmodel import col, select

from app.core import audit
from app.core.authentication import require_permission
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.permissions import Principal
from app.core.services import ServicesDep
from app.bulletins.config import BulletinsSettings
from app.bulletins.exceptions import BulletinTooLongError
from app.bulletins.models import Bulletin

router = APIRouter(prefix=f"{API_PREFIX}/bulletins", tags=["bulletins"], responses=ERROR_RESPONSES)


class BulletinIn(BaseModel):
    text: str


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_bulletin(
    body: BulletinIn,
    author: Annotated[Principal, require_permission("bulletins", "write")],
    session: SessionDep,
    services: ServicesDep,
    context: RequestContextDep,
) -> dict[str, str]:
    if len(body.text) > services.settings_of(BulletinsSettings).max_length:
        raise BulletinTooLongError
    bulletin = Bulletin(text=body.text)
    session.add(bulletin)
    audit.record(
        session, "bulletins.created", context, actor_id=author.id, bulletin_id=str(bulletin.id)
    )
    return {"id": str(bulletin.id), "text": bulletin.text}


@router.get("", dependencies=[require_permission("bulletins", "read")])
async def list_bulletins(session: SessionDep) -> list[str]:
    bulletins = await session.exec(select(Bulletin).order_by(col(Bulletin.created_at)))
    return [bulletin.text for bulletin in bulletins]
'''

BULLETINS_MODULE = '''"""The bulletins module's registration, listed in `app.local_modules`."""

from sqlalchemy import text

from app.core.health import HealthCheck
from app.core.module import Module
from app.core.permissions import Permission, Role, Scope
from app.core.services import Services
from app.bulletins.config import BulletinsSettings
from app.bulletins.router import router


async def bulletins_table_answers(services: Services) -> None:
    async with services.database.engine.connect() as connection:
        await connection.execute(text("SELECT 1 FROM bulletins LIMIT 1"))


module = Module(
    name="bulletins",
    routers=(router,),
    settings=BulletinsSettings,
    permissions=(
        Permission("bulletins", "read", {Role.USER: Scope.ANY, Role.ADMIN: Scope.ANY}),
        Permission("bulletins", "write", {Role.ADMIN: Scope.ANY}),
    ),
    health_checks=(HealthCheck("bulletins", bulletins_table_answers),),
)
'''

LOCAL_MODULES = """from app.core.module import Module
from app.bulletins.module import module as bulletins

LOCAL_MODULES: tuple[Module, ...] = (bulletins,)
"""

BULLETINS_TESTS = '''"""The bulletins module: permissions, setting, audit event, readiness check."""

import httpx


async def test_bulletins(
    client: httpx.AsyncClient, admin_headers: dict[str, str], user_headers: dict[str, str]
) -> None:
    refused = await client.post("/api/v1/bulletins", json={"text": "hi"}, headers=user_headers)
    assert refused.status_code == 403
    created = await client.post("/api/v1/bulletins", json={"text": "hi"}, headers=admin_headers)
    assert created.status_code == 201
    too_long = await client.post(
        "/api/v1/bulletins", json={"text": "x" * 281}, headers=admin_headers
    )
    assert too_long.json()["error_code"] == "BULLETIN_TOO_LONG"
    listed = await client.get("/api/v1/bulletins", headers=user_headers)
    assert listed.json() == ["hi"]
    events = await client.get(
        "/api/v1/audit-events", params={"event": "bulletins.created"}, headers=admin_headers
    )
    assert events.json()["total"] == 1
    detailed = await client.get("/api/v1/health/detailed", headers=admin_headers)
    assert detailed.json()["checks"]["bulletins"]["status"] == "ok"
'''

FILES = {
    "src/app/bulletins/__init__.py": BULLETINS_INIT,
    "src/app/bulletins/config.py": BULLETINS_CONFIG,
    "src/app/bulletins/exceptions.py": BULLETINS_EXCEPTIONS,
    "src/app/bulletins/models.py": BULLETINS_MODELS,
    "src/app/bulletins/router.py": BULLETINS_ROUTER,
    "src/app/bulletins/module.py": BULLETINS_MODULE,
    "tests/bulletins/test_bulletins.py": BULLETINS_TESTS,
}
LOCAL_MODULE_ADDED = """from app.bulletins.module import module as bulletins  # noqa: E402

LOCAL_MODULES = (*LOCAL_MODULES, bulletins)
"""
README_ROWS = """
| `BULLETINS_MAX_LENGTH` | `280` | the longest bulletin accepted |
| `BULLETIN_TOO_LONG` | 422 | the bulletin is longer than `BULLETINS_MAX_LENGTH` |
"""


def register(local_modules: Path) -> None:
    """List the module in `local_modules.py`: the page's file, or added to the project's own."""
    text = local_modules.read_text()
    if "LOCAL_MODULES: tuple[Module, ...] = ()" in text:
        local_modules.write_text(LOCAL_MODULES)
    else:  # the project has modules of its own: keep them, add this one
        local_modules.write_text(f"{text}\n{LOCAL_MODULE_ADDED}")


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command of the copied project with its own code first on the path."""
    env = {
        **os.environ,
        "PYTHONPATH": str(project / "src"),
        "ENVIRONMENT": "test",
        "DATABASE_URL": f"sqlite+aiosqlite:///{project / 'dev.db'}",
    }
    env.pop("TEST_DATABASE_URL", None)  # its own SQLite test database, whatever ours is
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, check=False
    )


# Seconds (a CLI run and a pytest run in a copy); with no or one optional module
# it runs in every such combination, which covers how each module meets the example.
@pytest.mark.slow
def test_the_worked_example_of_a_module_passes(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for name in ("src", "migrations", "tests"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("alembic.ini", "pyproject.toml", "README.md", ".env.example"):
        shutil.copy(ROOT / name, project / name)
    for path, content in FILES.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(content)
    (project / "tests" / "bulletins" / "__init__.py").touch()
    register(project / "src" / "app" / "local_modules.py")
    with (project / "README.md").open("a") as readme:
        readme.write(README_ROWS)
    with (project / ".env.example").open("a") as env_example:
        env_example.write("BULLETINS_MAX_LENGTH=280\n")

    versions = project / "migrations" / "versions"
    before = set(versions.glob("*.py"))
    # The page's two commands, in one interpreter: one import of the project, not two.
    both = (
        "from app.cli import cli; "
        "cli(['db', 'upgrade'], standalone_mode=False); "
        "cli(['db', 'revision', '-m', 'add bulletins'], standalone_mode=False)"
    )
    result = run(project, "-c", both)
    assert result.returncode == 0, result.stdout + result.stderr
    [revision] = set(versions.glob("*.py")) - before
    [app_head] = ScriptDirectory(str(project / "migrations")).get_revisions("app@head")
    assert app_head is not None
    assert Path(app_head.path) == revision  # on the project's own branch
    assert re.search(r"create_table\(\s*['\"]bulletins['\"]", revision.read_text())

    tests = ["tests/bulletins", "tests/test_architecture.py", "tests/test_readme.py"]
    result = run(project, "-m", "pytest", *tests, "-q", "--no-cov", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "passed" in result.stdout
