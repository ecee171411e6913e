"""A mypy cache per combination, started from another combination's.

A cold mypy run costs the most of a combination's static checks (~15 s here): it reads
the whole standard library and every dependency. mypy reuses a cached module when its
source's hash still matches, wherever the source lives, so another combination's cache
is a correct start: only the files that differ are checked again. Each combination
writes only its own cache, so `nox -j 2` never has two mypy processes writing one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nox_support import ROOT

CACHE_ROOT = ROOT / ".nox" / "mypy"
COMPLETE = ".complete"  # written after a successful run: the cache may be copied


def prepare(name: str) -> Path:
    """The combination's cache folder, seeded from the newest complete one if it has none."""
    own = CACHE_ROOT / name
    if not own.is_dir():
        seeds = sorted(CACHE_ROOT.glob(f"*/{COMPLETE}"), key=lambda p: p.stat().st_mtime)
        if seeds:
            partial = CACHE_ROOT / f".{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(seeds[-1].parent, partial)
            partial.rename(own)
    own.mkdir(parents=True, exist_ok=True)
    (own / COMPLETE).unlink(missing_ok=True)
    return own


def mark_complete(cache: Path) -> None:
    (cache / COMPLETE).touch()
