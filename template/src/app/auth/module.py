"""The auth module's registration, listed in `app.modules`."""

from app.auth.account_router import router as account_router
from app.auth.router import router
from app.core.module import Module

module = Module(name="auth", routers=(router, account_router))
