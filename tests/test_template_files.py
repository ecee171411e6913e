"""The template's files: where jinja logic may live."""

from __future__ import annotations

import re

from conftest import TEMPLATE

# Inline `{% if %}` only in these files (paths inside template/) and under deploy/.
# Everything else is plain code, or lives in a module folder that copier.yml excludes.
INLINE_IF_ALLOWED = {
    "src/app/modules.py.jinja",
    "pyproject.toml.jinja",
    ".env.example.jinja",
    "compose.yaml.jinja",
    ".github/workflows/ci.yml.jinja",
    "README.md.jinja",
}
INLINE_IF_ALLOWED_UNDER = ("deploy/",)
INLINE_IF = re.compile(r"\{%[-+]?\s*(el)?if\b")


def template_files() -> list[str]:
    return sorted(
        path.relative_to(TEMPLATE).as_posix() for path in TEMPLATE.rglob("*") if path.is_file()
    )


def test_inline_if_only_in_the_allowed_files() -> None:
    offenders = []
    for name in template_files():
        if name in INLINE_IF_ALLOWED or name.startswith(INLINE_IF_ALLOWED_UNDER):
            continue
        try:
            text = (TEMPLATE / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        for number, line in enumerate(text.splitlines(), start=1):
            if INLINE_IF.search(line):
                offenders.append(f"template/{name}:{number}: {line.strip()}")
    assert offenders == [], "move the condition to copier.yml's _exclude or to src/app/modules.py"


def test_no_conditional_paths() -> None:
    """Optional parts are left out by _exclude, not by jinja in file or folder names."""
    assert [name for name in template_files() if "{%" in name] == []


def test_the_module_guide_is_what_the_rendered_test_runs() -> None:
    """Each code block of writing-a-module.md is a file the rendered test writes, verbatim."""
    guide = (TEMPLATE.parent / "docs" / "modules" / "writing-a-module.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, flags=re.DOTALL)
    test = (TEMPLATE / "tests" / "test_writing_a_module.py").read_text()
    assert len(blocks) == 8
    for block in blocks:
        assert f'"""{block}"""' in test or f"'''{block}'''" in test, block[:80]
