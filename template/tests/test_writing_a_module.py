"""The worked example of `docs/modules/writing-a-module.md`, done for real.

A copy of this project gets the `notes` module exactly as the page writes it,
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

ROOT = Path(__file__).resolve().parents[1]

NOTES_INIT = '''"""Notes: short shared notes; everyone signed in reads them, admins write them.

Endpoints under `/api/v1/notes`. Settings: `NOTES_MAX_LENGTH`.
"""
'''

NOTES_CONFIG = '''"""The notes module's settings, read from `NOTES_*` variables."""

from pydantic_settings import SettingsConfigDict

from app.core.config import ModuleSettings


class NotesSettings(ModuleSettings):
    model_config = SettingsConfigDict(env_prefix="NOTES_", extra="ignore")

    # The longest note accepted, in characters.
    max_length: int = 280

    def production_problems(self) -> list[str]:
        if self.max_length > 10_000:
            return ["NOTES_MAX_LENGTH must be at most 10000 in production."]
        return []
'''

NOTES_EXCEPTIONS = '''"""Errors of the notes module."""

from app.core.errors import AppError


class NoteTooLongError(AppError):
    status_code = 422
    error_code = "NOTE_TOO_LONG"
    detail = "The note is longer than NOTES_MAX_LENGTH."
'''

NOTES_MODELS = '''"""The `notes` table."""

from sqlmodel import Field

from app.core.models import TableBase


class Note(TableBase, table=True):
    __tablename__ = "notes"

    text: str = Field(max_length=10_000)
'''

NOTES_ROUTER = '''"""`/api/v1/notes`: read (`notes:read`) and write (`notes:write`) notes."""

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
from app.notes.config import NotesSettings
from app.notes.exceptions import NoteTooLongError
from app.notes.models import Note

router = APIRouter(prefix=f"{API_PREFIX}/notes", tags=["notes"], responses=ERROR_RESPONSES)


class NoteIn(BaseModel):
    text: str


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_note(
    body: NoteIn,
    author: Annotated[Principal, require_permission("notes", "write")],
    session: SessionDep,
    services: ServicesDep,
    context: RequestContextDep,
) -> dict[str, str]:
    if len(body.text) > services.settings_of(NotesSettings).max_length:
        raise NoteTooLongError
    note = Note(text=body.text)
    session.add(note)
    audit.record(session, "notes.created", context, actor_id=author.id, note_id=str(note.id))
    return {"id": str(note.id), "text": note.text}


@router.get("", dependencies=[require_permission("notes", "read")])
async def list_notes(session: SessionDep) -> list[str]:
    notes = await session.exec(select(Note).order_by(col(Note.created_at)))
    return [note.text for note in notes]
'''

NOTES_MODULE = '''"""The notes module's registration, listed in `app.local_modules`."""

from sqlalchemy import text

from app.core.health import HealthCheck
from app.core.module import Module
from app.core.permissions import Permission, Role, Scope
from app.core.services import Services
from app.notes.config import NotesSettings
from app.notes.router import router


async def notes_table_answers(services: Services) -> None:
    async with services.database.engine.connect() as connection:
        await connection.execute(text("SELECT 1 FROM notes LIMIT 1"))


module = Module(
    name="notes",
    routers=(router,),
    settings=NotesSettings,
    permissions=(
        Permission("notes", "read", {Role.USER: Scope.ANY, Role.ADMIN: Scope.ANY}),
        Permission("notes", "write", {Role.ADMIN: Scope.ANY}),
    ),
    health_checks=(HealthCheck("notes", notes_table_answers),),
)
'''

LOCAL_MODULES = """from app.core.module import Module
from app.notes.module import module as notes

LOCAL_MODULES: tuple[Module, ...] = (notes,)
"""

NOTES_TESTS = '''"""The notes module: permissions, setting, audit event, readiness check."""

import httpx


async def test_notes(
    client: httpx.AsyncClient, admin_headers: dict[str, str], user_headers: dict[str, str]
) -> None:
    refused = await client.post("/api/v1/notes", json={"text": "hi"}, headers=user_headers)
    assert refused.status_code == 403
    created = await client.post("/api/v1/notes", json={"text": "hi"}, headers=admin_headers)
    assert created.status_code == 201
    too_long = await client.post("/api/v1/notes", json={"text": "x" * 281}, headers=admin_headers)
    assert too_long.json()["error_code"] == "NOTE_TOO_LONG"
    listed = await client.get("/api/v1/notes", headers=user_headers)
    assert listed.json() == ["hi"]
    events = await client.get(
        "/api/v1/audit-events", params={"event": "notes.created"}, headers=admin_headers
    )
    assert events.json()["total"] == 1
    detailed = await client.get("/api/v1/health/detailed", headers=admin_headers)
    assert detailed.json()["checks"]["notes"]["status"] == "ok"
'''

FILES = {
    "src/app/notes/__init__.py": NOTES_INIT,
    "src/app/notes/config.py": NOTES_CONFIG,
    "src/app/notes/exceptions.py": NOTES_EXCEPTIONS,
    "src/app/notes/models.py": NOTES_MODELS,
    "src/app/notes/router.py": NOTES_ROUTER,
    "src/app/notes/module.py": NOTES_MODULE,
    "src/app/local_modules.py": LOCAL_MODULES,
    "tests/notes/test_notes.py": NOTES_TESTS,
}
README_ROWS = """
| `NOTES_MAX_LENGTH` | `280` | the longest note accepted |
| `NOTE_TOO_LONG` | 422 | the note is longer than `NOTES_MAX_LENGTH` |
"""


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


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(project, "-c", "from app.cli import main; main()", *args)


# Seconds (two CLI runs and a pytest run in a copy); with no or one optional module
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
    (project / "tests" / "notes" / "__init__.py").touch()
    with (project / "README.md").open("a") as readme:
        readme.write(README_ROWS)
    with (project / ".env.example").open("a") as env_example:
        env_example.write("NOTES_MAX_LENGTH=280\n")

    for step in (["db", "upgrade"], ["db", "revision", "-m", "add notes"]):
        result = cli(project, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    [revision] = [
        p for p in (project / "migrations" / "versions").glob("*.py") if "add_notes" in p.name
    ]
    source = revision.read_text()
    assert re.search(r"branch_labels\b.*= \(['\"]app['\"],\)", source), source
    assert re.search(r"create_table\(\s*['\"]notes['\"]", source), source

    tests = ["tests/notes", "tests/test_architecture.py", "tests/test_readme.py"]
    result = run(project, "-m", "pytest", *tests, "-q", "--no-cov", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "passed" in result.stdout
