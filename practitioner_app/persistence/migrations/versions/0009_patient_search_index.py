"""Patient search, the patient number suggestion and the due list read indexes.

- Patient search on a file: an FTS5 table with the trigram tokenizer holds every
  patient's folded key (ASCII letters lowered, two spaces after), filled here from the
  patients already recorded; triggers keep it in step from now on (triggers.py creates
  them after the migrations). `patient_search_terms` lists its pieces with their counts.
  A server has its pg_trgm index since 0007.
- The number suggestion seeks the longest numbers through an index on
  (length(number), number) instead of reading and sorting every number.

- The due list reads `courses.due_on`, the day each open course's next session is due,
  through an index, soonest first: added and computed here for every course; triggers
  keep it from now on (created after the migrations, like the search index's). A
  course's given sessions are counted and dated from an index on (patient_id,
  course_number, status, session_date), without reading session rows.

Nothing here copies a table: the new tables and indexes are created beside the old ones,
so the foreign keys of existing rows are never touched. A later migration that copies
`patients` (batch mode) must create the index on (length(number), number) again
afterwards: a copy cannot read back an index on an expression (SQLAlchemy warns).

Revision ID: 0009_patient_search_index
Revises: 0008_audit_indexes
Create Date: 2026-12-03 16:00:00
"""

import string
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_patient_search_index'
down_revision: str | None = '0008_audit_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _indexed_text(key: str) -> str:
    # As search_index.indexed_text_sql at this revision (a migration keeps its own copy).
    for upper in string.ascii_uppercase:
        key = f"replace({key}, '{upper}', '{upper.lower()}')"
    return f"{key} || '  '"


# As course_due.RECOMPUTE_* at this revision: each course's due day from its sessions.
_DUE_SQLITE = (
    "UPDATE courses SET due_on = (SELECT CASE WHEN courses.status = 'open' "
    "AND count(s.id) < courses.planned_sessions THEN date(max(s.session_date), "
    "printf('%+d days', courses.min_interval_days)) END FROM treatment_sessions AS s "
    "WHERE s.patient_id = courses.patient_id AND s.course_number = courses.number "
    "AND s.status IN ('completed', 'signed'))")
_DUE_SERVER = (
    "UPDATE courses AS c SET due_on = CASE WHEN c.status = 'open' THEN ("
    "SELECT CASE WHEN count(s.id) < c.planned_sessions "
    "THEN max(s.session_date) + c.min_interval_days END "
    "FROM treatment_sessions AS s WHERE s.patient_id = c.patient_id "
    "AND s.course_number = c.number AND s.status IN ('completed', 'signed')) END")


def upgrade() -> None:
    bind = op.get_bind()
    op.execute("CREATE INDEX ix_patients_number_length ON patients (length(number), number)")
    # A course's given sessions counted and dated from this index alone.
    op.create_index("ix_treatment_sessions_course", "treatment_sessions",
                    ["patient_id", "course_number", "status", "session_date"])
    # A nullable column is added in place (no table copy on SQLite either).
    op.add_column("courses", sa.Column("due_on", sa.Date(), nullable=True))
    op.execute(_DUE_SQLITE if bind.dialect.name == "sqlite" else _DUE_SERVER)
    op.create_index("ix_courses_due_on", "courses", ["due_on"])
    if bind.dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE patient_search USING fts5(search_key, "
               "tokenize = 'trigram case_sensitive 1')")
    op.execute("CREATE VIRTUAL TABLE patient_search_terms USING fts5vocab(patient_search, row)")
    op.execute("INSERT INTO patient_search(rowid, search_key) "
               f"SELECT id, {_indexed_text('search_key')} FROM patients")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("patient_search_after_insert", "patient_search_after_update",
                     "patient_search_after_delete", "course_due_after_session_insert",
                     "course_due_after_session_update", "course_due_after_session_delete",
                     "course_due_after_course_insert", "course_due_after_course_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS patient_search_terms")
        op.execute("DROP TABLE IF EXISTS patient_search")
    op.execute("DROP INDEX IF EXISTS ix_patients_number_length")
    op.drop_index("ix_courses_due_on", "courses")
    op.drop_index("ix_treatment_sessions_course", "treatment_sessions")
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("due_on")
