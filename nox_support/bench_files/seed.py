"""Seed the benchmark's database set-based and print what the cases need, as JSON.

Runs in the rendered project's environment, after `db upgrade`. Every user has the
same password (hashed once, with the service's own hasher and settings):
bench-me (no tasks), bench-100 (100 tasks), bench-100k (`sys.argv[1]` tasks),
bench-create (no tasks, writes), bench-login (signs in during the login cases).
"""

import asyncio
import json
import os
import sys

import asyncpg
from app.core.config import get_settings
from app.core.passwords import PasswordHasher

USERS = ("me", "100", "100k", "create", "login")
INSERT_USERS = """
INSERT INTO users (id, created_at, updated_at, email, hashed_password, role,
                   is_active, is_verified)
SELECT gen_random_uuid(), now(), now(), 'bench-' || name || '@example.com', $2, 'user',
       true, true
FROM unnest($1::text[]) AS name
"""
INSERT_TASKS = """
INSERT INTO tasks (id, created_at, updated_at, user_id, title, completed, priority)
SELECT gen_random_uuid(), now() - n * interval '1 second', now(),
       (SELECT id FROM users WHERE email = $1), 'task ' || n, n % 3 = 0,
       (ARRAY['low', 'medium', 'high', 'urgent'])[n % 4 + 1]
FROM generate_series(1, $2) AS n
"""


async def main(big: int) -> None:
    settings = get_settings()
    hashed = await PasswordHasher(settings).hash(os.environ["BENCH_PASSWORD"])
    dsn = settings.sqlalchemy_database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(INSERT_USERS, list(USERS), hashed)
            await conn.execute(INSERT_TASKS, "bench-100@example.com", 100)
            await conn.execute(INSERT_TASKS, "bench-100k@example.com", big)
        await conn.execute("ANALYZE")
        ids = await conn.fetch(
            "SELECT t.id FROM tasks t JOIN users u ON u.id = t.user_id"
            " WHERE u.email = 'bench-100@example.com'"
        )
        server = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    print(json.dumps({"task_ids": [str(r["id"]) for r in ids], "postgresql": server}))


asyncio.run(main(int(sys.argv[1])))
