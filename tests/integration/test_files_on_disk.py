"""Files on disk: what the app writes is owner-only, written whole or not at all, and
what a killed backup or restore leaves behind is removed at the next backup or start."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from practitioner_app.domain.audit import Action
from practitioner_app.persistence.safety import DatabaseLock, StorageFull, write_file
from practitioner_app.services.container import open_services
from tests.cli_helpers import cli
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import counts, integrity
from tests.ui.conftest import PASSWORD

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and locks")

#: Starts a backup (or a restore) in another process and stops it where the records have
#: been copied: it prints "copied" and waits to be killed, as by a power cut or the task
#: manager. The stop replaces a check that the real run would make next.
INTERRUPTED = """
import sys
from pathlib import Path
from practitioner_app.persistence import sqlite_backup
from practitioner_app.services import backup as service

def stop(*args, **kwargs):
    print("copied", flush=True)
    sys.stdin.read()

kind, db, target = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
backups = service.BackupService(db, db.parent / "backups")
if kind == "backup":
    sqlite_backup.integrity_problems = stop  # the copy is complete; its check comes next
    backups.back_up(Path(target) if target != "-" else None)
else:
    service.copy_into = stop              # staged and checked; writing in comes next
    backups.restore(Path(target))
"""


def interrupted(kind: str, db: Path, target: str) -> subprocess.Popen:
    """A `kind` ("backup" or "restore") process stopped half-way, still running."""
    process = subprocess.Popen([sys.executable, "-c", INTERRUPTED, kind, str(db), target],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    assert process.stdout.readline().strip() == "copied"
    return process


def kill(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=30)


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def clinic(services):
    for i in range(1, 4):
        patient = services.patients.register(a_patient(number=f"P{i:06d}"))
        services.sessions.save(patient.id, a_full_session())
    return services


# --- leftovers --------------------------------------------------------------------------


@posix_only
def test_a_killed_backup_leaves_a_named_unfinished_copy_that_the_next_backup_removes(
        clinic, db_path):
    backups = db_path.parent / "backups"
    process = interrupted("backup", db_path, "-")
    unfinished = [p for p in backups.iterdir() if ".unfinished-" in p.name]
    assert len(unfinished) == 1 and unfinished[0].name.startswith("backup-")
    assert unfinished[0].stat().st_size > 0  # every record is in it
    # While its writer runs, a backup made meanwhile leaves it alone ...
    made = clinic.backup.back_up()
    assert unfinished[0].exists()
    kill(process)
    assert unfinished[0].exists()
    # ... once the writer is gone, the next backup removes it (and its journal).
    clinic.backup.back_up()
    assert not [name for name in files(backups) if ".unfinished-" in name]
    assert made.exists() and integrity(made) == ["ok"]


@posix_only
def test_a_killed_backup_to_another_folder_is_removed_by_the_next_backup_there(
        clinic, db_path, tmp_path):
    stick = tmp_path / "usb"
    kill(interrupted("backup", db_path, str(stick / "clinic-monday.sqlite3")))
    assert [p.name for p in stick.iterdir()][0].startswith("clinic-monday.sqlite3.unfinished-")
    (stick / "rota.unfinished-draft.txt").write_text("someone else's file")
    (stick / "clinic.db.part").write_bytes(b"SQLite format 3\0")  # an older version's
    (stick / "clinic.db.part-journal").write_bytes(b"journal")
    clinic.backup.back_up(stick / "clinic-tuesday.sqlite3")
    clinic.backup.back_up(stick / "clinic.db")
    assert files(stick) == {"clinic-tuesday.sqlite3", "clinic.db", "rota.unfinished-draft.txt"}


@posix_only
def test_a_killed_restore_and_an_older_versions_leftovers_are_removed_at_start(
        clinic, db_path):
    backup = clinic.backup.back_up()
    backups = backup.parent
    clinic.close()
    kill(interrupted("restore", db_path, str(backup)))
    stage = [p for p in backups.iterdir() if p.name.startswith("unfinished-restore-")]
    assert len(stage) == 1 and (stage[0] / "restoring.sqlite3").exists()
    # What earlier versions left: a backup's .part and journal, a restore's folder.
    (backups / "backup-20261124-093000-000000Z.sqlite3.part").write_bytes(backup.read_bytes())
    (backups / "backup-20261124-093000-000000Z.sqlite3.part-journal").write_bytes(b"j")
    (backups / ".restoring-abc123").mkdir()
    (backups / ".restoring-abc123" / "restoring.sqlite3").write_bytes(backup.read_bytes())
    before = files(backups)

    reopened = open_services(db_path, clock=lambda: NOW)
    try:
        assert counts(db_path)["patients"] == 3
    finally:
        reopened.close()
    left = files(backups)
    assert not [n for n in left if "unfinished" in n or ".part" in n or "restoring" in n]
    assert {n for n in before if n.endswith("Z.sqlite3") and "/" not in n} <= left


# --- one atomic writer ------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch):
    """The disk fills up part-way through writing any unfinished file: 16 KiB go in,
    then ENOSPC, as a real full disk does. Other writes are untouched."""
    real_write = os.write

    def write(fd, data):
        if ".unfinished-" in os.readlink(f"/proc/self/fd/{fd}"):
            real_write(fd, bytes(data[:16384]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the app's files apart")
    monkeypatch.setattr(os, "write", write)


def test_a_full_disk_keeps_the_earlier_file_and_leaves_no_partial_one(tmp_path, full_disk):
    target = tmp_path / "export.json"
    target.write_bytes(b"the earlier, good export")
    with pytest.raises(StorageFull, match="full"):
        write_file(target, b"x" * 100_000)
    assert target.read_bytes() == b"the earlier, good export"
    assert files(tmp_path) == {"export.json"}


def test_export_and_recall_on_a_full_disk_exit_1_and_keep_the_earlier_file(
        capsys, clinic, db_path, tmp_path, full_disk):
    for args, name in ((["export", "patient", "P000001"], "P000001.json"),
                       (["recall", "--lot", "HA-5520"], "recall.csv"),
                       (["report", "patient", "P000001"], "P000001.pdf")):
        target = tmp_path / args[0] / name
        target.parent.mkdir()
        target.write_bytes(b"earlier good file")
        status, _out, err = cli(capsys, db_path, *args, "-o", str(target))
        assert status == 1 and "full" in err, err
        assert target.read_bytes() == b"earlier good file"
        assert files(target.parent) == {name}


def test_the_cli_never_writes_over_the_database_itself(capsys, clinic, db_path):
    before = counts(db_path)
    status, _out, err = cli(capsys, db_path, "export", "patient", "P000001",
                            "-o", str(db_path))
    assert status == 1 and "clinic database itself" in err
    assert counts(db_path) == before and integrity(db_path) == ["ok"]


# --- owner-only file modes --------------------------------------------------------------


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@posix_only
def test_everything_the_app_writes_is_owner_only_under_umask_022(
        capsys, usual_umask, tmp_path, qtbot):
    db = tmp_path / "data" / "clinic.sqlite3"
    services = open_services(db, clock=lambda: NOW)
    try:
        patient = services.patients.register(a_patient())
        services.sessions.save(patient.id, a_full_session())
        automatic = services.backup.back_up()
        copy = services.backup.back_up(tmp_path / "usb" / "copy.sqlite3")
        (tmp_path / "access").mkdir()
        exported = services.patient_data.export(patient.id, tmp_path / "access")
        wal = db.with_name(db.name + "-wal")
        shm = db.with_name(db.name + "-shm")
        assert wal.exists() and shm.exists()
        assert mode(db.parent) == 0o700 and mode(automatic.parent) == 0o700
        for path in (db, wal, shm, automatic, copy, *exported):
            assert mode(path) == 0o600, path
    finally:
        services.close()

    out = tmp_path / "out"
    out.mkdir()
    for args, name in ((["export", "patient", patient.number], "p.json"),
                       (["recall", "--lot", "HA-5520"], "recall.csv"),
                       (["report", "patient", patient.number], "p.pdf"),
                       (["backup"], None)):
        status, _o, err = cli(capsys, db, *args, *(["-o", str(out / name)] if name else []))
        assert status == 0, err
    written = [*out.iterdir(), *(db.parent / "backups").iterdir()]
    assert len(written) == 5
    assert {mode(p) for p in written} == {0o600}
    with DatabaseLock(db) as lock:
        assert mode(lock.path) == 0o600

    from practitioner_app.ui.dialogs.pdf_preview import PdfPreviewDialog

    pdf = (out / "p.pdf").read_bytes()
    preview = PdfPreviewDialog(pdf, "Patient summary", "p.pdf")
    qtbot.addWidget(preview)
    with qtbot.waitSignal(preview.saved):
        preview.save_to(tmp_path / "saved.pdf")
    assert mode(tmp_path / "saved.pdf") == 0o600


@posix_only
def test_an_older_clinics_open_files_are_made_owner_only_once_and_audited(
        usual_umask, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    from practitioner_app.paths import default_data_folder

    folder = default_data_folder()
    db = folder / "practitioner.sqlite3"
    services = open_services(db, clock=lambda: NOW)
    services.patients.register(a_patient())
    backup = services.backup.back_up()
    services.close()
    # As an older version left them: readable by every account on the computer.
    for path in (folder, backup.parent):
        path.chmod(0o755)
    for path in (db, backup):
        path.chmod(0o644)

    services = open_services(db, clock=lambda: NOW)
    try:
        assert {mode(folder), mode(backup.parent)} == {0o700}
        assert {mode(db), mode(backup)} == {0o600}
        services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Nurse", "", PASSWORD)
        services.accounts.sign_in("jroe", PASSWORD)
        entries = [e for e in services.audit.find() if e.action == Action.FILES_TIGHTENED]
        assert len(entries) == 1
        for path in (folder, db, backup.parent, backup):
            assert str(path) in entries[0].details
    finally:
        services.close()
    services = open_services(db, clock=lambda: NOW)  # nothing left to tighten: no entry
    try:
        services.accounts.sign_in("jroe", PASSWORD)
        assert len([e for e in services.audit.find()
                    if e.action == Action.FILES_TIGHTENED]) == 1
    finally:
        services.close()


def test_without_flock_as_on_windows_writes_and_backups_leave_nothing_behind(
        clinic, tmp_path, monkeypatch):
    """Windows has no flock: the unfinished file is let go before its rename (Windows
    refuses to rename an open file) and a file still open there cannot be removed, so
    a leftover is simply removed when the next writer finds it."""
    from practitioner_app.persistence import private_files

    monkeypatch.setattr(private_files, "fcntl", None)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "r.csv.unfinished-abcd1234").write_bytes(b"left by a crash")
    write_file(folder / "r.csv", "a,b\n")
    made = clinic.backup.back_up(folder / "copy.sqlite3")
    assert files(folder) == {"r.csv", "copy.sqlite3"}
    assert (folder / "r.csv").read_bytes() == b"a,b\n" and integrity(made) == ["ok"]


def test_import_refuses_the_databases_own_files_without_reading_them(capsys, clinic, db_path):
    for name in (db_path.name, db_path.name + "-wal"):
        status, _out, err = cli(capsys, db_path, "import", str(db_path.with_name(name)))
        assert status == 3 and "clinic database itself" in err, err
    assert counts(db_path)["patients"] == 3 and integrity(db_path) == ["ok"]
