"""Your own modules: list them here and they are mounted after the template's.

This file is yours: the template creates it once and never changes it, so
`copier update` cannot conflict with what you add. A module is a folder like
`app/tasks/` (if you rendered it) with a `module.py`; see the README.
"""

from app.core.module import Module

LOCAL_MODULES: tuple[Module, ...] = ()
