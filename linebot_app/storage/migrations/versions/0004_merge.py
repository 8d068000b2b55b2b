"""merge the consultation and unmatched-messages branches into one head

Revision ID: 0004_merge
Revises: 0002_consultation, 0003_unmatched
Create Date: 2026-11-26
"""

revision = "0004_merge"
down_revision = ("0002_consultation", "0003_unmatched")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
