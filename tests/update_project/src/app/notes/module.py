"""The notes module's registration, listed in `app.local_modules`."""

from app.core.module import Module
from app.notes.router import router

module = Module(name="notes", routers=(router,))
