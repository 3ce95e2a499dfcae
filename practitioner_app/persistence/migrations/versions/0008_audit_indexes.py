"""The audit trail window and its filters read indexes, newest first.

(Filled in by the change that pages the audit trail window.)

Revision ID: 0008_audit_indexes
Revises: 0007_server_indexes
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

revision: str = '0008_audit_indexes'
down_revision: str | None = '0007_server_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
