"""The audit module's registration, listed in `app.modules`."""

from app.audit.router import router
from app.core.module import Module

module = Module(name="audit", routers=(router,))
