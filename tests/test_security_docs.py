"""docs/security.md lists every ASVS requirement the rendered project tests, by test name."""

from __future__ import annotations

import re

from conftest import ROOT, TEMPLATE

ASVS_TEST = re.compile(r"^(?:async )?def (test_v(\d+)_(\d+)_(\d+)_\w+)\(", re.MULTILINE)


def asvs_tests() -> dict[str, str]:
    """Test name -> ASVS id (`6.4.3`) of every `test_v<chapter>_<section>_<item>_…`."""
    found = {}
    for path in (TEMPLATE / "tests").rglob("*.py"):
        for name, chapter, section, item in ASVS_TEST.findall(path.read_text(encoding="utf-8")):
            found[name] = f"{chapter}.{section}.{item}"
    return found


def test_the_rendered_project_has_asvs_tests() -> None:
    assert len(asvs_tests()) >= 30


def test_security_doc_lists_every_asvs_test_under_its_id() -> None:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    table = doc[doc.index("## Tested requirements") :]
    rows = {
        line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")
    }
    missing = []
    for name, asvs_id in sorted(asvs_tests().items()):
        row = next((line for ids, line in rows.items() if asvs_id in ids.split(", ")), "")
        if f"`{name}`" not in row:
            missing.append(f"{asvs_id} {name}")
    assert missing == []
