"""unmatched messages: what patients ask that no topic answers (masked, counted)

Revision ID: 0003_unmatched
Revises: 0001_core
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_unmatched"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unmatched_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("normalised_text", sa.String(length=500), nullable=False),
        sa.Column("sample_text", sa.String(length=500), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("normalised_text"),
    )


def downgrade() -> None:
    op.drop_table("unmatched_messages")
