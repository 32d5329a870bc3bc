"""agenda items, questions to the group that gave the mandate, attendance; groups.reports_to

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:00:00.000000

`agenda_items` holds the items proposed for a group's meeting and the questions raised to it
from the groups that report to it (`from_group_id`), with the decision that answered one;
`attendance` one answer per person and meeting (`uq_attendance_group_meeting_person`: the
latest answer replaces the earlier). `groups.reports_to` is the configuration's `reports_to`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reports_to', sa.String(length=64), nullable=True))

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('proposer_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('meeting_id', sa.String(length=100), nullable=True),
    sa.Column('from_group_id', sa.String(length=64), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', storage.models.UTCDateTime(), nullable=True),
    sa.Column('answer_decision_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', storage.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answer_decision_id'], ['decisions.id'], name=op.f('fk_agenda_items_answer_decision_id_decisions')),
    sa.ForeignKeyConstraint(['decided_by'], ['people.id'], name=op.f('fk_agenda_items_decided_by_people')),
    sa.ForeignKeyConstraint(['from_group_id'], ['groups.id'], name=op.f('fk_agenda_items_from_group_id_groups')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_agenda_items_group_id_groups')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_agenda_items_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['proposer_id'], ['people.id'], name=op.f('fk_agenda_items_proposer_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    sa.UniqueConstraint('uid', name=op.f('uq_agenda_items_uid'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_items_group_meeting', ['group_id', 'meeting_date'], unique=False)
        batch_op.create_index('ix_agenda_items_from_group', ['from_group_id'], unique=False)
        batch_op.create_index('ix_agenda_items_answered', ['answered_at'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('meeting_id', sa.String(length=100), nullable=True),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('at', storage.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_attendance_group_id_groups')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_attendance_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attendance_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('group_id', 'meeting_date', 'person_id', name='uq_attendance_group_meeting_person')
    )


def downgrade() -> None:
    op.drop_table('attendance')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index('ix_agenda_items_answered')
        batch_op.drop_index('ix_agenda_items_from_group')
        batch_op.drop_index('ix_agenda_items_group_meeting')
    op.drop_table('agenda_items')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('reports_to')
