"""The health module's registration, listed in `app.modules`."""

from app.core.module import Module
from app.core.permissions import Permission, Role, Scope
from app.health.router import api_router, probes_router

module = Module(
    name="health",
    routers=(probes_router, api_router),
    permissions=(Permission("health", "read_details", {Role.ADMIN: Scope.ANY}),),
)
