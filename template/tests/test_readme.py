"""The README lists every setting, every error code and every file of `src/app/`."""

from pathlib import Path

from app.auth import exceptions as auth_errors
from app.core import errors, security
from app.core.config import Settings
from app.users import exceptions as user_errors

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
APP = ROOT / "src" / "app"


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in README, name


def test_every_error_code_is_documented() -> None:
    codes = {"VALIDATION_ERROR", "INTERNAL_ERROR", "HTTP_ERROR", *errors.HTTP_ERROR_CODES.values()}
    for module in (errors, security, auth_errors, user_errors):
        codes |= {
            value.error_code
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, errors.AppError)
        }
    for code in codes:
        assert f"`{code}`" in README, code


def test_the_layout_names_every_file_folder_and_core_module() -> None:
    layout = README[README.index("## Layout") :]
    layout = layout[: layout.index("\n## ", 1)]
    for path in APP.iterdir():
        if path.name in ("__init__.py", "__pycache__"):
            continue
        assert f" {path.name}{'/' if path.is_dir() else ''} " in layout, path.name
    for path in (APP / "core").glob("*.py"):
        if path.stem != "__init__":
            assert f"| `{path.stem}` |" in layout, path.stem
