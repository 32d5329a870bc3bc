"""what a handled delivery stored, to answer its resend

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00.000000

`processed_deliveries.outcome`: the kind and id of what the first delivery of a command
stored (`decision:7`, `schedule_change:12`), or `refused`. A resend of the same platform
delivery is answered from it, and stores nothing. Ids only, never text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('processed_deliveries', schema=None) as batch_op:
        batch_op.drop_column('outcome')
