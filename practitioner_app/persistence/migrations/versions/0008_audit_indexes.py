"""The audit trail window and its filters read indexes, newest first.

The window lists the trail a page at a time, newest first by the time recorded and then
by number, filtered by patient, practitioner, action and a date range. One index per
filter, each ending in (at, id), serves that filter with or without a date range in the
listing's order, so a page of a million-entry trail reads a few hundred index entries
instead of sorting or reading the whole table. The same on SQLite and PostgreSQL; the
protective triggers refuse changes to rows, not indexes.

Revision ID: 0008_audit_indexes
Revises: 0007_server_indexes
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008_audit_indexes'
down_revision: str | None = '0007_server_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_audit_log_at": ["at", "id"],
    "ix_audit_log_patient_at": ["patient_id", "at", "id"],
    "ix_audit_log_username_at": ["username", "at", "id"],
    "ix_audit_log_action_at": ["action", "at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_log", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="audit_log")
