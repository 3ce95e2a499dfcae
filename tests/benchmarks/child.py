"""The separate processes the start-up and memory figures are measured in.

    python -m tests.benchmarks.child app DB         the app on DB, the password typed
    python -m tests.benchmarks.child app-at-once DB the app on DB, the password given at once
    python -m tests.benchmarks.child app-due DB     the due list read again after a change
    python -m tests.benchmarks.child bare           a bare PySide6 window (the baseline)

Each prints `READY` as soon as its window is shown; for the app that is signed in with
the patient list filled, and `PROMPT` comes before it, once the window asks who is
there. The app then signs in as a clinician does: `app` types the username and password
at a brisk TYPING_KEYS_PER_S (the database opens meanwhile, as it does for a real
clinician) and prints `SIGNIN <ms>`, from the Enter key to the list filled and painted,
measured here; `app-at-once` gives the password the instant the prompt shows, the worst
case. Signed in means the patient list AND the due list filled: both are on the first
screen. `app` then views a few patients and runs a search, as a clinician would in the
first minute, and prints `RSS <kB>`, the process's peak resident memory, and `HEAVY
<names>`: which of NOT_AT_START it had imported by READY (`-` for none). Then, each
timed here: `AUDIT <ms>`, the audit trail window from the menu's call until it is
painted with its first rows; `NUMBER <ms>`, the new-patient window until it shows the
suggested number; and, after a setting is changed (so the app has something to back
up), `QUIT <ms>`, from closing the main window until it is hidden,
whatever the app does on closing meanwhile. The runner times the rest of the exit. `bare` prints
`RSS` and then `ARGON2 <ms>`: one check of the benchmark password against an Argon2id
hash made with the app's parameters, the part of signing in that is slow on purpose.
Run with QT_QPA_PLATFORM=offscreen (the runner does).

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
#: How fast the benchmark's clinician types: brisk (a fast typist at ~80 words a minute).
TYPING_KEYS_PER_S = 8
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


def run_loop_until(done, timeout_s: float = TIMEOUT_S) -> bool:
    """Run the Qt event loop, as `app.exec()` does, until `done()` (checked every
    millisecond) or `timeout_s`; whether `done()` came true. An event loop, not a
    `processEvents` or `QTest.qWait` loop: those keep Python's GIL while they wait, which
    starves the thread that opens the database, as a real app's event loop does not."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return True
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(1)
    check.timeout.connect(lambda: loop.quit() if done() else None)
    check.start()
    QTimer.singleShot(round(timeout_s * 1000), loop.quit)
    loop.exec()
    check.stop()
    return done()


def list_filled(window) -> bool:
    """Whether the main window is signed in with its patient list filled."""
    return window.is_built and window.patients.rowCount() > 0


def due_list_filled(window) -> bool:
    """Whether the due list has been read since sign-in (its count is said once it has)."""
    return window.is_built and bool(window.course_actions.due_list.count.text())


def first_screen_filled(window) -> bool:
    """The patient list and the due list, both on the screen a clinician signs in to."""
    return list_filled(window) and due_list_filled(window)


def _painted_rows(dialog) -> bool:
    """Whether any table of `dialog` shows a row (the model has one; painting follows in
    the same turn of the event loop)."""
    from PySide6.QtWidgets import QAbstractItemView

    return any(view.model() is not None and view.model().rowCount() > 0
               for view in dialog.findChildren(QAbstractItemView))


def _timed_window(app, open_, ready) -> tuple[float, object]:
    """Seconds from `open_()` (which returns the window opened) until `ready(window)` and
    the screen is updated; and the window."""
    start = time.perf_counter()
    dialog = open_()
    if not run_loop_until(lambda: dialog.isVisible() and ready(dialog)):
        raise RuntimeError(f"{type(dialog).__name__} did not show what it should")
    app.processEvents()  # painted
    return time.perf_counter() - start, dialog


def use_and_quit(app, window) -> None:
    """The audit trail window, the new-patient window, a change, then quit; prints
    AUDIT, NUMBER and QUIT (ms), each measured here."""
    audit_s, audit = _timed_window(app, window.access.open_audit, _painted_rows)
    print(f"AUDIT {audit_s * 1000:.3f}", flush=True)
    audit.close()
    app.processEvents()
    number_s, editor = _timed_window(app, window.new_patient,
                                     lambda d: bool(d.number.text()))
    print(f"NUMBER {number_s * 1000:.3f}", flush=True)
    editor.reject()
    app.processEvents()
    # A change, so closing has something to back up: the idle lock's minutes, a setting
    # no list shows (a patient's change would have the due list read again, timed on
    # its own by `app-due`, which can take far longer than quitting).
    security = window.services.security
    minutes = security.idle_minutes()
    security.set_idle_minutes(minutes + 1 if minutes < 30 else minutes - 1)
    app.processEvents()
    start = time.perf_counter()
    window.close()
    if not run_loop_until(lambda: not window.isVisible()):
        raise RuntimeError("the main window did not close")
    print(f"QUIT {(time.perf_counter() - start) * 1000:.3f}", flush=True)


def sign_in_at_once(window) -> None:
    """Give the answer to the window's sign-in dialog the instant it asks (before the
    database has finished opening, the dialog keeps it and checks it once it has)."""
    dialog = window.access.sign_in_dialog
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    dialog.attempt()


def type_sign_in(window) -> float:
    """Type the username, Tab, the password and Enter into the sign-in dialog at
    TYPING_KEYS_PER_S, the event loop running between keys; returns perf_counter() at
    the Enter key."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    dialog = window.access.sign_in_dialog
    pause_s = 1 / TYPING_KEYS_PER_S
    for box, text in ((dialog.username, USERNAME), (dialog.password, PASSWORD)):
        box.setFocus()
        for ch in text:
            QTest.keyClicks(box, ch)
            until = time.perf_counter() + pause_s
            run_loop_until(lambda until=until: time.perf_counter() >= until)
    entered = time.perf_counter()
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    return entered


def run_app(db: str, typed: bool) -> int:
    # As main.py starts it: nothing imported before the app's own entry point (importing
    # PySide6 first would slow every later import, PITFALLS 6).
    from practitioner_app.app import main

    window = main(["--db", db], exec_=False)
    from practitioner_app.ui.main_window import MainWindow

    if not isinstance(window, MainWindow):  # a message: the database could not be used
        return 4
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    app.processEvents()
    print("PROMPT", flush=True)  # the window is up, asking who is there
    entered = type_sign_in(window) if typed else sign_in_at_once(window)
    if not run_loop_until(lambda: first_screen_filled(window)):
        print(f"not signed in: {window.access.sign_in_dialog.message.text()}",
              file=sys.stderr)
        return 3
    app.processEvents()  # the list painted, not only filled
    print("READY", flush=True)
    if not typed:
        # Quit as a clinician does, so the next launch finds the file as the app leaves it
        # (sealed): a process simply ended, like a crash, leaves it to be checked whole
        # before the next sign-in, and the next launch measured the check, not the app.
        window.close()
        if not run_loop_until(lambda: not window.isVisible()):
            raise RuntimeError("the main window did not close")
        return 0
    print(f"SIGNIN {(time.perf_counter() - entered) * 1000:.3f}", flush=True)  # to painted
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
    # By the end of that minute the document machinery has loaded too (1.5 s after
    # sign-in): the peak counts it.
    if not run_loop_until(lambda: window.documents_prepared is True):
        print("documents were not prepared", file=sys.stderr)
        return 3
    print(f"RSS {_peak_rss_kb()}", flush=True)
    use_and_quit(app, window)
    return 0


def run_due_refresh(db: str) -> int:
    """Signed in (the password given at once), the first screen filled: the due list
    told that a patient changed, as after any save, until it is read again and painted.
    Prints `DUE <rows>` and then `DUEREFRESH <ms>`."""
    from practitioner_app.app import main
    from practitioner_app.domain.changes import Changes

    window = main(["--db", db], exec_=False)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    sign_in_at_once(window)
    if not run_loop_until(lambda: first_screen_filled(window)):
        return 3
    app.processEvents()
    due = window.course_actions.due_list
    print(f"DUE {due.table.rowCount()}", flush=True)
    start = time.perf_counter()
    due.apply(Changes.of(patients=(due.rows[0].patient_id if due.rows else 1,)))
    app.processEvents()
    print(f"DUEREFRESH {(time.perf_counter() - start) * 1000:.3f}", flush=True)
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
    from practitioner_app.services.accounts import password_hasher  # the app's parameters

    hasher = password_hasher()
    stored = hasher.hash(PASSWORD)
    start = time.perf_counter()
    hasher.verify(stored, PASSWORD)
    print(f"ARGON2 {(time.perf_counter() - start) * 1000:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] in (["app"], ["app-at-once"]) and len(sys.argv) == 3:
        sys.exit(run_app(sys.argv[2], typed=sys.argv[1] == "app"))
    if sys.argv[1:2] == ["app-due"] and len(sys.argv) == 3:
        sys.exit(run_due_refresh(sys.argv[2]))
    if sys.argv[1:] == ["bare"]:
        sys.exit(run_bare())
    print(__doc__, file=sys.stderr)
    sys.exit(2)
