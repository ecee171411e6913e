"""`CurrentUser` and `CurrentAuth` under their first address, for code written against it.

They live in `app.users.dependencies` (so that `users` need not import `auth`);
import them from there in new code.
"""

from app.users.dependencies import Authenticated, CurrentAuth, CurrentUser

__all__ = ["Authenticated", "CurrentAuth", "CurrentUser"]
