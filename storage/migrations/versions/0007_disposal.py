"""disposal rules (gallring), synced from the configuration

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:00:00.000000

One row per kind of data a disposal rule covers (`[[disposal]]` in the configuration TOML);
the scheduler and `samverkan gdpr dispose` read them. Nothing else changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disposal_rules',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('after_months', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_disposal_rules'))
    )


def downgrade() -> None:
    op.drop_table('disposal_rules')
