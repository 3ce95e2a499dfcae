"""Running the command line in-process, as a test sees it."""

from __future__ import annotations

from pathlib import Path

from practitioner_app.app import main


def cli(capsys, db: Path, *args: str) -> tuple[int, str, str]:
    """Run `practitioner-app --db db ARGS...`; (exit status, stdout, stderr). A traceback
    on stderr fails the test: every error must be a message."""
    status = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err
