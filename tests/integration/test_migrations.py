"""Migrations build the schema, match the models, and never lose rows (PITFALLS 3)."""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SAWarning

from practitioner_app.domain.guidance import DEFAULT_ZONE_GUIDANCE
from practitioner_app.domain.screening import DEFAULT_RULES
from practitioner_app.persistence import migrator
from practitioner_app.persistence.database import Database
from practitioner_app.persistence.engine import make_engine
from practitioner_app.persistence.models import Base
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import counts, query

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only

TABLES = {"alembic_version", "clinic_settings", "patients", "treatment_sessions",
          "zone_guidance", "zone_treatments", "screen_answers", "addenda", "consents",
          "contraindication_rules", "users", "audit_log", "sqlite_sequence", "courses",
          # The patient search's trigram index and its term list (search_index.py); the
          # FTS5 table keeps its data in the four tables named after it.
          "patient_search", "patient_search_data", "patient_search_idx",
          "patient_search_content", "patient_search_docsize", "patient_search_config",
          "patient_search_terms"}
#: Tables no model describes: the search index is a virtual table (and its own tables).
UNMODELLED = {t for t in TABLES if t.startswith("patient_search")}


@pytest.fixture
def populated(services, db_path) -> Path:
    """The fixture database with two patients, three sessions and six zone rows."""
    for number in ("P000001", "P000002"):
        patient = services.patients.register(a_patient(number=number))
        services.sessions.save(patient.id, a_full_session())
    services.sessions.save(patient.id, a_full_session())
    services.close()
    return db_path


def test_migrations_build_the_whole_schema_from_an_empty_file(tmp_path):
    path = tmp_path / "new.sqlite3"
    Database(path).close()
    assert {r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type='table'")} \
        == TABLES
    assert query(path, "SELECT version_num FROM alembic_version") == [(migrator.HEAD_REVISION,)]
    seeded = query(path, "SELECT zone, typical_min_mm, typical_max_mm, warn_above_mm "
                         "FROM zone_guidance ORDER BY zone")
    assert seeded == sorted((g.zone.value, g.typical_min_mm, g.typical_max_mm, g.warn_above_mm)
                            for g in DEFAULT_ZONE_GUIDANCE)
    assert query(path, "PRAGMA foreign_key_check") == []
    rules = query(path, "SELECT item, severity, window FROM contraindication_rules "
                        "ORDER BY position")
    assert rules == [(r.item, r.severity.value, r.window) for r in DEFAULT_RULES]


def test_every_protective_trigger_exists_at_head(tmp_path):
    """Batch migrations that recreate a table drop its triggers; this catches that."""
    from practitioner_app.persistence.triggers import TRIGGER_NAMES

    path = tmp_path / "triggers.sqlite3"
    Database(path).close()
    names = {r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert names == set(TRIGGER_NAMES) and len(names) == 22


def test_models_and_migrations_do_not_drift(tmp_path):
    path = tmp_path / "drift.sqlite3"
    Database(path).close()
    engine = make_engine(path)
    try:
        with engine.connect() as connection, warnings.catch_warnings():
            # SQLAlchemy cannot read back an index on an expression (the number
            # suggestion's on length(number)) and says so; Alembic then skips it.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of "
                                    "expression-based index", SAWarning)
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified "
                                    "expression-based index", UserWarning)
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: not (
                    kind == "table" and name in UNMODELLED)})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_head_revision_constant_matches_the_scripts():
    config = Config()
    config.set_main_option("script_location", str(migrator.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == migrator.HEAD_REVISION


def test_migrating_a_database_at_head_changes_nothing(populated, tmp_path):
    before = counts(populated)
    backups = tmp_path / "backups"
    assert migrator.migrate(populated, backups) is None
    assert not backups.exists()
    assert counts(populated) == before == {
        "patients": 2, "treatment_sessions": 3, "zone_treatments": 6}
    assert query(populated, "PRAGMA foreign_key_check") == []


REAL_HEAD = migrator.HEAD_REVISION
MIGRATION_0002 = f'''
"""Test-only: copy-and-drop every table with children, as a real batch migration would."""
import warnings

import sqlalchemy as sa
from alembic import op

revision = "0002_test_copy"
down_revision = "{REAL_HEAD}"
branch_labels = depends_on = None


def upgrade():
    # A copy cannot read back an index on an expression, so it must create it again.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        for table in ("patients", "treatment_sessions"):
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.add_column(sa.Column("test_extra", sa.String(), nullable=True))
    op.execute("CREATE INDEX ix_patients_number_length ON patients (length(number), number)")
'''


def test_a_table_copying_migration_keeps_every_child_row(populated, tmp_path, monkeypatch):
    """Batch mode drops and re-creates parent tables; with foreign keys on, the drop would
    cascade to the zone rows. The migrator must run it with them off and keep every row."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrator.MIGRATIONS_DIR, scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0002_test_copy.py").write_text(MIGRATION_0002)
    monkeypatch.setattr(migrator, "MIGRATIONS_DIR", scripts)
    monkeypatch.setattr(migrator, "HEAD_REVISION", "0002_test_copy")
    before = counts(populated)

    backup = migrator.migrate(populated, tmp_path / "backups")

    assert query(populated, "SELECT version_num FROM alembic_version") == [("0002_test_copy",)]
    assert counts(populated) == before == {
        "patients": 2, "treatment_sessions": 3, "zone_treatments": 6}
    assert query(populated, "PRAGMA foreign_key_check") == []
    assert "test_extra" in {r[1] for r in query(populated, "PRAGMA table_info(patients)")}
    assert backup is not None and counts(backup) == before  # taken before the upgrade
    triggers = query(populated, "SELECT count(*) FROM sqlite_master WHERE type='trigger'")
    assert triggers == [(22,)]  # lifted for the table copies, then re-created


def test_a_damaged_reference_stops_the_migration(populated, tmp_path, monkeypatch):
    con = sqlite3.connect(populated)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("UPDATE treatment_sessions SET patient_id = 999 WHERE id = 1")
    con.commit()
    con.close()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrator.MIGRATIONS_DIR, scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0002_test_copy.py").write_text(MIGRATION_0002)
    monkeypatch.setattr(migrator, "MIGRATIONS_DIR", scripts)
    monkeypatch.setattr(migrator, "HEAD_REVISION", "0002_test_copy")

    with pytest.raises(migrator.MigrationError, match="1 rows with broken references"):
        migrator.migrate(populated, tmp_path / "backups")
    assert query(populated, "SELECT version_num FROM alembic_version") == [(REAL_HEAD,)]
