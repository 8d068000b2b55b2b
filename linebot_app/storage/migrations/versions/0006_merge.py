"""merge the console and understanding branches into one head

Revision ID: 0006_merge
Revises: 0005_console, 0005_understanding
Create Date: 2026-12-02
"""

revision = "0006_merge"
down_revision = ("0005_console", "0005_understanding")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
