"""What a fresh render must not contain: leftover jinja, absent modules, empty folders."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from nox_support.matrix import QUESTIONS

# Leftover jinja: a file copied verbatim that meant to be rendered (a forgotten `.jinja`
# suffix) keeps its tags, comments and its expressions on the answers. Python's own `{{x}}`
# (an escaped brace in an f-string) and `%}` (`f"{ratio:.0%}"`) are not jinja, nor are
# GitHub Actions expressions `${{ ... }}`.
JINJA_NAMES = [n for n in QUESTIONS if not n.startswith("_")] + ["_copier_conf", "_copier_answers"]
JINJA_LEFTOVER = re.compile(r"\{%|\{#|(?<!\$)\{\{-?\s*(" + "|".join(JINJA_NAMES) + r")\b")
# Files allowed to contain jinja-like text (glob on the path in the render -> why).
JINJA_ALLOWED: dict[str, str] = {}


def find_problems(dst: Path, absent: list[str]) -> list[str]:
    """Leftover jinja, traces of the absent modules, and empty directories in a render."""
    problems = []
    # `app.tasks` (imports) or `app/tasks/` (paths in prose), and revision ids.
    traces = [(re.compile(rf"\bapp[./]{m}\b|\b{m}_0001"), m) for m in absent]
    for path in sorted(dst.rglob("*")):
        rel = path.relative_to(dst).as_posix()
        for m in absent:
            owned = (f"src/app/{m}", f"tests/{m}", f"docs/modules/{m}.md")
            if rel in owned or rel.startswith(tuple(f"{p}/" for p in owned)):
                problems.append(f"{rel}: belongs to the absent module {m}")
            elif fnmatch.fnmatch(rel, f"migrations/versions/{m}_*"):
                problems.append(f"{rel}: migration of the absent module {m}")
        if path.is_dir():
            if not any(path.iterdir()):
                problems.append(f"{rel}/: empty directory")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        allowed = any(fnmatch.fnmatch(rel, glob) for glob in JINJA_ALLOWED)
        for number, line in enumerate(text.splitlines(), start=1):
            if not allowed and JINJA_LEFTOVER.search(line):
                problems.append(f"{rel}:{number}: leftover jinja: {line.strip()}")
            for pattern, m in traces:
                if pattern.search(line):
                    problems.append(
                        f"{rel}:{number}: trace of the absent module {m}: {line.strip()}"
                    )
    return problems
