"""The separate processes the start-up and memory figures are measured in.

    python -m tests.benchmarks.child app DB      the app on DB, as a clinician starts it
    python -m tests.benchmarks.child bare        a bare PySide6 window (the baseline)

Each prints `READY` as soon as its window is shown (for the app: signed in, with the
patient list filled; before that `PROMPT` once the window asks who is there), so the
parent can time launch → READY. Then the app views a few patients and runs a search, as
a clinician would in the first minute, and both print `RSS <kB>`, the process's peak
resident memory. The app also prints `HEAVY <names>`: which of NOT_AT_START it had
imported by READY (`-` for none). Run with QT_QPA_PLATFORM=offscreen (the runner does).

Only the standard library is imported before the clock-relevant work starts, so both
kinds pay the same interpreter start-up.
"""

from __future__ import annotations

import resource
import sys
import time

#: Give up (exit 3) if the patient list is still empty after this long.
TIMEOUT_S = 60.0
#: The administrator the runner creates in its clinic database.
USERNAME, FULL_NAME, ROLE, REGISTRATION = (
    "bench", "Dr Bench Mark", "Aesthetic doctor", "GMC 0000000")
PASSWORD = "benchmark password 1"
#: Packages the app must not import before its first window (PITFALLS 6): ReportLab only
#: for a document, Alembic only for a migration, PDFium only for a preview.
NOT_AT_START = ("reportlab", "alembic", "mako", "pypdfium2", "pypdf")


def _peak_rss_kb() -> int:
    """This process's peak resident memory in kB.

    Linux's `ru_maxrss` (resource.getrusage) carries over the peak of the process that
    forked this one: exec records the old image's high-water mark. Started from a runner
    holding a 10,000-patient build, every child reported the runner's 160 MB. The
    kernel's VmHWM is this image's own peak, so it is used where there is one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux, B on macOS


def sign_in(window) -> None:
    """Sign in through the window's own sign-in dialog, when the app asks (it shows no
    patient until someone has signed in). Raises RuntimeError if the account is refused."""
    dialog = getattr(getattr(window, "access", None), "sign_in_dialog", None)
    if dialog is None or not dialog.isVisible():
        return
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    if not dialog.attempt():
        raise RuntimeError(f"sign-in refused: {dialog.message.text()}")


def run_app(db: str) -> int:
    # As main.py starts it: nothing imported before the app's own entry point (importing
    # PySide6 first would slow every later import, PITFALLS 6).
    from practitioner_app.app import main

    window = main(["--db", db], exec_=False)
    if not hasattr(window, "patients"):  # no main window: the database could not be used
        return 4
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    app.processEvents()
    print("PROMPT", flush=True)  # the window is up, asking who is there
    sign_in(window)  # as if typed at once: the time is the app's, not the user's
    deadline = time.monotonic() + TIMEOUT_S
    app.processEvents()
    while window.patients.rowCount() == 0:
        if time.monotonic() > deadline:
            return 3
        app.processEvents()
    print("READY", flush=True)
    # Documents, migrations and the PDF preview are not on the way to the first window.
    heavy = sorted({name.partition(".")[0] for name in sys.modules} & set(NOT_AT_START))
    print(f"HEAVY {','.join(heavy) or '-'}", flush=True)

    # The first minute of use: a few patients looked at, a search, the search cleared.
    for row in range(min(10, window.patients.rowCount())):
        window.patient_view.setCurrentIndex(window.patients.index(row, 0))
        app.processEvents()
    for text in ("s", "sm", "smi", "", "benchmark"):
        window.search.setText(text)
        app.processEvents()
    for row in range(window.patients.rowCount()):
        window.patient_view.setCurrentIndex(window.patients.index(row, 0))
        app.processEvents()
    print(f"RSS {_peak_rss_kb()}", flush=True)
    window.close()
    return 0


def run_bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    print("READY", flush=True)
    print(f"RSS {_peak_rss_kb()}", flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["app"] and len(sys.argv) == 3:
        sys.exit(run_app(sys.argv[2]))
    if sys.argv[1:] == ["bare"]:
        sys.exit(run_bare())
    print(__doc__, file=sys.stderr)
    sys.exit(2)
