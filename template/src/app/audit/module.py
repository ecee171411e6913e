"""The audit module's registration, listed in `app.modules`."""

from app.audit.router import router
from app.core.module import Module
from app.core.permissions import Permission, Role, Scope

module = Module(
    name="audit",
    routers=(router,),
    permissions=(Permission("audit_events", "read", {Role.ADMIN: Scope.ANY}),),
)
