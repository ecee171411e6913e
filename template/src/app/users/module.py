"""The users module's registration, listed in `app.modules`."""

from app.core.module import Module
from app.core.permissions import Permission, Role, Scope
from app.users.router import router

module = Module(
    name="users",
    routers=(router,),
    permissions=(
        # Reading and editing an account: your own, or anyone's as an admin.
        Permission("users", "read", {Role.USER: Scope.OWN, Role.ADMIN: Scope.ANY}),
        # Listing, creating, changing roles and activation, unlocking.
        Permission("users", "manage", {Role.ADMIN: Scope.ANY}),
    ),
)
