"""Your own modules: list them here and they are mounted after the template's.

This file is yours: the template creates it once and never changes it, so
`copier update` cannot conflict with what you add. A module is a folder in
`src/app/` with a `module.py` that exports its `Module`; the README's Layout
section says what else goes in it.
"""

from app.core.module import Module

LOCAL_MODULES: tuple[Module, ...] = ()
