"""The time of the next appointment, beside its date, for the aftercare sheet.

Existing sessions keep no time (NULL); their signatures still verify because the digest
leaves the time out when there is none.

Revision ID: 0005_next_appointment_time
Revises: 0004_signature_audit_links
Create Date: 2026-12-03 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_next_appointment_time'
down_revision: str | None = '0004_signature_audit_links'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aftercare_next_appointment_time', sa.Time(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.drop_column('aftercare_next_appointment_time')
