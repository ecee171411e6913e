"""The users module's registration, listed in `app.modules`."""

from app.core.module import Module
from app.users.router import router

module = Module(name="users", routers=(router,))
