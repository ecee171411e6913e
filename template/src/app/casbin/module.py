"""The casbin module's registration, listed in `app.modules`."""

from app.casbin.authorizer import CasbinAuthorizer
from app.casbin.config import CasbinSettings
from app.casbin.router import router
from app.casbin.seeding import seed_at_start
from app.core.module import Module
from app.core.permissions import Permission, Role, Scope
from app.core.services import Provides, ServiceContext


def create_authorizer(context: ServiceContext) -> CasbinAuthorizer:
    return CasbinAuthorizer(
        context.database, context.permissions, context.settings_of(CasbinSettings)
    )


module = Module(
    name="casbin",
    routers=(router,),
    lifespan=seed_at_start,
    settings=CasbinSettings,
    permissions=(
        Permission("authz", "read", {Role.ADMIN: Scope.ANY}),
        Permission("authz", "manage", {Role.ADMIN: Scope.ANY}),
    ),
    provides=Provides(authorizer=create_authorizer),
)
