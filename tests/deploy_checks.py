"""What the deployment tests share: the combinations' renders, schemas, template values.

The tests are split by target: test_deploy_compose.py, test_deploy_kubernetes.py,
test_deploy_dockerfile.py and test_deploy_ci.py. Each combination of the matrix
(every database x every subset of the optional modules) is rendered once per test
session (the `combo` fixture in conftest.py) and checked without a container engine.
"""

from __future__ import annotations

import ast
import functools
import importlib.resources
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from nox_support import ROOT
from nox_support.matrix import COMBOS, QUESTIONS, combo_id

TEMPLATE = ROOT / "template"
PROJECT_NAME, SLUG = "Deploy Check", "deploy-check"
COMBO_IDS = {combo_id(db, modules): (db, modules) for db, modules in COMBOS}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")


def _read_constant(path: Path, pattern: str) -> int:
    match = re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{pattern!r} not found in {path}"
    return int(match.group(1))


def _serve_shutdown_timeout() -> int:
    """Seconds `<slug> serve` gives in-flight requests on SIGTERM, read from the CLI."""
    tree = ast.parse((TEMPLATE / "src/app/cli.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "serve":
            names = [arg.arg for arg in node.args.args][-len(node.args.defaults) :]
            default = dict(zip(names, node.args.defaults, strict=True))["shutdown_timeout"]
            assert isinstance(default, ast.Constant)
            return int(default.value)
    raise AssertionError("no serve() in template/src/app/cli.py")


SHUTDOWN_TIMEOUT = _serve_shutdown_timeout()
MIN_SECRET_KEY_LENGTH = _read_constant(
    TEMPLATE / "src/app/core/config.py", r"^MIN_SECRET_KEY_LENGTH = (\d+)"
)


@functools.cache
def vendored_schema(name: str) -> Any:
    """A JSON schema shipped inside check-jsonschema (`compose-spec`, `github-workflows`)."""
    schemas = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    try:
        schema = json.loads((schemas / f"{name}.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        pytest.fail(f"check-jsonschema no longer ships the {name} schema where expected")
    return jsonschema.validators.validator_for(schema)(schema)


def schema_errors(name: str, document: Any) -> list[str]:
    return [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in vendored_schema(name).iter_errors(document)
    ]


@dataclass(frozen=True)
class ComboRender:
    dst: Path
    database: str
    modules: tuple[str, ...]
    python_version: str = QUESTIONS["python_version"]["default"]
    slug: str = SLUG

    def text(self, name: str | Path) -> str:
        return (self.dst / name).read_text(encoding="utf-8")

    def yaml(self, name: str | Path) -> Any:
        return yaml.safe_load(self.text(name))
