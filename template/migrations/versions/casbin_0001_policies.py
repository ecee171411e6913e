"""Casbin module: policy rules, their version counter, and the default policies.

Admins may do everything (`p, admin, *, *, any`); users may read and edit their
own account (`p, user, users, read, own`). Each module's other default grants are
written when the service first starts with that module (`casbin_seeded_permissions`
remembers which), so turning a module on later brings its grants too.

Revision ID: casbin_0001
Revises:
Create Date: template release after 0.1.0
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "casbin_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("casbin",)
# Policies name users and their account roles: the core tables come first.
depends_on: str | Sequence[str] | None = "core_0001"

DEFAULT_POLICIES = [
    {"ptype": "p", "v0": "admin", "v1": "*", "v2": "*", "v3": "any"},
    {"ptype": "p", "v0": "user", "v1": "users", "v2": "read", "v3": "own"},
]


def upgrade() -> None:
    rules = op.create_table(
        "casbin_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ptype", sa.String(length=255), nullable=False),
        *(sa.Column(f"v{i}", sa.String(length=255), nullable=True) for i in range(6)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casbin_rule")),
    )
    versions = op.create_table(
        "casbin_policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casbin_policy_version")),
    )
    op.create_table(
        "casbin_seeded_permissions",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_casbin_seeded_permissions")),
    )
    op.bulk_insert(rules, DEFAULT_POLICIES)
    op.bulk_insert(versions, [{"id": 1, "version": 1}])


def downgrade() -> None:
    op.drop_table("casbin_seeded_permissions")
    op.drop_table("casbin_policy_version")
    op.drop_table("casbin_rule")
