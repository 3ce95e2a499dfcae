"""Courses of treatment, lot expiries for numbing and serum, reasons for early sessions
and expired lots, an index on every lot column for recalls, and an index serving the
default (unarchived) patient list in name order.

Revision ID: 0003_courses_and_lots
Revises: 0002_records_that_hold_up
Create Date: 2026-11-24 04:33:17.783243
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_courses_and_lots'
down_revision: str | None = '0002_records_that_hold_up'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('planned_sessions', sa.Integer(), nullable=False),
    sa.Column('min_interval_days', sa.Integer(), nullable=False),
    sa.Column('indications', sa.String(), nullable=False),
    sa.Column('target_zones', sa.String(), nullable=False),
    sa.Column('notes', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('stopped_reason', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_courses_patient_id_patients'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('patient_id', 'number', name=op.f('uq_courses_patient_id'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_archived_search', ['archived_at', 'search_key'],
                              unique=False)
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('numbing_expiry', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('serum_expiry', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('course_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('interval_override_reason', sa.String(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('expired_lot_reason', sa.String(), server_default='', nullable=False))
        batch_op.create_index('ix_treatment_sessions_cartridge_lot', ['needling_cartridge_lot'], unique=False)
        batch_op.create_index('ix_treatment_sessions_numbing_lot', ['numbing_lot'], unique=False)
        batch_op.create_index('ix_treatment_sessions_serum_lot', ['serum_lot'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_sessions_serum_lot')
        batch_op.drop_index('ix_treatment_sessions_numbing_lot')
        batch_op.drop_index('ix_treatment_sessions_cartridge_lot')
        batch_op.drop_column('expired_lot_reason')
        batch_op.drop_column('interval_override_reason')
        batch_op.drop_column('course_number')
        batch_op.drop_column('serum_expiry')
        batch_op.drop_column('numbing_expiry')

    op.drop_table('courses')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_archived_search')
