"""The layout rules: core imports no module, and the registry matches the folders."""

import ast
from pathlib import Path

from app.modules import MODULES

APP = Path(__file__).resolve().parents[1] / "src" / "app"
# Always rendered; optional modules may import core, users and auth only.
CORE_MODULES = {"users", "auth", "health", "audit"}


def imported_app_packages(path: Path) -> set[str]:
    """Second-level names of every `app.<name>` this file imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        names.update(m.split(".")[1] for m in modules if m.startswith("app.") and "." in m)
    return names


def module_folders() -> set[str]:
    return {p.parent.name for p in APP.glob("*/__init__.py")} - {"core"}


def test_core_imports_no_module() -> None:
    for path in (APP / "core").rglob("*.py"):
        assert imported_app_packages(path) <= {"core"}, path


def test_optional_modules_import_only_core_users_and_auth() -> None:
    allowed = {"core", "users", "auth"}
    for name in module_folders() - CORE_MODULES:
        for path in (APP / name).rglob("*.py"):
            assert imported_app_packages(path) <= allowed | {name}, path


def test_registry_lists_every_module_folder_once() -> None:
    names = [module.name for module in MODULES]
    assert len(names) == len(set(names))
    assert set(names) == module_folders()
