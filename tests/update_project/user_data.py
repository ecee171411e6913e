"""A user's rows in a rendered project's PostgreSQL database, for update_from (noxupdate.py).

Runs with the project's own interpreter, from the project's folder:

    uv run python user_data.py insert URL EMAIL TITLE   # a note for the user EMAIL
    uv run python user_data.py check URL EMAIL TITLE TABLE...

`check` fails unless the database has every Alembic head of the project applied, has the
tables named, and still holds the user EMAIL and their note TITLE. URL is a libpq URL
(postgresql://user@host:port/database).
"""

from __future__ import annotations

import asyncio
import sys
import uuid

import asyncpg
from alembic.script import ScriptDirectory
from app.cli import alembic_config


async def insert(url: str, email: str, title: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        owner = await conn.fetchval("SELECT id FROM users WHERE email = $1", email)
        if owner is None:
            sys.exit(f"no user {email} to own the note")
        await conn.execute(
            "INSERT INTO notes (id, created_at, updated_at, user_id, title, body)"
            " VALUES ($1, now(), now(), $2, $3, $4)",
            uuid.uuid4(),
            owner,
            title,
            "written before the update",
        )
    finally:
        await conn.close()
    print(f"note {title!r} of {email} inserted")


async def check(url: str, email: str, title: str, *tables: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    heads = set(scripts.get_heads())
    conn = await asyncpg.connect(url)
    try:
        current = {row[0] for row in await conn.fetch("SELECT version_num FROM alembic_version")}
        present = {
            row[0]
            for row in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1", "public"
            )
        }
        owner = await conn.fetchval("SELECT id FROM users WHERE email = $1", email)
        note_owner = await conn.fetchval("SELECT user_id FROM notes WHERE title = $1", title)
    finally:
        await conn.close()
    problems = []
    # alembic_version keeps only the tips: a head another branch depends on is not listed.
    applied = {script.revision for script in scripts.iterate_revisions(tuple(current), "base")}
    if missing := sorted(heads - applied):
        problems.append(f"the database is at {sorted(current)}; not applied: {missing}")
    if missing := sorted(set(tables) - present):
        problems.append(f"missing tables: {', '.join(missing)}")
    if owner is None:
        problems.append(f"the user {email} is gone")
    elif note_owner != owner:
        problems.append(f"the note {title!r} of {email} is gone")
    if problems:
        sys.exit("database check failed:\n  " + "\n  ".join(problems))
    print(f"database at heads {sorted(heads)}; tables {', '.join(tables)}; rows of {email} kept")


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    asyncio.run({"insert": insert, "check": check}[command](*arguments))
