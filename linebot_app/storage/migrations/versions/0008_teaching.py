"""phrasings taught in the console (taught_phrases) and the Unanswered page's resolutions

Revision ID: 0008_teaching
Revises: 0007_merge
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_teaching"
down_revision = "0007_merge"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "taught_phrases",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("normalised", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "normalised", name="uq_taught_kind_text"),
    )
    with op.batch_alter_table("unmatched_messages") as batch:
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unmatched_messages") as batch:
        batch.drop_column("resolution")
        batch.drop_column("resolved_at")
    op.drop_table("taught_phrases")
