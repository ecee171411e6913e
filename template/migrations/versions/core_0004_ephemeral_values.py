"""Ephemeral values: the default store of short-lived, read-once values.

OAuth `state`, one-time sign-in codes and the like live here unless a module
(redis) provides a shared store of its own; every replica sees the same rows.

Revision ID: core_0004
Revises: core_0003
Create Date: template release after 0.1.0
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_0004"
down_revision: str | Sequence[str] | None = "core_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ephemeral_values",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ephemeral_values")),
    )
    op.create_index("ix_ephemeral_values_expires_at", "ephemeral_values", ["expires_at"])


def downgrade() -> None:
    op.drop_table("ephemeral_values")
