"""Redis: shared rate limits, cache, session cache and one-time values (optional module `redis`).

With it every replica counts rate limits together, a read-only request finds its
session in Redis instead of the database (the database stays the authority:
every change that ends a session or changes a user drops it from Redis after the
commit), OAuth state and one-time codes live in Redis, and admins read and clear
the cache at `/api/v1/cache` (permissions `cache:read`, `cache:manage`).

If Redis is unreachable the service keeps serving (degraded mode): cache reads
miss and ask the database, sessions are checked in the database (a revoked one
is never accepted), rate limits count in each process, and `/health/ready`
answers 200 `degraded`. It recovers by itself when Redis answers again.

Settings: `REDIS_URL`, `REDIS_KEY_PREFIX`, `REDIS_MAX_CONNECTIONS`,
`REDIS_TIMEOUT_SECONDS`, `REDIS_SESSION_CACHE_SECONDS`. Every key it writes starts
with `REDIS_KEY_PREFIX`. To remove it, delete this folder, `tests/redis/` and its
line in `app/modules.py`; core's in-process defaults take over.
"""
