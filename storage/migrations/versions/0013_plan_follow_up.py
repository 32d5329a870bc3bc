"""the plan's follow-up: milestones, budget lines, an activity's own budget

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00.000000

Milestones (milstolpar) and budget lines come from the configuration (`[[plan.milestones]]`,
`[[plan.budget]]`); a milestone marked done in chat keeps who and when (`done_by`,
`done_at`), which a sync leaves alone. An activity may carry its own budget (`budget_tkr`,
`funding`). Indicator values per organisation need no table: each update already carries
its organisation and its values, and the history is the updates.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'milestones',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('activity_code', sa.String(length=16), nullable=True),
        sa.Column('goal_area_code', sa.String(length=16), nullable=True),
        sa.Column('owners', sa.JSON(), nullable=False),
        sa.Column('remind_days_before', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('done_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['activity_code'], ['activities.code'],
                                name=op.f('fk_milestones_activity_code_activities')),
        sa.ForeignKeyConstraint(['goal_area_code'], ['goal_areas.code'],
                                name=op.f('fk_milestones_goal_area_code_goal_areas')),
        sa.ForeignKeyConstraint(['done_by'], ['people.id'],
                                name=op.f('fk_milestones_done_by_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    )
    op.create_index(op.f('ix_milestones_due'), 'milestones', ['due'], unique=False)
    op.create_table(
        'budget_lines',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('budget_tkr', sa.Float(), nullable=False),
        sa.Column('funding', sa.String(length=200), nullable=False),
        sa.Column('activity_code', sa.String(length=16), nullable=True),
        sa.Column('goal_area_code', sa.String(length=16), nullable=True),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['activity_code'], ['activities.code'],
                                name=op.f('fk_budget_lines_activity_code_activities')),
        sa.ForeignKeyConstraint(['goal_area_code'], ['goal_areas.code'],
                                name=op.f('fk_budget_lines_goal_area_code_goal_areas')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines')),
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_tkr', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('funding', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('funding')
        batch_op.drop_column('budget_tkr')
    op.drop_table('budget_lines')
    op.drop_index(op.f('ix_milestones_due'), table_name='milestones')
    op.drop_table('milestones')
