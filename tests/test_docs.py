"""The user documentation names every file of the rendered `src/app/`, so it stays true."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, TEMPLATE

APP = TEMPLATE / "src" / "app"
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def rendered_name(path: Path) -> str:
    return path.name.removesuffix(".jinja")


def test_the_architecture_layout_names_every_file_and_module_folder() -> None:
    layout = ARCHITECTURE[ARCHITECTURE.index("```text\nsrc/app/") :]
    layout = layout[: layout.index("```", 3)]
    for path in APP.iterdir():
        if path.name in ("__init__.py", "__pycache__"):
            continue
        name = rendered_name(path) + ("/" if path.is_dir() else "")
        assert f" {name} " in layout, name


def test_the_architecture_core_table_names_every_core_module() -> None:
    core = ARCHITECTURE[ARCHITECTURE.index("### `core/`") :]
    core = core[: core.index("\n### ", 1)]
    for path in APP.joinpath("core").iterdir():
        name = rendered_name(path)
        if name.endswith(".py") and name != "__init__.py":
            assert f"| `{name.removesuffix('.py')}` |" in core, name
