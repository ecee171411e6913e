"""The tasks module's registration, listed in `app.modules`."""

from app.core.module import Module
from app.tasks.router import router

module = Module(name="tasks", routers=(router,))
