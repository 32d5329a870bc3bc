"""the organisation an update speaks for, and its seek

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00.000000

A joint activity has a status per owner organisation: each organisation's latest report is
its status, and the activity's status is the worst of them (domain/joint_status.py). An
update speaks for its author's organisation as it was when it was reported, so that is kept
on the update (`organisation_id`, filled from the authors for the updates already there),
`ix_updates_activity_org_latest` makes each organisation's latest update one index seek, as
`ix_updates_activity_latest` does for the activity's; it ends with the status, so that the
seek reads the index alone.

On SQLite the NOT NULL and the foreign key are a copy of the table (batch mode); on
PostgreSQL they are ALTER TABLE statements.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE updates SET organisation_id = "
        "(SELECT people.organisation_id FROM people WHERE people.id = updates.author_id)"
    )
    with op.batch_alter_table('updates', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_updates_organisation_id_organisations'), 'organisations',
            ['organisation_id'], ['id'],
        )
    op.create_index(
        'ix_updates_activity_org_latest', 'updates',
        ['activity_code', 'organisation_id', 'created_at', 'id', 'status'], unique=False,
        postgresql_where=sa.text('withdrawn = false'), sqlite_where=sa.text('withdrawn = 0'),
    )


def downgrade() -> None:
    op.drop_index('ix_updates_activity_org_latest', table_name='updates')
    with op.batch_alter_table('updates', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_updates_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('organisation_id')
