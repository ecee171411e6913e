"""The noxfile's matrix follows copier.yml, and the render checks catch what they should."""

from __future__ import annotations

from pathlib import Path

from nox_support.matrix import COMBOS, QUESTIONS, choice_values, combo_id
from nox_support.render_checks import find_problems


def test_matrix_is_every_database_times_every_module_subset() -> None:
    databases = choice_values(QUESTIONS["database"])
    modules = choice_values(QUESTIONS["modules"])
    ids = [combo_id(*combo) for combo in COMBOS]
    assert len(ids) == len(set(ids)) == len(databases) * 2 ** len(modules)
    assert {f"{db}-none" for db in databases} <= set(ids)


def test_combo_ids_sort_module_names() -> None:
    assert combo_id("sqlite", ()) == "sqlite-none"
    assert combo_id("postgresql", ("tasks", "redis")) == "postgresql-redis+tasks"


def test_choice_values_reads_every_copier_form() -> None:
    assert choice_values({"choices": ["a", "b"]}) == ["a", "b"]
    assert choice_values({"choices": {"A": "a", "B": {"value": "b"}}}) == ["a", "b"]
    assert choice_values({"choices": [["A", "a"]]}) == ["a"]
    assert choice_values({}) == []


def write(root: Path, name: str, text: str = "") -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")


def test_find_problems_accepts_a_clean_render(tmp_path: Path) -> None:
    write(tmp_path, "src/app/main.py", 'DATA = {"a": {"b": 1}}\nimport app.users\n')
    write(
        tmp_path, "src/app/router.py", 'PREFIX = f"/users/{{user_id}}/{{ id }}"\nP = f"{r:.0%}"\n'
    )
    write(tmp_path, ".github/workflows/ci.yml", "run: echo ${{ secrets.TOKEN }}\n")
    write(tmp_path, "migrations/versions/core_0001_users.py", "revision = 'core_0001'\n")
    assert find_problems(tmp_path, absent=["tasks", "redis"]) == []


def test_find_problems_reports_leftovers_traces_and_empty_folders(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "Welcome to {{ project_name }}\n")
    write(tmp_path, "pyproject.toml", 'name = "{{project_slug}}"\n{# comment #}\n')
    write(tmp_path, "src/app/main.py", "{% if x %}\nfrom app.tasks import router\n")
    write(tmp_path, "src/app/tasks/__init__.py")
    write(tmp_path, "tests/redis/test_cache.py")
    write(tmp_path, "migrations/versions/tasks_0001_tasks.py", "depends_on = 'core_0001'\n")
    write(tmp_path, "docs/modules/tasks.md")
    (tmp_path / "empty").mkdir()
    problems = "\n".join(find_problems(tmp_path, absent=["tasks", "redis"]))
    for expected in (
        "README.md:1: leftover jinja",
        "pyproject.toml:1: leftover jinja",
        "pyproject.toml:2: leftover jinja",
        "src/app/main.py:1: leftover jinja",
        "src/app/main.py:2: trace of the absent module tasks",
        "src/app/tasks: belongs to the absent module tasks",
        "tests/redis: belongs to the absent module redis",
        "migrations/versions/tasks_0001_tasks.py: migration of the absent module tasks",
        "docs/modules/tasks.md: belongs to the absent module tasks",
        "empty/: empty directory",
    ):
        assert expected in problems
