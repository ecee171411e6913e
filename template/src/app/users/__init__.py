"""Users: accounts, profiles and roles (always present).

Endpoints under `/api/v1/users`; admins manage everyone, users themselves.
"""

from app.core.module import Module
from app.users.router import router

module = Module(name="users", routers=(router,))
