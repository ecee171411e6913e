"""docs/security.md lists every ASVS requirement the rendered project tests, by test name."""

from __future__ import annotations

import re

from conftest import ROOT, TEMPLATE

ASVS_TEST = re.compile(r"^\s*(?:async )?def (test_v(\d+)_(\d+)_(\d+)_\w+)\(", re.MULTILINE)
TABLE_NAME = re.compile(r"`(test_v\d+_\d+_\d+_\w+)`")


def asvs_tests() -> dict[str, str]:
    """Test name -> ASVS id (`6.4.3`) of every `test_v<chapter>_<section>_<item>_…`.

    Module folders are in the template whatever the answers, and a test may sit in a
    `.jinja` file: both count, so the table covers every rendering.
    """
    found = {}
    for path in (TEMPLATE / "tests").rglob("*"):
        if path.name.endswith((".py", ".py.jinja")):
            text = path.read_text(encoding="utf-8")
            for name, chapter, section, item in ASVS_TEST.findall(text):
                found[name] = f"{chapter}.{section}.{item}"
    return found


def table() -> str:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    return doc[doc.index("## Tested requirements") :]


def test_the_rendered_project_has_asvs_tests() -> None:
    assert len(asvs_tests()) >= 100


def test_security_doc_lists_every_asvs_test_under_its_id() -> None:
    rows = {
        line.split("|")[1].strip(): line for line in table().splitlines() if line.startswith("| ")
    }
    missing = []
    for name, asvs_id in sorted(asvs_tests().items()):
        row = next((line for ids, line in rows.items() if asvs_id in ids.split(", ")), "")
        if f"`{name}`" not in row:
            missing.append(f"{asvs_id} {name}")
    assert missing == []


def test_every_test_the_security_doc_names_exists() -> None:
    """A renamed or deleted test leaves no name behind in the table."""
    assert sorted(set(TABLE_NAME.findall(table())) - set(asvs_tests())) == []
