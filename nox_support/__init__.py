"""What noxfile.py's sessions are made of, and what the template's own tests check.

- `matrix`: the answer combinations, read from copier.yml.
- `render_checks`: what a fresh render must not contain.
- `services`: PostgreSQL and Redis for the sessions.
- `releases`, `update`, `userproject`: the `copier update` scenarios.
- `browser`: the rendered service's /docs in headless Chromium.
- `timing`: the table of session times printed at the end of a run, and step times.
- `beside`: the checks a combination runs beside its pytest.
- `line_coverage`: line coverage through sys.monitoring, where modules meet.
- `mypy_cache`, `migration_round_trip`: a combination's mypy cache and migrations.
- `oidc_provider`: the npm packages of the oauth tests' OpenID Connect provider, once a run.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
