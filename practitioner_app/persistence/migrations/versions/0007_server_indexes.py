"""On a clinic server, patient search and lot recall read indexes, as they do on a file.

- Patient search matches every word anywhere in the folded name (`LIKE '%word%'`), which
  an ordinary index cannot serve: on a server every key press read every patient (about
  33 ms at the 95th percentile for 10,000 patients, over the 30 ms a typist may wait).
  PostgreSQL's trigram index (the pg_trgm extension, shipped with the server and
  installable by the database's owner since PostgreSQL 13) serves such matches for words
  of three characters or more. Where the extension cannot be installed (an older
  server, or a login that may not), the search works as before, unindexed.
- Lot recall narrows the search with ranges in binary (code point) order, which the
  server compares with `COLLATE "C"` (record_repositories.py); an index in the
  database's own collation (e.g. en-GB) cannot serve those ranges, so the three lot
  indexes are rebuilt in binary order under the same names.

SQLite reads its own indexes in code point order and needs nothing here. These indexes
exist in this form on the server only, so the models keep their plain definitions.

Revision ID: 0007_server_indexes
Revises: 0006_record_versions
Create Date: 2026-12-03 14:40:00
"""

import logging
from collections.abc import Sequence

from alembic import op

revision: str = '0007_server_indexes'
down_revision: str | None = '0006_record_versions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_INDEX = "ix_patients_search_trgm"
LOT_INDEXES = {
    "ix_treatment_sessions_cartridge_lot": "needling_cartridge_lot",
    "ix_treatment_sessions_numbing_lot": "numbing_lot",
    "ix_treatment_sessions_serum_lot": "serum_lot",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for index, column in LOT_INDEXES.items():
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
        bind.exec_driver_sql(
            f'CREATE INDEX {index} ON treatment_sessions ({column} COLLATE "C")')
    # A savepoint: on PostgreSQL a failed statement would abort the whole migration.
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as error:  # no such extension, or no right to install it
        savepoint.rollback()
        logging.getLogger(__name__).warning(
            "Patient search runs without a trigram index (pg_trgm: %s)", error)
        return
    savepoint.commit()
    bind.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON patients "
                         "USING gin (search_key gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    for index, column in LOT_INDEXES.items():
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
        bind.exec_driver_sql(f"CREATE INDEX {index} ON treatment_sessions ({column})")
