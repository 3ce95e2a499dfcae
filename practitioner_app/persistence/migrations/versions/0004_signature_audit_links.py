"""Signatures that cannot be forged or quietly altered: the digest rule of each signature,
the audit entry that recorded each signature, addendum and consent, and where an imported
signature came from.

Existing signatures are marked rule 1 (the rule they were made with); their rows are not
linked here: `check` matches an unlinked row with the audit entry of its kind that
recorded it before links existed.

Revision ID: 0004_signature_audit_links
Revises: 0003_courses_and_lots
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_signature_audit_links'
down_revision: str | None = '0003_courses_and_lots'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_rule', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_audit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('imported_from', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('imported_by', sa.String(), nullable=True))
    with op.batch_alter_table('addenda', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_id', sa.Integer(), nullable=True))
    op.execute("UPDATE treatment_sessions SET digest_rule = 1 WHERE signed_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('audit_id')
    with op.batch_alter_table('addenda', schema=None) as batch_op:
        batch_op.drop_column('audit_id')
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.drop_column('imported_by')
        batch_op.drop_column('imported_at')
        batch_op.drop_column('imported_from')
        batch_op.drop_column('signed_audit_id')
        batch_op.drop_column('digest_rule')
