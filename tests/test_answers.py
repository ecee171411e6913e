"""Answers: a bad one is refused with a readable message, never rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_copy

BAD_ANSWERS = [
    ("project_slug", "Bad Slug", "Use lowercase letters, digits and dashes"),
    ("project_slug", "1abc", "starting with a letter"),
    ("project_slug", "billing_api", "Use lowercase letters, digits and dashes"),
    ("project_slug", "app", "reserved"),
    ("project_slug", "billing-", "dash"),
    ("project_slug", "x" * 41, "40 characters"),
    ("author_email", "not-an-email", "is not an email address"),
    ("author_email", "team@example", "is not an email address"),
    ("author_email", "a b@example.com", "is not an email address"),
    ("project_name", "", "cannot be empty"),
    ("project_name", "   ", "cannot be empty"),
    ("description", 'say "hi"', "double quotes"),
    ("python_version", "3.10", "3.12"),
    ("database", "mysql", "postgresql"),
]


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    BAD_ANSWERS,
    ids=[f"{q}={a!r}"[:40] for q, a, _ in BAD_ANSWERS],
)
def test_bad_answer_is_refused_with_a_readable_message(
    template_src: Path, tmp_path: Path, question: str, answer: str, expected: str
) -> None:
    dst = tmp_path / "out"
    with pytest.raises(ValueError, match=question) as caught:
        run_copy(template_src, dst, **{question: answer})
    message = str(caught.value)
    assert expected in message
    # Readable: one short line of prose, no jinja or Python internals.
    assert "\n" not in message.strip()
    assert len(message) < 250
    for noise in ("{%", "{{", "Traceback", "jinja2", "None"):
        assert noise not in message
    assert not dst.exists(), "a refused answer must not leave a partial render"


@pytest.mark.parametrize(
    ("answers", "slug"),
    [
        ({"project_name": "Billing API"}, "billing-api"),
        ({"project_name": "Orders_Service v2"}, "orders-service-v2"),
        ({"project_name": "Anything", "project_slug": "billing-api"}, "billing-api"),
    ],
)
def test_good_answers_render(template_src: Path, tmp_path: Path, answers: dict, slug: str) -> None:
    worker = run_copy(template_src, tmp_path / "out", **answers)
    assert worker.answers.combined["project_slug"] == slug
    assert (tmp_path / "out" / "pyproject.toml").is_file()
