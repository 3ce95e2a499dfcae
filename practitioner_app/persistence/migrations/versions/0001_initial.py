"""Initial schema: patients, treatment sessions with their zone rows, clinic settings and
the clinic's depth guidance, seeded with the defaults from DOMAIN.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-24 03:33:31.263037
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001_initial'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clinic_settings',
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_clinic_settings'))
    )
    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(), nullable=False),
    sa.Column('full_name', sa.String(), nullable=False),
    sa.Column('search_key', sa.String(), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(), nullable=False),
    sa.Column('fitzpatrick', sa.String(), nullable=False),
    sa.Column('phone', sa.String(), nullable=False),
    sa.Column('email', sa.String(), nullable=False),
    sa.Column('address', sa.String(), nullable=False),
    sa.Column('concerns', sa.String(), nullable=False),
    sa.Column('concerns_other', sa.String(), nullable=False),
    sa.Column('medical_history', sa.String(), nullable=False),
    sa.Column('medications', sa.String(), nullable=False),
    sa.Column('allergies', sa.String(), nullable=False),
    sa.Column('goals', sa.String(), nullable=False),
    sa.Column('assessment', sa.String(), nullable=False),
    sa.Column('plan', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('number', name=op.f('uq_patients_number'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_search_key', ['search_key'], unique=False)

    op.create_table('zone_guidance',
    sa.Column('zone', sa.String(), nullable=False),
    sa.Column('typical_min_mm', sa.Double(), nullable=False),
    sa.Column('typical_max_mm', sa.Double(), nullable=False),
    sa.Column('warn_above_mm', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('zone', name=op.f('pk_zone_guidance'))
    )
    op.create_table('treatment_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('practitioner_name', sa.String(), nullable=False),
    sa.Column('practitioner_role', sa.String(), nullable=False),
    sa.Column('pre_checks_sun_avoided', sa.Boolean(), nullable=False),
    sa.Column('pre_checks_retinoids_paused', sa.Boolean(), nullable=False),
    sa.Column('pre_checks_no_waxing', sa.Boolean(), nullable=False),
    sa.Column('pre_checks_skin_clean', sa.Boolean(), nullable=False),
    sa.Column('pre_checks_consent_signed', sa.Boolean(), nullable=False),
    sa.Column('pre_checks_photo_consent', sa.Boolean(), nullable=False),
    sa.Column('pre_checks_baseline_photos', sa.Boolean(), nullable=False),
    sa.Column('pre_checks_done_at', sa.Time(), nullable=True),
    sa.Column('pre_checks_note', sa.String(), nullable=False),
    sa.Column('cleansing_product', sa.String(), nullable=False),
    sa.Column('cleansing_antiseptic', sa.String(), nullable=False),
    sa.Column('cleansing_done_at', sa.Time(), nullable=True),
    sa.Column('numbing_used', sa.Boolean(), nullable=False),
    sa.Column('numbing_agent', sa.String(), nullable=False),
    sa.Column('numbing_lot', sa.String(), nullable=False),
    sa.Column('numbing_applied_at', sa.Time(), nullable=True),
    sa.Column('numbing_removed_at', sa.Time(), nullable=True),
    sa.Column('numbing_not_used_reason', sa.String(), nullable=False),
    sa.Column('needling_device_type', sa.String(), nullable=True),
    sa.Column('needling_device_make', sa.String(), nullable=False),
    sa.Column('needling_device_model', sa.String(), nullable=False),
    sa.Column('needling_device_serial', sa.String(), nullable=False),
    sa.Column('needling_cartridge_needles', sa.Integer(), nullable=True),
    sa.Column('needling_cartridge_lot', sa.String(), nullable=False),
    sa.Column('needling_cartridge_expiry', sa.Date(), nullable=True),
    sa.Column('needling_single_use_confirmed', sa.Boolean(), nullable=False),
    sa.Column('needling_started_at', sa.Time(), nullable=True),
    sa.Column('serum_product', sa.String(), nullable=False),
    sa.Column('serum_lot', sa.String(), nullable=False),
    sa.Column('serum_amount', sa.String(), nullable=False),
    sa.Column('serum_done_at', sa.Time(), nullable=True),
    sa.Column('sunscreen_product', sa.String(), nullable=False),
    sa.Column('sunscreen_spf', sa.Integer(), nullable=True),
    sa.Column('sunscreen_deferred', sa.Boolean(), nullable=False),
    sa.Column('sunscreen_deferred_reason', sa.String(), nullable=False),
    sa.Column('sunscreen_done_at', sa.Time(), nullable=True),
    sa.Column('aftercare_given', sa.Boolean(), nullable=False),
    sa.Column('aftercare_instructions', sa.String(), nullable=False),
    sa.Column('aftercare_next_appointment', sa.Date(), nullable=True),
    sa.Column('aftercare_done_at', sa.Time(), nullable=True),
    sa.Column('outcome_tolerance', sa.String(), nullable=True),
    sa.Column('outcome_adverse_events', sa.String(), nullable=False),
    sa.Column('outcome_total_minutes', sa.Integer(), nullable=True),
    sa.Column('outcome_notes', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_treatment_sessions_patient_id_patients'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_sessions'))
    )
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_treatment_sessions_patient_date', ['patient_id', 'session_date'], unique=False)

    op.create_table('zone_treatments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('zone', sa.String(), nullable=False),
    sa.Column('depth_mm', sa.Double(), nullable=False),
    sa.Column('passes', sa.Integer(), nullable=False),
    sa.Column('speed', sa.String(), nullable=False),
    sa.Column('technique', sa.String(), nullable=False),
    sa.Column('erythema', sa.Integer(), nullable=True),
    sa.Column('bleeding', sa.String(), nullable=True),
    sa.Column('oedema', sa.String(), nullable=True),
    sa.Column('rf_energy', sa.String(), nullable=False),
    sa.Column('rf_pulse_ms', sa.Double(), nullable=True),
    sa.Column('note', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['treatment_sessions.id'], name=op.f('fk_zone_treatments_session_id_treatment_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zone_treatments')),
    sa.UniqueConstraint('session_id', 'position', name=op.f('uq_zone_treatments_session_id'))
    )

    guidance = sa.table(
        "zone_guidance",
        sa.column("zone", sa.String), sa.column("typical_min_mm", sa.Float),
        sa.column("typical_max_mm", sa.Float), sa.column("warn_above_mm", sa.Float),
    )
    # Frozen copy of the defaults at the time of this migration; the clinic edits them later.
    op.bulk_insert(guidance, [
        {"zone": zone, "typical_min_mm": lo, "typical_max_mm": hi, "warn_above_mm": warn}
        for zone, lo, hi, warn in (
            ("forehead", 0.25, 0.5, 0.75), ("periorbital", 0.2, 0.3, 0.5),
            ("nose", 0.25, 0.5, 0.75), ("cheeks", 0.5, 1.0, 2.0),
            ("perioral", 0.25, 0.5, 0.75), ("chin_jaw", 0.5, 1.0, 2.0),
            ("neck", 0.25, 0.5, 1.0), ("acne_scars", 1.0, 2.0, 2.5),
        )
    ])


def downgrade() -> None:
    op.drop_table('zone_treatments')
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_sessions_patient_date')

    op.drop_table('treatment_sessions')
    op.drop_table('zone_guidance')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_search_key')

    op.drop_table('patients')
    op.drop_table('clinic_settings')
