"""teams conversation references

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_references',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('service_url', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.Column('updated_at', storage.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_conversation_references'))
    )
    with op.batch_alter_table('conversation_references', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_references_tenant_updated', ['tenant_id', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conversation_references', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_references_tenant_updated')

    op.drop_table('conversation_references')
