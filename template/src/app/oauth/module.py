"""The oauth module's registration, listed in `app.modules`."""

from app.core.module import Module
from app.oauth.accounts_router import router as accounts_router
from app.oauth.config import OAuthSettings
from app.oauth.router import router

# No permissions: the routes are for anyone (sign-in) or the caller's own accounts.
module = Module(name="oauth", routers=(router, accounts_router), settings=OAuthSettings)
