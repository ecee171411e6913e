"""Print, as JSON, which task titles of a JSON list (in the file named by argv[1]) the
database holds.

Runs in the rendered project's environment (PostgreSQL flavour: it has asyncpg).
"""

import asyncio
import json
import sys
from pathlib import Path

import asyncpg
from app.core.config import get_settings


async def main() -> None:
    url = get_settings().sqlalchemy_database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT title FROM tasks WHERE title = ANY($1::text[])",
            json.loads(Path(sys.argv[1]).read_text()),
        )
    finally:
        await conn.close()
    print(json.dumps([row["title"] for row in rows]))


asyncio.run(main())
