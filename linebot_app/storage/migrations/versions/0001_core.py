"""core tables: inbox, outbox, users, conversation state

Revision ID: 0001_core
Revises: 
Create Date: 2026-11-26 03:03:24.944145
"""

from alembic import op
import sqlalchemy as sa


revision = '0001_core'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_states',
    sa.Column('chat_key', sa.String(length=64), nullable=False),
    sa.Column('conversation', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('chat_key')
    )
    op.create_table('inbox_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('webhook_event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('chat_key', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('event_timestamp_ms', sa.BigInteger(), nullable=True),
    sa.Column('is_redelivery', sa.Boolean(), nullable=False),
    sa.Column('duplicates_seen', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handler', sa.String(length=80), nullable=True),
    sa.Column('reply_payload', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('webhook_event_id')
    )
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_events_chat_key_status', ['chat_key', 'status'], unique=False)
        batch_op.create_index('ix_inbox_events_status_id', ['status', 'id'], unique=False)

    op.create_table('line_users',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('is_following', sa.Boolean(), nullable=False),
    sa.Column('followed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unfollowed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('outbox_pushes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('to', sa.String(length=64), nullable=False),
    sa.Column('messages', sa.Text(), nullable=False),
    sa.Column('retry_key', sa.String(length=36), nullable=False),
    sa.Column('source_event_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('retry_key')
    )
    with op.batch_alter_table('outbox_pushes', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_pushes_status_id', ['status', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox_pushes', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pushes_status_id')

    op.drop_table('outbox_pushes')
    op.drop_table('line_users')
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_events_status_id')
        batch_op.drop_index('ix_inbox_events_chat_key_status')

    op.drop_table('inbox_events')
    op.drop_table('conversation_states')
