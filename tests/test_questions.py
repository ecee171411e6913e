"""copier.yml: the settings and questions the rest of the template relies on."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import pytest

from nox_support import ROOT
from nox_support.matrix import QUESTIONS, choice_values

QUESTION_NAMES = [name for name in QUESTIONS if not name.startswith("_")]


def test_renders_from_the_template_folder() -> None:
    assert QUESTIONS["_subdirectory"] == "template"
    assert QUESTIONS["_templates_suffix"] == ".jinja"


def test_copy_needs_no_trust() -> None:
    """No tasks and no jinja extensions: `copier copy` works without --trust."""
    assert "_tasks" not in QUESTIONS
    assert "_jinja_extensions" not in QUESTIONS
    assert QUESTIONS.get("_message_after_copy"), "next steps belong in _message_after_copy"


def test_jinja_environment_is_strict_and_tidy() -> None:
    envops = QUESTIONS["_envops"]
    assert envops["trim_blocks"] is True
    assert envops["lstrip_blocks"] is True
    assert envops["keep_trailing_newline"] is True
    assert envops["undefined"] == "jinja2.StrictUndefined"


def test_pinned_copier_meets_the_template_minimum() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["dependency-groups"]["dev"] if d.startswith("copier==")]
    assert len(pins) == 1, "the repo pins exactly one copier version"
    pinned = pins[0].removeprefix("copier==")
    assert version("copier") == pinned, "run `uv sync`: the installed copier is not the pin"

    def as_tuple(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    assert as_tuple(pinned) >= as_tuple(str(QUESTIONS["_min_copier_version"]))


@pytest.mark.parametrize("name", QUESTION_NAMES)
def test_every_question_has_a_default_and_help(name: str) -> None:
    question = QUESTIONS[name]
    assert "default" in question, f"{name} has no default: `copier copy --defaults` would stop"
    assert question.get("help"), f"{name} has no help text"


@pytest.mark.parametrize("name", QUESTION_NAMES)
def test_no_secret_questions(name: str) -> None:
    assert not QUESTIONS[name].get("secret"), "secrets are never asked (see .env.example)"
    assert not re.search(r"secret|password|token", name), f"{name} looks like a secret"


def test_the_question_set() -> None:
    assert set(QUESTION_NAMES) >= {
        "project_name",
        "project_slug",
        "description",
        "author_name",
        "author_email",
        "python_version",
        "database",
        "modules",
    }
    assert choice_values(QUESTIONS["python_version"]) == ["3.12", "3.13"]
    assert sorted(choice_values(QUESTIONS["database"])) == ["postgresql", "sqlite"]
    assert QUESTIONS["database"]["default"] in choice_values(QUESTIONS["database"])


def test_modules_is_a_multiselect_of_known_modules_off_by_default() -> None:
    modules = QUESTIONS["modules"]
    assert modules["multiselect"] is True
    assert modules["default"] == []
    assert set(choice_values(modules)) <= {"oauth", "redis", "casbin", "tasks"}
