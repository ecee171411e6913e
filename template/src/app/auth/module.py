"""The auth module's registration, listed in `app.modules`."""

from app.auth.router import router
from app.core.module import Module

module = Module(name="auth", routers=(router,))
