"""Cross-cutting building blocks. Core imports no domain module; modules import core."""
