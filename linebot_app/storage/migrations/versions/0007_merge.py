"""merge physician review and the understanding branch into one head

Revision ID: 0007_merge
Revises: 0006_merge, 0006_review
Create Date: 2026-12-02
"""

revision = "0007_merge"
down_revision = ("0006_merge", "0006_review")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
