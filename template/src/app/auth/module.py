"""The auth module's registration, listed in `app.modules`."""

from app.auth.account_router import router as account_router
from app.auth.admin_router import router as admin_router
from app.auth.authenticator import SessionAuthenticator
from app.auth.router import router
from app.core.module import Module
from app.core.services import Provides

module = Module(
    name="auth",
    routers=(router, account_router, admin_router),
    provides=Provides(authenticator=lambda context: SessionAuthenticator(context.settings)),
)
