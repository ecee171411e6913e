"""Tasks: each user's to-do list (optional module `tasks`).

Endpoints under `/api/v1/users/{user_id}/tasks`; the owner or an admin may use
them (permissions `tasks:read`, `tasks:write`); a deletion is audited as
`tasks.deleted`. Settings: `TASKS_MAX_PER_USER`. Its table has its own
migration branch, `tasks`.

This module is the model for your own: a folder with models, schemas, service,
dependencies, exceptions and router, registered in `app/modules.py`.
To remove it, delete this folder, `tests/tasks/`, its line in `app/modules.py`,
and add a migration that drops the `tasks` table.
"""
