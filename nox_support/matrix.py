"""The matrix: every database x every subset of the optional modules, from copier.yml."""

from __future__ import annotations

import itertools
from typing import Any

import yaml

from nox_support import ROOT

QUESTIONS: dict[str, Any] = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))


def choice_values(question: dict[str, Any]) -> list[str]:
    """Values of a copier question's choices: a list, or a mapping of label -> value."""
    choices = question.get("choices") or []
    if isinstance(choices, dict):
        choices = list(choices.values())
    values = []
    for choice in choices:
        if isinstance(choice, dict):  # {value: ..., validator: ...}
            choice = choice["value"]
        elif isinstance(choice, list):  # [label, value]
            choice = choice[1]
        values.append(str(choice))
    return values


def combo_id(database: str, modules: tuple[str, ...]) -> str:
    """`postgresql-redis+tasks`: the database, then the sorted modules (or `none`)."""
    return f"{database}-{'+'.join(sorted(modules)) or 'none'}"


DATABASES = choice_values(QUESTIONS["database"])
MODULES = sorted(choice_values(QUESTIONS["modules"]))
# Every database x every subset of the modules: 2 x 2**len(MODULES) combinations.
COMBOS = [
    (database, subset)
    for database in DATABASES
    for size in range(len(MODULES) + 1)
    for subset in itertools.combinations(MODULES, size)
]


def slowest_first(combos: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, tuple[str, ...]]]:
    """The order `nox -j 2` starts them in, so the longest never start last and run alone
    at the end: where each module is alone first (they run the slow tests and the
    tracer's branch coverage, see noxfile.py), then the rest; PostgreSQL before SQLite,
    more modules before fewer."""
    return sorted(
        combos, key=lambda combo: (len(combo[1]) > 1, combo[0] != "postgresql", -len(combo[1]))
    )
