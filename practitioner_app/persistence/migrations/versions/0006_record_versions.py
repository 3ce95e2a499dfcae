"""A version on each patient, session, course and clinic setting, raised by one on every
update, so a save from a workstation that read the row before another one changed it is
refused instead of silently undoing that change.

Existing rows start at 0. Adding a column with a constant default rewrites no row on
either database (SQLite's ADD COLUMN; PostgreSQL keeps the default in the catalogue), and
signed sessions are not updated: their protective triggers, lifted by the migrator while
migrations run, would refuse it.

Revision ID: 0006_record_versions
Revises: 0005_next_appointment_time
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_record_versions'
down_revision: str | None = '0005_next_appointment_time'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('patients', 'treatment_sessions', 'courses', 'clinic_settings')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0',
                                          nullable=False))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
