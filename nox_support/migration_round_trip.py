"""A rendered project's migration round trip, in one process.

Run by the `combo` sessions inside the project, with the project's own interpreter:
`uv run python -P <this file> <slug>` (-P: this folder stays off sys.path). Against the
empty database at DATABASE_URL: upgrade to every head, no drift between the models and
the migrations (`<slug> db check`), down to nothing, up again. The steps are the same
commands a user types; one process instead of four saves three interpreter starts and
three imports of the app.
"""

import sys

from alembic.config import main as alembic
from app.cli import cli


def main(slug: str) -> None:
    steps = [
        ("alembic upgrade heads", lambda: alembic(argv=["upgrade", "heads"])),
        (f"{slug} db check", lambda: cli(["db", "check"], prog_name=slug, standalone_mode=False)),
        ("alembic downgrade base", lambda: alembic(argv=["downgrade", "base"])),
        ("alembic upgrade heads", lambda: alembic(argv=["upgrade", "heads"])),
    ]
    for title, step in steps:
        print(f"migrations > {title}", flush=True)
        step()


if __name__ == "__main__":
    main(sys.argv[1])
