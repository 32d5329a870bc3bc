"""absences: a person away from one day to another

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:00:00.000000

`frånvaro <från> <till>`: no reminders to the person on those days, and the convener's
reminders to the stand-in while the contact is away (domain/absence.py). The lead re-chains
down_revision at merge.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'absences',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('person_id', sa.String(length=64), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('end', sa.Date(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_absences_person_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_absences')),
    )
    op.create_index('ix_absences_person_end', 'absences', ['person_id', 'end'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_absences_person_end', table_name='absences')
    op.drop_table('absences')
