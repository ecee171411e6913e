"""The README lists every setting and every error code the service has, modules' included,
and every file of `src/app/`.

Each module's own settings (with their env prefix) are in `.env.example` too.
"""

import importlib
import importlib.util
from pathlib import Path

from app.core import errors, security
from app.core.config import Settings
from app.local_modules import LOCAL_MODULES
from app.modules import MODULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
APP = ROOT / "src" / "app"
ENV_EXAMPLE = (ROOT / ".env.example").read_text()


def module_variables() -> list[str]:
    """Every module's settings as environment variables (`TASKS_MAX_PER_USER`).

    A field with its own alias is read from that name alone (`GOOGLE_CLIENT_ID`).
    """
    names = []
    for module in MODULES:
        if module.settings is not None:
            prefix = module.settings.model_config.get("env_prefix", "")
            for name, field in module.settings.model_fields.items():
                alias = field.validation_alias
                names.append(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in README, name
    for variable in module_variables():
        assert f"`{variable}`" in README, variable
        assert f"{variable}=" in ENV_EXAMPLE, variable


def test_every_error_code_is_documented() -> None:
    codes = {"VALIDATION_ERROR", "INTERNAL_ERROR", "HTTP_ERROR", *errors.HTTP_ERROR_CODES.values()}
    sources = [errors, security]
    for module in MODULES:
        if importlib.util.find_spec(f"app.{module.name}.exceptions") is not None:
            sources.append(importlib.import_module(f"app.{module.name}.exceptions"))
    for source in sources:
        codes |= {
            value.error_code
            for value in vars(source).values()
            if isinstance(value, type) and issubclass(value, errors.AppError)
        }
    for code in codes:
        assert f"`{code}`" in README, code


def test_the_layout_names_every_file_folder_and_core_module() -> None:
    """The template's part of `src/app/`; your own modules (`LOCAL_MODULES`) are yours."""
    layout = README[README.index("## Layout") :]
    layout = layout[: layout.index("\n## ", 1)]
    own = {module.name for module in LOCAL_MODULES}
    for path in APP.iterdir():
        if path.name in ("__init__.py", "__pycache__") or path.name in own:
            continue
        assert f" {path.name}{'/' if path.is_dir() else ''} " in layout, path.name
    for path in (APP / "core").glob("*.py"):
        if path.stem != "__init__":
            assert f"| `{path.stem}` |" in layout, path.stem
