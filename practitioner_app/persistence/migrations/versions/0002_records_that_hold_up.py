"""Records that hold up: practitioner accounts, the contraindication screen, consents,
sign-off with a digest, addenda, an append-only hash-chained audit log, archiving.

The triggers that protect these records live in persistence/triggers.py: the migrator
drops them before migrations run and re-creates them afterwards.

Revision ID: 0002_records_that_hold_up
Revises: 0001_initial
Create Date: 2026-11-24 04:07:04.990797
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_records_that_hold_up'
down_revision: str | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None



def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.String(), nullable=False),
    sa.Column('prev_hash', sa.String(), nullable=False),
    sa.Column('hash', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_patient_id'), ['patient_id'], unique=False)

    op.create_table('contraindication_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(), nullable=False),
    sa.Column('severity', sa.String(), nullable=False),
    sa.Column('window', sa.String(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contraindication_rules'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(), nullable=False),
    sa.Column('full_name', sa.String(), nullable=False),
    sa.Column('role_title', sa.String(), nullable=False),
    sa.Column('registration_number', sa.String(), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('text_version', sa.String(), nullable=False),
    sa.Column('consent_date', sa.Date(), nullable=False),
    sa.Column('witnessed_by', sa.String(), nullable=False),
    sa.Column('recorded_by', sa.String(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_consents_patient_id_patients'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_patient_id'), ['patient_id'], unique=False)

    op.create_table('addenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('author_username', sa.String(), nullable=False),
    sa.Column('author_name', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['treatment_sessions.id'], name=op.f('fk_addenda_session_id_treatment_sessions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_addenda'))
    )
    with op.batch_alter_table('addenda', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addenda_session_id'), ['session_id'], unique=False)

    op.create_table('screen_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(), nullable=False),
    sa.Column('severity', sa.String(), nullable=False),
    sa.Column('window', sa.String(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.Column('last_occurrence', sa.Date(), nullable=True),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('override_reason', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['treatment_sessions.id'], name=op.f('fk_screen_answers_session_id_treatment_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_answers')),
    sa.UniqueConstraint('session_id', 'position', name=op.f('uq_screen_answers_session_id'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('archive_reason', sa.String(), server_default='', nullable=False))

    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('signer_username', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('signer_name', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('signer_role', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('signer_registration', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('digest', sa.String(), nullable=True))


    rules = sa.table(
        "contraindication_rules",
        sa.column("item", sa.String), sa.column("severity", sa.String),
        sa.column("window", sa.String), sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    # Frozen copy of DOMAIN's screen at the time of this migration; clinics edit it later.
    op.bulk_insert(rules, [
        {"item": item, "severity": severity, "window": window, "position": i, "active": True}
        for i, (item, severity, window) in enumerate((
            ("Active skin infection or cold sore in the area", "stop", "now"),
            ("Active inflamed acne in the area", "stop", "now"),
            ("Pregnancy or breastfeeding", "stop", "now"),
            ("Anticoagulants or a bleeding disorder", "stop", "now"),
            ("Immunosuppression, chemo/radiotherapy, autoimmune disease", "stop", "now"),
            ("Isotretinoin", "caution", "6 months"),
            ("Keloid or hypertrophic scarring history", "caution", "ever"),
            ("History of cold sores (antiviral prophylaxis prompt)", "caution", "ever"),
            ("Uncontrolled diabetes", "caution", "now"),
            ("Eczema, psoriasis or rosacea in the area", "caution", "now"),
            ("Allergy to topical anaesthetic (no numbing)", "caution", "ever"),
            ("Recent filler or botulinum toxin", "caution", "2 weeks"),
            ("Recent peel, laser, IPL or sunburn", "caution", "2 weeks"),
            ("Scar younger than 6 months", "caution", "6 months"),
        ))
    ])


def downgrade() -> None:
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.drop_column('digest')
        batch_op.drop_column('signer_registration')
        batch_op.drop_column('signer_role')
        batch_op.drop_column('signer_name')
        batch_op.drop_column('signer_username')
        batch_op.drop_column('signed_at')

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('archive_reason')
        batch_op.drop_column('archived_at')

    op.drop_table('screen_answers')
    with op.batch_alter_table('addenda', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addenda_session_id'))

    op.drop_table('addenda')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_patient_id'))

    op.drop_table('consents')
    op.drop_table('users')
    op.drop_table('contraindication_rules')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_patient_id'))

    op.drop_table('audit_log')
