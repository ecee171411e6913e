"""OAuth module: linked provider accounts, on its own `oauth` branch.

Revision ID: oauth_0001
Revises:
Create Date: template release after 0.1.0
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "oauth_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("oauth",)
# Accounts belong to users; a sign-in's state and one-time code use the
# ephemeral values table.
depends_on: str | Sequence[str] | None = "core_0004"


def upgrade() -> None:
    op.create_table(
        "oauth_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_accounts")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_oauth_accounts_provider")),
    )
    op.create_index("ix_oauth_accounts_user_id", "oauth_accounts", ["user_id"])


def downgrade() -> None:
    op.drop_table("oauth_accounts")
