"""Dependencies of the policy endpoints."""

from typing import Annotated

from fastapi import Depends

from app.casbin.authorizer import CasbinAuthorizer, installed_authorizer
from app.core.services import ServicesDep


async def get_casbin_authorizer(services: ServicesDep) -> CasbinAuthorizer:
    """The app's authorizer, which this module provides."""
    return installed_authorizer(services)


CasbinAuthorizerDep = Annotated[CasbinAuthorizer, Depends(get_casbin_authorizer)]
