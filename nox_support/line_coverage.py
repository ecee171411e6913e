"""Line coverage through `sys.monitoring`, for combinations with two or more modules.

A rendered project measures line and branch coverage with coverage's tracer (its
`[tool.coverage]` table), following SQLAlchemy's greenlets. On Python 3.12 and 3.13 that
makes the suite about 2.5 times as slow as without coverage, and the cheaper
`sys.monitoring` core measures branches only from Python 3.14 and refuses the
`greenlet` option. Measured on `sqlite-none` (224 tests, CPU seconds): 11 without
coverage, 25 with the tracer and branches, 13 with `sys.monitoring` and lines only,
which misses the same 53 lines as the tracer: it needs no greenlet option to follow
SQLAlchemy's async layer.

So the tracer's line and branch gate runs where each module is alone (as the `slow`
tests do: core's with no module, each module's with only it), and a combination with
two or more modules runs the same suite under the same 90 % gate on lines, measured
through `sys.monitoring`: the project's own `[tool.coverage]` table with `branch` off and
without the greenlet option, given to pytest-cov as a file of its own. Should coverage
refuse `sys.monitoring` for these settings it warns, and the project's
`filterwarnings = ["error"]` turns that into a failed run, never a silent tracer.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

# Environment that makes coverage use sys.monitoring (Python 3.12+).
ENV = {"COVERAGE_CORE": "sysmon"}


def config(project: Path, into: Path) -> Path:
    """Write the project's coverage settings, lines only, to `into` (a .coveragerc)."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    settings: dict[str, dict[str, Any]] = pyproject["tool"]["coverage"]
    run = settings.setdefault("run", {})
    run["branch"] = False
    run["concurrency"] = [c for c in run.get("concurrency", []) if c != "greenlet"] or ["thread"]
    lines = []
    for section, values in settings.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {ini_value(value)}" for key, value in values.items()]
    into.parent.mkdir(parents=True, exist_ok=True)
    into.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return into


def ini_value(value: object) -> str:
    """A TOML value as coverage reads it from an ini file: lists one item per line."""
    if isinstance(value, list):
        return "".join(f"\n    {item}" for item in value)
    return str(value)
