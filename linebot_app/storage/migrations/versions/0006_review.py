"""physician review of reply cards (sign-offs bound to the rendered content) and FAQ cards

Revision ID: 0006_review
Revises: 0005_console
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_review"
down_revision = "0005_console"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "card_reviews",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=True),
        sa.Column("reviewer_email", sa.String(length=254), nullable=False),
        sa.Column("reviewer_name", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_card_reviews_topic_id", "card_reviews", ["topic", "id"])
    op.create_table(
        "faq_cards",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("topic"),
    )


def downgrade() -> None:
    op.drop_table("faq_cards")
    op.drop_index("ix_card_reviews_topic_id", table_name="card_reviews")
    op.drop_table("card_reviews")
