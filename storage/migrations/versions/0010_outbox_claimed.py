"""the outbox's "claimed" state, and the states as a check

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:00:00.000000

A delivery is now "claimed" from its claim until just before the one HTTP call that delivers
it, and "sending" only from then on (see storage/outbox_repo.py). Rows written before keep
their meaning: a "sending" row was claimed before the preparation and may or may not have
reached the platform, which is what "sending" still means, so it stays "sending" and becomes
"interrupted" once stale, never sent again. No row was ever "claimed", so no row changes; the
allowed states are written down as a check constraint.
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

STATES = "status IN ('claimed', 'sending', 'sent', 'retry', 'failed', 'missed', 'interrupted')"


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_check_constraint('outbox_status', STATES)


def downgrade() -> None:
    # Before this revision a claim was "sending" from the start: a claimed row that never
    # reached the platform is given back (deleted), so that the next run claims and sends it.
    op.execute("DELETE FROM outbox WHERE status = 'claimed'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('outbox_status', type_='check')
