"""The tasks module's registration, listed in `app.modules`."""

from app.core.module import Module
from app.core.permissions import Permission, Role, Scope
from app.tasks.config import TasksSettings
from app.tasks.router import router

# Your own tasks, or anyone's as an admin; anyone else gets 404, not 403.
_OWN_OR_ADMIN: dict[str, Scope] = {Role.USER: Scope.OWN, Role.ADMIN: Scope.ANY}

module = Module(
    name="tasks",
    routers=(router,),
    settings=TasksSettings,
    permissions=(
        Permission("tasks", "read", _OWN_OR_ADMIN),
        Permission("tasks", "write", _OWN_OR_ADMIN),
    ),
)
