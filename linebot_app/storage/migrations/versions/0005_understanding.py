"""clarifying questions: what the bot asked back and the topic the patient tapped (masked)

Revision ID: 0005_understanding
Revises: 0004_merge
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_understanding"
down_revision = "0004_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clarification_questions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("normalised_text", sa.String(length=500), nullable=False),
        sa.Column("sample_text", sa.String(length=500), nullable=False),
        sa.Column("offered", sa.String(length=200), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chosen_topic", sa.String(length=40), nullable=True),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("clarification_questions")
