"""Patient search, the patient number suggestion and the due list read indexes.

(Filled in by the change that indexes patient search.)

Revision ID: 0009_patient_search_index
Revises: 0008_audit_indexes
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

revision: str = '0009_patient_search_index'
down_revision: str | None = '0008_audit_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
