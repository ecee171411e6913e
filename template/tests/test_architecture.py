"""The layout rules: one direction between packages, no cycles, the registry matches the folders.

core ← users ← auth; audit and health read through core; an optional module
imports core, users and auth only, never another optional module.
"""

import ast
from pathlib import Path

from app.modules import MODULES

APP = Path(__file__).resolve().parents[1] / "src" / "app"
# What each always-present package may import besides itself.
ALLOWED_IMPORTS = {
    "core": set(),
    "users": {"core"},
    "auth": {"core", "users"},
    "audit": {"core"},
    "health": {"core"},
}
# Optional modules (and your own) build on these only.
OPTIONAL_MAY_IMPORT = {"core", "users", "auth"}


def imported_app_packages(path: Path) -> set[str]:
    """Second-level names of every `app.<name>` this file imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            if node.module == "app":  # `from app import users`
                modules = [f"app.{alias.name}" for alias in node.names]
        names.update(m.split(".")[1] for m in modules if m.startswith("app.") and "." in m)
    return names


def module_folders() -> set[str]:
    return {p.parent.name for p in APP.glob("*/__init__.py")} - {"core"}


def package_imports() -> dict[str, set[str]]:
    """Each package folder under `app/` and the other packages it imports."""
    folders = module_folders() | {"core"}
    graph: dict[str, set[str]] = {}
    for name in folders:
        imported = set().union(*map(imported_app_packages, (APP / name).rglob("*.py")))
        graph[name] = (imported & folders) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the packages along it (`[a, b, a]`), or None."""
    state: dict[str, str] = {}  # "open" while on the current path, then "done"

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target, [*path, target])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_no_import_cycles_among_packages() -> None:
    cycle = find_cycle(package_imports())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_always_present_packages_import_in_one_direction() -> None:
    graph = package_imports()
    for name, allowed in ALLOWED_IMPORTS.items():
        assert graph[name] <= allowed, f"app.{name} imports {sorted(graph[name] - allowed)}"


def test_optional_modules_import_only_core_users_and_auth() -> None:
    graph = package_imports()
    for name in module_folders() - ALLOWED_IMPORTS.keys():
        extra = graph[name] - OPTIONAL_MAY_IMPORT
        assert not extra, f"app.{name} imports {sorted(extra)}: use a core seam instead"


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_registry_lists_every_module_folder_once() -> None:
    names = [module.name for module in MODULES]
    assert len(names) == len(set(names))
    assert set(names) == module_folders()


def test_current_user_keeps_its_first_address() -> None:
    """Code written against `app.auth.dependencies` keeps working."""
    from app.auth import dependencies as old
    from app.users import dependencies as new

    assert (old.CurrentUser, old.CurrentAuth) == (new.CurrentUser, new.CurrentAuth)
