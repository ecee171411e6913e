"""The noxfile's matrix follows copier.yml, and the render checks catch what they should."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from nox_support import line_coverage, mypy_cache
from nox_support.beside import Beside, Command
from nox_support.matrix import COMBOS, QUESTIONS, choice_values, combo_id, slowest_first
from nox_support.render_checks import find_problems
from nox_support.timing import table


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
    write(tmp_path, "src/app/local_modules.py", '"""A module is a folder like `app/tasks/`."""\n')
    (tmp_path / "empty").mkdir()
    problems = "\n".join(find_problems(tmp_path, absent=["tasks", "redis"]))
    for expected in (
        "README.md:1: leftover jinja",
        "pyproject.toml:1: leftover jinja",
        "pyproject.toml:2: leftover jinja",
        "src/app/main.py:1: leftover jinja",
        "src/app/main.py:2: trace of the absent module tasks",
        "src/app/local_modules.py:1: trace of the absent module tasks",
        "src/app/tasks: belongs to the absent module tasks",
        "tests/redis: belongs to the absent module redis",
        "migrations/versions/tasks_0001_tasks.py: migration of the absent module tasks",
        "docs/modules/tasks.md: belongs to the absent module tasks",
        "empty/: empty directory",
    ):
        assert expected in problems


def test_sessions_start_slowest_first() -> None:
    combos = [
        ("sqlite", ()),
        ("postgresql", ()),
        ("sqlite", ("a", "b")),
        ("postgresql", ("a",)),
        ("postgresql", ("a", "b")),
        ("sqlite", ("a",)),
    ]
    assert slowest_first(combos) == [
        ("postgresql", ("a",)),
        ("postgresql", ()),
        ("sqlite", ("a",)),
        ("sqlite", ()),
        ("postgresql", ("a", "b")),
        ("sqlite", ("a", "b")),
    ]


def test_timing_table_lists_each_session_slowest_first() -> None:
    records = [
        {"session": "lint", "seconds": 1.25, "cpu": 1.0, "result": "success"},
        {"session": "combo(sqlite-none)", "seconds": 28.0, "cpu": 25.5, "result": "failed"},
    ]
    lines = table(records, wall_seconds=30.0).splitlines()
    assert lines[0].split() == ["session", "seconds", "CPU", "s", "result"]
    assert lines[1].split() == ["combo(sqlite-none)", "28.0", "25.5", "failed"]
    assert lines[2].split() == ["lint", "1.2", "1.0", "success"]
    assert lines[-2].split()[-2:] == ["29.2", "26.5"]  # the sessions' sums: wall, CPU
    assert lines[-1].split()[-1] == "30.0"  # the run's wall clock


def test_mypy_cache_starts_from_a_complete_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mypy_cache, "CACHE_ROOT", tmp_path)
    first = mypy_cache.prepare("sqlite-none")
    write(first, "3.12/app.meta.json", "{}")
    assert mypy_cache.prepare("sqlite-tasks").joinpath("3.12").exists() is False  # incomplete
    mypy_cache.mark_complete(first)
    seeded = mypy_cache.prepare("postgresql-none")
    assert (seeded / "3.12" / "app.meta.json").read_text() == "{}"
    assert not (seeded / mypy_cache.COMPLETE).exists()  # until its own run succeeds


def test_line_coverage_keeps_the_projects_settings_without_branches(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        "[tool.coverage.run]\nbranch = true\nsource = ['app']\n"
        "concurrency = ['thread', 'greenlet']\n[tool.coverage.report]\nskip_covered = true\n",
    )
    rc = configparser.ConfigParser()
    rc.read(line_coverage.config(tmp_path, tmp_path / "out" / "lines.coveragerc"))
    assert rc.getboolean("run", "branch") is False
    assert rc.get("run", "source").split() == ["app"]
    assert rc.get("run", "concurrency").split() == ["thread"]  # sys.monitoring refuses greenlet
    assert rc.getboolean("report", "skip_covered") is True
    assert line_coverage.ENV == {"COVERAGE_CORE": "sysmon"}


def test_commands_beside_stop_at_the_first_failure(tmp_path: Path) -> None:
    def python(code: str) -> list[str]:
        return [sys.executable, "-c", code]

    done: list[str] = []
    commands = [
        Command("first", python("print('one')"), {}, after=lambda: done.append("first")),
        Command("fails", python("import sys; print('two'); sys.exit(3)"), {"UNSET_ME": None}),
        Command("never", python("print('three')"), {}),
    ]
    with Beside(commands, tmp_path) as beside:
        pass
    assert [(o.title, o.returncode, o.output) for o in beside.outcomes] == [
        ("first", 0, "one\n"),
        ("fails", 3, "two\n"),
    ]
    assert done == ["first"]  # `after` runs only when its command succeeded
    assert beside.cpu_seconds() == sum(o.cpu for o in beside.outcomes) > 0
