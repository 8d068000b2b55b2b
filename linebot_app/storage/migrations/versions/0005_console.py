"""staff console: accounts, audit log, failed logins, calendar token, daily stats

Revision ID: 0005_console
Revises: 0004_merge
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_console"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "console_accounts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "console_audit",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])
    op.create_table(
        "console_login_failures",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_console_login_failures_email_at", "console_login_failures", ["email", "at"]
    )
    op.create_index("ix_console_login_failures_ip_at", "console_login_failures", ["ip", "at"])
    op.create_table(
        "console_calendar_tokens",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_table(
        "daily_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "metric", "key"),
    )


def downgrade() -> None:
    op.drop_table("daily_stats")
    op.drop_table("console_calendar_tokens")
    op.drop_index("ix_console_login_failures_ip_at", table_name="console_login_failures")
    op.drop_index("ix_console_login_failures_email_at", table_name="console_login_failures")
    op.drop_table("console_login_failures")
    op.drop_index("ix_console_audit_at", table_name="console_audit")
    op.drop_table("console_audit")
    op.drop_table("console_accounts")
