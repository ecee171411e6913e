"""Dependencies of the policy endpoints."""

from typing import Annotated

from fastapi import Depends

from app.casbin.authorizer import CasbinAuthorizer
from app.core.services import ServicesDep


async def get_casbin_authorizer(services: ServicesDep) -> CasbinAuthorizer:
    """The app's authorizer, which this module provides."""
    authorizer = services.authorizer
    if not isinstance(authorizer, CasbinAuthorizer):  # pragma: no cover - wiring error
        raise TypeError("the casbin module's routes need its authorizer installed")
    return authorizer


CasbinAuthorizerDep = Annotated[CasbinAuthorizer, Depends(get_casbin_authorizer)]
